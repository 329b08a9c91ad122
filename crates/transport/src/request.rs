//! What to send: method, path, query, headers, body, and how to treat an
//! error status.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use http::{HeaderName, HeaderValue, Method};
use http_body::{Frame, SizeHint};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};
use tokio::io::AsyncRead;

use crate::error::Error;

/// How much a reader body reads at once; bounds its memory.
const READER_CHUNK: usize = 64 * 1024;

/// Query keys and values: everything but RFC 3986 unreserved is encoded.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Characters that cannot appear raw in a URI path; `%` is kept so paths
/// already encoded by the caller pass unchanged.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'#')
    .add(b'?');

/// One HTTP request to the engine.
///
/// Header problems (a bad name, a value with CR/LF) are reported by the
/// fetch, before anything is sent.
///
/// ```
/// use contajners_transport::{Body, Request};
/// use http::Method;
///
/// let req = Request::new(Method::POST, "/v1.41/containers/create")
///     .query("name", "my box")
///     .header("X-Custom", "1")
///     .body(Body::json(&serde_json::json!({"Image": "busybox"}))?)
///     .throw_exceptions(true);
/// assert_eq!(req.path(), "/v1.41/containers/create");
/// # Ok::<(), contajners_transport::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
    pub(crate) throw_exceptions: bool,
    pub(crate) throw_entire_message: bool,
}

impl Request {
    /// A request with this method and path (e.g. `/v1.41/_ping`), no query,
    /// no headers, an empty body, and errors returned as responses.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/_ping");
    /// ```
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::empty(),
            throw_exceptions: false,
            throw_entire_message: false,
        }
    }

    /// Adds a query pair; both sides are percent-encoded here. Repeating a
    /// key sends it several times, in order.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/containers/json")
    ///     .query("all", "true")
    ///     .query("filters", r#"{"status":["running"]}"#);
    /// ```
    pub fn query(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.query
            .push((key.as_ref().to_string(), value.as_ref().to_string()));
        self
    }

    /// Adds a header. Repeating a name sends it several times.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::POST, "/images/create")
    ///     .header("X-Registry-Auth", "eyJ1c2VybmFtZSI6ImEifQ");
    /// ```
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers
            .push((name.as_ref().to_string(), value.as_ref().to_string()));
        self
    }

    /// Sets the body.
    ///
    /// ```
    /// use contajners_transport::{Body, Request};
    /// let req = Request::new(http::Method::PUT, "/containers/x/archive")
    ///     .query("path", "/")
    ///     .header("Content-Type", "application/x-tar")
    ///     .body(Body::bytes(vec![0u8; 1024]));
    /// ```
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// With `true`, a status >= 400 becomes [`Error::Status`] carrying the
    /// engine's message. Off by default: the response is returned whatever
    /// its status.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/_ping")
    ///     .throw_exceptions(true);
    /// ```
    pub fn throw_exceptions(mut self, on: bool) -> Self {
        self.throw_exceptions = on;
        self
    }

    /// With `true` (and [`Request::throw_exceptions`]), the error also keeps
    /// the whole body ([`EngineError::body`](crate::EngineError::body)).
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/_ping")
    ///     .throw_exceptions(true)
    ///     .throw_entire_message(true);
    /// ```
    pub fn throw_entire_message(mut self, on: bool) -> Self {
        self.throw_entire_message = on;
        self
    }

    /// The method.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/_ping");
    /// assert_eq!(req.method(), http::Method::GET);
    /// ```
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path as given.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/_ping");
    /// assert_eq!(req.path(), "/_ping");
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query pairs as given (not yet encoded).
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/x").query("a", "b c");
    /// assert_eq!(req.query_pairs(), &[("a".to_string(), "b c".to_string())]);
    /// ```
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// The headers as given.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/x").header("A", "1");
    /// assert_eq!(req.headers(), &[("A".to_string(), "1".to_string())]);
    /// ```
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/x");
    /// assert!(req.body_ref().is_empty());
    /// ```
    pub fn body_ref(&self) -> &Body {
        &self.body
    }

    /// The path and encoded query, e.g. `/containers/json?all=true`.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/x y").query("a", "b c&d");
    /// assert_eq!(req.path_and_query(), "/x%20y?a=b%20c%26d");
    /// ```
    pub fn path_and_query(&self) -> String {
        let mut out = utf8_percent_encode(&self.path, PATH).to_string();
        for (i, (k, v)) in self.query.iter().enumerate() {
            out.push(if i == 0 && !self.path.contains('?') {
                '?'
            } else {
                '&'
            });
            out.extend(utf8_percent_encode(k, QUERY));
            out.push('=');
            out.extend(utf8_percent_encode(v, QUERY));
        }
        out
    }

    /// Builds the hyper request; fails before anything is sent.
    pub(crate) fn into_http(
        self,
        authority: &str,
        upgrade: bool,
    ) -> Result<
        (
            http::Request<ReqBody>,
            Option<tokio::sync::oneshot::Receiver<()>>,
        ),
        Error,
    > {
        if !self.path.starts_with('/') {
            return Err(Error::invalid_request(format!(
                "the path `{}` must start with `/`",
                self.path
            )));
        }
        let uri = format!("http://{authority}{}", self.path_and_query());
        let uri: http::Uri = uri.parse().map_err(|e| Error::InvalidRequest {
            reason: format!("the path `{}` does not make a valid URI", self.path),
            source: Some(Box::new(e)),
        })?;
        let mut req = http::Request::builder()
            .method(self.method)
            .uri(uri)
            .body(())
            .map_err(|e| Error::InvalidRequest {
                reason: "the request cannot be built".into(),
                source: Some(Box::new(e)),
            })?;
        let headers = req.headers_mut();
        for (name, value) in &self.headers {
            let name =
                HeaderName::from_bytes(name.as_bytes()).map_err(|e| Error::InvalidRequest {
                    reason: format!("`{name}` is not a valid header name"),
                    source: Some(Box::new(e)),
                })?;
            let value = HeaderValue::from_str(value).map_err(|e| Error::InvalidRequest {
                reason: format!(
                    "the value of header `{name}` is not valid (no CR, LF or other control characters)"
                ),
                source: Some(Box::new(e)),
            })?;
            headers.append(name, value);
        }
        if matches!(self.body.kind, BodyKind::Json(_))
            && !headers.contains_key(http::header::CONTENT_TYPE)
        {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        if upgrade {
            headers.insert(
                http::header::CONNECTION,
                HeaderValue::from_static("Upgrade"),
            );
            headers.insert(http::header::UPGRADE, HeaderValue::from_static("tcp"));
        }
        let (body, sent) = ReqBody::new(self.body);
        Ok((req.map(|()| body), sent))
    }
}

