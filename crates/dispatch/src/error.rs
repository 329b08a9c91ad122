//! The one error type of `invoke` and the codecs, in four kinds: nothing was
//! sent, no answer, the engine said no, the answer did not decode.
//!
//! `Display` says what went wrong at its own level and never repeats its
//! source; `source()` chains the rest.

use std::fmt;

use bytes::Bytes;
use contajners_transport::EngineMessage;

/// An error from [`Client::invoke`](crate::Client::invoke), the codecs or
/// [`Client::fetch`](crate::Client::fetch).
///
/// ```no_run
/// # async fn demo(client: contajners_dispatch::Client) {
/// use contajners_dispatch::{Error, Invocation};
/// match client.invoke(Invocation::new("ContainerInspect").param("id", "nope")).await {
///     Err(Error::Request(err)) => eprintln!("nothing was sent: {err}"),
///     Err(Error::Transport(err)) => eprintln!("no answer: {err}"),
///     Err(Error::Engine(err)) => eprintln!("{} said no: {}", err.status(), err.message()),
///     Err(Error::Decode(err)) => eprintln!("unreadable answer: {err}"),
///     Err(err) => eprintln!("{err}"),
///     Ok(output) => println!("{output:?}"),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The operation or its params did not match the spec; nothing was sent.
    Request(RequestError),
    /// No answer: connect, TLS, IO or timeout.
    Transport(TransportError),
    /// The engine said no: a 4xx/5xx status (with `throw_exceptions`), a
    /// daemon error frame, or an in-band error in a progress stream.
    Engine(EngineError),
    /// The engine answered, but the answer did not decode.
    Decode(DecodeError),
}

impl Error {
    /// The operation id the error belongs to, when known.
    pub fn op(&self) -> Option<&str> {
        match self {
            Error::Request(err) => err.op.as_deref(),
            Error::Transport(err) => err.op.as_deref(),
            Error::Engine(err) => err.inner.op.as_deref(),
            Error::Decode(err) => err.op.as_deref(),
        }
    }

    pub(crate) fn with_op(mut self, op: &str) -> Self {
        let slot = match &mut self {
            Error::Request(err) => &mut err.op,
            Error::Transport(err) => &mut err.op,
            Error::Engine(err) => &mut err.inner.op,
            Error::Decode(err) => &mut err.op,
        };
        if slot.is_none() {
            *slot = Some(op.to_string());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Request(err) => err.fmt(f),
            Error::Transport(err) => err.fmt(f),
            Error::Engine(err) => err.fmt(f),
            Error::Decode(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Request(_) | Error::Engine(_) => None,
            Error::Transport(err) => err.source(),
            Error::Decode(err) => err.source(),
        }
    }
}

fn op_prefix(f: &mut fmt::Formatter<'_>, op: &Option<String>) -> fmt::Result {
    match op {
        Some(op) => write!(f, "{op}: "),
        None => Ok(()),
    }
}

/// The request did not match the spec (or could not be encoded); nothing
/// was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    op: Option<String>,
    message: String,
}

impl RequestError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            op: None,
            message: message.into(),
        }
    }

    /// What was wrong and what would be right.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        op_prefix(f, &self.op)?;
        write!(f, "{} (nothing was sent)", self.message)
    }
}

impl From<contajners_spec::Error> for Error {
    /// An unknown version or a spec that does not load: nothing was sent.
    fn from(err: contajners_spec::Error) -> Self {
        Error::Request(RequestError::new(err.to_string()))
    }
}

impl From<RequestError> for Error {
    fn from(err: RequestError) -> Self {
        Error::Request(err)
    }
}

/// No answer from the engine: connect, TLS, IO or timeout. The cause is the
/// [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct TransportError {
    op: Option<String>,
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl TransportError {
    pub(crate) fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            op: None,
            source: source.into(),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        op_prefix(f, &self.op)?;
        f.write_str("no answer from the engine")
    }
}

impl TransportError {
    /// The transport's own error (connect, TLS, timeout, IO), when the
    /// transport raised it.
    pub fn transport(&self) -> Option<&contajners_transport::Error> {
        self.source.downcast_ref()
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::Transport(TransportError::new(err))
    }
}

/// The engine said no.
///
/// Keeps the status (200 for an error inside a stream), the engine's
/// `message` (and Podman's `cause`), the operation id and, with
/// `throw_entire_message`, the whole body. In stream mode the unread answer
/// is kept too ([`take_stream`](Self::take_stream)).
#[derive(Debug)]
pub struct EngineError {
    // Boxed: results carrying an error stay small on the happy path.
    inner: Box<EngineInner>,
}

#[derive(Debug)]
struct EngineInner {
    op: Option<String>,
    status: u16,
    message: String,
    cause: Option<String>,
    body: Option<Bytes>,
    stream: Option<contajners_transport::StreamResponse>,
}

impl EngineError {
    /// An error the engine reported inside a 200 stream.
    pub(crate) fn in_stream(message: String, body: Bytes) -> Self {
        Self::new(EngineInner {
            op: None,
            status: 200,
            message,
            cause: None,
            body: Some(body),
            stream: None,
        })
    }

