//! Lines: log output and other text streams, one line at a time.

use bytes::{Buf, Bytes, BytesMut};

/// The lines decoder as a push decoder, free of any IO.
///
/// Yields each line without its `\n` (and without a `\r` before it). A line
/// that lies in one chunk is not copied. [`Lines`](super::Lines) wraps it
/// as a `Stream`.
///
/// ```
/// use bytes::Bytes;
/// use contajners_dispatch::codec::LinesDecoder;
///
/// let mut lines = LinesDecoder::new();
/// lines.push(Bytes::from_static(b"1\n2\r\n3"));
/// assert_eq!(lines.next_line().as_deref(), Some(&b"1"[..]));
/// assert_eq!(lines.next_line().as_deref(), Some(&b"2"[..]));
/// assert_eq!(lines.next_line(), None);
/// assert_eq!(lines.finish().as_deref(), Some(&b"3"[..]));
/// ```
#[derive(Debug, Default)]
pub struct LinesDecoder {
    chunk: Bytes,
    partial: BytesMut,
}

impl LinesDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next chunk of input.
    pub fn push(&mut self, chunk: Bytes) {
        if self.chunk.is_empty() {
            self.chunk = chunk;
        } else {
            self.partial.extend_from_slice(&self.chunk);
            self.chunk = chunk;
        }
    }

    /// The next complete line, or `None` when more input is needed.
    pub fn next_line(&mut self) -> Option<Bytes> {
        match self.chunk.iter().position(|&b| b == b'\n') {
            Some(pos) => {
                let line = if self.partial.is_empty() {
                    let line = self.chunk.split_to(pos);
                    self.chunk.advance(1);
                    line
                } else {
                    self.partial.extend_from_slice(&self.chunk[..pos]);
                    self.chunk.advance(pos + 1);
                    self.partial.split().freeze()
                };
                Some(strip_cr(line))
            }
            None => {
                self.partial.extend_from_slice(&self.chunk);
                self.chunk = Bytes::new();
                None
            }
        }
    }

    /// The last line when the input did not end with a newline.
    pub fn finish(&mut self) -> Option<Bytes> {
        self.partial.extend_from_slice(&self.chunk);
        self.chunk = Bytes::new();
        if self.partial.is_empty() {
            None
        } else {
            Some(strip_cr(self.partial.split().freeze()))
        }
    }
}

fn strip_cr(mut line: Bytes) -> Bytes {
    if line.last() == Some(&b'\r') {
        line.truncate(line.len() - 1);
    }
    line
}
