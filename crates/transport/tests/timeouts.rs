//! Each timeout fires when it should, says which one it is, and stays quiet
//! when it should not fire.

mod support;

use std::time::Duration;

use bytes::Bytes;
use contajners_transport::{Body, Error, Request, TimeoutKind, Timeouts, Transport};
use futures_util::StreamExt;
use http::Method;
use tokio::io::AsyncWriteExt;

const SHORT: Duration = Duration::from_millis(200);
/// Far longer than SHORT: a test hanging this long has failed.
const GUARD: Duration = Duration::from_secs(10);

/// The error `req` fails with on `t`; a fetch still running after GUARD, or
/// one that succeeds, fails the test.
async fn fetch_err(t: &Transport, req: Request) -> Error {
    tokio::time::timeout(GUARD, t.fetch(req))
        .await
        .expect("a timeout fires before the guard")
        .expect_err("the fetch fails")
}

/// Reads the request head and never answers.
async fn stalling_server() -> support::Server {
    support::raw_unix(|mut io| async move {
        support::read_head(&mut io).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(io);
    })
    .await
}

/// Answers with a head and one chunk, then trickles a chunk every `every`.
async fn trickling_server(every: Option<Duration>) -> support::Server {
    support::raw_unix(move |mut io| async move {
        support::read_head(&mut io).await;
        io.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n")
            .await
            .unwrap();
        loop {
            match every {
                Some(every) => tokio::time::sleep(every).await,
                None => tokio::time::sleep(Duration::from_secs(3600)).await,
            }
            if io.write_all(b"1\r\nb\r\n").await.is_err() {
                return;
            }
        }
    })
    .await
}

#[tokio::test]
async fn read_timeout_fires_while_waiting_for_the_head() {
    let server = stalling_server().await;
    let t = Transport::builder(&server.uri)
        .read_timeout(SHORT)
        .build()
        .unwrap();
    let err = fetch_err(&t, Request::new(Method::GET, "/x")).await;
    assert_eq!(err.timeout(), Some(TimeoutKind::Read), "{err:?}");
    assert_eq!(err.to_string(), "the read timeout fired");
}

#[tokio::test]
async fn read_timeout_fires_between_body_chunks() {
    let server = trickling_server(None).await;
    let t = Transport::builder(&server.uri)
        .read_timeout(SHORT)
        .build()
        .unwrap();
    let err = fetch_err(&t, Request::new(Method::GET, "/x")).await;
    assert_eq!(err.timeout(), Some(TimeoutKind::Read), "{err:?}");

    let mut res = t
        .fetch_stream(Request::new(Method::GET, "/x"))
        .await
        .unwrap();
    assert_eq!(res.next().await.unwrap().unwrap(), Bytes::from("a"));
    let next = tokio::time::timeout(GUARD, res.next()).await.unwrap();
    assert!(
        matches!(next, Some(Err(Error::Timeout(TimeoutKind::Read)))),
        "{next:?}"
    );
}

