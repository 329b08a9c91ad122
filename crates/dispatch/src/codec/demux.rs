//! stdcopy demultiplexing: the framing Docker and Podman use for the output
//! of containers without a TTY (attach, logs, exec start).
//!
//! A frame is an 8-byte header `[type, 0, 0, 0, len as u32 big endian]`
//! followed by `len` bytes of payload. Type 0 is stdin, 1 stdout, 2 stderr
//! and 3 a daemon error that ends the stream.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{DecodeError, EngineError, Error};

/// Which standard stream of the container a [`Frame`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamKind {
    /// Standard input (echoed back by some engines).
    Stdin,
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl StreamKind {
    /// The stream's conventional name: `stdin`, `stdout` or `stderr`.
    ///
    /// ```
    /// use contajners_dispatch::codec::StreamKind;
    /// assert_eq!(StreamKind::Stderr.as_str(), "stderr");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Stdin => "stdin",
            StreamKind::Stdout => "stdout",
            StreamKind::Stderr => "stderr",
        }
    }
}

impl std::fmt::Display for StreamKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Output of one standard stream of a container.
///
/// The payload is never copied: it is a slice of the chunk it arrived in.
/// A frame the engine wrote across two chunks therefore arrives as two
/// consecutive `Frame`s of the same stream; concatenating the frames of a
/// stream always gives exactly the bytes the container wrote to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The stream the bytes were written to.
    pub stream: StreamKind,
    /// The bytes, never empty.
    pub data: Bytes,
}

/// The stream type byte of a daemon error frame.
pub(super) const SYSTEM_ERROR: u8 = 3;
pub(super) const HEADER_LEN: usize = 8;

/// The frame whose payload is being read.
#[derive(Debug, Clone, Copy)]
struct Current {
    kind: u8,
    len: usize,
    remaining: usize,
}

/// The stdcopy demultiplexer as a push decoder, free of any IO.
///
/// Feed it chunks with [`push`](Self::push), take frames with
/// [`next_frame`](Self::next_frame) until it returns `None`, and call
/// [`finish`](Self::finish) at the end of input so a truncated frame is
/// reported instead of lost. [`Demux`](super::Demux) wraps it as a `Stream`.
///
/// ```
/// use bytes::Bytes;
/// use contajners_dispatch::codec::{Demuxer, StreamKind};
///
/// let mut demuxer = Demuxer::new();
/// demuxer.push(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n"));
/// let frame = demuxer.next_frame().unwrap().unwrap();
/// assert_eq!((frame.stream, &frame.data[..]), (StreamKind::Stdout, &b"hi\n"[..]));
/// assert!(demuxer.next_frame().is_none());
/// assert!(demuxer.finish().is_ok());
/// ```
#[derive(Debug, Default)]
pub struct Demuxer {
    /// The current chunk; bytes before `pos` are consumed. The fast paths
    /// move `pos` only, the slow path keeps `pos` at 0.
    chunk: Bytes,
    pos: usize,
    header: [u8; HEADER_LEN],
    header_len: usize,
    current: Option<Current>,
    system_error: BytesMut,
    offset: u64,
    /// The payload [`next_slice`](Self::next_slice) lends when it had to
    /// take the slow path.
    lent: Bytes,
}

impl Demuxer {
    /// A demultiplexer at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next chunk of input.
    ///
    /// Call it only after [`next_frame`](Self::next_frame) returned `None`:
    /// the unread rest of the previous chunk would otherwise be kept in front.
    #[inline]
    pub fn push(&mut self, chunk: Bytes) {
        self.compact();
        if self.chunk.is_empty() {
            self.chunk = chunk;
        } else {
            // Not the expected use, but never lose bytes: join them.
            let mut joined = BytesMut::with_capacity(self.chunk.len() + chunk.len());
            joined.extend_from_slice(&self.chunk);
            joined.extend_from_slice(&chunk);
            self.chunk = joined.freeze();
        }
    }

    /// The next frame, an error, or `None` when more input is needed.
    ///
    /// After an error the stream is broken: do not call it again.
    #[inline]
    pub fn next_frame(&mut self) -> Option<Result<Frame, Error>> {
        // The common case first: a whole stdout/stderr/stdin frame lies in
        // the chunk, so it is one reference count and no copy.
        if let Some((stream, start, len)) = self.whole_frame() {
            return Some(Ok(Frame {
                stream,
                data: self.chunk.slice(start..start + len),
            }));
        }
        self.next_frame_slow()
    }

