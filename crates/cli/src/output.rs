//! Printing answers: data, streams (container output, JSON sequences, raw
//! bytes).

use std::io::{self, Write};

use bytes::Bytes;
use contajners::codec::{self, JsonSeq, OutputBatches, StreamKind};
use contajners::spec::Operation;
use contajners::{answer, Error, Payload, Response, Streamed};
use futures_util::{Stream, StreamExt};

use crate::error::{CliError, Kind};
use crate::json::{self, JsonStyle};
use crate::progress::Progress;

/// Where output goes and how it should look.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Look {
    /// stdout is a terminal (pretty JSON, progress bars).
    pub(crate) terminal: bool,
    /// stderr is a terminal too, so bars can be drawn there.
    pub(crate) bars: bool,
    pub(crate) color: bool,
}

/// Whether a write found a reader: `false` once stdout's reader has gone
/// (`| head`), and the command should stop quietly.
type Alive = bool;

fn write(kind: StreamKind, data: &[u8]) -> Result<Alive, CliError> {
    let result = match kind {
        StreamKind::Stderr => {
            let mut err = io::stderr().lock();
            err.write_all(data).and_then(|()| err.flush())
        }
        _ => {
            let mut out = io::stdout().lock();
            out.write_all(data).and_then(|()| out.flush())
        }
    };
    match result {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(err) => Err(CliError::io(&format!("cannot write to {kind}"), &err)),
    }
}

/// A whole answer: JSON pretty on a terminal and compact in a pipe, text
/// as it is, bytes raw.
pub(crate) fn data(response: &Response, look: Look) -> Result<(), CliError> {
    let text = match response.data() {
        Payload::Empty => return Ok(()),
        Payload::Json(value) => json::render(
            value,
            JsonStyle {
                pretty: look.terminal,
                color: look.color,
            },
        ),
        Payload::Text(text) if text.ends_with('\n') => text.clone(),
        Payload::Text(text) => format!("{text}\n"),
        _ => {
            write(StreamKind::Stdout, response.body())?;
            return Ok(());
        }
    };
    write(StreamKind::Stdout, text.as_bytes()).map(drop)
}

/// A streamed answer, printed as it comes.
pub(crate) async fn streamed(
    streamed: Streamed,
    op: &Operation,
    look: Look,
) -> Result<(), CliError> {
    let content_type = streamed
        .headers()
        .get(contajners::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if streamed.is_multiplexed() {
        return frames(streamed.output_batches()).await;
    }
    let progress = answer::is_progress(op);
    if progress || content_type.contains("json") {
        return json_seq(streamed.json(), progress, look).await;
    }
    if answer::may_be_multiplexed(op) {
        return sniffed(streamed.into_inner()).await;
    }
    raw(streamed.into_inner()).await
}

/// Container output: stdout frames to stdout, stderr frames to stderr.
///
/// Frames come a batch at a time (every whole frame of what the engine
/// sent so far), and a run of frames of one stream goes out in one write:
/// a chatty container costs a write per run, not per frame. Runs keep their
/// order, and every batch is written before the next is awaited, so output
/// stays as prompt as the engine sends it.
pub(crate) async fn frames<S, E>(output: OutputBatches<S>) -> Result<(), CliError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
{
    frames_to(output, write).await
}

/// [`frames`] into `sink` (`write` outside of tests).
async fn frames_to<S, E, W>(mut output: OutputBatches<S>, sink: W) -> Result<(), CliError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
    W: FnMut(StreamKind, &[u8]) -> Result<Alive, CliError>,
{
    let mut run = Run {
        kind: None,
        bytes: Vec::new(),
        sink,
    };
    while let Some(batch) = output.next_batch().await {
        for (kind, data) in batch? {
            if !run.add(kind, data)? {
                return Ok(());
            }
        }
        if !run.flush()? {
            return Ok(());
        }
    }
    Ok(())
}

/// Consecutive frames of one stream, gathered for one write to `sink`.
struct Run<W> {
    kind: Option<StreamKind>,
    bytes: Vec<u8>,
    sink: W,
}

impl<W> Run<W>
where
    W: FnMut(StreamKind, &[u8]) -> Result<Alive, CliError>,
{
    /// Adds a frame, first writing the run so far if it is of the other
    /// stream.
    fn add(&mut self, kind: StreamKind, data: &[u8]) -> Result<Alive, CliError> {
        if self.kind.is_some_and(|k| k != kind) && !self.flush()? {
            return Ok(false);
        }
        self.kind = Some(kind);
        self.bytes.extend_from_slice(data);
        Ok(true)
    }

    /// Writes the run, if any.
    fn flush(&mut self) -> Result<Alive, CliError> {
        let Some(kind) = self.kind.take() else {
            return Ok(true);
        };
        let alive = (self.sink)(kind, &self.bytes);
        self.bytes.clear();
        alive
    }
}

/// Bytes to stdout as they come.
pub(crate) async fn raw<S, E>(mut chunks: S) -> Result<(), CliError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
{
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|err| CliError::from(err.into()))?;
        if !write(StreamKind::Stdout, &chunk)? {
            return Ok(());
        }
    }
    Ok(())
}

