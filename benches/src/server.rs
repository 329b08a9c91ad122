//! An in-process stand-in for dockerd on a unix socket, fast enough that
//! only the client is measured.
//!
//! It runs on its own thread with its own single-threaded tokio runtime, so
//! the client's runtime never polls it. It answers:
//!
//! - `GET …/_ping` with the head and body dockerd 20.10 sends;
//! - `GET …/containers/<id>/logs` with a chunked, stdcopy-multiplexed body
//!   of the size and frame length configured for `<id>` ([`LogShape`]),
//!   written from one preallocated block, again and again;
//! - anything else with a 404.
//!
//! Beside it, one raw socket per log shape writes exactly the bytes of the
//! HTTP answer (head and chunked body) to whoever connects, with no request:
//! reading it is the physical limit of the same transfer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

/// One log stream the server serves: `GET …/containers/<id>/logs`.
#[derive(Debug, Clone)]
pub struct LogShape {
    /// The container id in the path.
    pub id: &'static str,
    /// Payload bytes per stdcopy frame.
    pub frame_len: usize,
    /// Payload bytes in all, rounded up to whole blocks of 1 MiB payload.
    pub payload: u64,
}

/// Payload bytes per preallocated block.
const BLOCK_PAYLOAD: usize = 1024 * 1024;

/// The bytes of one log answer, built once.
#[derive(Debug)]
struct LogBody {
    head: Bytes,
    /// One chunk: its size line, whole frames of 1 MiB payload, CRLF.
    chunk: Bytes,
    blocks: u64,
    /// Payload bytes of the whole answer.
    payload: u64,
}

const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

impl LogBody {
    fn new(shape: &LogShape) -> LogBody {
        let frame_len = shape.frame_len.clamp(1, BLOCK_PAYLOAD);
        let frames = BLOCK_PAYLOAD.div_ceil(frame_len);
        let mut block = Vec::with_capacity(frames * (frame_len + 8));
        for i in 0..frames {
            // Alternate stdout and stderr, like a chatty container.
            block.extend_from_slice(&[1 + (i as u8 & 1), 0, 0, 0]);
            block.extend_from_slice(&(frame_len as u32).to_be_bytes());
            block.extend((0..frame_len).map(|j| b'a' + (j % 26) as u8));
        }
        let mut chunk = format!("{:x}\r\n", block.len()).into_bytes();
        chunk.extend_from_slice(&block);
        chunk.extend_from_slice(b"\r\n");
        let blocks = shape.payload.div_ceil((frames * frame_len) as u64).max(1);
        let head = "HTTP/1.1 200 OK\r\n\
                    Api-Version: 1.41\r\n\
                    Content-Type: application/vnd.docker.raw-stream\r\n\
                    Docker-Experimental: false\r\n\
                    Ostype: linux\r\n\
                    Server: Docker/20.10.24 (linux)\r\n\
                    Date: Mon, 30 Nov 2026 05:00:00 GMT\r\n\
                    Transfer-Encoding: chunked\r\n\r\n";
        LogBody {
            head: Bytes::from_static(head.as_bytes()),
            chunk: Bytes::from(chunk),
            blocks,
            payload: blocks * (frames * frame_len) as u64,
        }
    }

    async fn write_to(&self, io: &mut UnixStream) -> std::io::Result<()> {
        io.write_all(&self.head).await?;
        for _ in 0..self.blocks {
            io.write_all(&self.chunk).await?;
        }
        io.write_all(LAST_CHUNK).await
    }

    /// Bytes on the wire, head included.
    fn wire_len(&self) -> u64 {
        self.head.len() as u64 + self.blocks * self.chunk.len() as u64 + LAST_CHUNK.len() as u64
    }
}

/// What dockerd 20.10 answers to `GET /v1.41/_ping`, byte for byte but the date.
const PONG: &[u8] = b"HTTP/1.1 200 OK\r\n\
Api-Version: 1.41\r\n\
Cache-Control: no-cache, no-store, must-revalidate\r\n\
Content-Length: 2\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Docker-Experimental: false\r\n\
Ostype: linux\r\n\
Pragma: no-cache\r\n\
Server: Docker/20.10.24 (linux)\r\n\
Date: Mon, 30 Nov 2026 05:00:00 GMT\r\n\r\nOK";

const NOT_FOUND: &[u8] = b"HTTP/1.1 404 Not Found\r\n\
Content-Type: application/json\r\n\
Content-Length: 29\r\n\r\n{\"message\":\"page not found\"}\n";

/// The running server; it stops with the process.
#[derive(Debug)]
pub struct BenchServer {
    _dir: tempfile::TempDir,
    http: PathBuf,
    raws: Vec<(LogShape, PathBuf, u64, u64)>,
}

