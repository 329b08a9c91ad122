//! JSON sequences: the progress streams of pull, push, build, load and the
//! event stream, where the engine writes one JSON object after another with
//! no promise about how they fall into chunks.

use bytes::{Buf, BytesMut};
use serde_json::Value;

use crate::error::{DecodeError, EngineError, Error};

/// The JSON-sequence decoder as a push decoder, free of any IO.
///
/// It accepts objects back to back, separated by newlines or whitespace or
/// nothing, and RFC 7464 record separators. An object carrying an in-band
/// failure (`errorDetail` or `error`, as Docker sends when a pull fails after
/// the 200) becomes an [`Error::Engine`] with status 200, whose
/// [`body`](crate::EngineError::body) keeps the object itself.
/// [`JsonSeq`](super::JsonSeq) wraps it as a `Stream`.
///
/// ```
/// use contajners_dispatch::codec::JsonSeqDecoder;
///
/// let mut decoder = JsonSeqDecoder::new();
/// decoder.push(br#"{"status":"Pulling"}{"stat"#);
/// assert_eq!(decoder.next_value().unwrap().unwrap()["status"], "Pulling");
/// assert!(decoder.next_value().is_none()); // waits for the rest
/// decoder.push(br#"us":"Done"}"#);
/// assert_eq!(decoder.next_value().unwrap().unwrap()["status"], "Done");
/// assert!(decoder.finish().is_ok());
/// ```
#[derive(Debug, Default)]
pub struct JsonSeqDecoder {
    buf: BytesMut,
    /// Bytes at the front of `buf` already known to hold no complete value;
    /// a new attempt is useless until more arrive.
    waiting_for_more: bool,
}

impl JsonSeqDecoder {
    /// A decoder at the start of a sequence.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next chunk of input.
    pub fn push(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        self.buf.extend_from_slice(chunk);
        // An object or array can only complete with a closing bracket:
        // without one in the new bytes, parsing again from its start would
        // only redo work (quadratic for a large value in small chunks).
        let open = self.buf.first().copied();
        let may_close = match open {
            Some(b'{') | Some(b'[') => chunk.iter().any(|&b| b == b'}' || b == b']'),
            _ => true,
        };
        if may_close {
            self.waiting_for_more = false;
        }
    }

    /// The next value, an error, or `None` when more input is needed.
    pub fn next_value(&mut self) -> Option<Result<Value, Error>> {
        self.next_inner(false)
    }

    /// Checks the end of input: an error when it cut a value short.
    ///
    /// A last value that could only be told complete at the end (a bare
    /// number) is returned here.
    pub fn finish(&mut self) -> Result<Option<Value>, Error> {
        match self.next_inner(true) {
            Some(Ok(value)) => Ok(Some(value)),
            Some(Err(err)) => Err(err),
            None => Ok(None),
        }
    }

    fn next_inner(&mut self, at_end: bool) -> Option<Result<Value, Error>> {
        let skip = self
            .buf
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x1e))
            .unwrap_or(self.buf.len());
        self.buf.advance(skip);
        if self.buf.is_empty() || (self.waiting_for_more && !at_end) {
            return None;
        }
        let mut values = serde_json::Deserializer::from_slice(&self.buf).into_iter::<Value>();
        match values.next() {
            Some(Ok(value)) => {
                let end = values.byte_offset();
                // A number at the very end may still grow ("12" then "3").
                if !at_end && end == self.buf.len() && value.is_number() {
                    self.waiting_for_more = true;
                    return None;
                }
                self.buf.advance(end);
                Some(in_band_error(value))
            }
            Some(Err(err)) if err.is_eof() && !at_end => {
                self.waiting_for_more = true;
                None
            }
            Some(Err(err)) => {
                let shown =
                    String::from_utf8_lossy(&self.buf[..self.buf.len().min(80)]).into_owned();
                self.buf.clear();
                let what = if err.is_eof() {
                    "the JSON stream ended inside a value"
                } else {
                    "the JSON stream holds something that is not JSON"
                };
                Some(Err(Error::Decode(
                    DecodeError::new(format!("{what}, starting with {shown:?}")).with_source(err),
                )))
            }
            None => None,
        }
    }
}

/// Turns Docker's in-band failure object into an error.
fn in_band_error(value: Value) -> Result<Value, Error> {
    let message = value
        .get("errorDetail")
        .and_then(|detail| detail.get("message"))
        .and_then(Value::as_str)
        .or_else(|| value.get("error").and_then(Value::as_str))
        // Podman's pull report may carry `"error": ""`: no error.
        .filter(|message| !message.is_empty());
    match message {
        Some(message) => Err(Error::Engine(EngineError::in_stream(
            message.to_string(),
            bytes::Bytes::from(value.to_string()),
        ))),
        None => Ok(value),
    }
}
