//! Telling a multiplexed stream from its first bytes, for engines that do
//! not label it (Docker before API 1.42, Podman) and callers that do not
//! know whether the container has a TTY.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::error::Error;

/// Whether `head`, the first bytes of a container's output, is a stdcopy
/// header: `Some(true)` for a stream type 0, 1 or 2 followed by three zero
/// bytes (which no text starts with), `Some(false)` as soon as it cannot
/// be one, `None` while fewer than 8 bytes leave it open.
///
/// It decides as early as it can: a TTY prompt (`/ # `) is shorter than a
/// header and its first byte already tells.
///
/// ```
/// use contajners_dispatch::codec::looks_multiplexed;
///
/// assert_eq!(looks_multiplexed(b"\x01\x00\x00\x00\x00\x00\x00\x05hello"), Some(true));
/// assert_eq!(looks_multiplexed(b"/ # "), Some(false));
/// assert_eq!(looks_multiplexed(b"\x01\x00"), None);
/// ```
pub fn looks_multiplexed(head: &[u8]) -> Option<bool> {
    match head {
        [first, ..] if *first > 2 => Some(false),
        [_, a, b, c, _, _, _, _, ..] => Some([*a, *b, *c] == [0, 0, 0]),
        // A header of 0-2 then zeros so far, or nothing yet: still open.
        [_, rest @ ..] if rest.iter().take(3).any(|b| *b != 0) => Some(false),
        _ => None,
    }
}

/// Reads `chunks` until [`looks_multiplexed`] decides (or the stream ends,
/// which means not multiplexed) and gives the answer with the whole stream
/// back, the bytes read to decide included.
///
/// ```
/// use bytes::Bytes;
/// use futures_util::{stream, TryStreamExt};
/// use contajners_dispatch::codec::{sniff, Demux};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // A header split across chunks.
/// let chunks = stream::iter([
///     Ok::<_, std::io::Error>(Bytes::from_static(b"\x01\x00")),
///     Ok(Bytes::from_static(b"\x00\x00\x00\x00\x00\x03hi\n")),
/// ]);
/// let sniffed = sniff(chunks).await?;
/// assert!(sniffed.is_multiplexed());
/// let frames: Vec<_> = Demux::new(sniffed).try_collect().await?;
/// assert_eq!(&frames[0].data[..], b"hi\n");
/// # Ok::<(), contajners_dispatch::Error>(())
/// # }).unwrap();
/// ```
pub async fn sniff<S, E>(mut chunks: S) -> Result<Sniffed<S>, Error>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
{
    let mut head: Vec<u8> = Vec::with_capacity(8);
    let mut seen: VecDeque<Bytes> = VecDeque::new();
    let multiplexed = loop {
        if let Some(decided) = looks_multiplexed(&head) {
            break decided;
        }
        match chunks.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(Into::into)?;
                let wanted = 8 - head.len();
                head.extend_from_slice(&chunk[..chunk.len().min(wanted)]);
                seen.push_back(chunk);
            }
            None => break false,
        }
    };
    Ok(Sniffed {
        multiplexed,
        seen,
        rest: chunks,
    })
}

/// The stream returned by [`sniff`]: every chunk of the original stream,
/// with whether it is multiplexed.
#[derive(Debug)]
pub struct Sniffed<S> {
    multiplexed: bool,
    seen: VecDeque<Bytes>,
    rest: S,
}

impl<S> Sniffed<S> {
    /// Whether the first bytes were a stdcopy header.
    pub fn is_multiplexed(&self) -> bool {
        self.multiplexed
    }
}

impl<S, E> Stream for Sniffed<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
{
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(chunk) = self.seen.pop_front() {
            return Poll::Ready(Some(Ok(chunk)));
        }
        Pin::new(&mut self.rest)
            .poll_next(cx)
            .map(|item| item.map(|chunk| chunk.map_err(Into::into)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::{stream, TryStreamExt};

    fn sniffed(chunks: &[&'static [u8]]) -> (bool, Vec<u8>) {
        let chunks: Vec<Result<Bytes, Error>> =
            chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let sniffed = sniff(stream::iter(chunks)).await.expect("sniffed");
            let multiplexed = sniffed.is_multiplexed();
            let all: Vec<Bytes> = sniffed.try_collect().await.expect("replayed");
            (multiplexed, all.concat())
        })
    }

    #[test]
    fn the_first_bytes_tell_and_nothing_is_lost() {
        let header_split = [&b"\x01\x00"[..], b"\x00\x00\x00\x00\x00\x01", b"\n"];
        assert_eq!(
            sniffed(&header_split),
            (true, b"\x01\x00\x00\x00\x00\x00\x00\x01\n".to_vec())
        );
        assert_eq!(sniffed(&[b"/ # "]), (false, b"/ # ".to_vec()));
        assert_eq!(sniffed(&[b"\x01", b"x"]), (false, b"\x01x".to_vec()));
        assert_eq!(sniffed(&[]), (false, Vec::new()));
        // Ended before a whole header: not multiplexed, the bytes kept.
        assert_eq!(sniffed(&[b"\x00\x00"]), (false, b"\x00\x00".to_vec()));
    }

    #[test]
    fn a_header_needs_eight_bytes_unless_it_cannot_be_one() {
        assert_eq!(looks_multiplexed(b""), None);
        assert_eq!(looks_multiplexed(b"\x02\x00\x00\x00"), None);
        assert_eq!(
            looks_multiplexed(b"\x02\x00\x00\x00\x00\x00\x00\x00"),
            Some(true)
        );
        assert_eq!(looks_multiplexed(b"\x02\x00\x01"), Some(false));
        assert_eq!(looks_multiplexed(b"hello, world"), Some(false));
        assert_eq!(
            looks_multiplexed(b"\x03\x00\x00\x00\x00\x00\x00\x00"),
            Some(false)
        );
    }
}
