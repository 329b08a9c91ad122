//! What `invoke` returns: decoded data, a stream, or a socket.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use contajners_transport::{StreamResponse, Upgraded};
use futures_util::Stream;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::codec::{Demux, Frame, JsonSeq, Lines, OutputBatches, StreamKind};
use crate::error::{DecodeError, Error};

/// The answer of [`Client::invoke`](crate::Client::invoke), shaped by
/// [`As`](crate::As).
#[derive(Debug)]
#[non_exhaustive]
pub enum Output {
    /// The whole body, decoded.
    Data(Response),
    /// The body as a stream.
    Stream(Streamed),
    /// The upgraded connection.
    Socket(Upgraded),
}

impl Output {
    /// The decoded answer, or a [`Error::Decode`] naming what it was.
    ///
    /// ```no_run
    /// # async fn demo(client: contajners_dispatch::Client) -> Result<(), contajners_dispatch::Error> {
    /// let ping = client.invoke(contajners_dispatch::Invocation::new("SystemPing")).await?.into_data()?;
    /// assert_eq!(ping.text(), Some("OK"));
    /// # Ok(()) }
    /// ```
    pub fn into_data(self) -> Result<Response, Error> {
        match self {
            Output::Data(response) => Ok(response),
            other => Err(other.mismatch("data")),
        }
    }

    /// The streamed answer, or a [`Error::Decode`] naming what it was.
    ///
    /// ```no_run
    /// # async fn demo(client: contajners_dispatch::Client) -> Result<(), contajners_dispatch::Error> {
    /// use contajners_dispatch::Invocation;
    /// let events = client.invoke(Invocation::new("SystemEvents").as_stream()).await?.into_stream()?;
    /// # Ok(()) }
    /// ```
    pub fn into_stream(self) -> Result<Streamed, Error> {
        match self {
            Output::Stream(stream) => Ok(stream),
            other => Err(other.mismatch("a stream")),
        }
    }

    /// The upgraded socket, or a [`Error::Decode`] naming what it was.
    ///
    /// ```no_run
    /// # async fn demo(client: contajners_dispatch::Client) -> Result<(), contajners_dispatch::Error> {
    /// use contajners_dispatch::Invocation;
    /// let attach = Invocation::new("ContainerAttach").param("id", "conny").param("stream", true).as_socket();
    /// let socket = client.invoke(attach).await?.into_socket()?;
    /// # Ok(()) }
    /// ```
    pub fn into_socket(self) -> Result<Upgraded, Error> {
        match self {
            Output::Socket(socket) => Ok(socket),
            other => Err(other.mismatch("a socket")),
        }
    }

    fn mismatch(&self, wanted: &str) -> Error {
        let got = match self {
            Output::Data(_) => "data",
            Output::Stream(_) => "a stream",
            Output::Socket(_) => "a socket",
        };
        Error::Decode(DecodeError::new(format!(
            "the answer is {got}, not {wanted}: set `as` on the invocation to get {wanted}"
        )))
    }
}

/// The body of an answer as the seed decodes it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// An empty body.
    Empty,
    /// A body that parses as JSON.
    Json(Value),
    /// Any other UTF-8 body (e.g. ping's `OK`).
    Text(String),
    /// Any other body (e.g. an image tarball).
    Bytes(Bytes),
}

/// A whole answer: status, headers and the decoded body.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status, headers (parsed when first asked for) and the raw body.
    inner: contajners_transport::Response,
    payload: Payload,
}

impl Response {
    pub(crate) fn new(inner: contajners_transport::Response) -> Self {
        let payload = decode(inner.body());
        Response { inner, payload }
    }

    /// The status.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_dispatch::Response) { assert!(r.status().is_success()); }
    /// ```
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The headers.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_dispatch::Response) { println!("{:?}", r.headers().get("API-Version")); }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The decoded body.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_dispatch::Response) {
    /// use contajners_dispatch::Payload;
    /// if let Payload::Json(value) = r.data() { println!("{value:#}"); }
    /// # }
    /// ```
    pub fn data(&self) -> &Payload {
        &self.payload
    }

    /// The body as JSON, when it is JSON.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_dispatch::Response) { println!("{:?}", r.json().and_then(|v| v.get("Id"))); }
    /// ```
    pub fn json(&self) -> Option<&Value> {
        match &self.payload {
            Payload::Json(value) => Some(value),
            _ => None,
        }
    }

    /// The body as text, when it is text (JSON strings included).
    ///
    /// ```no_run
    /// # fn f(r: &contajners_dispatch::Response) { assert_eq!(r.text(), Some("OK")); }
    /// ```
    pub fn text(&self) -> Option<&str> {
        match &self.payload {
            Payload::Text(text) => Some(text),
            Payload::Json(Value::String(text)) => Some(text),
            _ => None,
        }
    }

    /// The raw body.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_dispatch::Response) { println!("{} bytes", r.body().len()); }
    /// ```
    pub fn body(&self) -> &Bytes {
        self.inner.body()
    }

    /// The body deserialized into `T`.
    ///
    /// ```no_run
    /// # fn f(r: &contajners_dispatch::Response) -> Result<(), contajners_dispatch::Error> {
    /// let containers: Vec<serde_json::Value> = r.deserialize()?;
    /// # Ok(()) }
    /// ```
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(self.body()).map_err(|err| {
            Error::Decode(
                DecodeError::new(format!(
                    "the body ({} bytes, status {}) does not deserialize into {}",
                    self.body().len(),
                    self.status(),
                    std::any::type_name::<T>()
                ))
                .with_source(err),
            )
        })
    }
}

