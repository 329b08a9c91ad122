//! Stream codecs for engine output: stdcopy demultiplexing, JSON sequences
//! and lines.
//!
//! Each codec is a push decoder free of IO ([`Demuxer`], [`JsonSeqDecoder`],
//! [`LinesDecoder`]) and a `Stream` adapter over any
//! `Stream<Item = Result<Bytes, E>>` whose error converts into [`Error`]:
//! a [`StreamResponse`](contajners_transport::StreamResponse), the read half
//! of an upgraded socket through [`reader_stream`], or your own.
//!
//! stdcopy has two shapes: [`Demux`] yields one [`Frame`] (its own `Bytes`)
//! at a time and never copies; [`OutputBatches`] (over [`BatchDemuxer`])
//! yields, per chunk, a [`FrameBatch`] of whole frames lent in place: the
//! fast one when frames are small (log lines), at the price of copying the
//! one frame per chunk that the chunk boundary cuts.
//!
//! ```
//! use bytes::Bytes;
//! use futures_util::{stream, TryStreamExt};
//! use contajners_dispatch::codec::{Demux, StreamKind};
//!
//! # tokio_test_block_on(async {
//! // One frame split across two chunks.
//! let chunks = vec![
//!     Ok::<_, std::io::Error>(Bytes::from_static(b"\x02\x00\x00\x00\x00\x00\x00\x05oo")),
//!     Ok(Bytes::from_static(b"ps\n")),
//! ];
//! let frames: Vec<_> = Demux::new(stream::iter(chunks)).try_collect().await.unwrap();
//! let stderr: Vec<u8> = frames.iter().flat_map(|f| f.data.to_vec()).collect();
//! assert_eq!(frames[0].stream, StreamKind::Stderr);
//! assert_eq!(stderr, b"oops\n");
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! ```

mod batch;
mod demux;
mod frame_batch;
mod json_seq;
mod lines;
mod output_batches;
mod sniff;

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use serde_json::Value;
use tokio::io::AsyncRead;

pub use batch::BatchDemuxer;
pub use demux::{Demuxer, Frame, StreamKind};
pub use frame_batch::{FrameBatch, FrameBatchIter};
pub use json_seq::JsonSeqDecoder;
pub use lines::LinesDecoder;
pub use output_batches::OutputBatches;
pub use sniff::{looks_multiplexed, sniff, Sniffed};

use crate::error::Error;

/// A `Stream` of `io::Result<Bytes>` read from an `AsyncRead`, such as the
/// read half of an upgraded socket, ready for the codecs.
///
/// ```no_run
/// # async fn demo(socket: contajners_transport::Upgraded) {
/// use contajners_dispatch::codec::{reader_stream, Demux};
/// let (read, _write) = tokio::io::split(socket);
/// let frames = Demux::new(reader_stream(read));
/// # let _ = frames;
/// # }
/// ```
pub fn reader_stream<R: AsyncRead + Unpin>(reader: R) -> ReaderStream<R> {
    ReaderStream {
        inner: tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024),
    }
}

/// The stream returned by [`reader_stream`].
#[derive(Debug)]
pub struct ReaderStream<R> {
    inner: tokio_util::io::ReaderStream<R>,
}

impl<R: AsyncRead + Unpin> Stream for ReaderStream<R> {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

/// What a push decoder gives the generic adapter.
trait PushDecoder {
    type Item;
    fn push(&mut self, chunk: Bytes);
    fn next_item(&mut self) -> Option<Result<Self::Item, Error>>;
    /// At end of input: a last item, an error, or nothing.
    fn finish(&mut self) -> Result<Option<Self::Item>, Error>;
}

impl PushDecoder for Demuxer {
    type Item = Frame;
    fn push(&mut self, chunk: Bytes) {
        Demuxer::push(self, chunk);
    }
    fn next_item(&mut self) -> Option<Result<Frame, Error>> {
        self.next_frame()
    }
    fn finish(&mut self) -> Result<Option<Frame>, Error> {
        Demuxer::finish(self).map(|()| None)
    }
}

impl PushDecoder for JsonSeqDecoder {
    type Item = Value;
    fn push(&mut self, chunk: Bytes) {
        JsonSeqDecoder::push(self, &chunk);
    }
    fn next_item(&mut self) -> Option<Result<Value, Error>> {
        self.next_value()
    }
    fn finish(&mut self) -> Result<Option<Value>, Error> {
        JsonSeqDecoder::finish(self)
    }
}

impl PushDecoder for LinesDecoder {
    type Item = Bytes;
    fn push(&mut self, chunk: Bytes) {
        LinesDecoder::push(self, chunk);
    }
    fn next_item(&mut self) -> Option<Result<Bytes, Error>> {
        self.next_line().map(Ok)
    }
    fn finish(&mut self) -> Result<Option<Bytes>, Error> {
        Ok(LinesDecoder::finish(self))
    }
}

/// Drives a push decoder from a byte stream. After the first error, or
/// after the end, it yields nothing more.
#[derive(Debug)]
struct Driver<S, D> {
    inner: S,
    decoder: D,
    done: bool,
}

impl<S, E, D> Driver<S, D>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
    D: PushDecoder,
{
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<D::Item, Error>>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            if let Some(item) = self.decoder.next_item() {
                self.done = item.is_err();
                return Poll::Ready(Some(item));
            }
            match Pin::new(&mut self.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => self.decoder.push(chunk),
                Poll::Ready(Some(Err(err))) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(err.into())));
                }
                Poll::Ready(None) => {
                    self.done = true;
                    return Poll::Ready(self.decoder.finish().transpose());
                }
            }
        }
    }
}

