//! [`Transport`]: the pooled client and its three ways to fetch.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::runtime::Handle;

use crate::classify;
use crate::connect::{Dialer, TlsDial};
use crate::endpoint::Endpoint;
use crate::error::{EngineError, Error, TimeoutKind};
use crate::http1::body::Decoder;
use crate::http1::head::{BodyEnd, ResponseHead};
use crate::http1::send::{send, SendError, SendErrorKind};
use crate::message::EngineMessage;
use crate::pool::Pools;
use crate::request::Request;
use crate::response::{BodyStream, Reading, Response, StreamResponse};
use crate::runtime::{self, IdleTimer};
use crate::ssh::Ssh;
use crate::timeouts::Timeouts;
use crate::tls::Tls;
use crate::upgrade::Upgraded;

/// In stream mode with `throw_exceptions`, how much of an error body is read
/// to find the engine's message; the rest stays in the stream.
const ERROR_PREFIX_LIMIT: usize = 64 * 1024;

/// Idle pooled connections are closed after this long unless configured.
const DEFAULT_POOL_IDLE: Duration = Duration::from_secs(90);

/// What every fetch and body needs to know about the transport.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) endpoint: Endpoint,
    endpoint_text: String,
    authority: String,
    server_name: Option<ServerName<'static>>,
    client_auth: bool,
    pub(crate) timeouts: Timeouts,
    pub(crate) handle: Handle,
}

pub(crate) type Shared = Arc<Settings>;

impl Settings {
    /// The read timeout's timer, for one head or one body.
    pub(crate) fn read_timer(&self) -> IdleTimer {
        IdleTimer::new(self.handle.clone(), self.timeouts.read)
    }

    pub(crate) fn context(&self) -> classify::Context<'_> {
        classify::Context {
            endpoint: &self.endpoint,
            server_name: self.server_name.as_ref(),
            client_auth: self.client_auth,
        }
    }
}

/// A connection pool to one engine endpoint, and the way to send it raw HTTP
/// requests. Cheap to clone: clones share the pool. Usable from any tokio
/// runtime, several at once, and across runtimes that come and go: each
/// runtime gets its own pool of connections, driven by that runtime and
/// dropped with it (outside any runtime, a background runtime drives them).
///
/// ```no_run
/// # async fn demo() -> Result<(), contajners_transport::Error> {
/// use contajners_transport::{Request, Transport};
///
/// let docker = Transport::new("unix:///var/run/docker.sock")?;
/// let pong = docker.fetch(Request::new(http::Method::GET, "/_ping")).await?;
/// assert_eq!(pong.text()?, "OK");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Transport {
    shared: Shared,
    pools: Arc<Pools>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("endpoint", &self.shared.endpoint_text)
            .field("timeouts", &self.shared.timeouts)
            .finish()
    }
}

impl Transport {
    /// A builder for `uri`: `unix:///path`, `tcp://host:port`,
    /// `http://host[:port]`, `https://host[:port]` (IPv6 in brackets).
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = contajners_transport::Transport::builder("tcp://127.0.0.1:2375")
    ///     .connect_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), contajners_transport::Error>(())
    /// ```
    pub fn builder(uri: impl Into<String>) -> TransportBuilder {
        TransportBuilder {
            uri: uri.into(),
            tls: None,
            ssh: None,
            timeouts: Timeouts::default(),
            pool_idle: DEFAULT_POOL_IDLE,
            pool_max_idle: usize::MAX,
        }
    }

    /// A transport for `uri` with default settings: no TLS (unless
    /// `https://`, then the platform's roots), no timeouts.
    ///
    /// ```
    /// let t = contajners_transport::Transport::new("unix:///var/run/docker.sock")?;
    /// # Ok::<(), contajners_transport::Error>(())
    /// ```
    pub fn new(uri: &str) -> Result<Transport, Error> {
        Self::builder(uri).build()
    }

    /// The endpoint, normalised (e.g. `https://127.0.0.1:2376`).
    ///
    /// ```
    /// let t = contajners_transport::Transport::new("tcp://[::1]:2375")?;
    /// assert_eq!(t.endpoint(), "tcp://[::1]:2375");
    /// # Ok::<(), contajners_transport::Error>(())
    /// ```
    pub fn endpoint(&self) -> &str {
        &self.shared.endpoint_text
    }

