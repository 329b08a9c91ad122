//! Stream mode: chunks as they come, AsyncRead, errors with the body still
//! readable, and a server that drops mid-body.

mod support;

use std::time::Duration;

use bytes::Bytes;
use contajners_transport::{Error, Request, Transport};
use futures_util::StreamExt;
use http::Method;
use support::reply;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn chunks_arrive_before_the_body_ends() {
    // The server sends one chunk, then waits for the client to have seen it
    // before sending the rest: a client that buffered the whole body would
    // deadlock here.
    let (seen_tx, seen_rx) = tokio::sync::oneshot::channel::<()>();
    let seen_rx = std::sync::Mutex::new(Some(seen_rx));
    let server = support::raw_unix(move |mut io| {
        let rx = seen_rx.lock().unwrap().take();
        async move {
            support::read_head(&mut io).await;
            io.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
                .await
                .unwrap();
            if let Some(rx) = rx {
                let _ = rx.await;
            }
            io.write_all(b"6\r\nsecond\r\n0\r\n\r\n").await.unwrap();
        }
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    let mut res = t
        .fetch_stream(Request::new(Method::GET, "/events"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.next().await.unwrap().unwrap(), Bytes::from("first"));
    seen_tx.send(()).unwrap();
    assert_eq!(res.next().await.unwrap().unwrap(), Bytes::from("second"));
    assert!(res.next().await.is_none());
}

#[tokio::test]
async fn body_reads_as_async_read() {
    let body: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
    let expected = body.clone();
    let server = support::unix(move |_| {
        let body = body.clone();
        async move { reply(200, body) }
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    let res = t
        .fetch_stream(Request::new(Method::GET, "/x"))
        .await
        .unwrap();
    let mut read = Vec::new();
    res.into_async_read().read_to_end(&mut read).await.unwrap();
    assert_eq!(read, expected);
}

#[tokio::test]
async fn thrown_stream_error_keeps_the_whole_body_readable() {
    let server = support::unix(|_| async {
        reply(
            404,
            r#"{"message":"Could not find the file /nope in container conny"}"#,
        )
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    let req = Request::new(Method::GET, "/containers/conny/archive")
        .query("path", "/nope")
        .throw_exceptions(true)
        .throw_entire_message(true);
    let err = t.fetch_stream(req).await.unwrap_err();
    let Error::Status(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.status(), 404);
    assert_eq!(
        e.message(),
        "Could not find the file /nope in container conny"
    );
    let mut text = String::new();
    e.take_stream()
        .unwrap()
        .into_async_read()
        .read_to_string(&mut text)
        .await
        .unwrap();
    assert_eq!(
        text,
        r#"{"message":"Could not find the file /nope in container conny"}"#
    );
    assert!(e.take_stream().is_none(), "the stream is taken once");

    // Without throwing, the same answer is a plain stream response.
    let res = t
        .fetch_stream(Request::new(Method::GET, "/x"))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// A server that promises 1000 bytes (or a chunked body) and dies after 10.
async fn dropping_server(chunked: bool) -> support::Server {
    support::raw_unix(move |mut io| async move {
        support::read_head(&mut io).await;
        let head: &[u8] = if chunked {
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n"
        } else {
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"
        };
        io.write_all(head).await.unwrap();
        drop(io);
    })
    .await
}

#[tokio::test]
async fn server_dropping_mid_body_is_an_error_not_a_short_read() {
    for chunked in [false, true] {
        let server = dropping_server(chunked).await;
        let t = Transport::new(&server.uri).unwrap();
        let fetched = tokio::time::timeout(
            Duration::from_secs(10),
            t.fetch(Request::new(Method::GET, "/x")),
        )
        .await
        .expect("must not hang");
        let err = fetched.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Io {
                    during: "reading the response body",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(std::error::Error::source(&err).is_some());

        let mut res = t
            .fetch_stream(Request::new(Method::GET, "/x"))
            .await
            .unwrap();
        assert_eq!(
            res.next().await.unwrap().unwrap(),
            Bytes::from("0123456789")
        );
        let next = tokio::time::timeout(Duration::from_secs(10), res.next())
            .await
            .expect("must not hang");
        assert!(matches!(next, Some(Err(Error::Io { .. }))), "{next:?}");
    }
}

#[tokio::test]
async fn a_slow_reader_slows_the_server_instead_of_filling_memory() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const BLOCK: usize = 1024 * 1024;
    let written = Arc::new(AtomicUsize::new(0));
    let counter = written.clone();
    let server = support::raw_unix(move |mut io| {
        let counter = counter.clone();
        async move {
            support::read_head(&mut io).await;
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", 256 * BLOCK);
            io.write_all(head.as_bytes()).await.unwrap();
            let block = vec![b'x'; BLOCK];
            for _ in 0..256 {
                if io.write_all(&block).await.is_err() {
                    return;
                }
                counter.fetch_add(BLOCK, Ordering::SeqCst);
            }
        }
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    let mut res = t
        .fetch_stream(Request::new(Method::GET, "/x"))
        .await
        .unwrap();
    res.next().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Only socket buffers and one read buffer may hold unread bytes.
    let ahead = written.load(Ordering::SeqCst);
    assert!(
        ahead < 32 * BLOCK,
        "the server got {ahead} bytes ahead of the reader"
    );
    drop(res);
}