/// A request body: empty, bytes, JSON, or a stream sent chunked.
///
/// ```
/// use contajners_transport::Body;
/// let empty = Body::empty();
/// let bytes = Body::bytes("hello");
/// let json = Body::json(&serde_json::json!({"a": 1}))?;
/// # Ok::<(), contajners_transport::Error>(())
/// ```
#[must_use]
pub struct Body {
    kind: BodyKind,
}

enum BodyKind {
    Empty,
    Bytes(Bytes),
    Json(Bytes),
    Stream(Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send + 'static>>),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BodyKind::Empty => f.write_str("Body::empty"),
            BodyKind::Bytes(b) => write!(f, "Body::bytes({} bytes)", b.len()),
            BodyKind::Json(b) => write!(f, "Body::json({} bytes)", b.len()),
            BodyKind::Stream(_) => f.write_str("Body::stream"),
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl Body {
    /// No body.
    ///
    /// ```
    /// assert!(contajners_transport::Body::empty().is_empty());
    /// ```
    pub fn empty() -> Self {
        Body {
            kind: BodyKind::Empty,
        }
    }

    /// These bytes, sent with a `Content-Length`.
    ///
    /// ```
    /// let body = contajners_transport::Body::bytes(b"raw".to_vec());
    /// ```
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Body {
            kind: BodyKind::Bytes(bytes.into()),
        }
    }

    /// `value` as JSON; the request gets `Content-Type: application/json`
    /// unless it sets its own.
    ///
    /// ```
    /// let body = contajners_transport::Body::json(&vec!["a", "b"])?;
    /// # Ok::<(), contajners_transport::Error>(())
    /// ```
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::InvalidRequest {
            reason: "the body cannot be serialized as JSON".into(),
            source: Some(Box::new(e)),
        })?;
        Ok(Body {
            kind: BodyKind::Json(bytes.into()),
        })
    }

    /// A stream of chunks, sent chunked as it is produced (one chunk in
    /// memory at a time). An error from the stream aborts the request.
    ///
    /// ```
    /// use bytes::Bytes;
    /// let chunks = futures_util::stream::iter(vec![Ok(Bytes::from("a")), Ok(Bytes::from("b"))]);
    /// let body = contajners_transport::Body::stream(chunks);
    /// ```
    pub fn stream<S>(stream: S) -> Self
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        Body {
            kind: BodyKind::Stream(Box::pin(stream)),
        }
    }

    /// Everything `reader` yields (a file, a pipe), read 64 KiB at a time and
    /// sent chunked.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// let file = tokio::fs::File::open("context.tar").await?;
    /// let body = contajners_transport::Body::reader(file);
    /// # Ok(()) }
    /// ```
    pub fn reader<R>(reader: R) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        Self::stream(tokio_util::io::ReaderStream::with_capacity(
            reader,
            READER_CHUNK,
        ))
    }

    /// True for [`Body::empty`].
    ///
    /// ```
    /// assert!(!contajners_transport::Body::bytes("x").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self.kind, BodyKind::Empty)
    }

    /// The bytes of a bytes or JSON body (`None` for empty and streams).
    ///
    /// ```
    /// let body = contajners_transport::Body::bytes("x");
    /// assert_eq!(body.as_bytes().map(|b| &b[..]), Some(&b"x"[..]));
    /// ```
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            BodyKind::Bytes(b) | BodyKind::Json(b) => Some(b),
            _ => None,
        }
    }
}

