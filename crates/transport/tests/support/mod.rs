//! In-process servers for the transport tests: a well-behaved hyper server
//! on a temp unix socket or loopback TCP (counting accepted connections),
//! and raw sockets for the misbehaving ones.

#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};

pub type Reply = hyper::Response<Full<Bytes>>;

/// A request as the server saw it, body read whole.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: http::Method,
    pub uri: http::Uri,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

pub fn reply(status: u16, body: impl Into<Bytes>) -> Reply {
    let mut res = hyper::Response::new(Full::new(body.into()));
    *res.status_mut() = http::StatusCode::from_u16(status).unwrap();
    res
}

/// A running server: its URI, and how many connections it accepted.
pub struct Server {
    pub uri: String,
    pub accepts: Arc<AtomicUsize>,
    _dir: Option<tempfile::TempDir>,
    pub path: Option<PathBuf>,
}

impl Server {
    pub fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }
}

fn serve_conn<IO, F, Fut>(io: IO, handler: Arc<F>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    F: Fn(Seen) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    tokio::spawn(async move {
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let handler = handler.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = body
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default();
                let seen = Seen {
                    method: parts.method,
                    uri: parts.uri,
                    headers: parts.headers,
                    body,
                };
                Ok::<_, Infallible>(handler(seen).await)
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(io), service)
            .await;
    });
}

/// A hyper server on a temp unix socket, answering with `handler`.
pub async fn unix<F, Fut>(handler: F) -> Server
where
    F: Fn(Seen) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("engine.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let accepts = Arc::new(AtomicUsize::new(0));
    let counter = accepts.clone();
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            serve_conn(stream, handler.clone());
        }
    });
    Server {
        uri: format!("unix://{}", path.display()),
        accepts,
        _dir: Some(dir),
        path: Some(path),
    }
}

/// A hyper server on loopback TCP, answering with `handler`.
pub async fn tcp<F, Fut>(handler: F) -> Server
where
    F: Fn(Seen) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepts = Arc::new(AtomicUsize::new(0));
    let counter = accepts.clone();
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            serve_conn(stream, handler.clone());
        }
    });
    Server {
        uri: format!("tcp://{addr}"),
        accepts,
        _dir: None,
        path: None,
    }
}

/// A raw unix-socket server: each connection is handed to `handler` as is.
pub async fn raw_unix<F, Fut>(handler: F) -> Server
where
    F: Fn(tokio::net::UnixStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("raw.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let accepts = Arc::new(AtomicUsize::new(0));
    let counter = accepts.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handler(stream));
        }
    });
    Server {
        uri: format!("unix://{}", path.display()),
        accepts,
        _dir: Some(dir),
        path: Some(path),
    }
}

/// Reads one request head (up to the blank line) from a raw connection.
pub async fn read_head<R: AsyncRead + Unpin>(io: &mut R) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if io.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The number of open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}