    /// Data mode: sends `req` and reads the whole answer.
    ///
    /// The call timeout covers the whole exchange. A status >= 400 is
    /// returned as a [`Response`] unless the request asked to throw.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), contajners_transport::Error> {
    /// use contajners_transport::{Request, Transport};
    /// let t = Transport::new("unix:///var/run/docker.sock")?;
    /// let res = t.fetch(Request::new(http::Method::GET, "/v1.41/containers/json").query("all", "1")).await?;
    /// let list: serde_json::Value = res.json()?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch(&self, req: Request) -> Result<Response, Error> {
        self.within_call(self.fetch_data(req)).await
    }

    async fn fetch_data(&self, req: Request) -> Result<Response, Error> {
        let throw = req.throw_exceptions;
        let entire = req.throw_entire_message;
        let (head, reading) = self.exchange(req, false).await?;
        let body = BodyStream::new(reading, self.shared.clone())
            .collect()
            .await?;
        if throw && head.status.as_u16() >= 400 {
            return Err(Error::Status(EngineError::new(
                head.status,
                EngineMessage::parse(&body),
                entire.then_some(body),
                None,
            )));
        }
        Ok(Response {
            status: head.status,
            headers: head.headers,
            body,
        })
    }

    /// Stream mode: sends `req` and returns once the response head is in;
    /// the body is read as the caller consumes it.
    ///
    /// The call timeout covers only the wait for the head (logs and events
    /// may run for hours); the read timeout applies between chunks. With
    /// `throw_exceptions`, a status >= 400 becomes [`Error::Status`] whose
    /// [`EngineError::take_stream`] still yields the whole body.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), contajners_transport::Error> {
    /// use contajners_transport::{Request, Transport};
    /// use futures_util::StreamExt;
    /// let t = Transport::new("unix:///var/run/docker.sock")?;
    /// let req = Request::new(http::Method::GET, "/containers/box/logs")
    ///     .query("follow", "1")
    ///     .query("stdout", "1");
    /// let mut logs = t.fetch_stream(req).await?;
    /// while let Some(chunk) = logs.next().await {
    ///     print!("{}", String::from_utf8_lossy(&chunk?));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch_stream(&self, req: Request) -> Result<StreamResponse, Error> {
        let throw = req.throw_exceptions;
        let entire = req.throw_entire_message;
        let (head, reading) = self.within_call(self.exchange(req, false)).await?;
        let mut body = BodyStream::new(reading, self.shared.clone());
        if throw && head.status.as_u16() >= 400 {
            let (prefix, complete) = body.read_prefix(ERROR_PREFIX_LIMIT).await?;
            let message = EngineMessage::parse(&prefix);
            body.unread(prefix.clone());
            let rest = StreamResponse {
                status: head.status,
                headers: head.headers,
                body,
            };
            return Err(Error::Status(EngineError::new(
                head.status,
                message,
                (entire && complete).then_some(prefix),
                Some(rest),
            )));
        }
        Ok(StreamResponse {
            status: head.status,
            headers: head.headers,
            body,
        })
    }

    /// Socket mode: sends `req` with `Connection: Upgrade` and
    /// `Upgrade: tcp`; on `101` returns the raw bidirectional stream.
    /// Anything else is [`Error::NotUpgraded`] with the status and body.
    ///
    /// The call timeout covers the wait for the `101`; the read timeout does
    /// not apply to the upgraded stream (an interactive session may be quiet
    /// for as long as it likes), the write timeout does.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use contajners_transport::{Request, Transport};
    /// use tokio::io::AsyncWriteExt;
    /// let t = Transport::new("unix:///var/run/docker.sock")?;
    /// let req = Request::new(http::Method::POST, "/containers/box/attach")
    ///     .query("stream", "1")
    ///     .query("stdin", "1");
    /// let mut io = t.fetch_socket(req).await?;
    /// io.write_all(b"hello").await?;
    /// io.shutdown().await?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_socket(&self, req: Request) -> Result<Upgraded, Error> {
        self.within_call(async {
            let (head, reading) = self.exchange(req, true).await?;
            if head.status != http::StatusCode::SWITCHING_PROTOCOLS {
                let body = BodyStream::new(reading, self.shared.clone())
                    .collect()
                    .await?;
                return Err(Error::NotUpgraded {
                    status: head.status,
                    body,
                });
            }
            let mut conn = reading.conn;
            let buffered = conn.buf.split().freeze();
            Ok(Upgraded::new(head.headers.into_map(), buffered, conn.io))
        })
        .await
    }

    /// Sends the request on a pooled connection (or a new one) and reads
    /// the answer's head; the body is left on the connection. A pooled
    /// connection the engine closed while it was idle is replaced once, when
    /// sending again is safe (see `SendError::may_retry`).
    async fn exchange(
        &self,
        req: Request,
        upgrade: bool,
    ) -> Result<(ResponseHead, Reading), Error> {
        let mut prepared = req.prepare(&self.shared.authority, upgrade)?;
        let (mut conn, home) = self.pools.checkout().await?;
        let head = match send(&mut conn, &mut prepared, self.shared.read_timer()).await {
            Ok(head) => head,
            Err(e) if e.may_retry(conn.reused, &prepared.method, prepared.has_stream()) => {
                drop(conn);
                conn = self.pools.dial_new().await?;
                send(&mut conn, &mut prepared, self.shared.read_timer())
                    .await
                    .map_err(|e| self.send_error(e))?
            }
            Err(e) => return Err(self.send_error(e)),
        };
        let end = head.body_end(&prepared.method).map_err(|m| Error::Io {
            during: "reading the response head",
            source: Box::new(m),
        })?;
        let reusable = head.keep_alive() && end != BodyEnd::Close && !upgrade;
        let reading = Reading {
            conn,
            decoder: Decoder::new(end),
            home: reusable.then_some(home),
        };
        Ok((head, reading))
    }

    fn send_error(&self, e: SendError) -> Error {
        let ctx = self.shared.context();
        match e.kind {
            SendErrorKind::Write(e) => classify::any(Box::new(e), ctx, "sending the request"),
            SendErrorKind::Body(e) => Error::Io {
                during: "sending the request body",
                source: Box::new(e),
            },
            SendErrorKind::Read(e) => classify::any(Box::new(e), ctx, "reading the response head"),
            SendErrorKind::Closed => Error::Io {
                during: "reading the response head",
                source: "the engine closed the connection without answering".into(),
            },
            SendErrorKind::Malformed(m) => Error::Io {
                during: "reading the response head",
                source: Box::new(m),
            },
            SendErrorKind::ReadTimeout => Error::Timeout(TimeoutKind::Read),
        }
    }

    async fn within_call<T>(
        &self,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let Some(limit) = self.shared.timeouts.call else {
            return fut.await;
        };
        let sleep = runtime::sleep_on(&self.shared.handle, limit);
        tokio::select! {
            biased;
            res = fut => res,
            () = sleep => Err(Error::Timeout(TimeoutKind::Call)),
        }
    }
}

