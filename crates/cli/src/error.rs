//! What went wrong, and the exit code that says so.

use std::process::ExitCode;

/// The kinds of failure, each with its exit code (see `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The engine said no: an error status or an error inside a stream.
    Engine = 1,
    /// The command line or the params do not match the spec; nothing was sent.
    Usage = 2,
    /// No answer: connect, TLS, IO or timeout.
    Transport = 3,
    /// The answer did not decode.
    Decode = 4,
}

/// An error to report on stderr before exiting.
#[derive(Debug)]
pub(crate) struct CliError {
    kind: Kind,
    message: String,
    /// More to print below the message (the engine's whole answer).
    detail: Option<String>,
}

impl CliError {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            detail: None,
        }
    }

    /// An input named on the command line could not be read (a `--data`
    /// file, stdin): the command line is wrong, nothing was sent.
    pub(crate) fn input(what: &str, err: &std::io::Error) -> Self {
        Self::new(Kind::Usage, format!("{what}: {err}"))
    }

    /// A local IO failure (stdout, the terminal, the runtime).
    pub(crate) fn io(what: &str, err: &std::io::Error) -> Self {
        Self::new(Kind::Transport, format!("{what}: {err}"))
    }

    /// The engine's error, with its whole answer when `whole` (`--throw`).
    pub(crate) fn from_library(err: contajners::Error, whole: bool) -> Self {
        let kind = match &err {
            contajners::Error::Request(_) => Kind::Usage,
            contajners::Error::Transport(_) => Kind::Transport,
            contajners::Error::Engine(_) => Kind::Engine,
            _ => Kind::Decode,
        };
        let detail = match &err {
            contajners::Error::Engine(engine) if whole => engine
                .body()
                .map(|body| String::from_utf8_lossy(body).trim_end().to_string()),
            _ => None,
        };
        CliError {
            kind,
            message: chain(&err),
            detail,
        }
    }

    /// Prints the error on stderr and gives the exit code.
    pub(crate) fn report(&self, color: bool) -> ExitCode {
        let label = if color {
            "\x1b[1;31merror:\x1b[0m"
        } else {
            "error:"
        };
        eprintln!("{label} {}", self.message);
        if let Some(detail) = &self.detail {
            eprintln!("{detail}");
        }
        ExitCode::from(self.kind as u8)
    }
}

impl From<contajners::Error> for CliError {
    fn from(err: contajners::Error) -> Self {
        CliError::from_library(err, false)
    }
}

/// The error and its sources, `: `-joined (each level says only its own part).
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(next) = source {
        let part = next.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = next.source();
    }
    text
}
