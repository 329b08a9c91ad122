//! The batch demultiplexer against the frame-at-a-time one: same frames,
//! same errors, whatever the chunk boundaries.

use bytes::Bytes;
use futures_util::stream;
use proptest::prelude::*;

use super::tests::{encode, joined, kind, split};
use super::*;

type Frames = Vec<(StreamKind, Vec<u8>)>;

/// What a reader gets: the frames, then the error that ended the stream.
type Outcome = (Frames, Option<String>);

/// Through [`Demuxer::next_frame`] (the `Frame` API).
fn by_frame(chunks: &[Bytes]) -> Outcome {
    let mut demuxer = Demuxer::new();
    let mut out = Vec::new();
    for chunk in chunks {
        demuxer.push(chunk.clone());
        while let Some(frame) = demuxer.next_frame() {
            match frame {
                Ok(frame) => out.push((frame.stream, frame.data.to_vec())),
                Err(err) => return (out, Some(err.to_string())),
            }
        }
    }
    (out, demuxer.finish().err().map(|e| e.to_string()))
}

/// Through [`BatchDemuxer`], reading each batch both ways (lent and owned)
/// and checking they agree.
fn by_batch(chunks: &[Bytes]) -> Outcome {
    let mut demuxer = BatchDemuxer::new();
    let mut out = Vec::new();
    for chunk in chunks {
        demuxer.push(chunk.clone());
        while let Some(batch) = demuxer.next_batch() {
            let batch = match batch {
                Ok(batch) => batch,
                Err(err) => return (out, Some(err.to_string())),
            };
            assert!(!batch.is_empty(), "a batch is never empty");
            assert_eq!(batch.iter().count(), batch.len());
            let lent: Frames = batch.iter().map(|(k, d)| (k, d.to_vec())).collect();
            let owned: Frames = batch
                .frames()
                .map(|f| (f.stream, f.data.to_vec()))
                .collect();
            assert_eq!(lent, owned, "iter() and frames() agree");
            assert!(lent.iter().all(|(_, d)| !d.is_empty()), "no empty frame");
            out.extend(lent);
        }
    }
    (out, demuxer.finish().err().map(|e| e.to_string()))
}

/// Like [`by_batch`], but each batch read another way, by `modes`: whole,
/// a first frame then again whole, as owned frames, or not at all (a clone
/// of it read instead), so the demultiplexer finds the rest of a chunk
/// whether or not (or how far) the batch was read.
fn by_batch_read_variously(chunks: &[Bytes], modes: &[u8]) -> Outcome {
    let mut demuxer = BatchDemuxer::new();
    let mut out = Vec::new();
    let mut modes = modes.iter().cycle();
    for chunk in chunks {
        demuxer.push(chunk.clone());
        while let Some(batch) = demuxer.next_batch() {
            let batch = match batch {
                Ok(batch) => batch,
                Err(err) => return (out, Some(err.to_string())),
            };
            let lent =
                |b: &FrameBatch| -> Frames { b.iter().map(|(k, d)| (k, d.to_vec())).collect() };
            match modes.next().copied().unwrap_or(0) % 4 {
                0 => out.extend(lent(batch)),
                1 => {
                    assert_eq!(batch.iter().take(1).count(), 1);
                    out.extend(lent(batch));
                }
                2 => out.extend(batch.frames().map(|f| (f.stream, f.data.to_vec()))),
                _ => out.extend(lent(&batch.clone())),
            }
        }
    }
    (out, demuxer.finish().err().map(|e| e.to_string()))
}

/// Through [`OutputBatches::for_each_frame`], the async consumer.
fn by_output_batches(chunks: &[Bytes]) -> Outcome {
    let body = stream::iter(chunks.iter().cloned().map(Ok::<_, Error>));
    let mut out = Vec::new();
    let run = OutputBatches::multiplexed(body).for_each_frame(|k, d| out.push((k, d.to_vec())));
    let end = futures_util::FutureExt::now_or_never(run).expect("a ready stream never waits");
    (out, end.err().map(|e| e.to_string()))
}