impl BenchServer {
    /// Starts the server for `shapes` on a fresh socket in a temp dir.
    ///
    /// ```no_run
    /// use contajners_benches::{BenchServer, LogShape};
    /// let server = BenchServer::start(vec![LogShape { id: "x", frame_len: 32 * 1024, payload: 1 << 30 }])?;
    /// println!("{}", server.uri());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start(shapes: Vec<LogShape>) -> std::io::Result<BenchServer> {
        let dir = tempfile::tempdir()?;
        let http = dir.path().join("dockerd.sock");
        let bodies: Vec<(LogShape, Arc<LogBody>)> = shapes
            .into_iter()
            .map(|s| {
                let body = Arc::new(LogBody::new(&s));
                (s, body)
            })
            .collect();
        let mut raws = Vec::new();
        let mut raw_listeners = Vec::new();
        for (shape, body) in &bodies {
            let path = dir.path().join(format!("raw-{}.sock", shape.id));
            raws.push((shape.clone(), path.clone(), body.payload, body.wire_len()));
            raw_listeners.push((path, body.clone()));
        }
        let http_path = http.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("bench-dockerd".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let bound = bind_all(&http_path, &raw_listeners);
                    let (http, raws) = match bound {
                        Ok(b) => b,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    for (listener, body) in raws {
                        tokio::spawn(serve_raw(listener, body));
                    }
                    serve_http(http, Arc::new(bodies)).await;
                });
            })?;
        ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("the bench server thread died before binding"))??;
        Ok(BenchServer {
            _dir: dir,
            http,
            raws,
        })
    }

    /// `unix:///…/dockerd.sock`.
    pub fn uri(&self) -> String {
        format!("unix://{}", self.http.display())
    }

    /// The HTTP socket's path.
    pub fn path(&self) -> &Path {
        &self.http
    }

    /// How long the answer to a ping is, head and body: a raw client reads
    /// exactly that much.
    pub fn ping_answer_len(&self) -> usize {
        PONG.len()
    }

    /// For the log stream of `id`: the raw socket, the payload bytes and
    /// the bytes on the wire.
    pub fn raw(&self, id: &str) -> Option<(&Path, u64, u64)> {
        self.raws
            .iter()
            .find(|(s, ..)| s.id == id)
            .map(|(_, p, payload, wire)| (p.as_path(), *payload, *wire))
    }
}

type Bound = (UnixListener, Vec<(UnixListener, Arc<LogBody>)>);

fn bind_all(http: &Path, raws: &[(PathBuf, Arc<LogBody>)]) -> std::io::Result<Bound> {
    let listener = UnixListener::bind(http)?;
    let raws = raws
        .iter()
        .map(|(p, b)| UnixListener::bind(p).map(|l| (l, b.clone())))
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok((listener, raws))
}

/// The send buffer of every accepted socket: as large as the system allows
/// without privileges (`net.core.wmem_max`, 4 MiB here), so the server
/// writes a stream in a few large writes and waits on the reader rarely;
/// with the default (208 KiB), the server's own wake-ups pace the stream.
const SEND_BUFFER: usize = 4 << 20;

/// Gives a bench server's socket the large send buffer of [`SEND_BUFFER`],
/// so that the server is not what paces a stream.
///
/// ```no_run
/// # async fn f(listener: tokio::net::UnixListener) -> std::io::Result<()> {
/// let (io, _) = listener.accept().await?;
/// contajners_benches::widen(&io);
/// # Ok(()) }
/// ```
pub fn widen(io: &UnixStream) {
    // The kernel caps the size at wmem_max; a failure leaves the default.
    let _ = rustix::net::sockopt::set_socket_send_buffer_size(io, SEND_BUFFER);
}

async fn serve_raw(listener: UnixListener, body: Arc<LogBody>) {
    while let Ok((mut io, _)) = listener.accept().await {
        widen(&io);
        let body = body.clone();
        tokio::spawn(async move {
            let _ = body.write_to(&mut io).await;
        });
    }
}

async fn serve_http(listener: UnixListener, bodies: Arc<Vec<(LogShape, Arc<LogBody>)>>) {
    while let Ok((io, _)) = listener.accept().await {
        widen(&io);
        tokio::spawn(connection(io, bodies.clone()));
    }
}

/// Keep-alive HTTP/1.1 for bodiless requests: reads a head, answers,
/// repeats. A request with a body gets its body skipped by Content-Length.
async fn connection(mut io: UnixStream, bodies: Arc<Vec<(LogShape, Arc<LogBody>)>>) {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    loop {
        let head_end = loop {
            if let Some(at) = find(&buf, b"\r\n\r\n") {
                break at + 4;
            }
            let mut more = [0u8; 4096];
            match io.read(&mut more).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&more[..n]),
            }
        };
        let head = &buf[..head_end];
        let path = head
            .split(|&b| b == b' ')
            .nth(1)
            .map(|p| p.split(|&b| b == b'?').next().unwrap_or(p))
            .unwrap_or_default()
            .to_vec();
        let body_len = content_length(head);
        buf.drain(..head_end);
        let mut to_skip = body_len;
        while to_skip > 0 {
            if buf.is_empty() {
                let mut more = [0u8; 4096];
                match io.read(&mut more).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&more[..n]),
                }
            }
            let n = to_skip.min(buf.len());
            buf.drain(..n);
            to_skip -= n;
        }
        let written = if path.ends_with(b"/_ping") {
            io.write_all(PONG).await
        } else if let Some(body) = log_body(&path, &bodies) {
            body.write_to(&mut io).await
        } else {
            io.write_all(NOT_FOUND).await
        };
        if written.is_err() {
            return;
        }
    }
}

fn log_body<'a>(path: &[u8], bodies: &'a [(LogShape, Arc<LogBody>)]) -> Option<&'a LogBody> {
    let rest = path.strip_suffix(b"/logs")?;
    let at = find(rest, b"/containers/")?;
    let id = &rest[at + b"/containers/".len()..];
    bodies
        .iter()
        .find(|(s, _)| s.id.as_bytes() == id)
        .map(|(_, b)| b.as_ref())
}

fn content_length(head: &[u8]) -> usize {
    head.split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = std::str::from_utf8(line).ok()?;
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .next()
        .unwrap_or(0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