    fn new(inner: EngineInner) -> Self {
        EngineError {
            inner: Box::new(inner),
        }
    }

    /// An error answer: the message is taken from the JSON body
    /// (`message`, Podman's `cause`) or is the body as text.
    pub(crate) fn from_answer(status: u16, body: Bytes) -> Self {
        let EngineMessage { message, cause, .. } = EngineMessage::parse(&body);
        Self::new(EngineInner {
            op: None,
            status,
            message,
            cause,
            body: Some(body),
            stream: None,
        })
    }

    /// The HTTP status; 200 when the engine failed inside a stream.
    pub fn status(&self) -> u16 {
        self.inner.status
    }

    /// The engine's message.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Podman's `cause`, when it sent one.
    pub fn cause(&self) -> Option<&str> {
        self.inner.cause.as_deref()
    }

    /// The whole body of the answer, kept with `throw_entire_message` (and
    /// always for errors inside a stream or a refused upgrade).
    ///
    /// For an error inside a stream ([`status`](Self::status) 200) it is
    /// what the engine sent for it: the in-band JSON object of a progress
    /// sequence (as compact JSON, `errorDetail` and all), which the
    /// [`JsonSeq`](crate::codec::JsonSeq) decoder turns into this error
    /// instead of yielding it, or the message of a stdcopy system-error
    /// frame. A caller passing a progress stream through (as JSON lines)
    /// writes it from here, so the object is not lost.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use futures_util::{stream, StreamExt};
    /// use contajners_dispatch::{codec::JsonSeq, Error};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = r#"{"errorDetail":{"message":"no space"},"error":"no space"}"#;
    /// let mut values = JsonSeq::new(stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))]));
    /// match values.next().await {
    ///     Some(Err(Error::Engine(err))) if err.status() == 200 => {
    ///         let object: serde_json::Value =
    ///             serde_json::from_slice(err.body().expect("kept")).expect("JSON");
    ///         assert_eq!(object["errorDetail"]["message"], "no space");
    ///     }
    ///     other => panic!("expected the in-band error, got {other:?}"),
    /// }
    /// # });
    /// ```
    pub fn body(&self) -> Option<&Bytes> {
        self.inner.body.as_ref()
    }

    /// Stream mode: the answer's body from its first byte, for the caller to
    /// read (the seed's `(-> e ex-data :body slurp)`). `None` in data mode
    /// or once taken.
    ///
    /// ```no_run
    /// # async fn demo(mut err: contajners_dispatch::EngineError) {
    /// use futures_util::TryStreamExt;
    /// if let Some(body) = err.take_stream() {
    ///     let chunks: Vec<bytes::Bytes> = body.try_collect().await.unwrap_or_default();
    ///     println!("{}", String::from_utf8_lossy(&chunks.concat()));
    /// }
    /// # }
    /// ```
    pub fn take_stream(&mut self) -> Option<contajners_transport::StreamResponse> {
        self.inner.stream.take()
    }
}

impl From<contajners_transport::EngineError> for EngineError {
    fn from(err: contajners_transport::EngineError) -> Self {
        EngineError::new(EngineInner {
            op: None,
            status: err.status().as_u16(),
            message: err.message().to_string(),
            cause: err.cause().map(str::to_string),
            body: err.body().cloned(),
            stream: err.take_stream(),
        })
    }
}

impl From<contajners_transport::Error> for Error {
    /// Sorts the transport's errors into the four kinds: a request the
    /// transport refused was not sent; a status is the engine saying no.
    fn from(err: contajners_transport::Error) -> Self {
        use contajners_transport::Error as T;
        match err {
            T::InvalidUri { .. } | T::InvalidRequest { .. } => Error::Request(RequestError {
                op: None,
                message: err.to_string(),
            }),
            T::Status(engine) => Error::Engine(engine.into()),
            T::NotUpgraded { status, body } => {
                Error::Engine(EngineError::from_answer(status.as_u16(), body))
            }
            T::Decode { .. } => {
                Error::Decode(DecodeError::new("the answer did not decode").with_source(err))
            }
            other => Error::Transport(TransportError::new(other)),
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        op_prefix(f, &inner.op)?;
        if inner.status == 200 {
            write!(
                f,
                "the engine reported an error in the stream: {}",
                inner.message
            )?;
        } else {
            write!(f, "the engine answered {}: {}", inner.status, inner.message)?;
        }
        match inner.cause.as_deref() {
            Some(cause) if !inner.message.contains(cause) => write!(f, " (cause: {cause})"),
            _ => Ok(()),
        }
    }
}

/// The engine answered, but the answer did not decode.
#[derive(Debug)]
pub struct DecodeError {
    op: Option<String>,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl DecodeError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            op: None,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What did not decode.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        op_prefix(f, &self.op)?;
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as _)
    }
}

impl std::error::Error for RequestError {}

impl std::error::Error for EngineError {}

impl From<EngineError> for Error {
    fn from(err: EngineError) -> Self {
        Error::Engine(err)
    }
}
