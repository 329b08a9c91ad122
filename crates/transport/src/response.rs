//! What comes back: a whole body (data mode) or a body to read as it
//! arrives (stream mode), with the read timeout between chunks.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures_util::Stream;
use http::{HeaderMap, StatusCode};
use http_body::Body as _;
use hyper::body::Incoming;
use tokio::io::{AsyncRead, ReadBuf};

use crate::classify;
use crate::error::Error;
use crate::runtime::IdleTimer;
use crate::transport::Shared;

/// A response read whole (data mode).
///
/// ```no_run
/// # async fn demo() -> Result<(), contajners_transport::Error> {
/// use contajners_transport::{Request, Transport};
/// let t = Transport::new("unix:///var/run/docker.sock")?;
/// let res = t.fetch(Request::new(http::Method::GET, "/version")).await?;
/// println!("{} {}", res.status(), res.text()?);
/// let version: serde_json::Value = res.json()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Response {
    /// The status.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_transport::Response) { assert!(r.status().is_success()); }
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_transport::Response) { println!("{:?}", r.headers().get("Api-Version")); }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The whole body.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_transport::Response) { println!("{} bytes", r.body().len()); }
    /// ```
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The whole body, by value.
    ///
    /// ```no_run
    /// # fn f(r: contajners_transport::Response) { let bytes = r.into_body(); }
    /// ```
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The body as UTF-8 text.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_transport::Response) -> Result<(), contajners_transport::Error> {
    /// assert_eq!(r.text()?, "OK");
    /// # Ok(()) }
    /// ```
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.body).map_err(|e| Error::Decode {
            what: "the body as UTF-8 text",
            source: Box::new(e),
        })
    }

    /// The body decoded from JSON.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_transport::Response) -> Result<(), contajners_transport::Error> {
    /// let info: serde_json::Value = r.json()?;
    /// # Ok(()) }
    /// ```
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            what: "the body as JSON",
            source: Box::new(e),
        })
    }
}

/// A response whose body is read as it arrives (stream mode). It is itself a
/// [`Stream`] of chunks; dropping it closes the connection if the body was
/// not read to its end.
///
/// ```no_run
/// # async fn demo() -> Result<(), contajners_transport::Error> {
/// use contajners_transport::{Request, Transport};
/// use futures_util::StreamExt;
///
/// let t = Transport::new("unix:///var/run/docker.sock")?;
/// let req = Request::new(http::Method::GET, "/events");
/// let mut events = t.fetch_stream(req).await?;
/// while let Some(chunk) = events.next().await {
///     println!("{:?}", chunk?);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StreamResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: BodyStream,
}

impl StreamResponse {
    /// The status.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_transport::StreamResponse) { println!("{}", r.status()); }
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_transport::StreamResponse) { println!("{:?}", r.headers()); }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as a stream of chunks.
    ///
    /// ```no_run
    /// # async fn f(r: contajners_transport::StreamResponse) {
    /// use futures_util::StreamExt;
    /// let mut body = r.into_stream();
    /// while let Some(Ok(chunk)) = body.next().await { println!("{} bytes", chunk.len()); }
    /// # }
    /// ```
    pub fn into_stream(self) -> BodyStream {
        self.body
    }

    /// The body as an [`AsyncRead`].
    ///
    /// ```no_run
    /// # async fn f(r: contajners_transport::StreamResponse) -> std::io::Result<()> {
    /// use tokio::io::AsyncReadExt;
    /// let mut text = String::new();
    /// r.into_async_read().read_to_string(&mut text).await?;
    /// # Ok(()) }
    /// ```
    pub fn into_async_read(self) -> BodyReader {
        BodyReader {
            stream: self.body,
            chunk: Bytes::new(),
        }
    }
}

