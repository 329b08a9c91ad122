//! `contajners invoke <op> [name=value …]`.

use std::io::IsTerminal;
use std::pin::Pin;

use contajners::spec::{Operation, Spec};
use contajners::{answer, Client, Data, Invocation, Output};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::args::{Global, InvokeArgs};
use crate::error::{CliError, Kind};
use crate::output::{self, Look};
use crate::{catalog, connect, socket, value};

pub(crate) async fn run(global: &Global, args: InvokeArgs) -> Result<(), CliError> {
    let target = connect::resolve_host(
        global.host.as_deref(),
        global.engine.map(Into::into),
        &|name| std::env::var(name).ok(),
    );
    // An op or params that cannot be right fail before any connection when
    // the spec is known without asking the engine.
    if global.engine.is_some() && global.api_version.is_some() {
        let spec = catalog::offline_spec(global)?;
        let op = catalog::find(&spec, &args.op)?;
        value::params(op, &args.params)?;
    }
    // A body that cannot be read fails before anything is sent.
    let request_body = body(args.data.as_deref(), args.data_binary.as_deref()).await?;
    let transport = connect::transport(global, &target)?;
    let spec = connect::negotiate(global, &target, &transport).await?;
    let op = catalog::find(&spec, &args.op)?;
    let category = category_of(&spec, op, args.category.as_deref())?;
    let params = value::params(op, &args.params)?;
    // Without `--as`, the answer takes the shape the op's spec suggests.
    let answer = args
        .answer
        .map_or_else(|| answer::default_as(op), Into::into);
    let client = Client::builder(spec.engine(), spec.version())
        .spec(spec.clone())
        .transport(transport)
        .category(category)
        .build()?;
    let mut invocation = Invocation::new(op.id())
        .params(params)
        .answer(answer)
        .throw_exceptions(true)
        .throw_entire_message(args.throw);
    match request_body {
        Body::None => {}
        Body::Json(value) => invocation = invocation.data(value),
        Body::Reader(reader) => invocation = invocation.data(Data::Reader(reader)),
    }
    if let Some(content_type) = args.content_type {
        invocation = invocation.content_type(content_type);
    }
    let answer = client
        .invoke(invocation)
        .await
        .map_err(|err| CliError::from_library(err, args.throw))?;
    let look = look(global);
    match answer {
        Output::Data(response) => output::data(&response, look),
        Output::Stream(streamed) => output::streamed(streamed, op, look).await,
        Output::Socket(socket) => socket::bridge(socket).await,
        _ => Err(CliError::new(
            Kind::Decode,
            "the answer has a shape this command does not know",
        )),
    }
}

/// How stdout and stderr look right now.
pub(crate) fn look(global: &Global) -> Look {
    Look {
        terminal: std::io::stdout().is_terminal(),
        bars: std::io::stderr().is_terminal(),
        color: global.color.stdout_enabled(),
    }
}

/// The category to scope the client to: the op's own, or `--category`,
/// which must be one that has the op.
fn category_of(spec: &Spec, op: &Operation, wanted: Option<&str>) -> Result<String, CliError> {
    let having: Vec<&str> = spec
        .categories()
        .filter(|c| c.operations().any(|o| o.id() == op.id()))
        .map(|c| c.name())
        .collect();
    match (wanted, having.as_slice()) {
        (Some(wanted), _) if having.contains(&wanted.trim_start_matches(':')) => {
            Ok(wanted.trim_start_matches(':').to_string())
        }
        (Some(wanted), _) => Err(CliError::usage(format!(
            "{} is not in the category `{wanted}`; the categories that have it: {}",
            op.id(),
            having.join(", ")
        ))),
        (None, [one]) => Ok((*one).to_string()),
        (None, []) => Ok(String::new()),
        (None, many) => Err(CliError::usage(format!(
            "{} is in more than one category: {}; choose one with --category",
            op.id(),
            many.join(", ")
        ))),
    }
}

/// A request body from `--data` or `--data-binary`.
pub(crate) enum Body {
    None,
    Json(Value),
    Reader(Pin<Box<dyn AsyncRead + Send + 'static>>),
}

/// `--data JSON|@file|-` read and parsed; `--data-binary @file|-` opened to
/// be streamed.
pub(crate) async fn body(data: Option<&str>, binary: Option<&str>) -> Result<Body, CliError> {
    if let Some(data) = data {
        let text = match data {
            "-" => {
                let mut text = String::new();
                tokio::io::stdin()
                    .read_to_string(&mut text)
                    .await
                    .map_err(|err| CliError::input("cannot read --data from stdin", &err))?;
                text
            }
            _ => match data.strip_prefix('@') {
                Some(path) => tokio::fs::read_to_string(path).await.map_err(|err| {
                    CliError::input(&format!("cannot read --data file {path}"), &err)
                })?,
                None => data.to_string(),
            },
        };
        let value = serde_json::from_str(&text).map_err(|err| {
            CliError::usage(format!(
                "--data is not JSON ({err}); give JSON, @FILE or -, or --data-binary for raw bytes"
            ))
        })?;
        return Ok(Body::Json(value));
    }
    match binary {
        None => Ok(Body::None),
        Some("-") => Ok(Body::Reader(Box::pin(tokio::io::stdin()))),
        Some(arg) => match arg.strip_prefix('@') {
            Some(path) => {
                let file = tokio::fs::File::open(path).await.map_err(|err| {
                    CliError::input(&format!("cannot open --data-binary file {path}"), &err)
                })?;
                Ok(Body::Reader(Box::pin(file)))
            }
            None => Err(CliError::usage(format!(
                "--data-binary takes @FILE or - (stdin), not `{arg}`"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contajners::spec::{load, Engine};

    #[test]
    fn the_category_comes_from_the_op() {
        let spec = load(Engine::Podman, "v4.3.1").expect("bundled");
        let op = spec.operation("ContainerListLibpod").expect("op");
        assert_eq!(
            category_of(&spec, op, None).expect("one"),
            "libpod/containers"
        );
        let err = format!("{:?}", category_of(&spec, op, Some("images")).unwrap_err());
        assert!(
            err.contains("the categories that have it: libpod/containers"),
            "{err}"
        );
    }
}