/// A frame of any type byte: mostly the three streams, some daemon errors
/// and unknown types, empty payloads included.
fn any_frame() -> impl Strategy<Value = (u8, Vec<u8>)> {
    let kind = prop_oneof![
        20 => 0u8..3,
        1 => Just(3u8),
        1 => 4u8..=255,
    ];
    (kind, prop::collection::vec(any::<u8>(), 0..300))
}

proptest! {
    #[test]
    fn batches_give_every_frame_whole_and_in_order(
        frames in prop::collection::vec((0u8..3, prop::collection::vec(any::<u8>(), 0..300)), 0..20),
        cuts in prop::collection::vec(any::<usize>(), 0..30),
        modes in prop::collection::vec(any::<u8>(), 1..8),
    ) {
        let chunks = split(&encode(&frames), &cuts);
        let expected: Frames = frames
            .iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(k, p)| (kind(*k), p.clone()))
            .collect();
        let (got, end) = by_batch(&chunks);
        prop_assert_eq!(end, None);
        prop_assert_eq!(&got, &expected);
        // The frame API gives the same bytes of the same streams (it cuts
        // frames at chunk boundaries instead of joining them).
        let (pieces, end) = by_frame(&chunks);
        prop_assert_eq!(end, None);
        prop_assert_eq!(joined(pieces), joined(got));
        let (various, end) = by_batch_read_variously(&chunks, &modes);
        prop_assert_eq!(end, None);
        prop_assert_eq!(various, expected);
    }

    #[test]
    fn batches_end_with_the_frame_apis_error_after_the_same_bytes(
        frames in prop::collection::vec(any_frame(), 0..12),
        end in any::<usize>(),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
        modes in prop::collection::vec(any::<u8>(), 1..8),
    ) {
        let input = encode(&frames);
        // Cut anywhere: at a frame boundary, in a header or in a payload.
        let input = &input[..end % (input.len() + 1)];
        let chunks = split(input, &cuts);
        let (pieces, frame_error) = by_frame(&chunks);
        let (whole, batch_error) = by_batch(&chunks);
        prop_assert_eq!(&batch_error, &frame_error);
        // Before the error, the batches may hold back only the frame the
        // error cut short; the frame API may have given its first piece.
        let (pieces, whole) = (joined(pieces), joined(whole));
        prop_assert!(pieces.len() >= whole.len());
        for (i, (kind, data)) in whole.iter().enumerate() {
            let last = i + 1 == whole.len();
            prop_assert_eq!(kind, &pieces[i].0);
            if last {
                prop_assert!(pieces[i].1.starts_with(data));
            } else {
                prop_assert_eq!(data, &pieces[i].1);
            }
        }
        if batch_error.is_none() {
            prop_assert_eq!(&pieces, &whole);
        }
        let (streamed, streamed_error) = by_output_batches(&chunks);
        prop_assert_eq!(joined(streamed), whole.clone());
        prop_assert_eq!(streamed_error, batch_error.clone());
        let (various, various_error) = by_batch_read_variously(&chunks, &modes);
        prop_assert_eq!(joined(various), whole);
        prop_assert_eq!(various_error, batch_error);
    }
}

/// A batch can be held across an `.await` in a task that moves between
/// threads, and the consumers' futures are `Send`.
#[test]
fn batches_and_their_consumers_are_send() {
    fn send<T: Send>(_: &T) {}
    fn sync<T: Sync>() {}
    sync::<FrameBatch>();
    let body = stream::iter(Vec::<Result<Bytes, Error>>::new());
    send(&OutputBatches::multiplexed(body).for_each_frame(|_, _| ()));
    let body = stream::iter(Vec::<Result<Bytes, Error>>::new());
    let mut output = OutputBatches::multiplexed(body);
    send(&async move {
        while let Some(Ok(batch)) = output.next_batch().await {
            for _ in batch {
                tokio::task::yield_now().await;
            }
        }
    });
}

