use bytes::Bytes;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

/// stdcopy frames as an engine writes them.
pub(super) fn encode(frames: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (kind, payload) in frames {
        out.extend_from_slice(&[*kind, 0, 0, 0]);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(payload);
    }
    out
}

/// Cuts `input` at the given (unsorted, possibly repeated) points.
pub(super) fn split(input: &[u8], cuts: &[usize]) -> Vec<Bytes> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.push(0);
    points.push(input.len());
    points.sort_unstable();
    points.dedup();
    points
        .windows(2)
        .map(|w| Bytes::copy_from_slice(&input[w[0]..w[1]]))
        .collect()
}

/// Joins consecutive pieces of the same stream (empty payloads included).
pub(super) fn joined(
    frames: impl IntoIterator<Item = (StreamKind, Vec<u8>)>,
) -> Vec<(StreamKind, Vec<u8>)> {
    let mut out: Vec<(StreamKind, Vec<u8>)> = Vec::new();
    for (kind, data) in frames {
        match out.last_mut() {
            Some((last, bytes)) if *last == kind => bytes.extend_from_slice(&data),
            _ => out.push((kind, data)),
        }
    }
    out
}

/// Joins consecutive pieces of the same stream; drops empty payloads.
fn merged(frames: impl IntoIterator<Item = (StreamKind, Vec<u8>)>) -> Vec<(StreamKind, Vec<u8>)> {
    joined(frames.into_iter().filter(|(_, data)| !data.is_empty()))
}

/// The stream of a frame type byte (any unknown one as stderr).
pub(super) fn kind(k: u8) -> StreamKind {
    match k {
        0 => StreamKind::Stdin,
        1 => StreamKind::Stdout,
        _ => StreamKind::Stderr,
    }
}

fn demux_all(chunks: Vec<Bytes>) -> Result<Vec<(StreamKind, Vec<u8>)>, Error> {
    let mut demuxer = Demuxer::new();
    let mut out = Vec::new();
    for chunk in chunks {
        demuxer.push(chunk);
        while let Some(frame) = demuxer.next_frame() {
            let frame = frame?;
            assert!(!frame.data.is_empty(), "a frame is never empty");
            out.push((frame.stream, frame.data.to_vec()));
        }
    }
    demuxer.finish()?;
    Ok(out)
}

fn demux_all_lent(chunks: Vec<Bytes>) -> Result<Vec<(StreamKind, Vec<u8>)>, Error> {
    let mut demuxer = Demuxer::new();
    let mut out = Vec::new();
    for chunk in chunks {
        demuxer.push(chunk);
        while let Some(frame) = demuxer.next_slice() {
            let (kind, data) = frame?;
            assert!(!data.is_empty(), "a frame is never empty");
            out.push((kind, data.to_vec()));
        }
    }
    demuxer.finish()?;
    Ok(out)
}

