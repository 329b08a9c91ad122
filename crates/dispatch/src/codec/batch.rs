//! stdcopy demultiplexing a chunk at a time: the frames complete in a chunk
//! are handed out together and read in place, each found by its header as
//! the batch is read.
//!
//! Why: with small frames (a log line each) the cost of the frame-at-a-time
//! path is per frame, not per byte: a reference count taken and dropped on
//! the transport's read buffer and one trip through the `Stream` adapters
//! for every frame. A batch costs that once per chunk; per frame it is a
//! header read and a bounds check in the reader's own loop.

use bytes::{Bytes, BytesMut};

use super::demux::{
    daemon_error, stream_kind, truncated, unknown_stream_type, HEADER_LEN, SYSTEM_ERROR,
};
use super::frame_batch::FrameBatch;
use crate::error::{DecodeError, Error};

/// Up to this much is reserved ahead for a frame that continues in the next
/// chunk; a header that declares more (up to 4 GiB) grows the buffer only as
/// the bytes really arrive.
const RESERVE_AHEAD: usize = 64 * 1024;

/// A frame whose payload continues in the next chunk.
#[derive(Debug, Clone, Copy)]
struct Open {
    kind: u8,
    len: usize,
}

/// The stdcopy demultiplexer that decodes a chunk at a time into a
/// [`FrameBatch`], free of any IO.
///
/// Feed it chunks with [`push`](Self::push), take batches with
/// [`next_batch`](Self::next_batch) until it returns `None`, and call
/// [`finish`](Self::finish) at the end of input so a truncated frame is
/// reported instead of lost. Errors are those of [`Demuxer`](super::Demuxer),
/// word for word and at the same stream offsets; the frames before an
/// error come first, in their own batch.
/// [`OutputBatches`](super::OutputBatches) drives it from a byte stream.
///
/// ```
/// use bytes::Bytes;
/// use contajners_dispatch::codec::{BatchDemuxer, StreamKind};
///
/// let mut demuxer = BatchDemuxer::new();
/// // A frame cut in two by the chunks: it comes whole, with the second.
/// demuxer.push(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x06hel"));
/// assert!(demuxer.next_batch().is_none());
/// demuxer.push(Bytes::from_static(b"lo\n"));
/// let batch = demuxer.next_batch().unwrap().unwrap();
/// assert_eq!(batch.iter().collect::<Vec<_>>(), [(StreamKind::Stdout, &b"hello\n"[..])]);
/// assert!(demuxer.next_batch().is_none());
/// assert!(demuxer.finish().is_ok());
/// ```
#[derive(Debug, Default)]
pub struct BatchDemuxer {
    batch: FrameBatch,
    /// The stream offset of the batch's chunk.
    base: u64,
    /// Whether what follows the whole frames of the batch's chunk (a cut
    /// frame, a daemon error, an unknown type) is still to be taken.
    unsettled: bool,
    /// The chunk pushed and not decoded yet.
    pending: Bytes,
    /// A header cut by the end of the last chunk.
    header: [u8; HEADER_LEN],
    header_len: usize,
    /// The frame whose payload continues in the next chunk; its bytes so
    /// far are in `carry`.
    open: Option<Open>,
    carry: Vec<u8>,
    /// Bytes pushed so far: the stream offset of the next chunk's start.
    consumed: u64,
    /// An error found after the frames of the current batch.
    error: Option<Error>,
    broken: bool,
}

