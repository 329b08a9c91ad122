//! The pool: one connection serves sequential requests, it survives the
//! runtime that created it, and nothing leaks.

mod support;

use std::time::Duration;

use contajners_transport::{Request, Transport};
use futures_util::StreamExt;
use http::Method;
use support::reply;

#[tokio::test]
async fn one_connection_serves_many_sequential_requests() {
    for server in [
        support::unix(|_| async { reply(200, "OK") }).await,
        support::tcp(|_| async { reply(200, "OK") }).await,
    ] {
        let t = Transport::new(&server.uri).unwrap();
        for _ in 0..100 {
            let res = t.fetch(Request::new(Method::GET, "/_ping")).await.unwrap();
            assert_eq!(res.text().unwrap(), "OK");
        }
        // Clones share the pool.
        let clone = t.clone();
        clone
            .fetch(Request::new(Method::GET, "/_ping"))
            .await
            .unwrap();
        assert_eq!(server.accepts(), 1, "{}", server.uri);
    }
}

#[test]
fn pooled_connections_survive_the_runtime_that_made_them() {
    // The server lives on its own runtime for the whole test.
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let server = server_rt.block_on(support::unix(|_| async { reply(200, "OK") }));
    let t = Transport::new(&server.uri).unwrap();

    let first = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ping = || Request::new(Method::GET, "/_ping");
    first.block_on(async {
        assert_eq!(t.fetch(ping()).await.unwrap().text().unwrap(), "OK");
    });
    drop(first);

    let second = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    second.block_on(async {
        for _ in 0..10 {
            assert_eq!(t.fetch(ping()).await.unwrap().text().unwrap(), "OK");
        }
    });
    // The connection made on the dropped runtime was reused, not replaced.
    assert_eq!(server.accepts(), 1);

    // Two live runtimes at once, sharing the transport.
    let other = std::thread::spawn({
        let t = t.clone();
        move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                for _ in 0..50 {
                    t.fetch(Request::new(Method::GET, "/_ping")).await.unwrap();
                }
            })
        }
    });
    second.block_on(async {
        for _ in 0..50 {
            t.fetch(ping()).await.unwrap();
        }
    });
    other.join().unwrap();
}

#[tokio::test]
async fn no_fd_leak_after_many_requests_and_dropped_streams() {
    let big = vec![b'x'; 4 * 1024 * 1024];
    let server = support::unix(move |seen: support::Seen| {
        let body = if seen.uri.path() == "/big" {
            big.clone()
        } else {
            b"OK".to_vec()
        };
        async move { reply(200, body) }
    })
    .await;
    let t = Transport::new(&server.uri).unwrap();
    t.fetch(Request::new(Method::GET, "/_ping")).await.unwrap();
    let before = support::open_fds();

    for _ in 0..1000 {
        t.fetch(Request::new(Method::GET, "/_ping")).await.unwrap();
    }
    for _ in 0..100 {
        let mut res = t
            .fetch_stream(Request::new(Method::GET, "/big"))
            .await
            .unwrap();
        res.next().await.unwrap().unwrap();
        // Dropped with most of the body unread: the connection must close.
        drop(res);
    }
    // Closing is asynchronous (the connection task notices the drop); give
    // it a moment, then count.
    let mut after = support::open_fds();
    for _ in 0..50 {
        if after <= before + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = support::open_fds();
    }
    assert!(after <= before + 2, "fds before {before}, after {after}");
    // 100 dropped streams each cost a connection; 1000 pings did not.
    assert!(server.accepts() <= 102, "accepts {}", server.accepts());
}