#[tokio::test]
async fn read_timeout_counts_idle_time_not_stream_time() {
    // Eight chunks 50 ms apart (a stream busier than the 200 ms limit yet
    // longer than it), then silence: each chunk pushes the deadline back,
    // and the silence after the last one fires it.
    const GAP: Duration = Duration::from_millis(50);
    const BUSY_CHUNKS: usize = 8;
    let server = support::raw_unix(|mut io| async move {
        support::read_head(&mut io).await;
        io.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await
            .unwrap();
        for _ in 0..BUSY_CHUNKS {
            tokio::time::sleep(GAP).await;
            if io.write_all(b"1\r\nb\r\n").await.is_err() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    })
    .await;
    let t = Transport::builder(&server.uri)
        .read_timeout(SHORT)
        .build()
        .unwrap();
    let mut res = t
        .fetch_stream(Request::new(Method::GET, "/x"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    for i in 0..BUSY_CHUNKS {
        let chunk = tokio::time::timeout(GUARD, res.next()).await.unwrap();
        assert_eq!(chunk.unwrap().unwrap(), Bytes::from("b"), "chunk {i}");
    }
    assert!(started.elapsed() > SHORT, "{:?}", started.elapsed());
    let last = std::time::Instant::now();
    let next = tokio::time::timeout(GUARD, res.next()).await.unwrap();
    assert!(
        matches!(next, Some(Err(Error::Timeout(TimeoutKind::Read)))),
        "{next:?}"
    );
    assert!(last.elapsed() >= SHORT, "{:?}", last.elapsed());
}

#[tokio::test]
async fn call_timeout_covers_the_whole_data_exchange_but_only_the_head_of_a_stream() {
    // A chunk every 50 ms: the read timeout never fires, the call one does.
    let server = trickling_server(Some(Duration::from_millis(50))).await;
    let t = Transport::builder(&server.uri)
        .read_timeout(Duration::from_secs(5))
        .call_timeout(SHORT)
        .build()
        .unwrap();
    let err = fetch_err(&t, Request::new(Method::GET, "/x")).await;
    assert_eq!(err.timeout(), Some(TimeoutKind::Call), "{err:?}");

    // Stream mode: the body may run longer than the call timeout.
    let mut res = t
        .fetch_stream(Request::new(Method::GET, "/x"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut chunks = 0;
    while started.elapsed() < SHORT * 3 {
        res.next().await.unwrap().unwrap();
        chunks += 1;
    }
    assert!(chunks > 3, "{chunks}");
}

#[tokio::test]
async fn write_timeout_fires_when_the_engine_stops_reading() {
    let server = stalling_server().await;
    let t = Transport::builder(&server.uri)
        .write_timeout(SHORT)
        .build()
        .unwrap();
    // Far more than the socket buffers hold, produced lazily.
    let chunks =
        futures_util::stream::iter((0..1024).map(|_| Ok(Bytes::from(vec![0u8; 64 * 1024]))));
    let req = Request::new(Method::PUT, "/archive").body(Body::stream(chunks));
    let err = fetch_err(&t, req).await;
    assert_eq!(err.timeout(), Some(TimeoutKind::Write), "{err:?}");
}

#[tokio::test]
async fn read_timeout_waits_for_a_slow_upload_to_finish() {
    // The upload takes longer than the read timeout; the timer must only
    // start once the body is handed over.
    let server = support::unix(|seen: support::Seen| async move {
        support::reply(200, seen.body.len().to_string())
    })
    .await;
    let t = Transport::builder(&server.uri)
        .read_timeout(SHORT)
        .build()
        .unwrap();
    let slow = futures_util::stream::iter(0..6).then(|_| async {
        tokio::time::sleep(Duration::from_millis(60)).await;
        Ok(Bytes::from_static(b"0123456789"))
    });
    let res = t
        .fetch(Request::new(Method::PUT, "/x").body(Body::stream(slow)))
        .await
        .unwrap();
    assert_eq!(res.text().unwrap(), "60");
}

#[tokio::test]
async fn connect_timeout_covers_the_tls_handshake() {
    // Accepts TCP and never says a word: the TLS handshake cannot finish.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((io, _)) = listener.accept().await {
            held.push(io);
        }
    });
    let ca = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let t = Transport::builder(format!("https://{addr}"))
        .tls(contajners_transport::Tls::new().ca_pem(ca.cert.pem()))
        .connect_timeout(SHORT)
        .build()
        .unwrap();
    let err = fetch_err(&t, Request::new(Method::GET, "/_ping")).await;
    assert_eq!(err.timeout(), Some(TimeoutKind::Connect), "{err:?}");
}

#[tokio::test]
async fn no_timeout_by_default() {
    // The server answers after 300 ms; with no timeouts that is fine.
    let server = support::unix(|_| async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        support::reply(200, "late")
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    let res = t.fetch(Request::new(Method::GET, "/x")).await.unwrap();
    assert_eq!(res.text().unwrap(), "late");
}

#[tokio::test]
async fn timeouts_given_as_one_value_fire_and_keep_what_they_leave_unset() {
    let server = stalling_server().await;
    let fired = |t: Transport| async move {
        fetch_err(&t, Request::new(Method::GET, "/x"))
            .await
            .timeout()
    };

    let from_value = Transport::builder(&server.uri)
        .timeouts(Timeouts::new().read(SHORT))
        .build()
        .unwrap();
    assert_eq!(fired(from_value).await, Some(TimeoutKind::Read));

    // The value sets only the connect limit: the read limit set before stays.
    let kept = Transport::builder(&server.uri)
        .read_timeout(SHORT)
        .timeouts(Timeouts::new().connect(GUARD))
        .build()
        .unwrap();
    assert_eq!(fired(kept).await, Some(TimeoutKind::Read));

    // A later value's call limit wins over an earlier setter's.
    let replaced = Transport::builder(&server.uri)
        .call_timeout(GUARD * 2)
        .timeouts(Timeouts::new().call(SHORT))
        .build()
        .unwrap();
    assert_eq!(fired(replaced).await, Some(TimeoutKind::Call));
}
