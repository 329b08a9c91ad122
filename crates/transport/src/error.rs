//! What can go wrong, at this crate's level: nothing was sent (a bad URI or
//! request), no answer (connect, TLS, IO, timeout), the engine said no
//! (status >= 400 when asked to throw), or the body did not decode.
//!
//! `Display` says what went wrong here and never repeats the source; the
//! cause is in [`std::error::Error::source`].

use std::fmt;
use std::path::PathBuf;

use bytes::Bytes;
use http::StatusCode;

use crate::message::EngineMessage;
use crate::response::StreamResponse;

/// A boxed error from below this crate (IO, TLS, HTTP protocol), kept as the
/// source so no foreign type appears in a public variant.
///
/// ```
/// let source: contajners_transport::BoxError = "reset by peer".into();
/// let err = contajners_transport::Error::Io { during: "reading the response body", source };
/// assert_eq!(err.to_string(), "the connection failed while reading the response body");
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error from building a [`Transport`](crate::Transport) or from a fetch.
///
/// ```
/// use contajners_transport::{Error, Transport};
///
/// let err = Transport::new("ftp://host").unwrap_err();
/// assert!(matches!(err, Error::InvalidUri { .. }));
/// assert!(err.to_string().contains("unix://, tcp://, http://, https://, ssh://"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The endpoint URI cannot be used; nothing was sent.
    InvalidUri {
        /// The URI as given.
        uri: String,
        /// What is wrong with it and what would be right.
        reason: String,
    },
    /// The request cannot be sent as built (a bad header name or value, a
    /// path that is not a path, a body that does not serialize); nothing was
    /// sent.
    InvalidRequest {
        /// What is wrong with it.
        reason: String,
        /// The lower-level cause, if any.
        source: Option<BoxError>,
    },
    /// No connection to the engine could be made.
    Connect(ConnectError),
    /// TLS material could not be used, or the TLS handshake failed.
    Tls(TlsError),
    /// One of the configured timeouts fired.
    Timeout(TimeoutKind),
    /// The connection broke while the request or the response was on its way.
    Io {
        /// What was going on, e.g. "reading the response body".
        during: &'static str,
        /// The cause.
        source: BoxError,
    },
    /// The engine answered with a status >= 400 and the request asked to
    /// throw ([`Request::throw_exceptions`](crate::Request::throw_exceptions)).
    Status(EngineError),
    /// Socket mode: the engine answered without switching protocols (101).
    NotUpgraded {
        /// The status the engine answered with.
        status: StatusCode,
        /// The whole body of that answer (usually the engine's reason).
        body: Bytes,
    },
    /// The body did not decode as asked (text or JSON).
    Decode {
        /// What was being decoded, e.g. "the body as JSON".
        what: &'static str,
        /// The decoder's error.
        source: BoxError,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUri { uri, reason } => write!(f, "invalid endpoint `{uri}`: {reason}"),
            Error::InvalidRequest { reason, .. } => write!(f, "invalid request: {reason}"),
            Error::Connect(e) => e.fmt(f),
            Error::Tls(e) => e.fmt(f),
            Error::Timeout(kind) => write!(f, "the {kind} timeout fired"),
            Error::Io { during, .. } => write!(f, "the connection failed while {during}"),
            Error::Status(e) => e.fmt(f),
            Error::NotUpgraded { status, body } => write!(
                f,
                "the engine did not switch to a raw socket: it answered {status}: {}",
                crate::message::EngineMessage::parse(body).message
            ),
            Error::Decode { what, .. } => write!(f, "cannot decode {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidRequest { source, .. } => source.as_deref().map(|e| e as _),
            // These display exactly as the wrapped error does, so the chain
            // goes on from its source rather than printing it twice.
            Error::Connect(e) => e.source(),
            Error::Tls(e) => e.source(),
            Error::Io { source, .. } | Error::Decode { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl Error {
    /// The timeout that fired, if this is a timeout.
    ///
    /// ```
    /// use contajners_transport::{Error, TimeoutKind};
    /// assert_eq!(Error::Timeout(TimeoutKind::Read).timeout(), Some(TimeoutKind::Read));
    /// ```
    pub fn timeout(&self) -> Option<TimeoutKind> {
        match self {
            Error::Timeout(kind) => Some(*kind),
            _ => None,
        }
    }

    /// The HTTP status the engine answered with, for [`Error::Status`] and
    /// [`Error::NotUpgraded`].
    ///
    /// ```
    /// use contajners_transport::Error;
    /// let e = Error::NotUpgraded { status: http::StatusCode::OK, body: "no".into() };
    /// assert_eq!(e.status(), Some(http::StatusCode::OK));
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Status(e) => Some(e.status()),
            Error::NotUpgraded { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn invalid_request(reason: impl Into<String>) -> Error {
        Error::InvalidRequest {
            reason: reason.into(),
            source: None,
        }
    }
}

/// Which timeout fired; see [`TransportBuilder`](crate::TransportBuilder).
///
/// ```
/// use contajners_transport::TimeoutKind;
/// assert_eq!(TimeoutKind::Call.to_string(), "call");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Connecting (and the TLS handshake) took too long.
    Connect,
    /// No byte arrived for too long (the response head or the body).
    Read,
    /// A write to the socket made no progress for too long.
    Write,
    /// The whole exchange (data mode) or the wait for the response head
    /// (stream and socket modes) took too long.
    Call,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Read => "read",
            TimeoutKind::Write => "write",
            TimeoutKind::Call => "call",
        })
    }
}