/// The seed's try-json-parse: JSON when it parses, text when UTF-8, bytes
/// otherwise.
fn decode(body: &Bytes) -> Payload {
    let Some(&first) = body.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Payload::Empty;
    };
    // Only what can start a JSON value is tried as JSON: a failed parse
    // costs an error value, and `OK` (a ping) or plain text never parses.
    let may_be_json = matches!(
        first,
        b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
    );
    if may_be_json {
        if let Ok(value) = serde_json::from_slice(body) {
            return Payload::Json(value);
        }
    }
    match std::str::from_utf8(body) {
        Ok(text) => Payload::Text(text.to_string()),
        Err(_) => Payload::Bytes(body.clone()),
    }
}

/// The Content-Type with which Docker (API >= 1.42) labels stdcopy streams.
const MULTIPLEXED: &str = "application/vnd.docker.multiplexed-stream";
/// The Content-Type of an unframed (TTY) stream, from API 1.42 on.
const RAW: &str = "application/vnd.docker.raw-stream";

/// A streamed answer: status, headers and the body as it comes.
///
/// It is a `Stream` of byte chunks itself; [`output`](Self::output),
/// [`frames`](Self::frames), [`json`](Self::json) and [`lines`](Self::lines)
/// decode it.
#[derive(Debug)]
pub struct Streamed {
    inner: StreamResponse,
    multiplexed: bool,
}

impl Streamed {
    /// `labels_raw`: whether this engine's `raw-stream` label can be
    /// trusted to mean "not multiplexed" (Docker from API 1.42; before, it
    /// labels every stream raw).
    pub(crate) fn new(inner: StreamResponse, caller_says: Option<bool>, labels_raw: bool) -> Self {
        let content_type = inner
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // The engine's word wins when it has one; else the caller's.
        let multiplexed = if content_type.starts_with(MULTIPLEXED) {
            true
        } else if labels_raw && content_type.starts_with(RAW) {
            false
        } else {
            caller_says.unwrap_or(false)
        };
        Streamed { inner, multiplexed }
    }

    /// The status.
    ///
    /// ```no_run
    /// # fn f(s: &contajners_dispatch::Streamed) { println!("{}", s.status()); }
    /// ```
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The headers.
    ///
    /// ```no_run
    /// # fn f(s: &contajners_dispatch::Streamed) { println!("{:?}", s.headers()); }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// Whether the body is stdcopy-multiplexed: the engine's Content-Type
    /// says so, or the caller did ([`Invocation::multiplexed`](crate::Invocation::multiplexed)).
    ///
    /// ```no_run
    /// # fn f(s: &contajners_dispatch::Streamed) { println!("{}", s.is_multiplexed()); }
    /// ```
    pub fn is_multiplexed(&self) -> bool {
        self.multiplexed
    }

    /// The container's output as frames whatever the framing: demultiplexed
    /// when multiplexed, else every chunk as stdout.
    ///
    /// Each frame is its own `Bytes`, a slice of the chunk it arrived in
    /// (never copied; a frame cut by a chunk boundary comes in two pieces).
    /// For output of many small frames, such as logs, [`output_batches`](Self::output_batches)
    /// is several times faster.
    ///
    /// ```no_run
    /// # async fn demo(s: contajners_dispatch::Streamed) {
    /// use futures_util::StreamExt;
    /// let mut output = s.output();
    /// while let Some(Ok(frame)) = output.next().await {
    ///     print!("{}: {}", frame.stream, String::from_utf8_lossy(&frame.data));
    /// }
    /// # }
    /// ```
    pub fn output(self) -> ContainerOutput {
        if self.multiplexed {
            ContainerOutput::Demux(Demux::new(self.inner))
        } else {
            ContainerOutput::Raw(self.inner)
        }
    }