/// Settings for a [`Transport`]; nothing is checked or read until
/// [`TransportBuilder::build`].
///
/// ```no_run
/// use std::time::Duration;
/// use contajners_transport::{Tls, Transport};
///
/// let t = Transport::builder("tcp://127.0.0.1:2376")
///     .tls(Tls::new().ca_file("ca.pem").client_cert_file("cert.pem").client_key_file("key.pem"))
///     .connect_timeout(Duration::from_secs(3))
///     .read_timeout(Duration::from_secs(30))
///     .build()?;
/// # Ok::<(), contajners_transport::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TransportBuilder {
    uri: String,
    tls: Option<Tls>,
    ssh: Option<Ssh>,
    timeouts: Timeouts,
    pool_idle: Duration,
    pool_max_idle: usize,
}

impl TransportBuilder {
    /// Use TLS with these settings. Makes `tcp://` speak HTTPS; `https://`
    /// without settings uses the platform's roots and no client certificate.
    ///
    /// ```
    /// let b = contajners_transport::Transport::builder("tcp://127.0.0.1:2376")
    ///     .tls(contajners_transport::Tls::new().ca_file("ca.pem"));
    /// ```
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// How to run the ssh client for an `ssh://` URI (identity, known
    /// hosts, options, remote command); ignored for other schemes.
    ///
    /// ```
    /// let b = contajners_transport::Transport::builder("ssh://root@127.0.0.1:2222")
    ///     .ssh(contajners_transport::Ssh::new().identity_file("/keys/id_ed25519"));
    /// ```
    pub fn ssh(mut self, ssh: Ssh) -> Self {
        self.ssh = Some(ssh);
        self
    }

