//! Idle connections, one pool per tokio runtime.
//!
//! A tokio socket belongs to the reactor of the runtime that created it and
//! dies with that runtime. So a transport keeps the idle connections of each
//! runtime apart, hands a caller only connections of its own runtime (its
//! reads are then woken by that runtime, with no thread hop), and drops a
//! runtime's pool when the runtime shuts down. Callers outside any runtime
//! get connections made on the process-wide background runtime.
//!
//! Idle connections are taken newest first (the most likely to be alive,
//! and warm in the engine too), checked for a close by the engine before
//! use, and closed by a reaper on the background runtime once they have been
//! idle for the configured time.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::runtime::{self, Handle};

use crate::connect::Dialer;
use crate::error::Error;
use crate::http1::conn::Conn;

/// The pools of one transport (shared by its clones).
pub(crate) struct Pools {
    dialer: Arc<Dialer>,
    idle: Duration,
    max_idle: usize,
    /// For callers outside any runtime.
    background: Arc<IdleConns>,
    per_runtime: Mutex<HashMap<runtime::Id, Arc<IdleConns>>>,
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

/// A poisoned lock only means a panic elsewhere while holding it; the data
/// inside stays valid (at worst a connection is closed early).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Pools {
    pub(crate) fn new(dialer: Arc<Dialer>, idle: Duration, max_idle: usize) -> Arc<Pools> {
        let background = IdleConns::new(&dialer, idle, max_idle);
        Arc::new(Pools {
            dialer,
            idle,
            max_idle,
            background,
            per_runtime: Mutex::new(HashMap::new()),
            alive: tokio::sync::watch::channel(()).0,
        })
    }

    /// A connection for the caller's runtime: an idle one if any is still
    /// usable, else a new one. Returns the pool to give it back to.
    pub(crate) async fn checkout(self: &Arc<Self>) -> Result<(Conn, Arc<IdleConns>), Error> {
        let (home, on_background) = self.home();
        if let Some(conn) = home.take() {
            return Ok((conn, home));
        }
        // Boxed: dialing (a TLS handshake, an ssh process) is a large future,
        // and inline it would make every request's future as large, to be
        // moved and zeroed on every call; a box costs once per connection.
        let conn = Box::pin(self.dial(on_background)).await?;
        Ok((conn, home))
    }

    /// A new connection for the caller's runtime, whatever is idle.
    pub(crate) async fn dial_new(self: &Arc<Self>) -> Result<Conn, Error> {
        let on_background = Handle::try_current().is_err();
        // Boxed, as in `checkout`.
        Box::pin(self.dial(on_background)).await
    }

    async fn dial(&self, on_background: bool) -> Result<Conn, Error> {
        let dialer = self.dialer.clone();
        let stream = if on_background {
            // Made on the background runtime, so its reactor drives it
            // whatever executor polls the caller.
            match self
                .dialer
                .handle
                .spawn(async move { dialer.dial().await })
                .await
            {
                Ok(dialed) => dialed?,
                Err(join) => {
                    return Err(Error::Io {
                        during: "connecting",
                        source: Box::new(join),
                    })
                }
            }
        } else {
            dialer.dial().await?
        };
        Ok(Conn::new(stream))
    }

    /// The pool for the caller's runtime, and whether it is the background
    /// one.
    fn home(self: &Arc<Self>) -> (Arc<IdleConns>, bool) {
        let Ok(handle) = Handle::try_current() else {
            return (self.background.clone(), true);
        };
        let id = handle.id();
        let mut map = lock(&self.per_runtime);
        if let Some(pool) = map.get(&id) {
            return (pool.clone(), false);
        }
        let pool = IdleConns::new(&self.dialer, self.idle, self.max_idle);
        map.insert(id, pool.clone());
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
        (pool, false)
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

/// The idle connections of one runtime.
pub(crate) struct IdleConns {
    conns: Mutex<Vec<Idle>>,
    limit: Duration,
    max: usize,
    /// Whether a reaper task is scheduled.
    reaper: AtomicBool,
    /// Where the reaper runs (its timer must not depend on the caller's
    /// runtime having one).
    background: Handle,
}

struct Idle {
    conn: Conn,
    since: Instant,
}

impl fmt::Debug for IdleConns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdleConns")
            .field("idle", &lock(&self.conns).len())
            .finish()
    }
}

impl IdleConns {
    fn new(dialer: &Dialer, limit: Duration, max: usize) -> Arc<IdleConns> {
        Arc::new(IdleConns {
            conns: Mutex::new(Vec::new()),
            limit,
            max,
            reaper: AtomicBool::new(false),
            background: dialer.handle.clone(),
        })
    }

    /// The newest idle connection that is still usable.
    fn take(&self) -> Option<Conn> {
        loop {
            let Idle { mut conn, since } = lock(&self.conns).pop()?;
            // Checked outside the lock; a stale one is dropped and the next
            // one tried.
            if since.elapsed() < self.limit && conn.is_usable() {
                conn.reused = true;
                return Some(conn);
            }
        }
    }