    /// Like [`next_frame`](Self::next_frame), but lends the payload instead
    /// of sharing it: no reference count at all, for a consumer that only
    /// reads the bytes (writes them out, scans them) before asking for the
    /// next frame.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use contajners_dispatch::codec::{Demuxer, StreamKind};
    ///
    /// let mut demuxer = Demuxer::new();
    /// demuxer.push(Bytes::from_static(b"\x02\x00\x00\x00\x00\x00\x00\x03err"));
    /// match demuxer.next_slice() {
    ///     Some(Ok((kind, data))) => assert_eq!((kind, data), (StreamKind::Stderr, &b"err"[..])),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    #[inline]
    pub fn next_slice(&mut self) -> Option<Result<(StreamKind, &[u8]), Error>> {
        if let Some((stream, start, len)) = self.whole_frame() {
            return Some(Ok((stream, &self.chunk[start..start + len])));
        }
        match self.next_frame_slow() {
            Some(Ok(frame)) => {
                // The slow path split the payload off the front of a chunk;
                // keep it to lend it out.
                self.lent = frame.data;
                Some(Ok((frame.stream, &self.lent[..])))
            }
            Some(Err(err)) => Some(Err(err)),
            None => None,
        }
    }

    /// A whole frame at `pos`: consumes it, returns its stream and where
    /// its payload lies in the chunk.
    #[inline]
    fn whole_frame(&mut self) -> Option<(StreamKind, usize, usize)> {
        if self.current.is_some() || self.header_len != 0 {
            return None;
        }
        let rest = self.chunk.get(self.pos..)?;
        let h = rest.get(..HEADER_LEN)?;
        let kind = h[0];
        let len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
        if kind >= SYSTEM_ERROR || len == 0 || rest.len() - HEADER_LEN < len {
            return None;
        }
        let stream = stream_kind(kind);
        let start = self.pos + HEADER_LEN;
        self.pos = start + len;
        self.offset += (HEADER_LEN + len) as u64;
        Some((stream, start, len))
    }

    /// Drops the consumed front of the chunk, so the slow path can work on
    /// the chunk itself.
    fn compact(&mut self) {
        if self.pos > 0 {
            self.chunk.advance(self.pos);
            self.pos = 0;
        }
    }

    /// Lets go of a chunk read to its end: an empty `Bytes` advanced to the
    /// end still holds a reference to the transport's read buffer, which
    /// the transport can then not reuse for the next read.
    #[inline]
    fn release_if_consumed(&mut self) {
        if self.chunk.is_empty() {
            self.chunk = Bytes::new();
        }
    }

    /// Everything else: headers and payloads across chunks, empty frames,
    /// daemon errors, unknown types.
    fn next_frame_slow(&mut self) -> Option<Result<Frame, Error>> {
        let next = self.decode_slow();
        if next.is_none() {
            // More input is needed: the caller reads the next chunk now.
            self.release_if_consumed();
        }
        next
    }

    fn decode_slow(&mut self) -> Option<Result<Frame, Error>> {
        self.compact();
        loop {
            let current = match self.current {
                Some(current) => current,
                None => match self.read_header() {
                    Some(Ok(current)) => current,
                    Some(Err(err)) => return Some(Err(err)),
                    None => return None,
                },
            };
            if self.chunk.is_empty() {
                return None;
            }
            let take = current.remaining.min(self.chunk.len());
            let data = self.chunk.split_to(take);
            self.offset += take as u64;
            let remaining = current.remaining - take;
            self.current = if remaining == 0 {
                None
            } else {
                Some(Current {
                    remaining,
                    ..current
                })
            };
            let stream = match current.kind {
                0 => StreamKind::Stdin,
                1 => StreamKind::Stdout,
                2 => StreamKind::Stderr,
                _ => {
                    // A daemon error: keep it whole, it is reported once.
                    self.system_error.extend_from_slice(&data);
                    if remaining == 0 {
                        return Some(Err(self.system_error()));
                    }
                    continue;
                }
            };
            return Some(Ok(Frame { stream, data }));
        }
    }

