//! A container's output from a byte stream, a [`FrameBatch`] per chunk.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures_util::Stream;

use super::batch::BatchDemuxer;
use super::demux::StreamKind;
use super::frame_batch::FrameBatch;
use crate::error::Error;

#[derive(Debug)]
enum Framing {
    Multiplexed(BatchDemuxer),
    /// Unframed output (a TTY): every chunk is one stdout frame.
    Raw(FrameBatch),
}

/// A container's output read a chunk at a time: for every chunk of the
/// byte stream, the [`FrameBatch`] of the frames it completed.
///
/// It is the fast way through a stream of many small frames (log lines):
/// the frames of a chunk are found in one pass and lent in place, with no
/// per-frame reference count or `Stream` poll. Each batch borrows from this
/// value, so it is not a `Stream` itself: take batches with
/// [`next_batch`](Self::next_batch), or hand every frame to a closure with
/// [`for_each_frame`](Self::for_each_frame).
/// [`Streamed::output_batches`](crate::Streamed::output_batches) gives one
/// for an engine's answer; errors are those of [`Demux`](super::Demux).
///
/// ```
/// use bytes::Bytes;
/// use futures_util::stream;
/// use contajners_dispatch::codec::{OutputBatches, StreamKind};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let chunks = stream::iter([
///     Ok::<_, std::io::Error>(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x02a\n\x02\x00\x00")),
///     Ok(Bytes::from_static(b"\x00\x00\x00\x00\x02b\n")),
/// ]);
/// let mut output = OutputBatches::multiplexed(chunks);
/// let mut got = Vec::new();
/// while let Some(batch) = output.next_batch().await {
///     for (kind, data) in batch? {
///         got.push((kind, data.to_vec()));
///     }
/// }
/// assert_eq!(got, [(StreamKind::Stdout, b"a\n".to_vec()), (StreamKind::Stderr, b"b\n".to_vec())]);
/// # Ok::<(), contajners_dispatch::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct OutputBatches<S> {
    inner: S,
    framing: Framing,
    done: bool,
}

impl<S> OutputBatches<S> {
    /// Demultiplexes `stream` (stdcopy framing).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use contajners_dispatch::codec::OutputBatches;
    ///
    /// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x01x"))]);
    /// let output = OutputBatches::multiplexed(body);
    /// # let _ = output;
    /// ```
    pub fn multiplexed(stream: S) -> Self {
        OutputBatches {
            inner: stream,
            framing: Framing::Multiplexed(BatchDemuxer::new()),
            done: false,
        }
    }

    /// Takes `stream` as unframed output (a container with a TTY): every
    /// chunk is one stdout frame.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use contajners_dispatch::codec::{OutputBatches, StreamKind};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"$ ls\n"))]);
    /// let mut output = OutputBatches::raw(body);
    /// let batch = output.next_batch().await.unwrap().unwrap();
    /// assert_eq!(batch.iter().collect::<Vec<_>>(), [(StreamKind::Stdout, &b"$ ls\n"[..])]);
    /// # });
    /// ```
    pub fn raw(stream: S) -> Self {
        OutputBatches {
            inner: stream,
            framing: Framing::Raw(FrameBatch::default()),
            done: false,
        }
    }

    /// The undecoded stream back (bytes already taken are not in it).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use contajners_dispatch::codec::OutputBatches;
    ///
    /// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"x"))]);
    /// let body = OutputBatches::raw(body).into_inner();
    /// # let _ = body;
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, E> OutputBatches<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
{
    /// The next batch of frames, an error, or `None` at the end.
    ///
    /// Every batch holds at least one frame. After an error, or at the end
    /// of a stream cut inside a frame (an [`Error::Decode`]), it yields
    /// nothing more.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use contajners_dispatch::codec::OutputBatches;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x05hi"))]);
    /// let mut output = OutputBatches::multiplexed(body);
    /// assert!(output.next_batch().await.unwrap().is_err(), "the stream ended inside a frame");
    /// assert!(output.next_batch().await.is_none());
    /// # });
    /// ```
    pub async fn next_batch(&mut self) -> Option<Result<&FrameBatch, Error>> {
        match poll_fn(|cx| self.poll_fill(cx)).await? {
            Ok(()) => Some(Ok(self.batch())),
            Err(err) => Some(Err(err)),
        }
    }

    /// [`next_batch`](Self::next_batch) as a poll, for hand-written
    /// futures and streams.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use contajners_dispatch::codec::OutputBatches;
    ///
    /// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x01x"))]);
    /// let mut output = OutputBatches::multiplexed(body);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// match output.poll_next_batch(&mut cx) {
    ///     Poll::Ready(Some(Ok(batch))) => assert_eq!(batch.len(), 1),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn poll_next_batch(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<&FrameBatch, Error>>> {
        Poll::Ready(match ready!(self.poll_fill(cx)) {
            Some(Ok(())) => Some(Ok(self.batch())),
            Some(Err(err)) => Some(Err(err)),
            None => None,
        })
    }