    /// The container's output a chunk at a time, whatever the framing: per
    /// chunk, the [`FrameBatch`](crate::codec::FrameBatch) of the whole
    /// frames it completed, lent in place (demultiplexed when multiplexed,
    /// else every chunk as one stdout frame).
    ///
    /// The fast path for many small frames (log lines): one pass over a
    /// chunk's headers, no reference count or `Stream` poll per frame. A
    /// frame cut by a chunk boundary is joined, so every frame is whole.
    ///
    /// ```no_run
    /// # async fn demo(client: contajners_dispatch::Client) -> Result<(), contajners_dispatch::Error> {
    /// use std::io::Write;
    /// use contajners_dispatch::{codec::StreamKind, Invocation};
    ///
    /// let logs = Invocation::new("ContainerLogs").param("id", "conny").param("stdout", true).param("stderr", true);
    /// let mut output = client.invoke(logs.as_stream()).await?.into_stream()?.output_batches();
    /// let (mut stdout, mut stderr) = (std::io::stdout().lock(), std::io::stderr().lock());
    /// while let Some(batch) = output.next_batch().await {
    ///     for (kind, data) in batch? {
    ///         let _ = match kind {
    ///             StreamKind::Stderr => stderr.write_all(data),
    ///             _ => stdout.write_all(data),
    ///         };
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn output_batches(self) -> OutputBatches<StreamResponse> {
        if self.multiplexed {
            OutputBatches::multiplexed(self.inner)
        } else {
            OutputBatches::raw(self.inner)
        }
    }

    /// The body demultiplexed (stdcopy), whatever the headers say.
    ///
    /// ```no_run
    /// # fn f(s: contajners_dispatch::Streamed) { let frames = s.frames(); }
    /// ```
    pub fn frames(self) -> Demux<StreamResponse> {
        Demux::new(self.inner)
    }

    /// The body as a JSON sequence (pull, push, build, load progress;
    /// events); in-band errors become [`Error::Engine`].
    ///
    /// ```no_run
    /// # async fn demo(s: contajners_dispatch::Streamed) -> Result<(), contajners_dispatch::Error> {
    /// use futures_util::TryStreamExt;
    /// let progress: Vec<serde_json::Value> = s.json().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn json(self) -> JsonSeq<StreamResponse> {
        JsonSeq::new(self.inner)
    }

    /// The body's lines (raw, not demultiplexed).
    ///
    /// ```no_run
    /// # fn f(s: contajners_dispatch::Streamed) { let lines = s.lines(); }
    /// ```
    pub fn lines(self) -> Lines<StreamResponse> {
        Lines::new(self.inner)
    }

    /// The transport's stream response.
    ///
    /// ```no_run
    /// # fn f(s: contajners_dispatch::Streamed) { let raw = s.into_inner(); }
    /// ```
    pub fn into_inner(self) -> StreamResponse {
        self.inner
    }
}

impl Stream for Streamed {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner)
            .poll_next(cx)
            .map(|item| item.map(|r| r.map_err(Error::from)))
    }
}

/// The frames of [`Streamed::output`].
#[derive(Debug)]
pub enum ContainerOutput {
    /// A multiplexed body being demultiplexed.
    Demux(Demux<StreamResponse>),
    /// A raw body: each chunk is stdout.
    Raw(StreamResponse),
}

impl Stream for ContainerOutput {
    type Item = Result<Frame, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut *self {
            ContainerOutput::Demux(demux) => Pin::new(demux).poll_next(cx),
            ContainerOutput::Raw(raw) => Pin::new(raw).poll_next(cx).map(|item| {
                item.map(|r| {
                    r.map(|data| Frame {
                        stream: StreamKind::Stdout,
                        data,
                    })
                    .map_err(Error::from)
                })
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(body: &'static [u8]) -> Payload {
        decode(&Bytes::from_static(body))
    }

    #[test]
    fn bodies_decode_as_json_then_text_then_bytes() {
        assert!(matches!(decoded(b" \r\n"), Payload::Empty));
        assert!(matches!(decoded(b"OK"), Payload::Text(t) if t == "OK"));
        assert!(matches!(decoded(b" {\"Id\":\"x\"}\n"), Payload::Json(v) if v["Id"] == "x"));
        assert!(matches!(decoded(b"[1,2]"), Payload::Json(v) if v[1] == 2));
        assert!(matches!(decoded(b"true"), Payload::Json(Value::Bool(true))));
        assert!(matches!(decoded(b"-3"), Payload::Json(v) if v == -3));
        // Starts like JSON but is not: text after all.
        assert!(
            matches!(decoded(b"no such container"), Payload::Text(t) if t.starts_with("no such"))
        );
        assert!(matches!(decoded(b"{oops"), Payload::Text(t) if t == "{oops"));
        assert!(matches!(decoded(b"\xff\xfe"), Payload::Bytes(b) if b.len() == 2));
    }
}
