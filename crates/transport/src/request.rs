//! What to send: method, path, query, headers, body, and how to treat an
//! error status.

use std::fmt;
use std::io;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;
use http::{HeaderName, HeaderValue, Method};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};
use tokio::io::AsyncRead;

use crate::error::Error;
use crate::http1::head::{Framing, RequestHead};
use crate::http1::send::{OutBody, Prepared};

/// A body up to this size is written together with the head.
const INLINE_BODY: usize = 16 * 1024;

/// How much a reader body reads at once; bounds its memory.
const READER_CHUNK: usize = 64 * 1024;

/// Query keys and values: everything but RFC 3986 unreserved is encoded.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Characters that cannot appear raw in a URI path; `%` is kept so paths
/// already encoded by the caller pass unchanged, and `?` so that a query
/// written into the path (`/containers/json?all=1`) stays one. (Dispatch
/// encodes `?` inside path params itself.)
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
    .add(b'#');

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

    /// The path and encoded query, e.g. `/containers/json?all=true`. A
    /// query written into the path is kept, and `query` pairs join it.
    ///
    /// ```
    /// let req = contajners_transport::Request::new(http::Method::GET, "/x y").query("a", "b c&d");
    /// assert_eq!(req.path_and_query(), "/x%20y?a=b%20c%26d");
    /// let req = contajners_transport::Request::new(http::Method::GET, "/containers/json?all=1").query("size", "1");
    /// assert_eq!(req.path_and_query(), "/containers/json?all=1&size=1");
    /// ```
    pub fn path_and_query(&self) -> String {
        let query_len: usize = self.query.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut out = String::with_capacity(self.path.len() + query_len);
        out.extend(utf8_percent_encode(&self.path, PATH));
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

    /// Checks the request and encodes it for the wire; fails before
    /// anything is sent.
    pub(crate) fn prepare(self, authority: &str, upgrade: bool) -> Result<Prepared, Error> {
        if !self.path.starts_with('/') {
            return Err(Error::invalid_request(format!(
                "the path `{}` must start with `/`",
                self.path
            )));
        }
        // Always a valid URI target: every byte a URI may not hold raw is
        // percent-encoded (tests::any_path_and_query_encode_to_a_valid_target).
        let target = self.path_and_query();
        let mut given_length = None;
        for (name, value) in &self.headers {
            let name =
                HeaderName::from_bytes(name.as_bytes()).map_err(|e| Error::InvalidRequest {
                    reason: format!("`{name}` is not a valid header name"),
                    source: Some(Box::new(e)),
                })?;
            HeaderValue::from_str(value).map_err(|e| Error::InvalidRequest {
                reason: format!(
                    "the value of header `{name}` is not valid (no CR, LF or other control characters)"
                ),
                source: Some(Box::new(e)),
            })?;
            if name == http::header::TRANSFER_ENCODING {
                return Err(Error::invalid_request(
                    "`Transfer-Encoding` is chosen by the body: a Body::stream is sent chunked \
                     (or as is, with a `Content-Length` header), the others with a `Content-Length`",
                ));
            }
            if name == http::header::CONTENT_LENGTH {
                let n = value
                    .trim()
                    .parse::<u64>()
                    .map_err(|e| Error::InvalidRequest {
                        reason: format!(
                            "the `Content-Length` header `{value}` is not a byte count"
                        ),
                        source: Some(Box::new(e)),
                    })?;
                if given_length.is_some_and(|g| g != n) {
                    return Err(Error::invalid_request(
                        "the request has two different `Content-Length` headers",
                    ));
                }
                given_length = Some(n);
            }
        }
        let json = matches!(self.body.kind, BodyKind::Json(_));
        let (framing, mut body) = match self.body.kind {
            BodyKind::Empty => {
                if given_length.is_some_and(|n| n > 0) {
                    return Err(Error::invalid_request(
                        "the request has a `Content-Length` header but no body",
                    ));
                }
                // Some servers want a length on every POST; say it is empty.
                let framing = if given_length.is_some()
                    || matches!(self.method, Method::POST | Method::PUT | Method::PATCH)
                {
                    Framing::Length(0)
                } else {
                    Framing::None
                };
                (framing, OutBody::None)
            }
            BodyKind::Bytes(bytes) | BodyKind::Json(bytes) => {
                let len = bytes.len() as u64;
                if given_length.is_some_and(|n| n != len) {
                    return Err(Error::invalid_request(format!(
                        "the `Content-Length` header says {} bytes but the body has {len}",
                        given_length.unwrap_or_default()
                    )));
                }
                (Framing::Length(len), OutBody::Full(bytes))
            }
            BodyKind::Stream(chunks) => {
                let framing = given_length.map_or(Framing::Chunked, Framing::Length);
                let body = OutBody::Stream {
                    chunks: Some(chunks),
                    length: given_length,
                };
                (framing, body)
            }
        };
        let mut head = Vec::with_capacity(128 + target.len() + 64 * self.headers.len());
        RequestHead {
            method: &self.method,
            target: &target,
            authority,
            headers: &self.headers,
            framing,
            json,
            upgrade,
        }
        .encode(&mut head);
        // A small body goes out with the head, in one write.
        if let OutBody::Full(bytes) = &body {
            if bytes.len() <= INLINE_BODY {
                head.extend_from_slice(bytes);
                body = OutBody::None;
            }
        }
        Ok(Prepared {
            method: self.method,
            head,
            body,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the caller's path and query, the encoded target is a
        /// valid URI path and query, so `prepare` need not check it again.
        #[test]
        fn any_path_and_query_encode_to_a_valid_target(
            path in "/\\PC{0,40}",
            raw in proptest::collection::vec(any::<char>(), 0..20),
            query in proptest::collection::vec(("\\PC{0,8}", "\\PC{0,12}"), 0..4),
        ) {
            let raw: String = raw.into_iter().collect();
            for path in [path, format!("/{raw}")] {
                let mut req = Request::new(Method::GET, path.as_str());
                for (k, v) in &query {
                    req = req.query(k.as_str(), v.as_str());
                }
                let target = req.path_and_query();
                let parsed = http::uri::PathAndQuery::try_from(target.as_str());
                prop_assert!(parsed.is_ok(), "{path:?} -> {target:?}");
                prop_assert_eq!(parsed.map(|p| p.as_str().len()).unwrap_or(0), target.len());
            }
        }
    }
}