impl BatchDemuxer {
    /// A demultiplexer at the start of a stream.
    ///
    /// ```
    /// let demuxer = contajners_dispatch::codec::BatchDemuxer::new();
    /// # let _ = demuxer;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next chunk of input.
    ///
    /// Call it after [`next_batch`](Self::next_batch) returned `None`; a
    /// chunk pushed before is not lost but joined to this one (a copy).
    ///
    /// ```
    /// use bytes::Bytes;
    /// let mut demuxer = contajners_dispatch::codec::BatchDemuxer::new();
    /// demuxer.push(Bytes::from_static(b"\x01\x00\x00\x00"));
    /// assert!(demuxer.next_batch().is_none());
    /// ```
    pub fn push(&mut self, chunk: Bytes) {
        if self.pending.is_empty() {
            self.pending = chunk;
        } else {
            let mut joined = BytesMut::with_capacity(self.pending.len() + chunk.len());
            joined.extend_from_slice(&self.pending);
            joined.extend_from_slice(&chunk);
            self.pending = joined.freeze();
        }
    }

    /// The frames the pushed chunk completed, an error, or `None` when more
    /// input is needed.
    ///
    /// A `None` also lets go of the last chunk, so a transport that reads
    /// into one reused buffer can reuse it for the next read. After an
    /// error the stream is broken and it returns `None`.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use contajners_dispatch::{codec::BatchDemuxer, Error};
    ///
    /// let mut demuxer = BatchDemuxer::new();
    /// demuxer.push(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x01a\x03\x00\x00\x00\x00\x00\x00\x04gone"));
    /// assert_eq!(demuxer.next_batch().unwrap().unwrap().len(), 1);
    /// match demuxer.next_batch() {
    ///     Some(Err(Error::Engine(err))) => assert_eq!(err.message(), "gone"),
    ///     other => panic!("expected the daemon's error, got {other:?}"),
    /// }
    /// assert!(demuxer.next_batch().is_none());
    /// ```
    pub fn next_batch(&mut self) -> Option<Result<&FrameBatch, Error>> {
        match self.advance()? {
            Ok(()) => Some(Ok(&self.batch)),
            Err(err) => Some(Err(err)),
        }
    }

    /// [`next_batch`](Self::next_batch) without the borrow: `Ok` means the
    /// batch is ready in `self.batch`.
    pub(super) fn advance(&mut self) -> Option<Result<(), Error>> {
        if self.broken {
            return None;
        }
        // The last batch was handed out: take the rest of its chunk, then
        // let go of the chunk.
        self.settle();
        self.batch.clear();
        if self.error.is_none() && !self.pending.is_empty() {
            let chunk = std::mem::take(&mut self.pending);
            self.decode(chunk);
            if !self.batch.is_empty() {
                return Some(Ok(()));
            }
            self.settle();
            self.batch.clear();
        }
        let err = self.error.take()?;
        self.broken = true;
        Some(Err(err))
    }

    pub(super) fn batch(&self) -> &FrameBatch {
        &self.batch
    }

    /// Checks the end of input: an error when it cut a frame short (or an
    /// error [`next_batch`](Self::next_batch) has not handed out yet).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use contajners_dispatch::{codec::BatchDemuxer, Error};
    ///
    /// let mut demuxer = BatchDemuxer::new();
    /// demuxer.push(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x05ab"));
    /// assert!(demuxer.next_batch().is_none());
    /// assert!(matches!(demuxer.finish(), Err(Error::Decode(_))));
    /// ```
    pub fn finish(&mut self) -> Result<(), Error> {
        self.settle();
        if !self.pending.is_empty() {
            return Err(Error::Decode(DecodeError::new(format!(
                "{} bytes of the multiplexed stream were pushed but not decoded: call \
                 next_batch until it returns None before finish",
                self.pending.len()
            ))));
        }
        if let Some(err) = self.error.take() {
            self.broken = true;
            return Err(err);
        }
        if self.header_len > 0 {
            let offset = self.consumed - self.header_len as u64;
            return Err(truncated(offset, self.header_len, HEADER_LEN, "header"));
        }
        if let Some(open) = self.open {
            let what = if open.kind == SYSTEM_ERROR {
                "daemon error payload"
            } else {
                "payload"
            };
            return Err(truncated(self.consumed, self.carry.len(), open.len, what));
        }
        Ok(())
    }