/// Container output that may or may not be multiplexed: the first bytes
/// tell ([`codec::sniff`]).
pub(crate) async fn sniffed<S, E>(chunks: S) -> Result<(), CliError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
{
    sniffed_then(chunks, |_| ()).await
}

/// [`sniffed`], calling `decided` with whether the output is multiplexed
/// before the first byte is written.
pub(crate) async fn sniffed_then<S, E, F>(chunks: S, decided: F) -> Result<(), CliError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Error>,
    F: FnOnce(bool),
{
    let whole = codec::sniff(chunks).await?;
    decided(whole.is_multiplexed());
    if whole.is_multiplexed() {
        frames(OutputBatches::multiplexed(whole)).await
    } else {
        raw(whole).await
    }
}

/// A JSON sequence: progress bars on a terminal for progress ops, else one
/// value per line (coloured on a terminal). An error in the stream is
/// passed through too when piped, then ends the command with exit code 1.
async fn json_seq<S>(mut values: JsonSeq<S>, progress: bool, look: Look) -> Result<(), CliError>
where
    S: Stream<Item = Result<Bytes, contajners::transport::Error>> + Unpin,
{
    let mut bars = (look.terminal && look.bars && progress).then(Progress::new);
    let style = JsonStyle {
        pretty: false,
        color: look.color,
    };
    while let Some(value) = values.next().await {
        match value {
            Ok(value) => match &mut bars {
                Some(bars) => bars.show(&value),
                None => {
                    if !write(StreamKind::Stdout, json::render(&value, style).as_bytes())? {
                        return Ok(());
                    }
                }
            },
            Err(Error::Engine(err)) if err.status() == 200 => {
                if let Some(bars) = &mut bars {
                    bars.abandon();
                } else if let Some(body) = err.body() {
                    let mut line = body.to_vec();
                    if !line.ends_with(b"\n") {
                        line.push(b'\n');
                    }
                    write(StreamKind::Stdout, &line)?;
                }
                return Err(CliError::new(Kind::Engine, err.to_string()));
            }
            Err(err) => return Err(err.into()),
        }
    }
    if let Some(bars) = &mut bars {
        bars.finish();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn decide(chunks: &[&'static [u8]]) -> Option<bool> {
        let chunks: Vec<Result<Bytes, Error>> =
            chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect();
        let mut seen = None;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let result = runtime.block_on(sniffed_then(stream::iter(chunks), |m| seen = Some(m)));
        assert!(result.is_ok(), "{result:?}");
        seen
    }

    fn frame(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![kind, 0, 0, 0];
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(data);
        out
    }

    /// What `frames` writes for `chunks`: (stream, bytes) per write.
    fn writes(chunks: Vec<Vec<u8>>, stop_after: usize) -> Vec<(StreamKind, String)> {
        let chunks: Vec<Result<Bytes, Error>> =
            chunks.into_iter().map(|c| Ok(Bytes::from(c))).collect();
        let mut seen = Vec::new();
        let sink = |kind, data: &[u8]| {
            seen.push((kind, String::from_utf8_lossy(data).into_owned()));
            Ok(seen.len() < stop_after)
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let output = OutputBatches::multiplexed(stream::iter(chunks));
        let result = runtime.block_on(frames_to(output, sink));
        assert!(result.is_ok(), "{result:?}");
        seen
    }

    #[test]
    fn a_run_of_one_stream_is_one_write_and_the_streams_keep_their_order() {
        let first = [
            frame(1, b"a"),
            frame(1, b"b"),
            frame(2, b"c"),
            frame(1, b"d"),
        ]
        .concat();
        let mut second = frame(1, b"e");
        // A frame cut between chunks comes whole with the next batch.
        let cut = frame(2, b"fg");
        second.extend_from_slice(&cut[..9]);
        let third = cut[9..].to_vec();
        assert_eq!(
            writes(vec![first, second, third], usize::MAX),
            [
                (StreamKind::Stdout, "ab".to_string()),
                (StreamKind::Stderr, "c".to_string()),
                (StreamKind::Stdout, "d".to_string()),
                (StreamKind::Stdout, "e".to_string()),
                (StreamKind::Stderr, "fg".to_string()),
            ]
        );
    }

    #[test]
    fn a_reader_gone_stops_the_output() {
        let chunk = [frame(1, b"a"), frame(2, b"b"), frame(1, b"c")].concat();
        assert_eq!(
            writes(vec![chunk], 1),
            [(StreamKind::Stdout, "a".to_string())]
        );
    }

    #[test]
    fn the_first_bytes_tell_a_multiplexed_stream() {
        // A header split across chunks.
        assert_eq!(
            decide(&[b"\x01\x00", b"\x00\x00\x00\x00\x00\x01", b"\n"]),
            Some(true)
        );
        // A TTY prompt shorter than a header is decided at once.
        assert_eq!(decide(&[b"/ # "]), Some(false));
        assert_eq!(decide(&[]), Some(false));
    }
}
