//! The pool: one connection serves sequential requests, it survives the
//! runtime that created it, and nothing leaks.

mod support;

use std::time::Duration;

use contajners_transport::{Request, Transport};
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
    // The first runtime is alive but idle now: nothing drives its tasks. A
    // connection it owns must not be handed to another runtime (requests on
    // it would hang), so the second runtime gets its own.
    let second = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let guard = Duration::from_secs(10);
    second.block_on(async {
        for _ in 0..10 {
            let res = tokio::time::timeout(guard, t.fetch(ping())).await;
            assert_eq!(res.expect("must not hang").unwrap().text().unwrap(), "OK");
        }
    });
    // Dropping the first runtime kills its connections and nothing else.
    drop(first);
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
    // The runtimes' pools were reused: one connection each.
    assert_eq!(server.accepts(), 3);
    // Outside tokio the background runtime drives the connections. (Its
    // pool takes a connection back asynchronously, so a quick caller may
    // open a second one: reuse is not asserted here.)
    for _ in 0..5 {
        let res = block_on_without_runtime(t.fetch(ping())).unwrap();
        assert_eq!(res.text().unwrap(), "OK");
    }
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