    #[cfg(test)]
    pub(super) fn carry_capacity(&self) -> usize {
        self.carry.capacity()
    }

    /// Starts a batch on one chunk: completes the header or the frame the
    /// last chunk cut (the batch's joined frame), and leaves the whole frames
    /// after it to be found as the batch is read.
    fn decode(&mut self, chunk: Bytes) {
        let base = self.consumed;
        self.consumed += chunk.len() as u64;
        let data = &chunk[..];
        let mut pos = 0;
        if self.header_len > 0 {
            let take = (HEADER_LEN - self.header_len).min(data.len());
            self.header[self.header_len..self.header_len + take].copy_from_slice(&data[..take]);
            self.header_len += take;
            pos = take;
            if self.header_len < HEADER_LEN {
                return;
            }
            self.header_len = 0;
            let header = self.header;
            if let Err(err) = self.open_frame(&header, base + pos as u64 - HEADER_LEN as u64) {
                self.error = Some(err);
                return;
            }
        }
        match self.fill_open(data, pos) {
            Ok(Some(after)) => pos = after,
            Ok(None) => return,
            Err(err) => {
                self.error = Some(err);
                return;
            }
        }
        self.batch.start = pos;
        self.batch.chunk = chunk;
        self.base = base;
        self.unsettled = true;
    }

    /// Takes what follows the whole frames of the batch's chunk: keeps a
    /// cut header or payload for the next chunk, or records the error of a
    /// daemon error frame or an unknown type.
    fn settle(&mut self) {
        if !std::mem::take(&mut self.unsettled) {
            return;
        }
        let end = self.batch.end();
        // A handle of its own (a reference count per chunk), so the chunk
        // can be read while `self` changes.
        let chunk = self.batch.chunk.clone();
        let rest = &chunk[end..];
        if rest.len() < HEADER_LEN {
            self.header[..rest.len()].copy_from_slice(rest);
            self.header_len = rest.len();
            return;
        }
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&rest[..HEADER_LEN]);
        let result = self
            .open_frame(&header, self.base + end as u64)
            .and_then(|()| self.fill_open(&chunk, end + HEADER_LEN));
        if let Err(err) = result {
            self.error = Some(err);
        }
    }

    /// Starts the frame of a complete header at stream offset `at`.
    fn open_frame(&mut self, header: &[u8; HEADER_LEN], at: u64) -> Result<(), Error> {
        let kind = header[0];
        if kind > SYSTEM_ERROR {
            return Err(unknown_stream_type(at, kind));
        }
        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
        if len == 0 {
            return if kind == SYSTEM_ERROR {
                Err(daemon_error(Bytes::new()))
            } else {
                // An empty frame carries nothing; there is nothing to yield.
                Ok(())
            };
        }
        self.carry.clear();
        self.carry.reserve(len.min(RESERVE_AHEAD));
        self.open = Some(Open { kind, len });
        Ok(())
    }

    /// Adds `data[pos..]` to the open frame, if there is one: `Some(pos)`
    /// after it when the frame is complete (and is now the batch's first
    /// frame), `None` when the chunk ended first.
    fn fill_open(&mut self, data: &[u8], pos: usize) -> Result<Option<usize>, Error> {
        let Some(open) = self.open else {
            return Ok(Some(pos));
        };
        let take = (open.len - self.carry.len()).min(data.len() - pos);
        self.carry.extend_from_slice(&data[pos..pos + take]);
        if self.carry.len() < open.len {
            return Ok(None);
        }
        self.open = None;
        if open.kind == SYSTEM_ERROR {
            return Err(daemon_error(Bytes::from(std::mem::take(&mut self.carry))));
        }
        // Swapped, not copied: both buffers keep their memory for reuse.
        std::mem::swap(&mut self.batch.joined, &mut self.carry);
        self.batch.joined_kind = Some(stream_kind(open.kind));
        Ok(Some(pos + take))
    }
}