/// Why a connection could not be made, with the endpoint and a hint.
///
/// ```
/// # async fn demo() {
/// use contajners_transport::{ConnectErrorKind, Error, Request, Transport};
///
/// let t = Transport::new("unix:///nonexistent/docker.sock").unwrap();
/// match t.fetch(Request::new(http::Method::GET, "/_ping")).await {
///     Err(Error::Connect(e)) => {
///         assert_eq!(e.kind(), ConnectErrorKind::SocketMissing);
///         assert!(e.to_string().contains("is the engine running?"));
///     }
///     other => panic!("{other:?}"),
/// }
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo());
/// ```
#[derive(Debug)]
pub struct ConnectError {
    pub(crate) endpoint: String,
    pub(crate) kind: ConnectErrorKind,
    pub(crate) source: BoxError,
}

/// The cause of a [`ConnectError`], each with its own hint.
///
/// ```no_run
/// # async fn demo(t: contajners_transport::Transport) {
/// use contajners_transport::{ConnectErrorKind, Error, Request};
/// if let Err(Error::Connect(e)) = t.fetch(Request::new(http::Method::GET, "/_ping")).await {
///     if e.kind() == ConnectErrorKind::SocketMissing {
///         eprintln!("start the engine first");
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectErrorKind {
    /// The unix socket file does not exist.
    SocketMissing,
    /// The OS refused access to the socket.
    PermissionDenied,
    /// Nothing listens there.
    Refused,
    /// The host name did not resolve.
    Resolve,
    /// TLS was expected but the endpoint does not speak TLS (it answered
    /// plain HTTP or something else).
    NotTls,
    /// Any other cause (see the source).
    Other,
}

impl ConnectError {
    pub(crate) fn new(
        endpoint: impl fmt::Display,
        kind: ConnectErrorKind,
        source: impl Into<BoxError>,
    ) -> Self {
        ConnectError {
            endpoint: endpoint.to_string(),
            kind,
            source: source.into(),
        }
    }

    /// The endpoint that could not be reached, e.g. `unix:///var/run/docker.sock`.
    ///
    /// ```no_run
    /// # fn f(e: &contajners_transport::ConnectError) { println!("{}", e.endpoint()); }
    /// ```
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The cause, without its hint.
    ///
    /// ```no_run
    /// # fn f(e: &contajners_transport::ConnectError) { println!("{:?}", e.kind()); }
    /// ```
    pub fn kind(&self) -> ConnectErrorKind {
        self.kind
    }

