//! The command line, as clap reads it.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use contajners::Engine;

const EXIT_CODES: &str = "\
Exit codes: 0 success; 1 the engine said no (an error status or an error \
inside a stream); 2 the command line or the params do not match the spec \
(nothing was sent); 3 no answer (connect, TLS, timeout); 4 the answer did \
not decode.

Without --host, as the docker and podman CLIs: DOCKER_HOST (TLS with \
DOCKER_TLS_VERIFY, files from DOCKER_CERT_PATH), else DOCKER_CONTEXT, else \
currentContext in $DOCKER_CONFIG/config.json (TLS from the context), else \
CONTAINER_HOST (CONTAINER_SSHKEY for ssh://), else the engine's default \
socket. Without --engine and --api-version (for invoke): DOCKER_API_VERSION, \
else negotiated at the engine's /_ping.";

/// Every operation of every Docker Engine and Podman API version, from the shell.
#[derive(Debug, Parser)]
#[command(name = "contajners", version, after_help = EXIT_CODES)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options of every command: which engine and version, how to reach it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Engine and connection")]
pub(crate) struct Global {
    /// The engine: docker or podman [default: asked from the engine for
    /// invoke, docker otherwise].
    #[arg(long, global = true, value_enum)]
    pub(crate) engine: Option<EngineArg>,
    /// The API version (`v1.41`, `1.41`, `v4.3.1`) [default: the best
    /// bundled match of the engine's for invoke, the newest bundled otherwise].
    #[arg(long = "api-version", global = true, value_name = "VERSION")]
    pub(crate) api_version: Option<String>,
    /// The engine's URI: unix:///path, tcp://host:port, http://…, https://….
    #[arg(long, short = 'H', global = true, value_name = "URI")]
    pub(crate) host: Option<String>,
    /// CA certificate (PEM) that signed the engine's certificate.
    #[arg(long = "tls-ca", global = true, value_name = "FILE")]
    pub(crate) tls_ca: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS.
    #[arg(long = "tls-cert", global = true, value_name = "FILE")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// Client key (PEM) for mutual TLS.
    #[arg(long = "tls-key", global = true, value_name = "FILE")]
    pub(crate) tls_key: Option<PathBuf>,
    /// How long connecting may take (`500ms`, `10s`, `2m`).
    #[arg(long = "connect-timeout", global = true, value_name = "DURATION", value_parser = duration)]
    pub(crate) connect_timeout: Option<Duration>,
    /// How long the engine may stay silent while answering.
    #[arg(long = "read-timeout", global = true, value_name = "DURATION", value_parser = duration)]
    pub(crate) read_timeout: Option<Duration>,
    /// How long sending a request may stall.
    #[arg(long = "write-timeout", global = true, value_name = "DURATION", value_parser = duration)]
    pub(crate) write_timeout: Option<Duration>,
    /// How long a whole call answered as data may take.
    #[arg(long = "call-timeout", global = true, value_name = "DURATION", value_parser = duration)]
    pub(crate) call_timeout: Option<Duration>,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub(crate) color: ColorArg,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// The engines whose specs are bundled, with their versions.
    Engines,
    /// The bundled API versions of an engine, oldest first.
    Versions {
        /// docker or podman.
        #[arg(value_enum)]
        engine: EngineArg,
    },
    /// The categories of operations (containers, images, libpod/containers, …).
    Categories,
    /// The operations of a category (of every category when none is given).
    Ops {
        /// A category, e.g. containers; see `contajners categories`.
        category: Option<String>,
    },
    /// What an operation does: route, params, body, responses, doc URL.
    Doc {
        /// An operation id, e.g. ContainerList.
        op: String,
    },
    /// Invoke an operation: `contajners invoke ContainerList all=true limit=5`.
    Invoke(InvokeArgs),
    /// Send a raw request: `contajners fetch GET /v1.41/containers/json all=true`.
    Fetch(FetchArgs),
    /// Print shell completions: `contajners completions bash > /etc/bash_completion.d/contajners`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub(crate) struct InvokeArgs {
    /// An operation id, e.g. ContainerList; see `contajners ops`.
    pub(crate) op: String,
    /// Params as name=value, typed by the spec: all=true limit=5
    /// filters='{"status":["running"]}' (arrays: a=x,y or a='["x","y"]').
    /// `id` and `name` stand for each other as the path param (Docker says id,
    /// Podman's compat API name).
    #[arg(value_name = "NAME=VALUE")]
    pub(crate) params: Vec<String>,
    /// The JSON body: inline JSON, @file, or - for stdin.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub(crate) data: Option<String>,
    /// A raw body streamed from a file or stdin (e.g. a tar for ImageBuild).
    #[arg(long = "data-binary", value_name = "@FILE|-", conflicts_with = "data")]
    pub(crate) data_binary: Option<String>,
    /// The content type of a raw body [default: what the spec says the
    /// operation consumes].
    #[arg(long = "content-type", value_name = "TYPE")]
    pub(crate) content_type: Option<String>,
    /// How to take the answer [default: socket for attach/exec, stream for
    /// logs, events, pulls, pushes, builds, loads and archives, else data].
    #[arg(long = "as", value_enum, value_name = "MODE")]
    pub(crate) answer: Option<AsArg>,
    /// On an engine error, print the engine's whole answer, not only its message.
    #[arg(long)]
    pub(crate) throw: bool,
    /// The category, when the operation is in more than one.
    #[arg(long, value_name = "CATEGORY")]
    pub(crate) category: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct FetchArgs {
    /// GET, POST, PUT, DELETE, HEAD, …
    pub(crate) method: String,
    /// The path as sent, with the version prefix if wanted: /v1.41/containers/json.
    pub(crate) path: String,
    /// Query params as key=value.
    #[arg(value_name = "KEY=VALUE")]
    pub(crate) query: Vec<String>,
    /// A header, as `Name: value` (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,
    /// The JSON body: inline JSON, @file, or - for stdin.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub(crate) data: Option<String>,
    /// A raw body streamed from a file or stdin.
    #[arg(long = "data-binary", value_name = "@FILE|-", conflicts_with = "data")]
    pub(crate) data_binary: Option<String>,
    /// How to take the answer.
    #[arg(long = "as", value_enum, value_name = "MODE", default_value_t = AsArg::Data)]
    pub(crate) answer: AsArg,
    /// On an engine error, print the engine's whole answer, not only its message.
    #[arg(long)]
    pub(crate) throw: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EngineArg {
    Docker,
    Podman,
}

impl From<EngineArg> for Engine {
    fn from(engine: EngineArg) -> Engine {
        match engine {
            EngineArg::Docker => Engine::Docker,
            EngineArg::Podman => Engine::Podman,
        }
    }
}

/// How to take an answer: the seed's `:as`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AsArg {
    /// The whole answer, then printed (JSON pretty on a terminal).
    Data,
    /// The answer as it comes (logs, events, progress).
    Stream,
    /// The upgraded connection, bridged to stdin and stdout.
    Socket,
}

impl From<AsArg> for contajners::As {
    fn from(answer: AsArg) -> contajners::As {
        match answer {
            AsArg::Data => contajners::As::Data,
            AsArg::Stream => contajners::As::Stream,
            AsArg::Socket => contajners::As::Socket,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Whether to colour what goes to stdout.
    pub(crate) fn stdout_enabled(self) -> bool {
        self.enabled(std::io::stdout().is_terminal())
    }

    /// Whether to colour what goes to stderr.
    pub(crate) fn stderr_enabled(self) -> bool {
        self.enabled(std::io::stderr().is_terminal())
    }

    fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        }
    }
}

/// `500ms`, `10s`, `2m`, `1h`, or bare seconds (`10`, `0.5`).
fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write e.g. 500ms, 10s, 2m or 10"))?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`; use ms, s, m or h"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|err| format!("`{text}`: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_their_units() {
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert!(duration("ten").is_err());
        assert!(duration("5d").unwrap_err().contains("ms, s, m or h"));
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
