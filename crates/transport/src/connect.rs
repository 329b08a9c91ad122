//! Dialing the engine: unix sockets, TCP (with TCP_NODELAY), TLS over TCP
//! and ssh, with the connect timeout on dialing and the write timeout on
//! every write.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio::runtime::Handle;

use crate::classify;
use crate::endpoint::Endpoint;
use crate::error::{ConnectError, ConnectErrorKind, Error, TimeoutKind};
use crate::runtime::IdleTimer;

/// Everything needed to dial the engine; shared by all clones.
#[derive(Debug)]
pub(crate) struct Dialer {
    pub(crate) endpoint: Endpoint,
    pub(crate) tls: Option<TlsDial>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) handle: Handle,
}

/// A TLS configuration ready to use, and the name to check the engine's
/// certificate against.
#[derive(Debug)]
pub(crate) struct TlsDial {
    pub(crate) config: Arc<rustls::ClientConfig>,
    pub(crate) server_name: ServerName<'static>,
    pub(crate) client_auth: bool,
}

impl Dialer {
    /// A new connection, on the runtime of the caller.
    pub(crate) async fn dial(&self) -> Result<Stream, Error> {
        let kind = match self.connect_timeout {
            // The timer lives on the background runtime: the caller's
            // runtime may not have its time driver enabled.
            Some(limit) => {
                let sleep = crate::runtime::sleep_on(&self.handle, limit);
                tokio::select! {
                    biased;
                    kind = self.dial_kind() => kind?,
                    () = sleep => return Err(Error::Timeout(TimeoutKind::Connect)),
                }
            }
            None => self.dial_kind().await?,
        };
        Ok(Stream {
            kind,
            write_timer: IdleTimer::new(self.handle.clone(), self.write_timeout),
        })
    }

    async fn dial_kind(&self) -> Result<StreamKind, Error> {
        match &self.endpoint {
            Endpoint::Unix(path) => UnixStream::connect(path)
                .await
                .map(StreamKind::Unix)
                .map_err(|e| self.io_error(e)),
            Endpoint::Ssh { target, ssh } => crate::ssh::dial(ssh, target, self.connect_timeout)
                .map(|stream| StreamKind::Ssh(Box::new(stream))),
            Endpoint::Tcp { host, port, .. } => {
                let tcp = self.dial_tcp(host, *port).await?;
                match &self.tls {
                    None => Ok(StreamKind::Tcp(tcp)),
                    Some(tls) => {
                        let connector = tokio_rustls::TlsConnector::from(tls.config.clone());
                        match connector.connect(tls.server_name.clone(), tcp).await {
                            Ok(stream) => Ok(StreamKind::Tls(Box::new(stream))),
                            Err(e) => Err(classify::handshake(
                                &self.endpoint,
                                &tls.server_name,
                                tls.client_auth,
                                e,
                            )),
                        }
                    }
                }
            }
        }
    }

    async fn dial_tcp(&self, host: &str, port: u16) -> Result<TcpStream, Error> {
        let addrs = tokio::net::lookup_host((host, port)).await.map_err(|e| {
            Error::Connect(ConnectError::new(
                &self.endpoint,
                ConnectErrorKind::Resolve,
                e,
            ))
        })?;
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(tcp) => {
                    // Requests are small and latency-bound; Nagle would hold
                    // the last segment of each one back.
                    tcp.set_nodelay(true).map_err(|e| self.io_error(e))?;
                    return Ok(tcp);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(self.io_error(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "the host resolved to no address")
        })))
    }

    fn io_error(&self, e: io::Error) -> Error {
        let kind = match e.kind() {
            io::ErrorKind::NotFound if matches!(self.endpoint, Endpoint::Unix(_)) => {
                ConnectErrorKind::SocketMissing
            }
            io::ErrorKind::PermissionDenied => ConnectErrorKind::PermissionDenied,
            io::ErrorKind::ConnectionRefused => ConnectErrorKind::Refused,
            _ => ConnectErrorKind::Other,
        };
        Error::Connect(ConnectError::new(&self.endpoint, kind, e))
    }
}

/// Marks an IO error as our write timeout, so it can be told apart from the
/// OS's own timeouts.
#[derive(Debug)]
pub(crate) struct WriteTimedOut;

impl std::fmt::Display for WriteTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the write timeout fired")
    }
}

impl std::error::Error for WriteTimedOut {}

/// A connection to the engine: unix, TCP or TLS, with the write timeout.
#[derive(Debug)]
pub(crate) struct Stream {
    kind: StreamKind,
    write_timer: IdleTimer,
}

#[derive(Debug)]
enum StreamKind {
    Unix(UnixStream),
    Tcp(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    Ssh(Box<crate::ssh::SshStream>),
}

macro_rules! delegate {
    ($self:ident, $inner:ident => $e:expr) => {
        match &mut $self.kind {
            StreamKind::Unix($inner) => {
                let $inner = Pin::new($inner);
                $e
            }
            StreamKind::Tcp($inner) => {
                let $inner = Pin::new($inner);
                $e
            }
            StreamKind::Tls($inner) => {
                let $inner = Pin::new($inner.as_mut());
                $e
            }
            StreamKind::Ssh($inner) => {
                let $inner = Pin::new($inner.as_mut());
                $e
            }
        }
    };
}

impl Stream {
    fn timed<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if self.write_timer.expired(cx, &poll) {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, WriteTimedOut)));
        }
        poll
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        delegate!(this, s => s.poll_read(cx, buf))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let poll = delegate!(this, s => s.poll_write(cx, buf));
        this.timed(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let poll = delegate!(this, s => s.poll_write_vectored(cx, bufs));
        this.timed(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        match &self.kind {
            StreamKind::Unix(s) => s.is_write_vectored(),
            StreamKind::Tcp(s) => s.is_write_vectored(),
            StreamKind::Tls(s) => s.is_write_vectored(),
            StreamKind::Ssh(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let poll = delegate!(this, s => s.poll_flush(cx));
        this.timed(cx, poll)
    }

    /// Shuts down the write side only (for TLS: close_notify, then the TCP
    /// write side); the read side stays open, which is what a hijacked
    /// stream's "close stdin" needs.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let poll = delegate!(this, s => s.poll_shutdown(cx));
        this.timed(cx, poll)
    }
}