impl Stream for StreamResponse {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// The body of a [`StreamResponse`] as a stream of chunks. No chunk is read
/// before it is asked for, so a slow reader slows the engine down instead of
/// filling memory.
///
/// ```no_run
/// # async fn f(r: contajners_transport::StreamResponse) {
/// use futures_util::StreamExt;
/// let total: usize = r.into_stream().map(|c| c.map(|c| c.len()).unwrap_or(0)).fold(0, |a, n| async move { a + n }).await;
/// # }
/// ```
pub struct BodyStream {
    prefix: Option<Bytes>,
    incoming: Option<Incoming>,
    timer: IdleTimer,
    shared: Shared,
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyStream")
            .field("prefix", &self.prefix.as_ref().map(Bytes::len))
            .field("done", &self.incoming.is_none())
            .finish()
    }
}

impl BodyStream {
    pub(crate) fn new(incoming: Incoming, shared: Shared) -> Self {
        BodyStream {
            prefix: None,
            incoming: Some(incoming),
            timer: IdleTimer::new(shared.handle.clone(), shared.timeouts.read),
            shared,
        }
    }

    /// Puts bytes already read back in front of the rest.
    pub(crate) fn unread(&mut self, prefix: Bytes) {
        if !prefix.is_empty() {
            self.prefix = Some(prefix);
        }
    }

    /// Reads the whole rest of the body.
    pub(crate) async fn collect(mut self) -> Result<Bytes, Error> {
        use futures_util::StreamExt;
        let first = match self.next().await {
            None => return Ok(Bytes::new()),
            Some(chunk) => chunk?,
        };
        let Some(second) = self.next().await else {
            return Ok(first);
        };
        let mut all = BytesMut::with_capacity(first.len() * 4);
        all.extend_from_slice(&first);
        all.extend_from_slice(&second?);
        while let Some(chunk) = self.next().await {
            all.extend_from_slice(&chunk?);
        }
        Ok(all.freeze())
    }

    /// Reads up to about `limit` bytes; returns them and whether the body
    /// ended within them.
    pub(crate) async fn read_prefix(&mut self, limit: usize) -> Result<(Bytes, bool), Error> {
        use futures_util::StreamExt;
        let mut read = BytesMut::new();
        while read.len() < limit {
            match self.next().await {
                None => return Ok((read.freeze(), true)),
                Some(chunk) => read.extend_from_slice(&chunk?),
            }
        }
        Ok((read.freeze(), false))
    }
}

impl Stream for BodyStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(prefix) = this.prefix.take() {
            return Poll::Ready(Some(Ok(prefix)));
        }
        loop {
            let Some(incoming) = this.incoming.as_mut() else {
                return Poll::Ready(None);
            };
            let poll = Pin::new(incoming).poll_frame(cx);
            if this.timer.expired(cx, &poll) {
                this.incoming = None;
                return Poll::Ready(Some(Err(Error::Timeout(crate::TimeoutKind::Read))));
            }
            match poll {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.incoming = None;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    this.incoming = None;
                    let err = classify::any(
                        Box::new(e),
                        this.shared.context(),
                        "reading the response body",
                    );
                    return Poll::Ready(Some(Err(err)));
                }
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Poll::Ready(Some(Ok(data))),
                    // Trailers carry nothing an engine sends; skip them.
                    Err(_) => continue,
                },
            }
        }
    }
}

/// The body of a [`StreamResponse`] as an [`AsyncRead`]. Errors are
/// `io::Error`s wrapping the crate's [`Error`] (kind `TimedOut` for a
/// timeout).
///
/// ```no_run
/// # async fn f(r: contajners_transport::StreamResponse) -> std::io::Result<()> {
/// let mut out = tokio::io::sink();
/// tokio::io::copy(&mut r.into_async_read(), &mut out).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct BodyReader {
    stream: BodyStream,
    chunk: Bytes,
}

impl AsyncRead for BodyReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while this.chunk.is_empty() {
            match Pin::new(&mut this.stream).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(Ok(chunk))) => this.chunk = chunk,
                Poll::Ready(Some(Err(e))) => {
                    let kind = if e.timeout().is_some() {
                        io::ErrorKind::TimedOut
                    } else {
                        io::ErrorKind::Other
                    };
                    return Poll::Ready(Err(io::Error::new(kind, e)));
                }
            }
        }
        let n = this.chunk.len().min(buf.remaining());
        buf.put_slice(&this.chunk[..n]);
        this.chunk.advance(n);
        Poll::Ready(Ok(()))
    }
}
