//! One connection to the engine and its read buffer.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;

use crate::connect::Stream;

/// The first read of a connection asks for this much (a ping's answer is
/// ~250 bytes; a list of containers a few KiB).
const FIRST_READ: usize = 16 * 1024;

/// Reads grow up to this size while they keep filling the buffer, on a
/// current-thread runtime: there the reading thread also polls the socket,
/// and a piece, usually consumed and dropped before the next read, lets that
/// read land in the same, cache-warm memory. 64 KiB was best there on a
/// 1 GiB body (1.0–1.2 of a plain read; 256 KiB 0.8–0.9).
const MAX_READ_ONE_THREAD: usize = 64 * 1024;

/// The same on a multi-thread runtime, where waiting for the socket costs a
/// wake-up handed from the worker that polls it to the reading thread:
/// fewer, larger reads pay more than warm memory (256 KiB 0.9–1.3 of a plain
/// read under `block_on`, 64 KiB 0.7–0.85; benches/benches/peers.rs).
const MAX_READ_MULTI_THREAD: usize = 256 * 1024;

/// A connection: the socket (unix, TCP, TLS or ssh) and the bytes read
/// from it that nobody has taken yet.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) io: Stream,
    /// Read but not yet taken: the rest of a head, or body bytes. Body
    /// pieces are split off it as `Bytes`, so a piece costs no copy.
    pub(crate) buf: BytesMut,
    /// How much the next read asks for.
    read_size: usize,
    /// How large reads may grow, by the flavor of the runtime that drives
    /// the socket.
    max_read: usize,
    /// Whether this connection has served a request before (a pooled one):
    /// only those may have been closed by the engine while idle.
    pub(crate) reused: bool,
}

impl Conn {
    pub(crate) fn new(io: Stream) -> Conn {
        let one_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread);
        Conn {
            io,
            buf: BytesMut::new(),
            read_size: FIRST_READ,
            max_read: if one_thread {
                MAX_READ_ONE_THREAD
            } else {
                MAX_READ_MULTI_THREAD
            },
            reused: false,
        }
    }

    /// Reads what the socket has into the buffer; `Ok(0)` at the end of
    /// the connection.
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // After the last piece was split off and dropped, this reclaims the
        // same memory instead of allocating.
        self.buf.reserve(self.read_size);
        let room = self.buf.capacity() - self.buf.len();
        let n = std::task::ready!(tokio_util::io::poll_read_buf(
            Pin::new(&mut self.io),
            cx,
            &mut self.buf
        ))?;
        if n == room && self.read_size < self.max_read {
            self.read_size *= 2;
        }
        Poll::Ready(Ok(n))
    }

    /// Whether an idle connection can still carry a request: the engine has
    /// neither closed it nor sent anything unasked. Never waits.
    pub(crate) fn is_usable(&mut self) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        // Pending is the healthy answer: nothing to read. End of stream,
        // stray bytes or an error all mean the connection is done.
        matches!(self.poll_fill(&mut cx), Poll::Pending)
    }
}
