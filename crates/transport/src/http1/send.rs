//! Sending one request on a connection and waiting for the answer's head.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures_util::Stream;
use http::Method;
use tokio::io::AsyncWrite;

use super::conn::Conn;
use super::head::{parse_response, ResponseHead};
use super::Malformed;
use crate::runtime::IdleTimer;

/// A request body stream, as [`Body::stream`](crate::Body::stream) holds it.
pub(crate) type BodyChunks = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send + 'static>>;

/// While a request body is being written, answer bytes are read ahead up
/// to this much: an engine that answers before it has read the whole body
/// (and waits for its answer to be read) must not deadlock with us.
const READ_AHEAD: usize = 1024 * 1024;

/// A request ready for the wire. Sending it again (after a pooled
/// connection turned out closed) sends the same bytes.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) method: Method,
    /// The head, and a small in-memory body appended to it: one `write`.
    /// A plain `Vec`: turning it into `Bytes` would cost an allocation per
    /// request, and a retry writes it again from the start anyway.
    pub(crate) head: Vec<u8>,
    pub(crate) body: OutBody,
}

impl Prepared {
    /// Whether the body is a stream (which can be sent only once).
    pub(crate) fn has_stream(&self) -> bool {
        matches!(self.body, OutBody::Stream { .. })
    }
}

/// What follows the head.
pub(crate) enum OutBody {
    /// Nothing, or only what is already in the head.
    None,
    /// These bytes (framed by `Content-Length` in the head).
    Full(Bytes),
    /// A stream: chunked, or, when the caller gave a `Content-Length`, as
    /// is and checked against that length. Taken by the first send.
    Stream {
        chunks: Option<BodyChunks>,
        length: Option<u64>,
    },
}

impl std::fmt::Debug for OutBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutBody::None => f.write_str("None"),
            OutBody::Full(b) => write!(f, "Full({} bytes)", b.len()),
            OutBody::Stream { length, .. } => write!(f, "Stream(length: {length:?})"),
        }
    }
}

/// Why a send failed, and what the engine can have seen of it.
#[derive(Debug)]
pub(crate) struct SendError {
    pub(crate) kind: SendErrorKind,
    /// Some bytes of the request reached the socket.
    pub(crate) written: bool,
    /// Some bytes of an answer arrived.
    pub(crate) answered: bool,
}

#[derive(Debug)]
pub(crate) enum SendErrorKind {
    Write(io::Error),
    /// The body stream itself failed.
    Body(io::Error),
    Read(io::Error),
    /// The engine closed the connection without answering.
    Closed,
    Malformed(Malformed),
    ReadTimeout,
}

impl SendError {
    fn new(kind: SendErrorKind, written: bool, conn: &Conn) -> SendError {
        SendError {
            kind,
            written,
            answered: !conn.buf.is_empty(),
        }
    }

    /// Whether the same request may go again on a fresh connection: the
    /// failure is the known race of a pooled connection the engine closed
    /// while it was idle, and sending twice cannot do anything twice.
    pub(crate) fn may_retry(&self, reused: bool, method: &Method, stream_body: bool) -> bool {
        let closed = matches!(
            self.kind,
            SendErrorKind::Closed | SendErrorKind::Write(_) | SendErrorKind::Read(_)
        );
        reused
            && closed
            && !self.answered
            && (!self.written || (method.is_idempotent() && !stream_body))
    }
}

/// Sends `req` on `conn` and reads up to the end of the answer's head
/// (informational heads other than `101` are skipped). The read timeout
/// counts from when the request has been written.
pub(crate) async fn send(
    conn: &mut Conn,
    req: &mut Prepared,
    mut read_timer: IdleTimer,
) -> Result<ResponseHead, SendError> {
    // Whether any byte of the request reached the socket.
    let mut written = false;
    if let Err(kind) = write_request(conn, req, &mut written).await {
        // An engine may answer and close before reading the whole body (a
        // 404 for a missing container): its answer beats our broken pipe.
        // (Not after our write timeout: that engine is not answering.)
        let broken = matches!(&kind, SendErrorKind::Write(e) if !is_write_timeout(e));
        if broken && written {
            if let Ok(head) = read_head(conn, &mut read_timer).await {
                return Ok(head);
            }
        }
        return Err(SendError::new(kind, written, conn));
    }
    read_head(conn, &mut read_timer)
        .await
        .map_err(|kind| SendError::new(kind, written, conn))
}

async fn write_request(
    conn: &mut Conn,
    req: &mut Prepared,
    written: &mut bool,
) -> Result<(), SendErrorKind> {
    write_pieces(conn, &mut [&req.head[..]], written).await?;
    match &mut req.body {
        OutBody::None => {}
        OutBody::Full(bytes) => write_piece(conn, bytes.clone(), written).await?,
        OutBody::Stream { chunks, length } => {
            let Some(mut chunks) = chunks.take() else {
                return Err(SendErrorKind::Body(io::Error::other(
                    "the request body stream was already sent once",
                )));
            };
            write_stream(conn, &mut chunks, *length, written).await?;
        }
    }
    poll_fn(|cx| Pin::new(&mut conn.io).poll_flush(cx))
        .await
        .map_err(SendErrorKind::Write)
}

