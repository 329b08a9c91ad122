//! Where connections live: on the caller's tokio runtime (one pool per
//! runtime, see `pool`), or, for callers outside any runtime, on
//! one small process-wide background runtime that is never dropped. Timers
//! for our own timeouts always use the background runtime, so they work
//! whichever thread polls them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::runtime::Handle;

/// Worker threads of the background runtime. Two keep a busy connection from
/// starving the others without costing much on small machines.
const WORKERS: usize = 2;

/// The handle of the process-wide background runtime, started on first use.
pub(crate) fn background() -> std::io::Result<Handle> {
    static HANDLE: Mutex<Option<Handle>> = Mutex::new(None);
    // A poisoned lock only means a panic while starting; the slot is valid.
    let mut slot = HANDLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(handle) = slot.as_ref() {
        return Ok(handle.clone());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .thread_name("contajners-transport")
        .enable_all()
        .build()?;
    let handle = runtime.handle().clone();
    // Deliberately never dropped: it serves the whole process, and dropping a
    // runtime from inside another one's async context would panic.
    std::mem::forget(runtime);
    *slot = Some(handle.clone());
    Ok(handle)
}

/// A tokio sleep driven by `handle`'s timer, usable from any thread.
pub(crate) fn sleep_on(handle: &Handle, duration: Duration) -> Pin<Box<tokio::time::Sleep>> {
    let _entered = handle.enter();
    Box::pin(tokio::time::sleep(duration))
}

/// An optional idle timer: armed when an operation goes pending after
/// progress, fired once the operation has stayed pending for the limit.
/// Used for read and write timeouts.
///
/// One `Sleep` is kept for the timer's life. Progress (`Ready`) only sets a
/// flag; the deadline is pushed back on the next `Pending`, where tokio
/// merely extends the registered entry. Dropping the sleep on every `Ready`
/// and registering a new one on every `Pending` cost a timer-wheel insert
/// and removal (two locks on the background runtime's driver, and at times
/// a wake of its thread) per piece of a streamed body.
#[derive(Debug)]
pub(crate) struct IdleTimer {
    handle: Handle,
    limit: Option<Duration>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Whether the operation made progress since the deadline was set.
    progressed: bool,
}

impl IdleTimer {
    pub(crate) fn new(handle: Handle, limit: Option<Duration>) -> Self {
        IdleTimer {
            handle,
            limit,
            sleep: None,
            progressed: false,
        }
    }

    /// Call with the operation's poll result: `Ready` counts as progress;
    /// `Pending` arms the timer (counting from now if there was progress
    /// since it was last armed) and returns true once it has fired.
    pub(crate) fn expired<T>(&mut self, cx: &mut Context<'_>, poll: &Poll<T>) -> bool {
        if poll.is_ready() {
            self.progressed = true;
            return false;
        }
        let Some(limit) = self.limit else {
            return false;
        };
        let sleep = match self.sleep.as_mut() {
            None => self.sleep.insert(sleep_on(&self.handle, limit)),
            Some(sleep) => {
                if self.progressed {
                    sleep.as_mut().reset(tokio::time::Instant::now() + limit);
                }
                sleep
            }
        };
        self.progressed = false;
        if sleep.as_mut().poll(cx).is_ready() {
            self.sleep = None;
            return true;
        }
        false
    }
}
