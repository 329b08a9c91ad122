//! Transport speed on a unix socket against an in-process server:
//!
//! - `ping`: sequential `GET /_ping` through [`Transport::fetch`] vs a bare
//!   pooled hyper-util client on the same socket (target: within 5%).
//! - `body`: reading a large body through [`Transport::fetch_stream`] vs a
//!   raw unix socket read of the same bytes (target: >= 0.95 of raw).
//!
//! Both sides of each pair talk to the same minimal server, so only the
//! client differs. The contenders are measured interleaved
//! ([`Interleaved`]), so a slow phase of the host hits them alike.
//! `CONTAJNERS_BENCH_BODY_MIB` sets the body size (default 1024, i.e.
//! 1 GiB); `CONTAJNERS_BENCH_{PING,STREAM}_SAMPLES` the samples (40, 15).

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use contajners_benches::{
    env_samples, env_size, floor_client, iters_for, raw_read, widen, Contender, FloorClient,
    Interleaved, Work,
};
use contajners_transport::http::Method;
use contajners_transport::{Request, Transport};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// What the server writes per call: one shared 1 MiB block, sent again and again.
const BLOCK: usize = 1024 * 1024;

fn body_mib() -> usize {
    env_size("CONTAJNERS_BENCH_BODY_MIB", 1024) as usize
}

/// Writes `mib` blocks of the shared block.
async fn write_body(io: &mut UnixStream, block: &Bytes, mib: usize) -> std::io::Result<()> {
    for _ in 0..mib {
        io.write_all(block).await?;
    }
    Ok(())
}

/// A minimal keep-alive HTTP/1.1 server: `/_ping` answers `OK`, anything
/// else answers the big body with a Content-Length.
async fn http_server(path: PathBuf, block: Bytes, mib: usize) {
    let listener = UnixListener::bind(&path).expect("bind the bench socket");
    while let Ok((io, _)) = listener.accept().await {
        // As in the peers bench: the server must not pace the body.
        widen(&io);
        let block = block.clone();
        tokio::spawn(async move {
            let mut io = BufReader::new(io);
            let mut line = String::new();
            loop {
                line.clear();
                if io.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                let ping = line.contains("/_ping");
                // Skip the rest of the head.
                loop {
                    let mut header = String::new();
                    if io.read_line(&mut header).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if header == "\r\n" {
                        break;
                    }
                }
                let stream = io.get_mut();
                let written = if ping {
                    stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK")
                        .await
                } else {
                    let head =
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", mib * BLOCK);
                    match stream.write_all(head.as_bytes()).await {
                        Ok(()) => write_body(stream, &block, mib).await,
                        Err(e) => Err(e),
                    }
                };
                if written.is_err() {
                    return;
                }
            }
        });
    }
}

/// Writes the same bytes on every connection, no HTTP at all.
async fn raw_server(path: PathBuf, block: Bytes, mib: usize) {
    let listener = UnixListener::bind(&path).expect("bind the raw bench socket");
    while let Ok((mut io, _)) = listener.accept().await {
        widen(&io);
        let block = block.clone();
        tokio::spawn(async move {
            let _ = write_body(&mut io, &block, mib).await;
        });
    }
}

fn main() {
    let mib = body_mib();
    let block = Bytes::from(vec![b'x'; BLOCK]);
    let dir = tempfile::tempdir().expect("a temp dir");
    let http_path = dir.path().join("http.sock");
    let raw_path = dir.path().join("raw.sock");

    // The servers get their own runtime; the clients run on another.
    let server_rt = tokio::runtime::Runtime::new().expect("server runtime");
    server_rt.spawn(http_server(http_path.clone(), block.clone(), mib));
    server_rt.spawn(raw_server(raw_path.clone(), block, mib));
    std::thread::sleep(Duration::from_millis(100));

    // One client thread: the client's own cost, without cross-thread
    // wake-ups between a connection task and its reader.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let ours = Transport::new(&format!("unix://{}", http_path.display())).expect("transport");
    // The baseline: a bare pooled hyper-util client (the peers bench's floor).
    let bare = floor_client(&http_path);

    let ping_block = |name: &str, iters: u64| {
        rt.block_on(async {
            for _ in 0..iters {
                let body = if name == "contajners" {
                    ours.fetch(Request::new(Method::GET, "/_ping"))
                        .await
                        .expect("ping")
                        .into_body()
                } else {
                    let res = bare
                        .get(hyper::Uri::from_static("http://localhost/_ping"))
                        .await
                        .expect("ping");
                    res.into_body().collect().await.expect("body").to_bytes()
                };
                assert_eq!(body.as_ref(), b"OK");
            }
        })
    };
    let iters = iters_for(Duration::from_millis(20), |n| ping_block("contajners", n));
    let contenders = [
        Contender {
            name: "contajners",
            iters,
        },
        Contender {
            name: "hyper-util",
            iters,
        },
    ];
    Interleaved::new("transport/ping", env_samples("PING", 40))
        .work(Work::Elements(1))
        .run(&contenders, |name, iters| {
            ping_block(name, iters);
            None
        });

    let total = (mib * BLOCK) as u64;
    let contenders =
        ["contajners", "hyper-util", "raw-socket"].map(|name| Contender { name, iters: 1 });
    Interleaved::new("transport/body", env_samples("STREAM", 15))
        .work(Work::Bytes(total))
        .run(&contenders, |name, _| {
            let n = rt.block_on(async {
                match name {
                    "contajners" => stream_ours(&ours).await,
                    "hyper-util" => stream_bare(&bare).await,
                    // A plain read of the same bytes, 64 KiB at a time.
                    _ => raw_read(&raw_path, 64 * 1024).await.expect("raw read"),
                }
            });
            assert_eq!(n, total, "{name}: body bytes");
            None
        });
}

async fn stream_ours(ours: &Transport) -> u64 {
    let mut res = ours
        .fetch_stream(Request::new(Method::GET, "/big"))
        .await
        .expect("big body");
    let mut n = 0u64;
    while let Some(chunk) = res.next().await {
        n += chunk.expect("chunk").len() as u64;
    }
    n
}

async fn stream_bare(bare: &FloorClient) -> u64 {
    let res = bare
        .get(hyper::Uri::from_static("http://localhost/big"))
        .await
        .expect("big body");
    let mut body = res.into_body();
    let mut n = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("frame").into_data() {
            n += data.len() as u64;
        }
    }
    n
}
