//! No file descriptor leaks. Alone in its own test binary: descriptors are
//! counted process-wide, so no other test may open any meanwhile.

mod support;

use std::time::Duration;

use contajners_transport::{Request, Transport};
use futures_util::StreamExt;
use http::Method;
use support::reply;

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
