//! Response bodies: taking the body's bytes out of the connection's read
//! buffer, whatever its framing, without copying them.

use bytes::{Buf, Bytes, BytesMut};

use super::head::BodyEnd;
use super::Malformed;

/// A chunk-size line (size, extensions, CRLF) longer than this is refused.
const MAX_CHUNK_LINE: usize = 4096;

/// Trailers longer than this in all are refused (engines send none).
const MAX_TRAILERS: usize = 64 * 1024;

/// What [`Decoder::decode`] found in the buffer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// The next bytes of the body.
    Data(Bytes),
    /// The buffer holds no more of the body; read more from the connection.
    NeedMore,
    /// The body is complete.
    End,
}

/// The state of one response body.
#[derive(Debug)]
pub(crate) struct Decoder {
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// This many body bytes are still to come.
    Length(u64),
    /// Before a chunk-size line.
    ChunkSize,
    /// Inside a chunk, this many bytes still to come.
    ChunkData(u64),
    /// After a chunk's data, before its CRLF.
    ChunkEnd,
    /// After the last chunk: trailer lines until an empty one; counts the
    /// trailer bytes seen.
    Trailers(usize),
    /// Until the connection closes.
    UntilClose,
    Done,
}

impl Decoder {
    pub(crate) fn new(end: BodyEnd) -> Self {
        let state = match end {
            BodyEnd::Length(0) => State::Done,
            BodyEnd::Length(n) => State::Length(n),
            BodyEnd::Chunked => State::ChunkSize,
            BodyEnd::Close => State::UntilClose,
        };
        Decoder { state }
    }

    /// Whether the whole body has been taken.
    #[cfg(test)]
    fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Takes the next piece of the body from the front of `buf`. Pieces are
    /// split off `buf` (no copy); everything `buf` holds of the body is
    /// returned at once, up to the end of a chunk.
    pub(crate) fn decode(&mut self, buf: &mut BytesMut) -> Result<Decoded, Malformed> {
        loop {
            match self.state {
                State::Done => return Ok(Decoded::End),
                State::Length(left) | State::ChunkData(left) => {
                    if buf.is_empty() {
                        return Ok(Decoded::NeedMore);
                    }
                    let take = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
                    let rest = left - take as u64;
                    self.state = match (self.state, rest) {
                        (State::Length(_), 0) => State::Done,
                        (State::Length(_), _) => State::Length(rest),
                        (_, 0) => State::ChunkEnd,
                        (_, _) => State::ChunkData(rest),
                    };
                    return Ok(Decoded::Data(buf.split_to(take).freeze()));
                }
                State::UntilClose => {
                    if buf.is_empty() {
                        return Ok(Decoded::NeedMore);
                    }
                    return Ok(Decoded::Data(buf.split().freeze()));
                }
                State::ChunkSize => {
                    let Some(len) = line_len(buf, MAX_CHUNK_LINE, "a chunk-size line")? else {
                        return Ok(Decoded::NeedMore);
                    };
                    let size = chunk_size(&buf[..len])?;
                    buf.advance(len + 2);
                    self.state = if size == 0 {
                        State::Trailers(0)
                    } else {
                        State::ChunkData(size)
                    };
                }
                State::ChunkEnd => {
                    if buf.len() < 2 {
                        return Ok(Decoded::NeedMore);
                    }
                    if &buf[..2] != b"\r\n" {
                        return Err(Malformed::new(format!(
                            "a chunk of the response body is longer than its size line said (found {:?} where CRLF belongs)",
                            String::from_utf8_lossy(&buf[..buf.len().min(16)])
                        )));
                    }
                    buf.advance(2);
                    self.state = State::ChunkSize;
                }
                State::Trailers(seen) => {
                    let limit = MAX_TRAILERS - seen;
                    let Some(len) = line_len(buf, limit, "the trailers")? else {
                        return Ok(Decoded::NeedMore);
                    };
                    buf.advance(len + 2);
                    self.state = if len == 0 {
                        State::Done
                    } else {
                        State::Trailers(seen + len + 2)
                    };
                }
            }
        }
    }

    /// The connection ended: fine only for a body that runs until then (or
    /// is complete); anything else is a short body, reported as such.
    pub(crate) fn at_eof(&mut self) -> Result<(), Malformed> {
        let missing = match self.state {
            State::Done => return Ok(()),
            State::UntilClose => {
                self.state = State::Done;
                return Ok(());
            }
            State::Length(left) => format!("{left} bytes before its end"),
            State::ChunkData(left) => format!("in the middle of a chunk ({left} bytes missing)"),
            State::ChunkSize | State::ChunkEnd => "between chunks, before the last one".into(),
            State::Trailers(_) => "in its trailers".into(),
        };
        Err(Malformed::new(format!(
            "the engine closed the connection {missing}: the response body is incomplete"
        )))
    }
}

/// The length of the CRLF-terminated line at the front of `buf` (without
/// the CRLF), or `None` when the line is not complete yet. Found in place:
/// there is one such line per chunk.
fn line_len(buf: &[u8], limit: usize, what: &str) -> Result<Option<usize>, Malformed> {
    match buf.iter().take(limit).position(|b| *b == b'\n') {
        Some(at) if at > 0 && buf[at - 1] == b'\r' => Ok(Some(at - 1)),
        Some(_) => Err(Malformed::new(format!(
            "{what} in the response body does not end with CRLF"
        ))),
        None if buf.len() >= limit => Err(Malformed::new(format!(
            "{what} in the response body is longer than {limit} bytes"
        ))),
        None => Ok(None),
    }
}

