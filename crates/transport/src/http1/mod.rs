//! The HTTP/1.1 client: request heads written, response heads parsed, bodies
//! framed, all in the task of whoever awaits the fetch or reads the body.
//!
//! Why not hyper's client: it drives each connection from a task of its own
//! and hands every request to it and every piece of the answer back through
//! channels. Each hand-off is a wake-up across tasks (usually across
//! threads), which is most of the cost of a ping over a unix socket and the
//! gap between a streamed body and a plain `read` of the same bytes (see
//! benches/RESULTS.md). Engines speak plain HTTP/1.1, and a client for them
//! needs little of it:
//!
//! - requests: a head, then a body with a `Content-Length` or chunked;
//! - answers: a head (parsed by `httparse`), then a body delimited by
//!   `Content-Length`, by chunks, or by the end of the connection;
//!   informational (1xx) heads skipped; `101` hands the connection over;
//! - keep-alive: a connection goes back to the pool once its answer has been
//!   read to the end, unless either side said `Connection: close`.
//!
//! The pieces, from the wire up: [`head`] writes request heads and parses
//! response heads, [`body`] decodes response bodies, [`conn`] owns one
//! connection and its read buffer, [`send`] sends one request and waits for
//! the answer's head.

pub(crate) mod body;
pub(crate) mod conn;
pub(crate) mod head;
pub(crate) mod send;

use std::fmt;

/// The engine sent something that is not HTTP/1.1 as this client reads it.
/// Kept as the source of an [`Error::Io`](crate::Error::Io), which says what
/// was being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) String);

impl Malformed {
    pub(crate) fn new(what: impl Into<String>) -> Self {
        Malformed(what.into())
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Malformed {}
