//! One connection to the engine and its read buffer.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;

use crate::connect::Stream;

/// The first read of a connection asks for this much (a ping's answer is
/// ~250 bytes; a list of containers a few KiB).
const FIRST_READ: usize = 16 * 1024;

/// Reads grow up to this size while they keep filling the buffer. A piece
/// is usually consumed and dropped before the next read, which then lands in
/// the same memory, still in the CPU's cache; larger reads mean fewer trips
/// through the runtime when the reader waits on a worker thread (`block_on`
/// on a multi-thread runtime). Measured on a 1 GiB body against a plain
/// read: 64 KiB was best on a current-thread runtime and worst under
/// `block_on`, 256 KiB the reverse, 128 KiB level with the plain read in
/// both (benches/benches/transport.rs, peers.rs).
const MAX_READ: usize = 128 * 1024;

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
    /// Whether this connection has served a request before (a pooled one):
    /// only those may have been closed by the engine while idle.
    pub(crate) reused: bool,
}

impl Conn {
    pub(crate) fn new(io: Stream) -> Conn {
        Conn {
            io,
            buf: BytesMut::new(),
            read_size: FIRST_READ,
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
        if n == room && self.read_size < MAX_READ {
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