macro_rules! adapter {
    ($(#[$doc:meta])* $name:ident, $decoder:ty, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<S> {
            driver: Driver<S, $decoder>,
        }

        impl<S> $name<S> {
            /// Decodes `stream`.
            pub fn new(stream: S) -> Self {
                Self {
                    driver: Driver {
                        inner: stream,
                        decoder: <$decoder>::default(),
                        done: false,
                    },
                }
            }

            /// The undecoded stream back (bytes already taken by the decoder
            /// are not in it).
            pub fn into_inner(self) -> S {
                self.driver.inner
            }
        }

        impl<S, E> Stream for $name<S>
        where
            S: Stream<Item = Result<Bytes, E>> + Unpin,
            E: Into<Error>,
        {
            type Item = Result<$item, Error>;

            fn poll_next(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<Option<Self::Item>> {
                self.driver.poll(cx)
            }
        }
    };
}

adapter!(
    /// stdcopy demultiplexing of a byte stream into [`Frame`]s.
    ///
    /// A daemon error frame (type 3) ends the stream with an
    /// [`Error::Engine`]; an unknown stream type or a frame cut short by the
    /// end of input ends it with an [`Error::Decode`]: bytes are never
    /// silently lost. See the [module](self) example. For many small frames,
    /// [`OutputBatches`] is faster.
    Demux,
    Demuxer,
    Frame
);

adapter!(
    /// A JSON sequence (progress of pull, push, build, load; events) decoded
    /// one value at a time, whatever the chunk boundaries.
    ///
    /// An in-band failure (`errorDetail` / `error`) ends the stream with an
    /// [`Error::Engine`] holding the engine's message.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::{stream, StreamExt};
    /// use contajners_dispatch::{codec::JsonSeq, Error};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = r#"{"status":"Pulling"}
    /// {"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}"#;
    /// let chunks = stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))]);
    /// let mut values = JsonSeq::new(chunks);
    /// assert_eq!(values.next().await.unwrap().unwrap()["status"], "Pulling");
    /// match values.next().await {
    ///     Some(Err(Error::Engine(err))) => assert_eq!(err.message(), "manifest unknown"),
    ///     other => panic!("expected the engine's error, got {other:?}"),
    /// }
    /// # });
    /// ```
    JsonSeq,
    JsonSeqDecoder,
    Value
);

adapter!(
    /// Lines of a byte stream, without their `\n` / `\r\n`; a last line with
    /// no newline is yielded at the end.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::{stream, TryStreamExt};
    /// use contajners_dispatch::codec::Lines;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let chunks = stream::iter([Ok::<_, std::io::Error>(Bytes::from("1\n2")), Ok(Bytes::from("3\n"))]);
    /// let lines: Vec<Bytes> = Lines::new(chunks).try_collect().await.unwrap();
    /// assert_eq!(lines, vec![Bytes::from("1"), Bytes::from("23")]);
    /// # });
    /// ```
    Lines,
    LinesDecoder,
    Bytes
);

/// Keeps the payloads of frames as a byte stream, e.g. to read the lines of
/// a container's demultiplexed output with [`Lines`].
///
/// ```
/// use bytes::Bytes;
/// use futures_util::{stream, TryStreamExt};
/// use contajners_dispatch::codec::{payloads, Demux, Lines, StreamKind};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let input = Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x02a\n\x02\x00\x00\x00\x00\x00\x00\x02b\n");
/// let stdout = payloads(Demux::new(stream::iter([Ok::<_, std::io::Error>(input)])), |k| k == StreamKind::Stdout);
/// let lines: Vec<Bytes> = Lines::new(stdout).try_collect().await.unwrap();
/// assert_eq!(lines, vec![Bytes::from("a")]);
/// # });
/// ```
pub fn payloads<S, F>(frames: S, mut keep: F) -> impl Stream<Item = Result<Bytes, Error>> + Unpin
where
    S: Stream<Item = Result<Frame, Error>> + Unpin,
    F: FnMut(StreamKind) -> bool + Unpin,
{
    use futures_util::StreamExt;
    frames.filter_map(move |frame| {
        let item = match frame {
            Ok(frame) if keep(frame.stream) => Some(Ok(frame.data)),
            Ok(_) => None,
            Err(err) => Some(Err(err)),
        };
        std::future::ready(item)
    })
}

#[cfg(test)]
mod batch_tests;
#[cfg(test)]
mod tests;
