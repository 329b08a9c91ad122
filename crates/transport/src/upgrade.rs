//! The raw bidirectional stream after a `101 Switching Protocols` (attach,
//! exec start).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use hyper_util::rt::TokioIo;
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
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    /// Our own connection and what hyper had read past the head: the usual
    /// case, with a direct half-close on the socket.
    Raw { buffered: Bytes, io: Stream },
    /// hyper's type, should it ever not hand our connection back.
    Hyper(TokioIo<hyper::upgrade::Upgraded>),
}

impl Upgraded {
    pub(crate) fn new(upgraded: hyper::upgrade::Upgraded) -> Self {
        let inner = match upgraded.downcast::<TokioIo<Stream>>() {
            Ok(parts) => Inner::Raw {
                buffered: parts.read_buf,
                io: parts.io.into_inner(),
            },
            Err(upgraded) => Inner::Hyper(TokioIo::new(upgraded)),
        };
        Upgraded { inner }
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.inner {
            Inner::Raw { buffered, io } => {
                if !buffered.is_empty() {
                    let n = buffered.len().min(buf.remaining());
                    buf.put_slice(&buffered[..n]);
                    buffered.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Pin::new(io).poll_read(cx, buf)
            }
            Inner::Hyper(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.inner {
            Inner::Raw { io, .. } => Pin::new(io).poll_write(cx, buf),
            Inner::Hyper(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.inner {
            Inner::Raw { io, .. } => Pin::new(io).poll_flush(cx),
            Inner::Hyper(io) => Pin::new(io).poll_flush(cx),
        }
    }

    /// Half-close: shuts down the write side of the socket; reading goes on.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.inner {
            Inner::Raw { io, .. } => Pin::new(io).poll_shutdown(cx),
            Inner::Hyper(io) => Pin::new(io).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.inner {
            Inner::Raw { io, .. } => Pin::new(io).poll_write_vectored(cx, bufs),
            Inner::Hyper(io) => Pin::new(io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.inner {
            Inner::Raw { io, .. } => io.is_write_vectored(),
            Inner::Hyper(io) => io.is_write_vectored(),
        }
    }
}
