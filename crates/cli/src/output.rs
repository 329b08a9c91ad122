//! Printing answers: data, streams (container output, JSON sequences, raw
//! bytes).

use std::io::{self, Write};

use bytes::Bytes;
use contajners::codec::{self, Demux, Frame, JsonSeq, StreamKind};
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
        return frames(Demux::new(streamed.into_inner())).await;
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
pub(crate) async fn frames<S>(mut frames: S) -> Result<(), CliError>
where
    S: Stream<Item = Result<Frame, Error>> + Unpin,
{
    while let Some(frame) = frames.next().await {
        let frame = frame?;
        if !write(frame.stream, &frame.data)? {
            return Ok(());
        }
    }
    Ok(())
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
        frames(Demux::new(whole)).await
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
