//! The frames one chunk of a multiplexed stream completed: what
//! [`BatchDemuxer`](super::BatchDemuxer) hands out.

use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;

use super::demux::{stream_kind, Frame, StreamKind, HEADER_LEN, SYSTEM_ERROR};

/// A joining buffer larger than this is let go once its frame was handed
/// out, so one huge frame does not pin its memory for the stream's life.
const KEEP_CAPACITY: usize = 1024 * 1024;

/// `FrameBatch::end` before any walk reached the end of the whole frames.
const UNWALKED: usize = usize::MAX;

/// The next whole, non-empty stdin/stdout/stderr frame at `pos` in `data`:
/// `Ok((stream, payload start, payload length))`, or `Err(end)` with where
/// the whole frames end (a cut header or payload, a daemon error or an
/// unknown type is left to the demultiplexer).
///
/// Each header's place depends on the last one's length, a chain of
/// loads; that is why frames are found while they are read (the reader's
/// work hides the chain's latency), not in a pass of their own.
#[inline(always)]
fn next_whole(data: &[u8], mut pos: usize) -> Result<(StreamKind, usize, usize), usize> {
    loop {
        let Some(header) = data.get(pos..pos + HEADER_LEN) else {
            return Err(pos);
        };
        let kind = header[0];
        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let start = pos + HEADER_LEN;
        if kind >= SYSTEM_ERROR || data.len() - start < len {
            return Err(pos);
        }
        pos = start + len;
        if len != 0 {
            return Ok((stream_kind(kind), start, len));
        }
    }
}

/// The frames that one chunk of a multiplexed stream completed, in order.
///
/// Every frame is whole: a frame the engine wrote across chunks is joined
/// (copied once) and comes first in the batch of the chunk that ends it;
/// every other frame is read in place in the chunk, found by its header
/// as the batch is read. Empty frames are skipped, as in
/// [`Demux`](super::Demux).
///
/// Read it with [`iter`](Self::iter) (or `for (kind, bytes) in &batch`),
/// which lends each payload as `&[u8]`, or take owned [`Frame`]s with
/// [`frames`](Self::frames) (a `Bytes::slice` each, no copy).
///
/// ```
/// use bytes::Bytes;
/// use contajners_dispatch::codec::{BatchDemuxer, StreamKind};
///
/// let mut demuxer = BatchDemuxer::new();
/// demuxer.push(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n\x02\x00\x00\x00\x00\x00\x00\x02?\n"));
/// let batch = demuxer.next_batch().unwrap().unwrap();
/// let frames: Vec<(StreamKind, &[u8])> = batch.iter().collect();
/// assert_eq!(frames, [(StreamKind::Stdout, &b"hi\n"[..]), (StreamKind::Stderr, &b"?\n"[..])]);
/// ```
#[derive(Debug, Default)]
pub struct FrameBatch {
    /// The chunk the frames are in; empty when none is, so the transport's
    /// read buffer is not held for nothing.
    pub(super) chunk: Bytes,
    /// Where the first whole frame's header lies in `chunk`.
    pub(super) start: usize,
    /// Where the whole frames end in `chunk`, once a walk got there
    /// ([`UNWALKED`] before): the demultiplexer then need not walk again.
    /// Atomic (and only ever written with the same value) so a batch can be
    /// read through `&self` and still be `Sync`.
    pub(super) end: AtomicUsize,
    /// The frame that began in an earlier chunk and ended in this one,
    /// whole, when `joined_kind` is set.
    pub(super) joined: Vec<u8>,
    pub(super) joined_kind: Option<StreamKind>,
    /// Unframed output: the whole chunk is one frame of this stream.
    raw: Option<StreamKind>,
}

impl Clone for FrameBatch {
    fn clone(&self) -> Self {
        FrameBatch {
            chunk: self.chunk.clone(),
            start: self.start,
            end: AtomicUsize::new(self.end.load(Ordering::Relaxed)),
            joined: self.joined.clone(),
            joined_kind: self.joined_kind,
            raw: self.raw,
        }
    }
}