proptest! {
    #[test]
    fn demux_lent_slices_match_shared_frames(
        frames in prop::collection::vec((0u8..3, prop::collection::vec(any::<u8>(), 0..300)), 0..20),
        cuts in prop::collection::vec(any::<usize>(), 0..30),
    ) {
        let input = encode(&frames);
        let shared = demux_all(split(&input, &cuts)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let lent = demux_all_lent(split(&input, &cuts)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(shared, lent);
    }

    #[test]
    fn demux_any_split_gives_the_same_streams(
        frames in prop::collection::vec((0u8..3, prop::collection::vec(any::<u8>(), 0..300)), 0..20),
        cuts in prop::collection::vec(any::<usize>(), 0..30),
    ) {
        let input = encode(&frames);
        let got = demux_all(split(&input, &cuts)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let expected = merged(frames.iter().map(|(k, p)| (kind(*k), p.clone())));
        prop_assert_eq!(merged(got), expected);
    }

    #[test]
    fn demux_truncated_input_is_an_error_never_a_loss(
        frames in prop::collection::vec((0u8..3, prop::collection::vec(any::<u8>(), 1..100)), 1..10),
        cut in any::<usize>(),
        cuts in prop::collection::vec(any::<usize>(), 0..10),
    ) {
        let input = encode(&frames);
        let end = cut % input.len();
        let mut boundaries = vec![0usize];
        for (_, payload) in &frames {
            boundaries.push(boundaries.last().copied().unwrap_or(0) + 8 + payload.len());
        }
        let result = demux_all(split(&input[..end], &cuts));
        if boundaries.contains(&end) {
            prop_assert!(result.is_ok());
        } else {
            match result {
                Err(Error::Decode(err)) => prop_assert!(err.message().contains("ended inside a frame")),
                other => prop_assert!(false, "expected a truncation error, got {:?}", other),
            }
        }
    }

    #[test]
    fn json_seq_any_split_gives_every_value(
        values in prop::collection::vec(
            prop_oneof![
                any::<i64>().prop_map(|n| json!({"n": n})),
                "[a-z\\\\\"{}]{0,12}".prop_map(|s| json!({"status": s, "progress": [1, 2]})),
                any::<bool>().prop_map(|b| json!([b, null])),
            ],
            0..12,
        ),
        separators in prop::collection::vec(prop_oneof![Just(""), Just("\n"), Just("\r\n"), Just(" ")], 12),
        cuts in prop::collection::vec(any::<usize>(), 0..30),
    ) {
        let mut input = String::new();
        for (value, sep) in values.iter().zip(separators.iter().cycle()) {
            input.push_str(&value.to_string());
            input.push_str(sep);
        }
        let mut decoder = JsonSeqDecoder::new();
        let mut got: Vec<Value> = Vec::new();
        for chunk in split(input.as_bytes(), &cuts) {
            decoder.push(&chunk);
            while let Some(value) = decoder.next_value() {
                got.push(value.map_err(|e| TestCaseError::fail(e.to_string()))?);
            }
        }
        if let Some(last) = decoder.finish().map_err(|e| TestCaseError::fail(e.to_string()))? {
            got.push(last);
        }
        prop_assert_eq!(got, values);
    }

    #[test]
    fn lines_any_split_gives_every_line(
        lines in prop::collection::vec("[a-z0-9 ]{0,20}", 0..20),
        cuts in prop::collection::vec(any::<usize>(), 0..30),
        crlf in any::<bool>(),
    ) {
        let sep = if crlf { "\r\n" } else { "\n" };
        let input: String = lines.iter().map(|l| format!("{l}{sep}")).collect();
        let mut decoder = LinesDecoder::new();
        let mut got = Vec::new();
        for chunk in split(input.as_bytes(), &cuts) {
            decoder.push(chunk);
            while let Some(line) = decoder.next_line() {
                got.push(String::from_utf8_lossy(&line).into_owned());
            }
        }
        prop_assert_eq!(decoder.finish(), None);
        prop_assert_eq!(got, lines);
    }
}

#[test]
fn demux_unknown_stream_type_is_an_error() {
    let input = encode(&[(1, b"ok".to_vec()), (7, b"??".to_vec())]);
    match demux_all(vec![Bytes::from(input)]) {
        Err(Error::Decode(err)) => assert!(err.message().contains("unknown stream type 7")),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn demux_system_error_ends_the_stream_with_the_engine_message() {
    let input = encode(&[(1, b"before\n".to_vec()), (3, b"container gone\n".to_vec())]);
    let mut demuxer = Demuxer::new();
    demuxer.push(Bytes::from(input));
    let first = demuxer.next_frame();
    assert!(matches!(
        first,
        Some(Ok(Frame {
            stream: StreamKind::Stdout,
            ..
        }))
    ));
    match demuxer.next_frame() {
        Some(Err(Error::Engine(err))) => assert_eq!(err.message(), "container gone"),
        other => panic!("expected the daemon error, got {other:?}"),
    }
}

#[test]
fn demux_frame_in_one_chunk_is_not_copied() {
    let input = Bytes::from(encode(&[(1, b"hello".to_vec())]));
    let start = input.as_ptr() as usize;
    let mut demuxer = Demuxer::new();
    demuxer.push(input);
    let frame = demuxer.next_frame().and_then(Result::ok);
    let frame = frame.map(|f| f.data.as_ptr() as usize);
    assert_eq!(frame, Some(start + 8));
}

#[test]
fn json_seq_in_band_error_is_an_engine_error() {
    let mut decoder = JsonSeqDecoder::new();
    decoder
        .push(br#"{"errorDetail":{"message":"pull access denied"},"error":"pull access denied"}"#);
    match decoder.next_value() {
        Some(Err(Error::Engine(err))) => {
            assert_eq!(err.message(), "pull access denied");
            assert_eq!(err.status(), 200);
        }
        other => panic!("expected the in-band error, got {other:?}"),
    }
}

#[test]
fn json_seq_truncated_and_garbage_are_decode_errors() {
    let mut decoder = JsonSeqDecoder::new();
    decoder.push(br#"{"status":"Pull"#);
    assert!(decoder.next_value().is_none());
    assert!(matches!(decoder.finish(), Err(Error::Decode(_))));

    let mut decoder = JsonSeqDecoder::new();
    decoder.push(b"<html>");
    assert!(matches!(decoder.next_value(), Some(Err(Error::Decode(_)))));
}

#[tokio::test]
async fn stream_adapters_pass_source_errors_through_and_stop() {
    use futures_util::{stream, StreamExt};
    let chunks = stream::iter(vec![
        Ok(Bytes::from_static(b"a\nb")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset",
        )),
        Ok(Bytes::from_static(b"c\n")),
    ]);
    let items: Vec<_> = Lines::new(chunks).collect().await;
    assert_eq!(items.len(), 2);
    assert!(matches!(&items[0], Ok(line) if line == "a"));
    assert!(matches!(&items[1], Err(Error::Transport(_))));
}

#[tokio::test]
async fn demux_reads_the_read_half_of_a_socket() {
    use futures_util::TryStreamExt;
    use tokio::io::AsyncWriteExt;
    let (mut client, server) = tokio::io::duplex(16);
    let input = encode(&[(1, b"hello ".to_vec()), (2, b"world".to_vec())]);
    let writer = tokio::spawn(async move {
        client.write_all(&input).await?;
        client.shutdown().await
    });
    let frames: Vec<Frame> = Demux::new(reader_stream(server))
        .try_collect()
        .await
        .unwrap_or_default();
    assert!(writer.await.is_ok_and(|r| r.is_ok()));
    let got = merged(frames.into_iter().map(|f| (f.stream, f.data.to_vec())));
    assert_eq!(
        got,
        vec![
            (StreamKind::Stdout, b"hello ".to_vec()),
            (StreamKind::Stderr, b"world".to_vec())
        ]
    );
}
