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
fn transport_outlives_the_runtimes_that_use_it() {
    // The server lives on its own runtime for the whole test.
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let server = server_rt.block_on(support::unix(|_| async { reply(200, "OK") }));
    let t = Transport::new(&server.uri).unwrap();
    let ping = || Request::new(Method::GET, "/_ping");

    let first = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    first.block_on(async {
        for _ in 0..10 {
            assert_eq!(t.fetch(ping()).await.unwrap().text().unwrap(), "OK");
        }
    });
    // Its connection dies with it; the transport must not hand it out again.
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
    // One connection per runtime, each reused for all its requests.
    assert_eq!(server.accepts(), 2);

    // Two live runtimes at once, sharing the transport, plus a caller that
    // is on no runtime at all.
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
    for _ in 0..5 {
        let res = block_on_without_runtime(t.fetch(ping())).unwrap();
        assert_eq!(res.text().unwrap(), "OK");
    }
    assert_eq!(server.accepts(), 4);
}

/// Polls a future on this thread with no tokio runtime around.
fn block_on_without_runtime<F: std::future::Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        match fut.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(out) => return out,
            std::task::Poll::Pending => std::thread::park(),
        }
    }
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