    /// Takes back a connection whose answer was read to the end.
    pub(crate) fn give_back(self: &Arc<Self>, conn: Conn) {
        if self.max == 0 || self.limit.is_zero() || !conn.buf.is_empty() {
            return;
        }
        {
            let mut conns = lock(&self.conns);
            if conns.len() >= self.max {
                return;
            }
            conns.push(Idle {
                conn,
                since: Instant::now(),
            });
        }
        if !self.reaper.swap(true, Ordering::AcqRel) {
            self.spawn_reaper();
        }
    }

    /// Closes connections idle for longer than the limit, waking when the
    /// oldest one is due, until none is left.
    fn spawn_reaper(self: &Arc<Self>) {
        let pool = Arc::downgrade(self);
        let first = Instant::now() + self.limit;
        self.background.spawn(async move {
            let mut due = first;
            loop {
                tokio::time::sleep_until(due.into()).await;
                let Some(pool) = pool.upgrade() else { return };
                match pool.close_expired() {
                    Some(next) => due = next,
                    None => {
                        pool.reaper.store(false, Ordering::Release);
                        // A connection given back just now saw the reaper
                        // still scheduled; look again before leaving.
                        let idle = !lock(&pool.conns).is_empty();
                        if !idle || pool.reaper.swap(true, Ordering::AcqRel) {
                            return;
                        }
                        due = Instant::now() + pool.limit;
                    }
                }
            }
        });
    }

    /// Drops the expired connections; returns when the next one expires.
    fn close_expired(&self) -> Option<Instant> {
        let expired: Vec<Idle> = {
            let mut conns = lock(&self.conns);
            let now = Instant::now();
            let (keep, expired) = std::mem::take(&mut *conns)
                .into_iter()
                .partition(|idle| now.duration_since(idle.since) < self.limit);
            *conns = keep;
            expired
        };
        // Closed outside the lock.
        drop(expired);
        let conns = lock(&self.conns);
        conns.iter().map(|idle| idle.since + self.limit).min()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.conns).len()
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixListener;

    use tokio::runtime::Runtime;

    use super::*;
    use crate::endpoint::Endpoint;

    fn pools_for(path: &std::path::Path, idle: Duration) -> Arc<Pools> {
        let handle = crate::runtime::background().unwrap();
        let dialer = Arc::new(Dialer {
            endpoint: Endpoint::Unix(path.into()),
            tls: None,
            connect_timeout: None,
            write_timeout: None,
            handle,
        });
        Pools::new(dialer, idle, usize::MAX)
    }

    #[test]
    fn a_runtime_pool_is_evicted_when_the_runtime_shuts_down() {
        let pools = pools_for("/nonexistent.sock".as_ref(), Duration::from_secs(90));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            pools.home();
            pools.home();
        });
        assert_eq!(pools.runtimes(), 1);
        let other = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        other.block_on(async {
            pools.home();
        });
        assert_eq!(pools.runtimes(), 2);
        drop(rt);
        assert_eq!(pools.runtimes(), 1);
        drop(other);
        assert_eq!(pools.runtimes(), 0);
        // Outside any runtime: the background pool.
        assert!(pools.home().1);
        assert_eq!(pools.runtimes(), 0);
    }

    /// A listening socket in a temp dir, pools for it with this idle
    /// limit, and a runtime to use them from.
    fn served(idle: Duration) -> (tempfile::TempDir, UnixListener, Arc<Pools>, Runtime) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let pools = pools_for(&path, idle);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (dir, listener, pools, rt)
    }

    #[test]
    fn idle_connections_are_reused_then_reaped() {
        let (_dir, listener, pools, rt) = served(Duration::from_millis(200));
        rt.block_on(async {
            let (conn, home) = pools.checkout().await.unwrap();
            let _accepted = listener.accept().unwrap();
            assert!(!conn.reused);
            home.give_back(conn);
            assert_eq!(home.len(), 1);
            let (conn, home) = pools.checkout().await.unwrap();
            assert!(conn.reused, "the idle connection is taken again");
            home.give_back(conn);
            // The reaper closes it once it has been idle for the limit.
            tokio::time::sleep(Duration::from_millis(600)).await;
            assert_eq!(home.len(), 0);
        });
    }

    #[test]
    fn a_connection_the_engine_closed_is_not_reused() {
        let (_dir, listener, pools, rt) = served(Duration::from_secs(90));
        rt.block_on(async {
            let (conn, home) = pools.checkout().await.unwrap();
            let (accepted, _) = listener.accept().unwrap();
            home.give_back(conn);
            drop(accepted);
            // Give the close time to arrive.
            tokio::time::sleep(Duration::from_millis(20)).await;
            let (conn, _) = pools.checkout().await.unwrap();
            assert!(!conn.reused, "a new connection, not the closed one");
        });
    }
}