#[test]
fn a_frame_in_one_chunk_is_lent_in_place_and_shared_without_a_copy() {
    let input = Bytes::from(encode(&[(1, b"hello".to_vec()), (2, b"world".to_vec())]));
    let start = input.as_ptr() as usize;
    let mut demuxer = BatchDemuxer::new();
    demuxer.push(input);
    let Some(Ok(batch)) = demuxer.next_batch() else {
        panic!("expected a batch");
    };
    let lent: Vec<usize> = batch.iter().map(|(_, d)| d.as_ptr() as usize).collect();
    let owned: Vec<usize> = batch.frames().map(|f| f.data.as_ptr() as usize).collect();
    assert_eq!(lent, vec![start + 8, start + 21]);
    assert_eq!(owned, lent);
}

#[test]
fn a_frame_across_three_chunks_comes_once_whole_with_the_last() {
    let input = encode(&[(2, b"abcdefghij".to_vec()), (1, b"k".to_vec())]);
    let mut demuxer = BatchDemuxer::new();
    let mut batches = Vec::new();
    for chunk in [&input[..3], &input[3..12], &input[12..15], &input[15..]] {
        demuxer.push(Bytes::copy_from_slice(chunk));
        while let Some(batch) = demuxer.next_batch() {
            let batch = batch.expect("no error");
            batches.push(
                batch
                    .iter()
                    .map(|(k, d)| (k, d.to_vec()))
                    .collect::<Frames>(),
            );
        }
    }
    assert!(demuxer.finish().is_ok());
    assert_eq!(
        batches,
        vec![vec![
            (StreamKind::Stderr, b"abcdefghij".to_vec()),
            (StreamKind::Stdout, b"k".to_vec())
        ]]
    );
}

#[test]
fn the_frames_before_a_daemon_error_come_first_then_the_engines_message() {
    let input = encode(&[(1, b"before\n".to_vec()), (3, b"container gone\n".to_vec())]);
    let mut demuxer = BatchDemuxer::new();
    demuxer.push(Bytes::from(input));
    let first: Option<Frames> = demuxer
        .next_batch()
        .and_then(Result::ok)
        .map(|b| b.iter().map(|(k, d)| (k, d.to_vec())).collect());
    assert_eq!(
        first,
        Some(vec![(StreamKind::Stdout, b"before\n".to_vec())])
    );
    match demuxer.next_batch() {
        Some(Err(Error::Engine(err))) => assert_eq!(err.message(), "container gone"),
        other => panic!("expected the daemon error, got {other:?}"),
    }
    assert!(demuxer.next_batch().is_none(), "nothing after the error");
}

