//! stdcopy demultiplexing for consumers of owned frames, at the cost of one
//! copy of small payloads instead of one reference count per frame.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::Stream;

use super::demux::{Demuxer, Frame, Piece};
use crate::error::Error;

/// Payloads at least this long are shared with the chunk they arrived in;
/// shorter ones are copied. Copying a few hundred bytes costs less than the
/// atomic reference count of a `Bytes` slice, whose counter the transport's
/// reader on another core touches too; from a few KiB on, the count is the
/// cheaper of the two.
const SHARE_FROM: usize = 4096;

/// One frame to hand out: copied payloads live in `DemuxRuns::copied`.
#[derive(Debug)]
enum Run {
    Copied(super::StreamKind, usize),
    Shared(Frame),
}

/// stdcopy demultiplexing of a byte stream into [`Frame`]s, in which
/// consecutive frames of one stream that arrived in the same chunk are
/// joined into one `Frame`.
///
/// Like [`Demux`](super::Demux), it yields the output as ordered
/// `(stream, bytes)` pieces: concatenating the pieces of a stream gives
/// exactly the bytes the container wrote to it, and the order between
/// streams is kept. Only the cutting differs: a `Frame` here may hold
/// several frames of the engine (never from two streams), so a consumer
/// handles one item per received chunk and stream switch instead of one per
/// engine frame. Small payloads are copied out of the chunk together (one
/// allocation per chunk), large ones are shared with it, never copied.
///
/// A daemon error frame (type 3) ends the stream with an [`Error::Engine`]
/// and an unknown stream type or a frame cut short by the end of input with
/// an [`Error::Decode`], after every byte before them was yielded.
///
/// ```
/// use bytes::Bytes;
/// use futures_util::{stream, TryStreamExt};
/// use contajners_dispatch::codec::{DemuxRuns, StreamKind};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // Three frames in one chunk: stdout "a", stdout "b", stderr "c".
/// let chunk = Bytes::from_static(
///     b"\x01\0\0\0\0\0\0\x01a\x01\0\0\0\0\0\0\x01b\x02\0\0\0\0\0\0\x01c",
/// );
/// let frames: Vec<_> = DemuxRuns::new(stream::iter([Ok::<_, std::io::Error>(chunk)]))
///     .try_collect()
///     .await
///     .unwrap();
/// let got: Vec<_> = frames.iter().map(|f| (f.stream, &f.data[..])).collect();
/// assert_eq!(got, [(StreamKind::Stdout, &b"ab"[..]), (StreamKind::Stderr, &b"c"[..])]);
/// # });
/// ```
#[derive(Debug)]
pub struct DemuxRuns<S> {
    inner: S,
    demuxer: Demuxer,
    /// The frames of the last chunk not yet handed out.
    runs: VecDeque<Run>,
    /// The copied payloads of the `Run::Copied` entries of `runs`, in order.
    copied: Bytes,
    /// An error found after the frames in `runs`: reported once they are out.
    error: Option<Error>,
    done: bool,
}

impl<S> DemuxRuns<S> {
    /// Decodes `stream`.
    pub fn new(stream: S) -> Self {
        DemuxRuns {
            inner: stream,
            demuxer: Demuxer::new(),
            runs: VecDeque::new(),
            copied: Bytes::new(),
            error: None,
            done: false,
        }
    }

    /// The undecoded stream back (bytes already taken by the decoder are
    /// not in it).
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// Decodes every frame the demultiplexer holds into `runs`: small
    /// payloads are copied into one buffer, joined with the run before when
    /// it is of the same stream.
    fn decode_chunk(&mut self, capacity: usize) {
        let mut buf = BytesMut::new();
        let mut lent;
        while let Some(piece) = self.demuxer.next_piece(SHARE_FROM) {
            let (kind, data) = match piece {
                Ok(Piece::Lent(kind, data)) => (kind, data),
                // From the slow path (a frame across chunks, after an empty
                // frame): small ones are joined too.
                Ok(Piece::Shared(frame)) if frame.data.len() < SHARE_FROM => {
                    lent = frame.data;
                    (frame.stream, &lent[..])
                }
                Ok(Piece::Shared(frame)) => {
                    self.runs.push_back(Run::Shared(frame));
                    continue;
                }
                Err(err) => {
                    self.error = Some(err);
                    break;
                }
            };
            if buf.capacity() == 0 {
                buf.reserve(capacity);
            }
            buf.extend_from_slice(data);
            match self.runs.back_mut() {
                Some(Run::Copied(last, len)) if *last == kind => *len += data.len(),
                _ => self.runs.push_back(Run::Copied(kind, data.len())),
            }
        }
        self.copied = buf.freeze();
    }

    fn next_run(&mut self) -> Option<Frame> {
        let frame = match self.runs.pop_front()? {
            Run::Shared(frame) => frame,
            Run::Copied(stream, len) => {
                // The last copied run takes the buffer itself: no count.
                let data = if len == self.copied.len() {
                    std::mem::take(&mut self.copied)
                } else {
                    self.copied.split_to(len)
                };
                Frame { stream, data }
            }
        };
        Some(frame)
    }
}

impl<S, E> Stream for DemuxRuns<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
{
    type Item = Result<Frame, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(frame) = this.next_run() {
                return Poll::Ready(Some(Ok(frame)));
            }
            if let Some(err) = this.error.take() {
                this.done = true;
                return Poll::Ready(Some(Err(err)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => {
                    let capacity = chunk.len();
                    this.demuxer.push(chunk);
                    this.decode_chunk(capacity);
                }
                Poll::Ready(Some(Err(err))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(err.into())));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    if let Err(err) = this.demuxer.finish() {
                        return Poll::Ready(Some(Err(err)));
                    }
                }
            }
        }
    }
}