async fn write_stream(
    conn: &mut Conn,
    chunks: &mut BodyChunks,
    length: Option<u64>,
    written: &mut bool,
) -> Result<(), SendErrorKind> {
    let mut sent = 0u64;
    while let Some(chunk) = poll_fn(|cx| chunks.as_mut().poll_next(cx)).await {
        let chunk = chunk.map_err(SendErrorKind::Body)?;
        if chunk.is_empty() {
            // An empty chunk would end a chunked body early.
            continue;
        }
        sent += chunk.len() as u64;
        match length {
            Some(length) if sent > length => return Err(length_mismatch(length, "more")),
            Some(_) => write_piece(conn, chunk, written).await?,
            None => {
                // Size line, data and CRLF in one vectored write: a
                // syscall per chunk, not three.
                let size = Bytes::from(format!("{:x}\r\n", chunk.len()));
                let mut pieces = [size, chunk, Bytes::from_static(b"\r\n")];
                write_pieces(conn, &mut pieces, written).await?;
            }
        }
    }
    match length {
        Some(length) if sent < length => Err(length_mismatch(length, "fewer")),
        Some(_) => Ok(()),
        None => write_piece(conn, Bytes::from_static(b"0\r\n\r\n"), written).await,
    }
}

fn length_mismatch(length: u64, which: &str) -> SendErrorKind {
    SendErrorKind::Body(io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the body stream yielded {which} bytes than the Content-Length of {length} given with it"),
    ))
}

/// Writes `piece` whole. While the socket is full, reads ahead whatever the
/// engine already answers (see [`READ_AHEAD`]).
async fn write_piece(
    conn: &mut Conn,
    piece: Bytes,
    written: &mut bool,
) -> Result<(), SendErrorKind> {
    write_pieces(conn, &mut [piece], written).await
}

/// Writes `pieces` whole, in order, in as few writes as the socket allows
/// (vectored). While the socket is full, reads ahead whatever the engine
/// already answers (see [`READ_AHEAD`]).
async fn write_pieces<B: Buf>(
    conn: &mut Conn,
    pieces: &mut [B],
    written: &mut bool,
) -> Result<(), SendErrorKind> {
    poll_fn(|cx| loop {
        // Written bytes are advanced past, so each write starts where the
        // last one stopped.
        let Some(first) = pieces.iter().position(|p| p.has_remaining()) else {
            return Poll::Ready(Ok(()));
        };
        let rest = &pieces[first..];
        let poll = if rest.len() == 1 {
            Pin::new(&mut conn.io).poll_write(cx, rest[0].chunk())
        } else {
            let mut slices = [io::IoSlice::new(&[]); 4];
            let count = rest.len().min(slices.len());
            for (slot, piece) in slices.iter_mut().zip(rest) {
                *slot = io::IoSlice::new(piece.chunk());
            }
            Pin::new(&mut conn.io).poll_write_vectored(cx, &slices[..count])
        };
        match poll {
            Poll::Ready(Ok(0)) => {
                return Poll::Ready(Err(SendErrorKind::Write(io::ErrorKind::WriteZero.into())))
            }
            Poll::Ready(Ok(mut n)) => {
                *written = true;
                for piece in &mut pieces[first..] {
                    let step = n.min(piece.remaining());
                    piece.advance(step);
                    n -= step;
                    if n == 0 {
                        break;
                    }
                }
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(SendErrorKind::Write(e))),
            Poll::Pending => {
                read_ahead(conn, cx);
                return Poll::Pending;
            }
        }
    })
    .await
}

/// Reads what the engine has sent so far, until the socket has nothing
/// more (so this task is woken when it does) or the read-ahead is full.
/// Errors and the end of the stream are left for the head read to find.
fn read_ahead(conn: &mut Conn, cx: &mut Context<'_>) {
    while conn.buf.len() < READ_AHEAD {
        match conn.poll_fill(cx) {
            Poll::Ready(Ok(n)) if n > 0 => continue,
            _ => return,
        }
    }
}

fn is_write_timeout(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<crate::connect::WriteTimedOut>())
}

async fn read_head(conn: &mut Conn, timer: &mut IdleTimer) -> Result<ResponseHead, SendErrorKind> {
    poll_fn(|cx| loop {
        if !conn.buf.is_empty() {
            match parse_response(&conn.buf) {
                Err(e) => return Poll::Ready(Err(SendErrorKind::Malformed(e))),
                Ok(Some((head, len))) => {
                    conn.buf.advance(len);
                    if head.status.is_informational()
                        && head.status != http::StatusCode::SWITCHING_PROTOCOLS
                    {
                        continue;
                    }
                    return Poll::Ready(Ok(head));
                }
                Ok(None) => {}
            }
        }
        let poll = conn.poll_fill(cx);
        if timer.expired(cx, &poll) {
            return Poll::Ready(Err(SendErrorKind::ReadTimeout));
        }
        match poll {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(0)) if conn.buf.is_empty() => {
                return Poll::Ready(Err(SendErrorKind::Closed))
            }
            Poll::Ready(Ok(0)) => {
                return Poll::Ready(Err(SendErrorKind::Malformed(Malformed::new(
                    "the engine closed the connection in the middle of the response head",
                ))))
            }
            Poll::Ready(Ok(_)) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(SendErrorKind::Read(e))),
        }
    })
    .await
}