    /// Sets each limit `timeouts` gives, in one step; the limits it leaves
    /// unset keep what was set before (by an earlier call or by the
    /// per-limit setters below).
    ///
    /// ```
    /// use std::time::Duration;
    /// use contajners_transport::{Timeouts, Transport};
    ///
    /// let b = Transport::builder("unix:///run/docker.sock")
    ///     .timeouts(Timeouts::new().connect(Duration::from_secs(3)).call(Duration::from_secs(60)));
    /// ```
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = self.timeouts.overlaid(timeouts);
        self
    }

    /// Limit on connecting, TLS handshake included.
    ///
    /// ```
    /// let b = contajners_transport::Transport::builder("unix:///run/docker.sock")
    ///     .connect_timeout(std::time::Duration::from_millis(500));
    /// ```
    pub fn connect_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.connect = Some(limit);
        self
    }

    /// Limit on waiting for the next byte: for the response head (counted
    /// from when the request body has been handed over) and between body
    /// chunks, in data and stream modes.
    ///
    /// ```
    /// let b = contajners_transport::Transport::builder("unix:///run/docker.sock")
    ///     .read_timeout(std::time::Duration::from_secs(30));
    /// ```
    pub fn read_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.read = Some(limit);
        self
    }

    /// Limit on a write to the socket making no progress.
    ///
    /// ```
    /// let b = contajners_transport::Transport::builder("unix:///run/docker.sock")
    ///     .write_timeout(std::time::Duration::from_secs(30));
    /// ```
    pub fn write_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.write = Some(limit);
        self
    }

    /// Limit on the whole exchange in data mode, and on the wait for the
    /// response head in stream and socket modes.
    ///
    /// ```
    /// let b = contajners_transport::Transport::builder("unix:///run/docker.sock")
    ///     .call_timeout(std::time::Duration::from_secs(60));
    /// ```
    pub fn call_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.call = Some(limit);
        self
    }

    /// How long an idle pooled connection is kept (default 90 s).
    ///
    /// ```
    /// let b = contajners_transport::Transport::builder("unix:///run/docker.sock")
    ///     .pool_idle_timeout(std::time::Duration::from_secs(10));
    /// ```
    pub fn pool_idle_timeout(mut self, limit: Duration) -> Self {
        self.pool_idle = limit;
        self
    }

    /// How many idle connections the pool keeps (default: no limit; 0
    /// disables reuse).
    ///
    /// ```
    /// let b = contajners_transport::Transport::builder("unix:///run/docker.sock")
    ///     .pool_max_idle(8);
    /// ```
    pub fn pool_max_idle(mut self, max: usize) -> Self {
        self.pool_max_idle = max;
        self
    }

    /// Checks the endpoint, loads and checks the TLS material, and builds
    /// the transport. No connection is made yet.
    ///
    /// ```
    /// let err = contajners_transport::Transport::builder("ftp://x").build().unwrap_err();
    /// assert!(err.to_string().contains("not supported"));
    /// ```
    pub fn build(self) -> Result<Transport, Error> {
        let mut endpoint = Endpoint::parse(&self.uri, self.tls.is_some())?;
        if let (Endpoint::Ssh { ssh, .. }, Some(settings)) = (&mut endpoint, &self.ssh) {
            *ssh = settings.clone();
        }
        let invalid = |reason: &str| Error::InvalidUri {
            uri: self.uri.clone(),
            reason: reason.to_string(),
        };
        let tls = match (&endpoint, &self.tls) {
            (Endpoint::Ssh { .. }, Some(_)) => {
                return Err(invalid(
                    "TLS settings were given for ssh://, which is secured by ssh itself",
                ))
            }
            (Endpoint::Unix(_), Some(_)) => {
                return Err(invalid(
                    "TLS settings were given for a unix socket, which takes none",
                ))
            }
            (Endpoint::Tcp { tls: false, .. }, Some(_)) => {
                return Err(invalid(
                    "TLS settings were given for http://; use https:// or tcp:// for TLS",
                ))
            }
            (
                Endpoint::Tcp {
                    tls: true, host, ..
                },
                settings,
            ) => {
                let settings = settings.clone().unwrap_or_default();
                let name = settings.server_name_override().unwrap_or(host).to_string();
                let server_name = ServerName::try_from(name.clone()).map_err(|_| {
                    invalid(&format!(
                        "`{name}` is not a valid TLS server name (DNS name or IP)"
                    ))
                })?;
                Some(TlsDial {
                    config: settings.load()?,
                    server_name,
                    client_auth: settings.has_client_auth(),
                })
            }
            _ => None,
        };
        let handle = runtime::background().map_err(|e| Error::Io {
            during: "starting the background runtime",
            source: Box::new(e),
        })?;
        let shared = Arc::new(Settings {
            endpoint_text: endpoint.to_string(),
            authority: endpoint.authority(),
            server_name: tls.as_ref().map(|t| t.server_name.clone()),
            client_auth: tls.as_ref().is_some_and(|t| t.client_auth),
            endpoint: endpoint.clone(),
            timeouts: self.timeouts,
            handle: handle.clone(),
        });
        let dialer = Arc::new(Dialer {
            endpoint,
            tls,
            connect_timeout: self.timeouts.connect,
            write_timeout: self.timeouts.write,
            handle,
        });
        let pools = Pools::new(dialer, self.pool_idle, self.pool_max_idle);
        Ok(Transport { shared, pools })
    }
}