/// The size of a chunk from its size line (hex digits, then optional
/// `;extensions`, which are ignored).
fn chunk_size(line: &[u8]) -> Result<u64, Malformed> {
    let digits = line
        .split(|b| *b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    let bad = || {
        Malformed::new(format!(
            "the chunk-size line {:?} in the response body is not a hex size",
            String::from_utf8_lossy(line)
        ))
    };
    if digits.is_empty() || digits.len() > 16 {
        return Err(bad());
    }
    let mut size = 0u64;
    for d in digits {
        let v = (*d as char).to_digit(16).ok_or_else(bad)?;
        size = size << 4 | u64::from(v);
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds `wire` in pieces of the given sizes; returns the body and
    /// whether the decoder reached the end.
    fn decode_in_pieces(
        end: BodyEnd,
        wire: &[u8],
        cuts: &[usize],
    ) -> Result<(Vec<u8>, bool), Malformed> {
        let mut dec = Decoder::new(end);
        let mut buf = BytesMut::new();
        let mut body = Vec::new();
        let mut rest = wire;
        let mut cuts = cuts.iter().copied().cycle();
        loop {
            match dec.decode(&mut buf)? {
                Decoded::Data(b) => {
                    assert!(!b.is_empty());
                    body.extend_from_slice(&b);
                }
                Decoded::End => return Ok((body, true)),
                Decoded::NeedMore if rest.is_empty() => {
                    dec.at_eof()?;
                    return Ok((body, dec.is_done()));
                }
                Decoded::NeedMore => {
                    let n = cuts.next().unwrap_or(1).clamp(1, rest.len());
                    buf.extend_from_slice(&rest[..n]);
                    rest = &rest[n..];
                }
            }
        }
    }

    fn chunked(body: &[u8], sizes: &[usize]) -> Vec<u8> {
        let mut wire = Vec::new();
        let mut rest = body;
        let mut sizes = sizes.iter().copied().cycle();
        while !rest.is_empty() {
            let n = sizes.next().unwrap_or(1).clamp(1, rest.len());
            wire.extend_from_slice(format!("{n:x};ext=1\r\n").as_bytes());
            wire.extend_from_slice(&rest[..n]);
            wire.extend_from_slice(b"\r\n");
            rest = &rest[n..];
        }
        wire.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\n");
        wire
    }

    proptest! {
        #[test]
        fn chunked_bodies_decode_whatever_the_reads(
            body in proptest::collection::vec(any::<u8>(), 0..2000),
            sizes in proptest::collection::vec(1usize..300, 1..8),
            cuts in proptest::collection::vec(1usize..64, 1..8),
        ) {
            let wire = chunked(&body, &sizes);
            let (got, done) = decode_in_pieces(BodyEnd::Chunked, &wire, &cuts).unwrap();
            prop_assert!(done);
            prop_assert_eq!(got, body);
        }

        #[test]
        fn length_bodies_stop_at_their_length(
            body in proptest::collection::vec(any::<u8>(), 0..2000),
        ) {
            // Bytes after the body belong to the next answer.
            let mut wire = body.clone();
            wire.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
            let mut dec = Decoder::new(BodyEnd::Length(body.len() as u64));
            let mut buf = BytesMut::from(&wire[..]);
            let mut got = Vec::new();
            while let Decoded::Data(b) = dec.decode(&mut buf).unwrap() {
                got.extend_from_slice(&b);
            }
            prop_assert!(dec.is_done());
            prop_assert_eq!(got, body);
            prop_assert_eq!(&buf[..], b"HTTP/1.1 200 OK\r\n");
        }

        #[test]
        fn a_chunked_body_cut_short_is_an_error(
            body in proptest::collection::vec(any::<u8>(), 1..500),
            keep in 0usize..500,
        ) {
            let wire = chunked(&body, &[100]);
            let keep = keep.min(wire.len() - 1);
            let err = decode_in_pieces(BodyEnd::Chunked, &wire[..keep], &[7]).unwrap_err();
            prop_assert!(err.0.contains("incomplete"), "{}", err);
        }
    }

    #[test]
    fn a_length_body_cut_short_says_how_much_is_missing() {
        let err = decode_in_pieces(BodyEnd::Length(10), b"12345", &[3]).unwrap_err();
        assert!(err.0.contains("5 bytes before its end"), "{err}");
    }

    #[test]
    fn a_body_until_close_ends_at_eof() {
        let (got, done) = decode_in_pieces(BodyEnd::Close, b"all of it", &[4]).unwrap();
        assert_eq!(got, b"all of it");
        assert!(done);
    }

    #[test]
    fn bad_chunk_framing_is_refused() {
        for wire in [
            &b"zz\r\nab\r\n0\r\n\r\n"[..],
            b"2\r\nabc\r\n0\r\n\r\n",
            b"2\nab\r\n",
        ] {
            assert!(
                decode_in_pieces(BodyEnd::Chunked, wire, &[64]).is_err(),
                "{wire:?}"
            );
        }
        let long = [b'1'; MAX_CHUNK_LINE + 1];
        let err = decode_in_pieces(BodyEnd::Chunked, &long, &[MAX_CHUNK_LINE + 1]).unwrap_err();
        assert!(err.0.contains("longer than"), "{err}");
        let err = decode_in_pieces(BodyEnd::Chunked, b"11111111111111111\r\n", &[64]).unwrap_err();
        assert!(err.0.contains("not a hex size"), "{err}");
    }
}
