//! Socket mode: 101 with bytes in the same packet, half-close, and servers
//! that do not upgrade.

mod support;

use std::time::Duration;

use contajners_transport::{Error, Request, Transport};
use http::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Upgrades, sends a greeting in the same write as the head, then reads
/// until the client half-closes and answers with what it read.
async fn echo_after_eof() -> support::Server {
    support::raw_unix(|mut io| async move {
        let head = support::read_head(&mut io).await;
        let lower = head.to_ascii_lowercase();
        assert!(lower.contains("connection: upgrade"), "{head}");
        assert!(lower.contains("upgrade: tcp"), "{head}");
        io.write_all(
            b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\ngreeting;",
        )
        .await
        .unwrap();
        let mut got = Vec::new();
        io.read_to_end(&mut got).await.unwrap();
        io.write_all(b"got:").await.unwrap();
        io.write_all(&got).await.unwrap();
        io.shutdown().await.unwrap();
    })
    .await
}

#[tokio::test]
async fn upgrade_keeps_early_bytes_and_half_closes() {
    let server = echo_after_eof().await;
    let t = Transport::new(&server.uri).unwrap();
    let mut io = t
        .fetch_socket(Request::new(Method::POST, "/containers/x/attach").query("stdin", "1"))
        .await
        .unwrap();
    // The 101's headers say how to read the stream.
    assert_eq!(
        io.headers().get("content-type").unwrap(),
        "application/vnd.docker.raw-stream"
    );
    io.write_all(b"hello").await.unwrap();
    // Half-close: the server only answers after it sees EOF, so this read
    // completes only if shutdown closed our write side and left reading open.
    io.shutdown().await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), io.read_to_end(&mut out))
        .await
        .expect("half-close must reach the server")
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out), "greeting;got:hello");
}

#[tokio::test]
async fn upgrade_works_over_tcp_too() {
    // Same exchange over loopback TCP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut io, _) = listener.accept().await.unwrap();
        support::read_head(&mut io).await;
        io.write_all(b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
            .await
            .unwrap();
        let mut got = Vec::new();
        io.read_to_end(&mut got).await.unwrap();
        io.write_all(&got).await.unwrap();
    });
    let t = Transport::new(&format!("tcp://{addr}")).unwrap();
    let mut io = t
        .fetch_socket(Request::new(Method::POST, "/exec/x/start"))
        .await
        .unwrap();
    assert_eq!(io.headers().get("upgrade").unwrap(), "tcp");
    io.write_all(b"ping").await.unwrap();
    io.shutdown().await.unwrap();
    let mut out = Vec::new();
    io.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, b"ping");
}

#[tokio::test]
async fn a_200_to_an_upgrade_is_an_error_with_status_and_body() {
    let server = support::unix(|_| async { support::reply(200, "no upgrade for you") }).await;
    let t = Transport::new(&server.uri).unwrap();
    let err = t
        .fetch_socket(Request::new(Method::POST, "/attach"))
        .await
        .unwrap_err();
    let Error::NotUpgraded { status, body } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 200);
    assert_eq!(&body[..], b"no upgrade for you");
    assert!(
        err.to_string().contains("200 OK: no upgrade for you"),
        "{err}"
    );

    let server =
        support::unix(|_| async { support::reply(404, r#"{"message":"No such container: x"}"#) })
            .await;
    let t = Transport::new(&server.uri).unwrap();
    let err = t
        .fetch_socket(Request::new(Method::POST, "/attach"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
    assert!(err.to_string().contains("No such container: x"), "{err}");
}
