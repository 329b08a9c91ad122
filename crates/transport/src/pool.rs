//! One connection pool per tokio runtime.
//!
//! hyper-util's pool spawns a task per connection on its executor, and a
//! tokio socket belongs to the reactor of the runtime that created it. A
//! single pool driven by whichever runtime happened to connect first breaks
//! when that runtime is dropped: every pooled connection dies with it. So a
//! transport keeps one pool per runtime, driven by that runtime (as fast as
//! a bare client: no thread hop per request), and a runtime's pool is
//! evicted when the runtime shuts down. Callers outside any runtime use a
//! pool on the process-wide background runtime.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use hyper_util::client::legacy::Client;
use tokio::runtime::{self, Handle};

use crate::connect::{Connector, Dialer};
use crate::request::ReqBody;
use crate::runtime::{SpawnOn, TimerOn};

pub(crate) type HttpClient = Client<Connector, ReqBody>;

// hyper's read buffer keeps its adaptive default (it grows towards ~400 KiB
// while reads fill it). Each read hands one piece of the body from the
// connection task to the consumer's task, a cross-task wake-up both ways; a
// fixed 64 KiB read (`http1_read_buf_exact_size`) tripled the pieces of a
// large body, and with them the context switches (2.2x the floor's in
// `perf stat` on peers/logs-32KiB) and the time (0.56 of a raw read).

/// The pools of one transport (shared by its clones).
pub(crate) struct Pools {
    dialer: Arc<Dialer>,
    idle: Duration,
    max_idle: usize,
    /// Built on first use outside a runtime.
    background: Mutex<Option<HttpClient>>,
    per_runtime: Mutex<HashMap<runtime::Id, HttpClient>>,
    /// Dropped with the pools; ends the per-runtime eviction tasks.
    alive: tokio::sync::watch::Sender<()>,
}

impl fmt::Debug for Pools {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pools")
            .field("runtimes", &lock(&self.per_runtime).len())
            .finish()
    }
}

/// A poisoned lock only means a panic elsewhere while holding it; the maps
/// inside stay valid (at worst a pool is rebuilt).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Pools {
    pub(crate) fn new(dialer: Arc<Dialer>, idle: Duration, max_idle: usize) -> Arc<Pools> {
        Arc::new(Pools {
            dialer,
            idle,
            max_idle,
            background: Mutex::new(None),
            per_runtime: Mutex::new(HashMap::new()),
            alive: tokio::sync::watch::channel(()).0,
        })
    }

    /// The client for the runtime the caller runs on.
    pub(crate) fn client(self: &Arc<Self>) -> HttpClient {
        let Ok(handle) = Handle::try_current() else {
            return self.background_client();
        };
        let id = handle.id();
        let mut map = lock(&self.per_runtime);
        if let Some(client) = map.get(&id) {
            return client.clone();
        }
        let client = self.build(handle.clone(), None);
        map.insert(id, client.clone());
        drop(map);
        // A task that lives as long as the runtime (or these pools): when the
        // runtime shuts down it is dropped, and its guard evicts the pool.
        let evict = Evict {
            pools: Arc::downgrade(self),
            id,
        };
        let mut alive = self.alive.subscribe();
        handle.spawn(async move {
            let _evict = evict;
            let _ = alive.changed().await;
        });
        client
    }

    fn background_client(&self) -> HttpClient {
        let mut slot = lock(&self.background);
        if let Some(client) = slot.as_ref() {
            return client.clone();
        }
        let handle = self.dialer.handle.clone();
        let client = self.build(handle.clone(), Some(handle));
        *slot = Some(client.clone());
        client
    }

    fn build(&self, runtime: Handle, hop: Option<Handle>) -> HttpClient {
        let connector = Connector {
            dialer: self.dialer.clone(),
            hop,
        };
        Client::builder(SpawnOn(runtime.clone()))
            .pool_timer(TimerOn(runtime))
            .pool_idle_timeout(self.idle)
            .pool_max_idle_per_host(self.max_idle)
            .build(connector)
    }

    #[cfg(test)]
    fn runtimes(&self) -> usize {
        lock(&self.per_runtime).len()
    }
}

struct Evict {
    pools: Weak<Pools>,
    id: runtime::Id,
}

impl Drop for Evict {
    fn drop(&mut self) {
        if let Some(pools) = self.pools.upgrade() {
            let evicted = lock(&pools.per_runtime).remove(&self.id);
            // Dropped outside the lock: closing connections may take locks too.
            drop(evicted);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::Endpoint;

    fn pools() -> Arc<Pools> {
        let handle = crate::runtime::background().unwrap();
        let dialer = Arc::new(Dialer {
            endpoint: Endpoint::Unix("/nonexistent.sock".into()),
            tls: None,
            connect_timeout: None,
            write_timeout: None,
            handle,
        });
        Pools::new(dialer, Duration::from_secs(90), usize::MAX)
    }

    #[test]
    fn a_runtime_pool_is_evicted_when_the_runtime_shuts_down() {
        let pools = pools();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            pools.client();
            pools.client();
        });
        assert_eq!(pools.runtimes(), 1);
        let other = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        other.block_on(async {
            pools.client();
        });
        assert_eq!(pools.runtimes(), 2);
        drop(rt);
        assert_eq!(pools.runtimes(), 1);
        drop(other);
        assert_eq!(pools.runtimes(), 0);
        // Outside any runtime: the background pool.
        pools.client();
        assert_eq!(pools.runtimes(), 0);
        assert!(lock(&pools.background).is_some());
    }
}
