//! `contajners fetch <METHOD> <path> [key=value …]`: a raw request.

use contajners::http::Method;
use contajners::{Request, StreamResponse};

use crate::args::{AsArg, FetchArgs, Global};
use crate::error::CliError;
use crate::invoke::{self, Body};
use crate::json::{self, JsonStyle};
use crate::{connect, output, socket};

pub(crate) async fn run(global: &Global, args: FetchArgs) -> Result<(), CliError> {
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
        CliError::usage(format!(
            "`{}` is not an HTTP method; use GET, POST, PUT, DELETE, HEAD, …",
            args.method
        ))
    })?;
    if !args.path.starts_with('/') {
        return Err(CliError::usage(format!(
            "the path `{}` must start with /, e.g. /v1.41/containers/json",
            args.path
        )));
    }
    let mut request = Request::new(method, args.path.clone())
        .throw_exceptions(true)
        .throw_entire_message(args.throw);
    for pair in &args.query {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            CliError::usage(format!("`{pair}` is not a query param; write key=value"))
        })?;
        request = request.query(key, value);
    }
    for header in &args.headers {
        let (name, value) = header.split_once(':').ok_or_else(|| {
            CliError::usage(format!(
                "`{header}` is not a header; write --header 'Name: value'"
            ))
        })?;
        request = request.header(name.trim(), value.trim());
    }
    match invoke::body(args.data.as_deref(), args.data_binary.as_deref()).await? {
        Body::None => {}
        Body::Json(value) => {
            let body = contajners::Body::json(&value).map_err(lib(args.throw))?;
            request = request.body(body);
        }
        Body::Reader(reader) => request = request.body(contajners::Body::reader(reader)),
    }
    let target = connect::resolve_host(
        global.host.as_deref(),
        global.engine.map(Into::into),
        &|name| std::env::var(name).ok(),
    );
    let transport = connect::transport(global, &target)?;
    let look = invoke::look(global);
    match args.answer {
        AsArg::Data => {
            let response = transport.fetch(request).await.map_err(lib(args.throw))?;
            let body = response.body();
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(());
            }
            match serde_json::from_slice(body) {
                Ok(value) => catalog_print(&json::render(
                    &value,
                    JsonStyle {
                        pretty: look.terminal,
                        color: look.color,
                    },
                )),
                Err(_) => match std::str::from_utf8(body) {
                    Ok(text) if text.ends_with('\n') => catalog_print(text),
                    Ok(text) => catalog_print(&format!("{text}\n")),
                    Err(_) => {
                        output::raw(futures_util::stream::iter([Ok::<_, contajners::Error>(
                            body.clone(),
                        )]))
                        .await
                    }
                },
            }
        }
        AsArg::Stream => {
            let answer: StreamResponse = transport
                .fetch_stream(request)
                .await
                .map_err(lib(args.throw))?;
            output::raw(answer).await
        }
        AsArg::Socket => {
            let socket_answer = transport
                .fetch_socket(request)
                .await
                .map_err(lib(args.throw))?;
            socket::bridge(socket_answer).await
        }
    }
}

fn catalog_print(text: &str) -> Result<(), CliError> {
    crate::catalog::print(text)
}

fn lib(whole: bool) -> impl Fn(contajners::transport::Error) -> CliError {
    move |err| CliError::from_library(contajners::Error::from(err), whole)
}
