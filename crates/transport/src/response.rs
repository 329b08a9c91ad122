//! What comes back: a whole body (data mode) or a body to read as it
//! arrives (stream mode), with the read timeout between chunks.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use futures_util::Stream;
use http::{HeaderMap, StatusCode};
use tokio::io::{AsyncRead, ReadBuf};

use crate::classify;
use crate::error::Error;
use crate::http1::body::{Decoded, Decoder};
use crate::http1::conn::Conn;
use crate::http1::head::Headers;
use crate::http1::Malformed;
use crate::pool::IdleConns;
use crate::runtime::IdleTimer;
use crate::transport::Shared;

/// In data mode, a body read in one piece and at most this long is copied
/// out of the connection's read buffer: a small answer kept by the caller
/// must not pin a buffer that grew for a large one, and the connection can
/// reuse its buffer at once.
const COPY_SMALL_BODY: usize = 64 * 1024;

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
    pub(crate) headers: Headers,
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
        self.headers.map()
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

    /// Status, headers and body, by value: for a caller that keeps them
    /// all, without copying the headers.
    ///
    /// ```no_run
    /// # fn f(r: contajners_transport::Response) {
    /// let (status, headers, body) = r.into_parts();
    /// println!("{status}: {} headers, {} bytes", headers.len(), body.len());
    /// # }
    /// ```
    pub fn into_parts(self) -> (StatusCode, HeaderMap, Bytes) {
        (self.status, self.headers.into_map(), self.body)
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
    pub(crate) headers: Headers,
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
        self.headers.map()
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
    /// `None` once the body has ended or failed.
    reading: Option<Reading>,
    timer: IdleTimer,
    shared: Shared,
}

/// A body being read off its connection.
#[derive(Debug)]
pub(crate) struct Reading {
    pub(crate) conn: Conn,
    pub(crate) decoder: Decoder,
    /// The pool the connection goes back to once the body has been read to
    /// its end; `None` when the connection cannot carry another request.
    pub(crate) home: Option<Arc<IdleConns>>,
}

impl Reading {
    fn finish(self) {
        if let Some(home) = self.home {
            home.give_back(self.conn);
        }
    }
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyStream")
            .field("prefix", &self.prefix.as_ref().map(Bytes::len))
            .field("done", &self.reading.is_none())
            .finish()
    }
}

impl BodyStream {
    pub(crate) fn new(reading: Reading, shared: Shared) -> Self {
        BodyStream {
            prefix: None,
            reading: Some(reading),
            timer: shared.read_timer(),
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
            if first.len() <= COPY_SMALL_BODY {
                return Ok(Bytes::copy_from_slice(&first));
            }
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

    fn fail(&mut self, err: Error) -> Poll<Option<Result<Bytes, Error>>> {
        // The connection is in an unknown state: closed, not pooled.
        self.reading = None;
        Poll::Ready(Some(Err(err)))
    }

    fn malformed(&mut self, m: Malformed) -> Poll<Option<Result<Bytes, Error>>> {
        self.fail(Error::Io {
            during: "reading the response body",
            source: Box::new(m),
        })
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
            let Some(reading) = this.reading.as_mut() else {
                return Poll::Ready(None);
            };
            match reading.decoder.decode(&mut reading.conn.buf) {
                Err(m) => return this.malformed(m),
                Ok(Decoded::Data(data)) => return Poll::Ready(Some(Ok(data))),
                Ok(Decoded::End) => {
                    if let Some(done) = this.reading.take() {
                        done.finish();
                    }
                    return Poll::Ready(None);
                }
                Ok(Decoded::NeedMore) => {}
            }
            // The body is read here, in the consumer's task: no other task
            // to hand pieces over from, and no wake-up but the socket's.
            let poll = reading.conn.poll_fill(cx);
            if this.timer.expired(cx, &poll) {
                return this.fail(Error::Timeout(crate::TimeoutKind::Read));
            }
            match poll {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(0)) => {
                    if let Err(m) = reading.decoder.at_eof() {
                        return this.malformed(m);
                    }
                    // A body that ran to the end of the connection: done,
                    // and the connection with it.
                    this.reading = None;
                    return Poll::Ready(None);
                }
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => {
                    let err = classify::any(
                        Box::new(e),
                        this.shared.context(),
                        "reading the response body",
                    );
                    return this.fail(err);
                }
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
