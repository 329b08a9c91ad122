//! The floor and the limit that the clients are compared with: a bare
//! pooled hyper-util client over a unix socket with a minimal zero-copy
//! stdcopy byte counter, and raw socket reads: of a stream, and of a ping
//! answer ([`RawPinger`]).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// A bare pooled hyper-util client whose every connection dials one unix
/// socket: what anyone gets with the ten-line connector.
pub type FloorClient = Client<UnixConnector, Empty<Bytes>>;

/// The floor client for the socket at `path`.
///
/// ```no_run
/// let client = contajners_benches::floor_client(std::path::Path::new("/run/docker.sock"));
/// ```
pub fn floor_client(path: &Path) -> FloorClient {
    Client::builder(TokioExecutor::new()).build(UnixConnector {
        path: path.to_path_buf(),
    })
}

/// The ten-line unix connector: a `tower::Service<Uri>` that dials a socket.
#[derive(Debug, Clone)]
pub struct UnixConnector {
    path: PathBuf,
}

impl tower_service::Service<hyper::Uri> for UnixConnector {
    type Response = TokioIo<UnixStream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let path = self.path.clone();
        Box::pin(async move { UnixStream::connect(path).await.map(TokioIo::new) })
    }
}

/// A ping with nothing but the socket: one kept-alive connection, the
/// request's bytes written as they are, and exactly the answer's known
/// length read back, with no HTTP parsing and no pool. The least any client
/// can do per ping: the limit.
#[derive(Debug)]
pub struct RawPinger {
    io: UnixStream,
    answer_len: usize,
    buf: Vec<u8>,
}

/// What a client sends for a ping, as small as HTTP/1.1 allows.
const PING_REQUEST: &[u8] = b"GET /v1.41/_ping HTTP/1.1\r\nHost: docker\r\n\r\n";

impl RawPinger {
    /// Connects to the socket at `path`, whose ping answers are
    /// `answer_len` bytes long.
    ///
    /// ```no_run
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let server = contajners_benches::BenchServer::start(Vec::new())?;
    /// let mut raw = contajners_benches::RawPinger::connect(server.path(), server.ping_answer_len()).await?;
    /// raw.ping().await?;
    /// # Ok::<(), std::io::Error>(())
    /// # });
    /// ```
    pub async fn connect(path: &Path, answer_len: usize) -> std::io::Result<RawPinger> {
        Ok(RawPinger {
            io: UnixStream::connect(path).await?,
            answer_len,
            buf: vec![0; answer_len],
        })
    }

    /// One ping: the request out, the whole answer in.
    pub async fn ping(&mut self) -> std::io::Result<()> {
        self.io.write_all(PING_REQUEST).await?;
        let mut got = 0;
        while got < self.answer_len {
            match self.io.read(&mut self.buf[got..]).await? {
                0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                n => got += n,
            }
        }
        Ok(())
    }
}

/// `GET path` on the floor client; the whole body.
pub async fn floor_get(client: &FloorClient, path: &str) -> Result<Bytes, String> {
    let uri: hyper::Uri = format!("http://localhost{path}")
        .parse()
        .map_err(|e| format!("{path} is no URI path: {e}"))?;
    let res = client.get(uri).await.map_err(|e| e.to_string())?;
    let body = res.into_body().collect().await.map_err(|e| e.to_string())?;
    Ok(body.to_bytes())
}

/// `GET path` on the floor client, the body run through a [`FrameCounter`];
/// the payload bytes.
pub async fn floor_logs(client: &FloorClient, path: &str) -> Result<u64, String> {
    let uri: hyper::Uri = format!("http://localhost{path}")
        .parse()
        .map_err(|e| format!("{path} is no URI path: {e}"))?;
    let res = client.get(uri).await.map_err(|e| e.to_string())?;
    let mut body = res.into_body();
    let mut counter = FrameCounter::default();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(|e| e.to_string())?.into_data() {
            counter.feed(&data);
        }
    }
    Ok(counter.payload())
}

/// Reads everything the socket at `path` sends into a `buf_len` buffer;
/// the bytes read. The limit: no HTTP, no framing, one copy out of the
/// kernel.
pub async fn raw_read(path: &Path, buf_len: usize) -> std::io::Result<u64> {
    let mut io = UnixStream::connect(path).await?;
    let mut buf = vec![0u8; buf_len];
    let mut n = 0u64;
    loop {
        let read = io.read(&mut buf).await?;
        if read == 0 {
            return Ok(n);
        }
        n += read as u64;
    }
}

/// `GET target` over the socket at `path` with plain blocking reads on the
/// calling thread into a `buf_len` buffer, to the end of the connection;
/// the bytes on the wire (head and chunked body). The limit of reading an
/// engine's answer: one thread that waits and reads, no HTTP parsing, no
/// runtime.
///
/// ```no_run
/// let n = contajners_benches::raw_get(std::path::Path::new("/run/docker.sock"), "/_ping", 4096)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn raw_get(path: &Path, target: &str, buf_len: usize) -> std::io::Result<u64> {
    use std::io::{Read, Write};
    let mut io = std::os::unix::net::UnixStream::connect(path)?;
    write!(
        io,
        "GET {target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"
    )?;
    let mut buf = vec![0u8; buf_len];
    let mut n = 0u64;
    loop {
        let read = io.read(&mut buf)?;
        if read == 0 {
            return Ok(n);
        }
        if n == 0 && !buf[..read].starts_with(b"HTTP/1.1 200") {
            return Err(std::io::Error::other(format!(
                "GET {target}: {}",
                String::from_utf8_lossy(&buf[..read.min(60)])
            )));
        }
        n += read as u64;
    }
}

/// The least a stdcopy demultiplexer does: walks the headers and counts
/// payload bytes, never copying nor yielding them.
///
/// ```
/// let mut c = contajners_benches::FrameCounter::default();
/// c.feed(b"\x01\x00\x00\x00\x00\x00\x00\x03hi");
/// c.feed(b"\n\x02\x00\x00\x00");
/// c.feed(b"\x00\x00\x00\x01!");
/// assert_eq!(c.payload(), 4);
/// ```
#[derive(Debug, Default)]
pub struct FrameCounter {
    header: [u8; 8],
    header_len: usize,
    remaining: usize,
    payload: u64,
}

impl FrameCounter {
    /// Takes the next chunk.
    pub fn feed(&mut self, mut chunk: &[u8]) {
        while !chunk.is_empty() {
            if self.remaining > 0 {
                let n = self.remaining.min(chunk.len());
                self.remaining -= n;
                self.payload += n as u64;
                chunk = &chunk[n..];
                continue;
            }
            let n = (8 - self.header_len).min(chunk.len());
            self.header[self.header_len..self.header_len + n].copy_from_slice(&chunk[..n]);
            self.header_len += n;
            chunk = &chunk[n..];
            if self.header_len == 8 {
                let [_, _, _, _, a, b, c, d] = self.header;
                self.remaining = u32::from_be_bytes([a, b, c, d]) as usize;
                self.header_len = 0;
            }
        }
    }

    /// Payload bytes so far.
    pub fn payload(&self) -> u64 {
        self.payload
    }
}