    /// Hands every frame to `f`, in order, until the end or the first
    /// error.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use contajners_dispatch::codec::{OutputBatches, StreamKind};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(
    ///     b"\x01\x00\x00\x00\x00\x00\x00\x02a\n\x02\x00\x00\x00\x00\x00\x00\x02b\n",
    /// ))]);
    /// let mut stderr = Vec::new();
    /// OutputBatches::multiplexed(body)
    ///     .for_each_frame(|kind, data| {
    ///         if kind == StreamKind::Stderr {
    ///             stderr.extend_from_slice(data);
    ///         }
    ///     })
    ///     .await?;
    /// assert_eq!(stderr, b"b\n");
    /// # Ok::<(), contajners_dispatch::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn for_each_frame<F>(mut self, mut f: F) -> Result<(), Error>
    where
        F: FnMut(StreamKind, &[u8]),
    {
        while let Some(batch) = self.next_batch().await {
            for (kind, data) in batch? {
                f(kind, data);
            }
        }
        Ok(())
    }

    /// Like [`for_each_frame`](Self::for_each_frame), but `f` may fail (a
    /// write to a closed pipe): its first error stops the stream and is
    /// returned, as is the stream's own error converted into `E`.
    ///
    /// ```
    /// use std::io::Write;
    /// use bytes::Bytes;
    /// use futures_util::stream;
    /// use contajners_dispatch::codec::OutputBatches;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n"))]);
    /// let mut out = Vec::new();
    /// OutputBatches::multiplexed(body)
    ///     .try_for_each_frame(|_, data| out.write_all(data).map_err(Box::<dyn std::error::Error>::from))
    ///     .await?;
    /// assert_eq!(out, b"hi\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn try_for_each_frame<F, E2>(mut self, mut f: F) -> Result<(), E2>
    where
        F: FnMut(StreamKind, &[u8]) -> Result<(), E2>,
        E2: From<Error>,
    {
        while let Some(batch) = self.next_batch().await {
            for (kind, data) in batch? {
                f(kind, data)?;
            }
        }
        Ok(())
    }

    fn batch(&self) -> &FrameBatch {
        match &self.framing {
            Framing::Multiplexed(demuxer) => demuxer.batch(),
            Framing::Raw(batch) => batch,
        }
    }

    /// Makes the next batch ready: `Ok(())` when `self.batch()` holds it.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<(), Error>>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            // Frames left from the last chunk, or let go of the chunk handed
            // out last time before reading the next: a transport reading
            // into one reused buffer can then reuse it.
            match &mut self.framing {
                Framing::Multiplexed(demuxer) => match demuxer.advance() {
                    Some(Ok(())) => return Poll::Ready(Some(Ok(()))),
                    Some(Err(err)) => {
                        self.done = true;
                        return Poll::Ready(Some(Err(err)));
                    }
                    None => {}
                },
                Framing::Raw(batch) => batch.clear(),
            }
            match Pin::new(&mut self.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => match &mut self.framing {
                    Framing::Multiplexed(demuxer) => demuxer.push(chunk),
                    Framing::Raw(batch) => {
                        batch.set_whole(StreamKind::Stdout, chunk);
                        if !batch.is_empty() {
                            return Poll::Ready(Some(Ok(())));
                        }
                    }
                },
                Poll::Ready(Some(Err(err))) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(err.into())));
                }
                Poll::Ready(None) => {
                    self.done = true;
                    let end = match &mut self.framing {
                        Framing::Multiplexed(demuxer) => demuxer.finish(),
                        Framing::Raw(_) => Ok(()),
                    };
                    return Poll::Ready(end.err().map(Err));
                }
            }
        }
    }
}