impl FrameBatch {
    /// How many frames the batch holds. It walks the frame headers (the
    /// payloads are not read); prefer iterating when you read them anyway.
    ///
    /// ```
    /// use contajners_dispatch::codec::FrameBatch;
    /// assert_eq!(FrameBatch::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether the batch holds no frame (never, for a batch handed out by
    /// [`BatchDemuxer`] or [`OutputBatches`](super::OutputBatches)).
    ///
    /// ```
    /// use contajners_dispatch::codec::FrameBatch;
    /// assert!(FrameBatch::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The frames in order, each payload lent: no copy and no reference
    /// count.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use contajners_dispatch::codec::{BatchDemuxer, StreamKind};
    ///
    /// let mut demuxer = BatchDemuxer::new();
    /// demuxer.push(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x02a\n\x01\x00\x00\x00\x00\x00\x00\x02b\n"));
    /// let batch = demuxer.next_batch().unwrap().unwrap();
    /// let stdout: Vec<u8> = batch
    ///     .iter()
    ///     .filter(|(kind, _)| *kind == StreamKind::Stdout)
    ///     .flat_map(|(_, data)| data.iter().copied())
    ///     .collect();
    /// assert_eq!(stdout, b"a\nb\n");
    /// ```
    pub fn iter(&self) -> FrameBatchIter<'_> {
        let (first, pos) = match self.raw {
            Some(kind) if !self.chunk.is_empty() => {
                (Some((kind, &self.chunk[..])), self.chunk.len())
            }
            _ => (
                self.joined_kind.map(|kind| (kind, &self.joined[..])),
                self.start,
            ),
        };
        FrameBatchIter {
            first,
            chunk: &self.chunk,
            pos,
            end: &self.end,
        }
    }

    /// The frames in order as owned [`Frame`]s, to keep beyond the batch:
    /// each a `Bytes::slice` of the chunk (a reference count, no copy),
    /// except a frame joined across chunks, which is copied out.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use contajners_dispatch::codec::{BatchDemuxer, Frame};
    ///
    /// let mut demuxer = BatchDemuxer::new();
    /// demuxer.push(Bytes::from_static(b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n"));
    /// let kept: Vec<Frame> = demuxer.next_batch().unwrap().unwrap().frames().collect();
    /// assert!(demuxer.next_batch().is_none());
    /// assert_eq!(kept[0].data, "hi\n");
    /// ```
    pub fn frames(&self) -> impl Iterator<Item = Frame> + '_ {
        let (first, mut pos) = match self.raw {
            Some(stream) if !self.chunk.is_empty() => {
                let data = self.chunk.clone();
                (Some(Frame { stream, data }), self.chunk.len())
            }
            _ => {
                let joined = self.joined_kind.map(|stream| Frame {
                    stream,
                    data: Bytes::copy_from_slice(&self.joined),
                });
                (joined, self.start)
            }
        };
        let rest = std::iter::from_fn(move || match next_whole(&self.chunk, pos) {
            Ok((stream, start, len)) => {
                pos = start + len;
                let data = self.chunk.slice(start..start + len);
                Some(Frame { stream, data })
            }
            Err(end) => {
                pos = end;
                self.end.store(end, Ordering::Relaxed);
                None
            }
        });
        first.into_iter().chain(rest)
    }

    /// Forgets the frames and lets go of the chunk.
    pub(super) fn clear(&mut self) {
        self.chunk = Bytes::new();
        self.start = 0;
        *self.end.get_mut() = UNWALKED;
        self.joined_kind = None;
        self.raw = None;
        if self.joined.capacity() > KEEP_CAPACITY {
            self.joined = Vec::new();
        }
    }

    /// A batch of one frame: the whole of `chunk` (unframed output, where
    /// every chunk is one stream's bytes).
    pub(super) fn set_whole(&mut self, kind: StreamKind, chunk: Bytes) {
        self.clear();
        self.raw = Some(kind);
        self.chunk = chunk;
    }

    /// Where the whole frames end in the chunk, walking the headers unless
    /// a reader already did.
    pub(super) fn end(&self) -> usize {
        match self.end.load(Ordering::Relaxed) {
            UNWALKED => {
                let mut frames = self.iter();
                while frames.next().is_some() {}
                frames.pos
            }
            end => end,
        }
    }
}

impl<'a> IntoIterator for &'a FrameBatch {
    type Item = (StreamKind, &'a [u8]);
    type IntoIter = FrameBatchIter<'a>;

    fn into_iter(self) -> FrameBatchIter<'a> {
        self.iter()
    }
}

/// The frames of a [`FrameBatch`] as `(stream, payload)`, payloads lent,
/// each found by its header as it is asked for.
///
/// ```
/// use bytes::Bytes;
/// use contajners_dispatch::codec::{BatchDemuxer, FrameBatchIter};
///
/// let mut demuxer = BatchDemuxer::new();
/// demuxer.push(Bytes::from_static(b"\x02\x00\x00\x00\x00\x00\x00\x01!"));
/// let batch = demuxer.next_batch().unwrap().unwrap();
/// let frames: FrameBatchIter<'_> = batch.iter();
/// assert_eq!(frames.count(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct FrameBatchIter<'a> {
    /// The joined frame, or the whole chunk of unframed output.
    first: Option<(StreamKind, &'a [u8])>,
    chunk: &'a [u8],
    /// The next header's place.
    pos: usize,
    end: &'a AtomicUsize,
}

impl<'a> Iterator for FrameBatchIter<'a> {
    type Item = (StreamKind, &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        match next_whole(self.chunk, self.pos) {
            Ok((kind, start, len)) => {
                self.pos = start + len;
                Some((kind, &self.chunk[start..start + len]))
            }
            Err(end) => {
                self.pos = end;
                self.end.store(end, Ordering::Relaxed);
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let first = usize::from(self.first.is_some());
        // Every frame after the first takes a header of its own.
        (
            first,
            Some(first + (self.chunk.len() - self.pos) / HEADER_LEN),
        )
    }
}

impl std::iter::FusedIterator for FrameBatchIter<'_> {}
