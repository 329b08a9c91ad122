//! The main job: ping Docker and Podman, then list their containers and
//! images, through the facade.
//!
//! Engines are found from, in order: the command line
//! (`demo [DOCKER_URI] [PODMAN_URI]`), the `CONTAJNERS_TEST_*` variables
//! that `cargo xtask engines up` writes, `DOCKER_HOST` / `CONTAINER_HOST`.
//! The API version is negotiated: the highest bundled spec not newer than
//! what the engine's ping says it speaks.
//!
//! Run it with `cargo xtask demo`, or
//! `cargo run -p contajners --example demo -- unix:///var/run/docker.sock`.

use std::process::ExitCode;
use std::time::Duration;

use contajners::{http, spec, Client, Engine, Error, Invocation, Request, Tls, Transport};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let docker = args
        .next()
        .or_else(|| var("CONTAJNERS_TEST_DOCKER_URI"))
        .or_else(|| var("DOCKER_HOST"));
    let podman = args
        .next()
        .or_else(|| var("CONTAJNERS_TEST_PODMAN_URI"))
        .or_else(|| var("CONTAINER_HOST"));
    let mut failures = 0;
    let mut engines = Vec::new();
    if let Some(uri) = docker {
        engines.push(("Docker", uri, None));
    }
    if let (Some(uri), Some(ca), Some(cert), Some(key)) = (
        var("CONTAJNERS_TEST_DOCKER_TLS_URI"),
        var("CONTAJNERS_TEST_DOCKER_TLS_CA"),
        var("CONTAJNERS_TEST_DOCKER_TLS_CERT"),
        var("CONTAJNERS_TEST_DOCKER_TLS_KEY"),
    ) {
        let tls = Tls::new()
            .ca_file(ca)
            .client_cert_file(cert)
            .client_key_file(key);
        engines.push(("Docker over mutual TLS", uri, Some(tls)));
    }
    if let Some(uri) = podman {
        engines.push(("Podman", uri, None));
    }
    if engines.is_empty() {
        eprintln!(
            "no engine to talk to: pass `demo DOCKER_URI [PODMAN_URI]`, or set \
             CONTAJNERS_TEST_DOCKER_URI / DOCKER_HOST or CONTAJNERS_TEST_PODMAN_URI / CONTAINER_HOST \
             (`cargo xtask demo` does it for you)"
        );
        return ExitCode::FAILURE;
    }
    for (label, uri, tls) in engines {
        println!("== {label} at {uri}");
        if let Err(err) = show(&uri, tls).await {
            failures += 1;
            eprintln!("{label}: {}", chain(&err));
        }
    }
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Pings the engine, picks the spec it speaks, and lists what it holds.
async fn show(uri: &str, tls: Option<Tls>) -> Result<(), Error> {
    let mut transport = Transport::builder(uri).connect_timeout(Duration::from_secs(5));
    if let Some(tls) = tls {
        transport = transport.tls(tls);
    }
    let transport = transport.build()?;

    // A raw ping tells which engine this is and which API it speaks.
    let ping = transport
        .fetch(Request::new(http::Method::GET, "/_ping"))
        .await?;
    let header = |name: &str| {
        ping.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (engine, server_version) = match header("Libpod-API-Version") {
        Some(libpod) => (Engine::Podman, libpod),
        None => (
            Engine::Docker,
            header("API-Version").unwrap_or_else(|| "1.41".into()),
        ),
    };
    let spec = spec::best_match(engine, &server_version)?;
    println!(
        "ping: {} ({engine} API {server_version}; speaking {})",
        String::from_utf8_lossy(ping.body()),
        spec.version()
    );

    let client = Client::builder(engine, spec.version())
        .spec(spec)
        .transport(transport)
        .build()?;
    let (containers, images) = match engine {
        Engine::Podman => ("ContainerListLibpod", "ImageListLibpod"),
        _ => ("ContainerList", "ImageList"),
    };
    let list = json_array(
        client
            .invoke(
                Invocation::new(containers)
                    .param("all", true)
                    .throw_exceptions(true),
            )
            .await?
            .into_data()?,
    );
    println!("containers: {}", list.len());
    for container in &list {
        let names = container.get("Names").map(names).unwrap_or_default();
        let image = container
            .get("Image")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let state = container
            .get("State")
            .and_then(Value::as_str)
            .unwrap_or("?");
        println!("  {names:<32} {image:<32} {state}");
    }
    let list = json_array(
        client
            .invoke(Invocation::new(images).throw_exceptions(true))
            .await?
            .into_data()?,
    );
    println!("images: {}", list.len());
    for image in &list {
        let tags = image.get("RepoTags").map(names).unwrap_or_default();
        let size = image.get("Size").and_then(Value::as_u64).unwrap_or(0);
        println!("  {tags:<48} {:>8.1} MB", size as f64 / 1e6);
    }
    Ok(())
}

/// The answer's JSON array, or nothing when the engine sent something else.
fn json_array(answer: contajners::Response) -> Vec<Value> {
    answer
        .json()
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// A JSON array of strings (or one string) as `a, b`.
fn names(value: &Value) -> String {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|s| s.trim_start_matches('/'))
            .collect::<Vec<_>>()
            .join(", "),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// The error and its sources on one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