/// The body as hyper sends it. Signals when it has been handed over whole,
/// so the read timeout can start waiting for the answer from then on.
pub(crate) struct ReqBody {
    kind: BodyKind,
    sent: Option<tokio::sync::oneshot::Sender<()>>,
}

impl ReqBody {
    fn new(body: Body) -> (Self, Option<tokio::sync::oneshot::Receiver<()>>) {
        match body.kind {
            BodyKind::Stream(_) => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                (
                    ReqBody {
                        kind: body.kind,
                        sent: Some(tx),
                    },
                    Some(rx),
                )
            }
            kind => (ReqBody { kind, sent: None }, None),
        }
    }

    fn finished(&mut self) {
        if let Some(tx) = self.sent.take() {
            let _ = tx.send(());
        }
    }
}

impl http_body::Body for ReqBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        match &mut this.kind {
            BodyKind::Empty => Poll::Ready(None),
            BodyKind::Bytes(b) | BodyKind::Json(b) => {
                if b.is_empty() {
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Ok(Frame::data(std::mem::take(b)))))
            }
            BodyKind::Stream(s) => loop {
                match s.as_mut().poll_next(cx) {
                    // hyper would write an empty chunk as the end marker.
                    Poll::Ready(Some(Ok(chunk))) if chunk.is_empty() => continue,
                    Poll::Ready(Some(Ok(chunk))) => {
                        return Poll::Ready(Some(Ok(Frame::data(chunk))))
                    }
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                    Poll::Ready(None) => {
                        this.finished();
                        return Poll::Ready(None);
                    }
                    Poll::Pending => return Poll::Pending,
                }
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            BodyKind::Empty => true,
            BodyKind::Bytes(b) | BodyKind::Json(b) => b.is_empty(),
            BodyKind::Stream(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            BodyKind::Empty => SizeHint::with_exact(0),
            BodyKind::Bytes(b) | BodyKind::Json(b) => SizeHint::with_exact(b.len() as u64),
            BodyKind::Stream(_) => SizeHint::default(),
        }
    }
}