#[test]
fn an_unknown_stream_type_names_its_offset() {
    let input = encode(&[(1, b"ok".to_vec()), (9, b"??".to_vec())]);
    let mut demuxer = BatchDemuxer::new();
    demuxer.push(Bytes::from(input));
    assert!(matches!(demuxer.next_batch(), Some(Ok(b)) if b.len() == 1));
    match demuxer.next_batch() {
        Some(Err(Error::Decode(err))) => {
            assert!(
                err.message().starts_with(
                    "byte 10 of a multiplexed stream starts a frame of unknown stream type 9"
                ),
                "{err}"
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn finish_names_bytes_pushed_but_not_decoded() {
    let mut demuxer = BatchDemuxer::new();
    demuxer.push(Bytes::from(encode(&[(1, b"x".to_vec())])));
    match demuxer.finish() {
        Err(Error::Decode(err)) => assert!(err.message().contains("9 bytes"), "{err}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// The transport reads into one buffer it reuses once every chunk split
/// from it is dropped: neither demultiplexer may hold a chunk it is done
/// with while the next is read.
#[test]
fn a_chunk_read_to_its_end_is_let_go_before_the_next_read() {
    let chunk = Bytes::from(encode(&[(1, b"abc".to_vec()), (2, b"de".to_vec())]));

    let mut batches = BatchDemuxer::new();
    batches.push(chunk.clone());
    assert!(matches!(batches.next_batch(), Some(Ok(b)) if b.len() == 2));
    assert!(batches.next_batch().is_none());

    let mut frames = Demuxer::new();
    frames.push(chunk.clone());
    while let Some(frame) = frames.next_frame() {
        assert!(frame.is_ok());
    }
    assert!(chunk.is_unique(), "a demultiplexer still holds the chunk");
}

#[test]
fn a_frame_longer_than_a_chunk_does_not_reserve_its_declared_length() {
    // A header that declares 4 GiB - 1 of payload, then 3 bytes of it.
    let mut demuxer = BatchDemuxer::new();
    demuxer.push(Bytes::from_static(b"\x01\x00\x00\x00\xff\xff\xff\xffabc"));
    assert!(demuxer.next_batch().is_none());
    assert!(demuxer.carry_capacity() <= 64 * 1024);
    assert!(
        matches!(demuxer.finish(), Err(Error::Decode(e)) if e.message().contains("got 3 of 4294967295 bytes"))
    );
}

#[tokio::test]
async fn output_batches_pass_source_errors_through_and_stop() {
    let chunks = stream::iter(vec![
        Ok(Bytes::from(encode(&[(1, b"a".to_vec())]))),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset",
        )),
        Ok(Bytes::from(encode(&[(1, b"b".to_vec())]))),
    ]);
    let mut output = OutputBatches::multiplexed(chunks);
    assert!(matches!(output.next_batch().await, Some(Ok(b)) if b.len() == 1));
    assert!(matches!(
        output.next_batch().await,
        Some(Err(Error::Transport(_)))
    ));
    assert!(output.next_batch().await.is_none());
}

#[tokio::test]
async fn raw_output_batches_are_each_chunk_as_stdout() {
    let chunks = stream::iter(vec![
        Ok::<_, Error>(Bytes::from_static(b"$ ls\n")),
        Ok(Bytes::new()),
        Ok(Bytes::from_static(b"a b\n")),
    ]);
    let mut got = Vec::new();
    let done = OutputBatches::raw(chunks)
        .for_each_frame(|k, d| got.push((k, d.to_vec())))
        .await;
    assert!(done.is_ok());
    assert_eq!(
        got,
        vec![
            (StreamKind::Stdout, b"$ ls\n".to_vec()),
            (StreamKind::Stdout, b"a b\n".to_vec())
        ]
    );
}

/// A caller's error type for `try_for_each_frame`.
#[derive(Debug, PartialEq)]
enum Stop {
    Caller(&'static str),
    Stream(String),
}

impl From<Error> for Stop {
    fn from(err: Error) -> Stop {
        Stop::Stream(err.to_string())
    }
}

#[tokio::test]
async fn try_for_each_frame_stops_at_the_callers_error() {
    let input = Bytes::from(encode(&[(1, b"a".to_vec()), (1, b"b".to_vec())]));
    let chunks = stream::iter(vec![Ok::<_, Error>(input)]);
    let mut seen = 0;
    let result = OutputBatches::multiplexed(chunks)
        .try_for_each_frame(|_, d| {
            seen += 1;
            if d == b"a" {
                Err(Stop::Caller("closed pipe"))
            } else {
                Ok(())
            }
        })
        .await;
    assert_eq!(result, Err(Stop::Caller("closed pipe")));
    assert_eq!(seen, 1);
}

#[tokio::test]
async fn try_for_each_frame_converts_the_streams_error() {
    let chunks = stream::iter(vec![Ok::<_, Error>(Bytes::from_static(b"\x01\x00"))]);
    let result = OutputBatches::multiplexed(chunks)
        .try_for_each_frame(|_, _| Ok::<(), Stop>(()))
        .await;
    assert!(
        matches!(&result, Err(Stop::Stream(m)) if m.contains("got 2 of 8 bytes")),
        "{result:?}"
    );
}
