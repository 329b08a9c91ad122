//! `Streamed::output_batches` through `invoke`, against a loopback server
//! that writes its answer in small pieces, so frames arrive cut at random
//! places: the batches give every frame whole, in order, as `output()`
//! gives their bytes.

mod support;

use contajners_dispatch::codec::StreamKind;
use contajners_dispatch::{Client, Error, Invocation, Streamed};
use contajners_spec::Engine;
use futures_util::TryStreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// Serves every request with `content_type` and `body`, written `piece`
/// bytes at a time with a flush in between.
async fn serve(content_type: &'static str, body: Vec<u8>, piece: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let uri = format!("http://{}", listener.local_addr().expect("local addr"));
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                if support::read_head(&mut conn).await.is_none() {
                    return;
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = conn.write_all(reply.as_bytes()).await;
                for part in body.chunks(piece) {
                    if conn.write_all(part).await.is_err() || conn.flush().await.is_err() {
                        return;
                    }
                    tokio::task::yield_now().await;
                }
                let _ = conn.shutdown().await;
            });
        }
    });
    uri
}

async fn logs(uri: &str) -> Result<Streamed, Error> {
    let client = Client::builder(Engine::Docker, "v1.43")
        .category("containers")
        .uri(uri)
        .build()?;
    let logs = Invocation::new("ContainerLogs")
        .param("id", "conny")
        .param("stdout", true)
        .param("stderr", true)
        .as_stream();
    client.invoke(logs).await?.into_stream()
}

/// Frames of 1 to 300 bytes, alternating streams.
fn frames() -> Vec<(StreamKind, Vec<u8>)> {
    (0..400usize)
        .map(|i| {
            let kind = if i % 3 == 0 {
                StreamKind::Stderr
            } else {
                StreamKind::Stdout
            };
            let len = 1 + (i * 37) % 300;
            (kind, (0..len).map(|j| (i + j) as u8).collect())
        })
        .collect()
}

fn encode(frames: &[(StreamKind, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (kind, payload) in frames {
        let kind = match kind {
            StreamKind::Stdin => 0u8,
            StreamKind::Stdout => 1,
            StreamKind::Stderr => 2,
        };
        out.extend_from_slice(&[kind, 0, 0, 0]);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(payload);
    }
    out
}

#[tokio::test]
async fn batches_give_every_frame_whole_whatever_the_reads() {
    let sent = frames();
    let uri = serve(
        "application/vnd.docker.multiplexed-stream",
        encode(&sent),
        997,
    )
    .await;

    let mut batches = logs(&uri).await.expect("a stream").output_batches();
    let mut got = Vec::new();
    while let Some(batch) = batches.next_batch().await {
        for (kind, data) in batch.expect("a batch") {
            got.push((kind, data.to_vec()));
        }
    }
    assert_eq!(got, sent);

    // The frame API gives the same bytes per stream (in pieces).
    let pieces: Vec<_> = logs(&uri)
        .await
        .expect("a stream")
        .output()
        .try_collect()
        .await
        .expect("frames");
    let per_stream = |kind: StreamKind, frames: &mut dyn Iterator<Item = (StreamKind, &[u8])>| {
        frames
            .filter(|(k, _)| *k == kind)
            .flat_map(|(_, d)| d.to_vec())
            .collect::<Vec<u8>>()
    };
    for kind in [StreamKind::Stdout, StreamKind::Stderr] {
        assert_eq!(
            per_stream(kind, &mut pieces.iter().map(|f| (f.stream, &f.data[..]))),
            per_stream(kind, &mut sent.iter().map(|(k, d)| (*k, &d[..]))),
        );
    }
}

#[tokio::test]
async fn a_stream_cut_inside_a_frame_ends_with_a_decode_error() {
    let mut body = encode(&frames()[..3]);
    body.truncate(body.len() - 1);
    let uri = serve("application/vnd.docker.multiplexed-stream", body, 64).await;
    let mut seen = 0;
    let end = logs(&uri)
        .await
        .expect("a stream")
        .output_batches()
        .for_each_frame(|_, _| seen += 1)
        .await;
    assert_eq!(seen, 2, "the two whole frames before the cut");
    match end {
        Err(Error::Decode(err)) => assert!(err.message().contains("ended inside a frame payload")),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_raw_stream_comes_as_stdout() {
    let uri = serve(
        "application/vnd.docker.raw-stream",
        b"$ echo hi\nhi\n".to_vec(),
        5,
    )
    .await;
    let mut stdout = Vec::new();
    logs(&uri)
        .await
        .expect("a stream")
        .output_batches()
        .for_each_frame(|kind, data| {
            assert_eq!(kind, StreamKind::Stdout);
            stdout.extend_from_slice(data);
        })
        .await
        .expect("the raw output");
    assert_eq!(stdout, b"$ echo hi\nhi\n");
}