    fn hint(&self) -> &'static str {
        match self.kind {
            ConnectErrorKind::SocketMissing => "the socket does not exist; is the engine running?",
            ConnectErrorKind::PermissionDenied => {
                "permission denied; is your user allowed to use the socket (e.g. in the docker group)?"
            }
            ConnectErrorKind::Refused => {
                "connection refused; is the engine running and listening there?"
            }
            ConnectErrorKind::Resolve => "the host name does not resolve",
            ConnectErrorKind::NotTls => {
                "TLS was expected but the endpoint answered plain HTTP; use tcp:// or http:// without TLS settings"
            }
            ConnectErrorKind::Other => "the connection failed",
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot connect to {}: {}", self.endpoint, self.hint())
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

/// A TLS problem: unusable material at build time, or a failed handshake.
///
/// ```
/// use contajners_transport::{Error, Tls, TlsErrorKind, Transport};
///
/// let err = Transport::builder("https://127.0.0.1:2376")
///     .tls(Tls::new().ca_file("/nonexistent/ca.pem"))
///     .build()
///     .unwrap_err();
/// let Error::Tls(tls) = err else { panic!() };
/// assert_eq!(tls.kind(), TlsErrorKind::Material);
/// assert!(tls.to_string().contains("/nonexistent/ca.pem"));
/// ```
#[derive(Debug)]
pub struct TlsError {
    pub(crate) kind: TlsErrorKind,
    pub(crate) file: Option<PathBuf>,
    pub(crate) detail: String,
    pub(crate) source: Option<BoxError>,
}

/// What kind of TLS problem a [`TlsError`] is.
///
/// ```no_run
/// # async fn demo(t: contajners_transport::Transport) {
/// use contajners_transport::{Error, Request, TlsErrorKind};
/// if let Err(Error::Tls(e)) = t.fetch(Request::new(http::Method::GET, "/_ping")).await {
///     if e.kind() == TlsErrorKind::UnknownCa {
///         eprintln!("give the engine's CA with Tls::ca_file");
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsErrorKind {
    /// A CA, certificate or key could not be read, parsed or used (at build).
    Material,
    /// The engine's certificate is not signed by a trusted CA.
    UnknownCa,
    /// The engine's certificate is not valid for the name connected to.
    NameMismatch,
    /// The engine's certificate has expired or is not yet valid.
    Expired,
    /// The engine requires a client certificate and none was given.
    ClientCertRequired,
    /// The engine rejected the client certificate that was given.
    ClientCertRejected,
    /// Any other handshake failure (see the source).
    Handshake,
}

impl TlsError {
    pub(crate) fn material(
        file: Option<PathBuf>,
        detail: impl Into<String>,
        source: Option<BoxError>,
    ) -> Self {
        TlsError {
            kind: TlsErrorKind::Material,
            file,
            detail: detail.into(),
            source,
        }
    }

    /// What kind of TLS problem this is.
    ///
    /// ```no_run
    /// # fn f(e: &contajners_transport::TlsError) { println!("{:?}", e.kind()); }
    /// ```
    pub fn kind(&self) -> TlsErrorKind {
        self.kind
    }

    /// The file the problem is in, when the material came from a file.
    ///
    /// ```no_run
    /// # fn f(e: &contajners_transport::TlsError) { println!("{:?}", e.file()); }
    /// ```
    pub fn file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.kind) {
            (Some(file), _) => write!(f, "TLS material {}: {}", file.display(), self.detail),
            (None, TlsErrorKind::Material) => write!(f, "TLS material: {}", self.detail),
            (None, _) => write!(f, "TLS handshake failed: {}", self.detail),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// The engine answered with a status >= 400 (and the request asked to throw).
///
/// ```no_run
/// # async fn demo() -> Result<(), contajners_transport::Error> {
/// use contajners_transport::{Error, Request, Transport};
///
/// let t = Transport::new("unix:///var/run/docker.sock")?;
/// let req = Request::new(http::Method::GET, "/containers/nope/json").throw_exceptions(true);
/// match t.fetch(req).await {
///     Err(Error::Status(e)) => println!("{} {}", e.status(), e.message()),
///     other => println!("{other:?}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct EngineError {
    // Boxed so that `Result<_, Error>` stays small on the happy path.
    inner: Box<EngineErrorInner>,
}

#[derive(Debug)]
struct EngineErrorInner {
    status: StatusCode,
    message: String,
    cause: Option<String>,
    body: Option<Bytes>,
    stream: std::sync::Mutex<Option<StreamResponse>>,
}

impl EngineError {
    pub(crate) fn new(
        status: StatusCode,
        EngineMessage { message, cause }: EngineMessage,
        body: Option<Bytes>,
        stream: Option<StreamResponse>,
    ) -> Self {
        EngineError {
            inner: Box::new(EngineErrorInner {
                status,
                message,
                cause,
                body,
                stream: std::sync::Mutex::new(stream),
            }),
        }
    }

    /// The status the engine answered with.
    ///
    /// ```no_run
    /// # fn f(e: &contajners_transport::EngineError) { println!("{}", e.status()); }
    /// ```
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The engine's message: Docker's and Podman's `message` field, or the
    /// body as text when it is not such JSON.
    ///
    /// ```no_run
    /// # fn f(e: &contajners_transport::EngineError) { println!("{}", e.message()); }
    /// ```
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Podman's `cause` field, when present.
    ///
    /// ```no_run
    /// # fn f(e: &contajners_transport::EngineError) { println!("{:?}", e.cause()); }
    /// ```
    pub fn cause(&self) -> Option<&str> {
        self.inner.cause.as_deref()
    }

    /// The whole body, when the request asked for it with
    /// [`Request::throw_entire_message`](crate::Request::throw_entire_message).
    ///
    /// ```no_run
    /// # fn f(e: &contajners_transport::EngineError) { println!("{:?}", e.body()); }
    /// ```
    pub fn body(&self) -> Option<&Bytes> {
        self.inner.body.as_ref()
    }

    /// Stream mode only: the response body, from its first byte, for the
    /// caller to read (the part read to find the message is replayed).
    /// Returns `None` in data mode or when already taken.
    ///
    /// ```no_run
    /// # async fn demo(e: contajners_transport::EngineError) {
    /// use futures_util::StreamExt;
    /// if let Some(mut body) = e.take_stream() {
    ///     while let Some(chunk) = body.next().await {
    ///         println!("{:?}", chunk);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn take_stream(&self) -> Option<StreamResponse> {
        // A poisoned lock only means another thread panicked while taking
        // the stream; the Option inside is still valid.
        let mut slot = self
            .inner
            .stream
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.take()
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let EngineErrorInner {
            status,
            message,
            cause,
            ..
        } = &*self.inner;
        write!(f, "the engine answered {status}")?;
        if !message.is_empty() {
            write!(f, ": {message}")?;
        }
        if let Some(cause) = cause.as_deref().filter(|c| !message.contains(c)) {
            write!(f, " (cause: {cause})")?;
        }
        Ok(())
    }
}

impl std::error::Error for EngineError {}
