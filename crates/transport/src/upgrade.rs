//! The raw bidirectional stream after a `101 Switching Protocols` (attach,
//! exec start).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::HeaderMap;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::connect::Stream;

/// An upgraded connection: read what the engine sends, write what it should
/// receive, and [`shutdown`](tokio::io::AsyncWriteExt::shutdown) to close
/// only the write side (a container's stdin sees EOF) while still reading.
///
/// Bytes the engine sent right after the `101` head, in the same packet, are
/// read first.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use contajners_transport::{Request, Transport};
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let t = Transport::new("unix:///var/run/docker.sock")?;
/// let req = Request::new(http::Method::POST, "/containers/box/attach")
///     .query("stream", "1")
///     .query("stdin", "1");
/// let mut io = t.fetch_socket(req).await?;
/// io.write_all(b"hello").await?;
/// io.shutdown().await?; // stdin closed, output still readable
/// let mut out = Vec::new();
/// io.read_to_end(&mut out).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Upgraded {
    headers: HeaderMap,
    /// What was read past the `101` head: the first bytes of the stream.
    buffered: Bytes,
    io: Stream,
}

impl Upgraded {
    pub(crate) fn new(headers: HeaderMap, buffered: Bytes, io: Stream) -> Self {
        Upgraded {
            headers,
            buffered,
            io,
        }
    }

    /// The headers of the engine's `101` answer. Docker says there whether
    /// the stream is multiplexed: `Content-Type:
    /// application/vnd.docker.multiplexed-stream` (stdout and stderr in
    /// frames) or `application/vnd.docker.raw-stream` (a TTY's bytes as is).
    ///
    /// ```no_run
    /// # fn f(io: &contajners_transport::Upgraded) {
    /// let multiplexed = io.headers().get("content-type")
    ///     .is_some_and(|v| v == "application/vnd.docker.multiplexed-stream");
    /// # }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.buffered.is_empty() {
            let n = this.buffered.len().min(buf.remaining());
            buf.put_slice(&this.buffered[..n]);
            this.buffered.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// Half-close: shuts down the write side of the socket; reading goes on.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