    /// Checks the end of input: an error when it cut a frame short.
    pub fn finish(&mut self) -> Result<(), Error> {
        self.compact();
        if !self.chunk.is_empty() {
            // Input left that did not form a header: a truncated header.
            return Err(self.truncated(self.chunk.len(), HEADER_LEN, "header"));
        }
        if self.header_len > 0 {
            return Err(self.truncated(self.header_len, HEADER_LEN, "header"));
        }
        if let Some(current) = self.current {
            let what = if current.kind == SYSTEM_ERROR {
                "daemon error payload"
            } else {
                "payload"
            };
            return Err(self.truncated(current.len - current.remaining, current.len, what));
        }
        Ok(())
    }

    /// Reads (or completes) a frame header; `None` when more input is needed.
    fn read_header(&mut self) -> Option<Result<Current, Error>> {
        loop {
            let header: [u8; HEADER_LEN] = if self.header_len == 0 && self.chunk.len() >= HEADER_LEN
            {
                // The common case: the whole header lies in this chunk.
                let mut header = [0u8; HEADER_LEN];
                header.copy_from_slice(&self.chunk[..HEADER_LEN]);
                self.chunk.advance(HEADER_LEN);
                header
            } else {
                if self.chunk.is_empty() {
                    return None;
                }
                let take = (HEADER_LEN - self.header_len).min(self.chunk.len());
                self.header[self.header_len..self.header_len + take]
                    .copy_from_slice(&self.chunk[..take]);
                self.chunk.advance(take);
                self.header_len += take;
                if self.header_len < HEADER_LEN {
                    return None;
                }
                self.header_len = 0;
                self.header
            };
            let at = self.offset;
            self.offset += HEADER_LEN as u64;
            let kind = header[0];
            if kind > SYSTEM_ERROR {
                return Some(Err(unknown_stream_type(at, kind)));
            }
            let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
            if len == 0 {
                if kind == SYSTEM_ERROR {
                    return Some(Err(self.system_error()));
                }
                // An empty frame carries nothing; there is nothing to yield.
                continue;
            }
            let current = Current {
                kind,
                len,
                remaining: len,
            };
            self.current = Some(current);
            return Some(Ok(current));
        }
    }

    #[cold]
    fn system_error(&mut self) -> Error {
        daemon_error(std::mem::take(&mut self.system_error).freeze())
    }

    fn truncated(&self, got: usize, expected: usize, what: &str) -> Error {
        truncated(self.offset, got, expected, what)
    }
}

/// The stream kind of a type byte below [`SYSTEM_ERROR`].
#[inline]
pub(super) fn stream_kind(kind: u8) -> StreamKind {
    match kind {
        0 => StreamKind::Stdin,
        1 => StreamKind::Stdout,
        _ => StreamKind::Stderr,
    }
}

// The errors below are shared with the batch demultiplexer, so both say
// exactly the same thing at the same stream offset.

/// A header whose type byte is none of the four stdcopy types; `at` is the
/// stream offset of the header.
#[cold]
pub(super) fn unknown_stream_type(at: u64, kind: u8) -> Error {
    Error::Decode(DecodeError::new(format!(
        "byte {at} of a multiplexed stream starts a frame of unknown stream type {kind} \
         (expected 0 stdin, 1 stdout, 2 stderr or 3 daemon error); is the stream really \
         multiplexed? Output of a container with a TTY is raw"
    )))
}

/// The payload of a daemon error frame, as the engine's error.
#[cold]
pub(super) fn daemon_error(body: Bytes) -> Error {
    let message = String::from_utf8_lossy(&body).trim_end().to_string();
    Error::Engine(EngineError::in_stream(message, body))
}

/// The end of input inside a frame; `offset` counts the bytes of every
/// whole header and every payload byte read so far.
#[cold]
pub(super) fn truncated(offset: u64, got: usize, expected: usize, what: &str) -> Error {
    Error::Decode(DecodeError::new(format!(
        "the multiplexed stream ended inside a frame {what}: got {got} of {expected} bytes \
         (stream offset {offset}); the connection was cut or the stream is not multiplexed"
    )))
}
