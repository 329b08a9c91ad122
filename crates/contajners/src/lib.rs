//! contajners: a thin, spec-driven client for Docker Engine and Podman.
//!
//! Every operation of every bundled API version is reachable through one
//! generic [`Client::invoke`]: an operation is data from the engine's own
//! OpenAPI spec (method, path, params and where they go), not hand-written
//! code. The five entry points of the original contajners:
//!
//! - [`categories`]`(engine, version)`: the categories of operations;
//! - [`Client::builder`]: a client scoped to engine, version, category and
//!   connection (`unix://`, `tcp://`, `http://`, `https://` with mutual TLS,
//!   timeouts); cheap to clone, [`Client::with_category`] shares the pool;
//! - [`Client::ops`] and [`Client::doc`]: what a client can do;
//! - [`Client::invoke`] with an [`Invocation`]: op, params, data, as data /
//!   stream / socket, throw-exceptions, throw-entire-message;
//! - raw [`Client::fetch`] (and [`Transport`]) for undocumented endpoints.
//!
//! And connecting as the docker and podman CLIs do: [`Client::from_env`]
//! finds the endpoint from `DOCKER_HOST`, `DOCKER_CONTEXT` and the Docker
//! contexts store, `CONTAINER_HOST`, or the default sockets ([`resolve`]),
//! reaches `ssh://` hosts through the system ssh client ([`Ssh`]), and
//! negotiates the engine and API version at the first
//! [`connect`](ClientBuilder::connect) ([`Negotiated`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), contajners::Error> {
//! use contajners::{Client, Invocation};
//! let containers = Client::from_env().category("containers").connect().await?;
//! let n = containers.negotiated().expect("negotiated");
//! println!("{} {}", n.engine(), n.spec().version());
//! let list = containers.invoke(Invocation::new("ContainerList")).await?;
//! # Ok(()) }
//! ```
//!
//! What it deliberately does not do: typed models of every endpoint, or
//! anything an engine's spec does not describe. Params are checked against
//! the spec before anything is sent; answers come back as JSON, text, a
//! stream with [`codec`]s, or an upgraded socket.
//!
//! For callers that hold params as text (a command line, a config file):
//! [`params`] finds a param by name and types a value by the spec,
//! [`answer`] says which shape an op's answer naturally takes, and
//! [`suggest`] names the closest choices for an error message.
//!
//! This crate only re-exports the paved path of `contajners-spec` (what an
//! operation is), `contajners-transport` (how bytes reach the engine) and
//! `contajners-dispatch` (invoke = spec + transport).
//!
//! # The walkthrough of the seed, in Rust
//!
//! ```no_run
//! use contajners::{Client, Engine, Invocation, RegistryAuth, Tls};
//! use futures_util::StreamExt;
//! use serde_json::json;
//!
//! # async fn walkthrough() -> Result<(), contajners::Error> {
//! // The categories of an engine's API version.
//! let names = contajners::categories(Engine::Docker, "v1.41")?;
//! assert!(names.iter().any(|n| n == "containers"));
//!
//! // A client per category; they share one connection pool.
//! let images = Client::builder(Engine::Docker, "v1.41")
//!     .category("images")
//!     .uri("unix:///var/run/docker.sock")
//!     .build()?;
//! let containers = images.with_category("containers")?;
//! let networks = images.with_category("networks")?;
//!
//! // What a client can do.
//! println!("{:?}", images.ops());
//! let doc = images.doc("ImageList")?;
//! println!("{}\n{}", doc.summary(), doc.doc_url());
//!
//! // Pull an image, with registry credentials.
//! let auth = RegistryAuth::new("user", "password", "127.0.0.1:5000");
//! images
//!     .invoke(
//!         Invocation::new("ImageCreate")
//!             .param("fromImage", "127.0.0.1:5000/busybox:musl")
//!             .param("X-Registry-Auth", auth)
//!             .throw_exceptions(true),
//!     )
//!     .await?;
//!
//! // Create and start a container counting forever.
//! containers
//!     .invoke(
//!         Invocation::new("ContainerCreate")
//!             .param("name", "conny")
//!             .data(json!({
//!                 "Image": "127.0.0.1:5000/busybox:musl",
//!                 "Cmd": ["sh", "-c", "i=1; while :; do echo $i; sleep 1; i=$((i+1)); done"],
//!                 "HostConfig": {"NetworkMode": "none"}
//!             }))
//!             .throw_exceptions(true),
//!     )
//!     .await?;
//! containers
//!     .invoke(Invocation::new("ContainerStart").param("id", "conny").throw_exceptions(true))
//!     .await?;
//!
//! // Create a network.
//! networks
//!     .invoke(Invocation::new("NetworkCreate").data(json!({"Name": "conny-network"})))
//!     .await?;
//!
//! // Follow the logs, line by line as they come.
//! let logs = containers
//!     .invoke(
//!         Invocation::new("ContainerLogs")
//!             .param("id", "conny")
//!             .param("follow", true)
//!             .param("stdout", true)
//!             .as_stream()
//!             .multiplexed(true),
//!     )
//!     .await?
//!     .into_stream()?;
//! let mut lines = contajners::codec::Lines::new(logs.output().map(|f| f.map(|f| f.data)));
//! if let Some(line) = lines.next().await {
//!     println!("{}", String::from_utf8_lossy(&line?));
//! }
//!
//! // Ping over https with mutual TLS.
//! let ping = Client::builder(Engine::Docker, "v1.41")
//!     .category("_ping")
//!     .uri("https://127.0.0.1:2376")
//!     .tls(Tls::new().ca_file("ca.pem").client_cert_file("cert.pem").client_key_file("key.pem"))
//!     .build()?;
//! let pong = ping.invoke(Invocation::new("SystemPing")).await?.into_data()?;
//! assert_eq!(pong.text(), Some("OK"));
//!
//! // An undocumented endpoint, raw.
//! let checkpoints = containers
//!     .fetch(contajners::Request::new(contajners::http::Method::GET, "/v1.41/containers/conny/checkpoints"))
//!     .await?;
//! println!("{} {:?}", checkpoints.status(), checkpoints.body());
//!
//! // The engine's error, read from the error.
//! let missing = containers
//!     .invoke(
//!         Invocation::new("ContainerArchive")
//!             .param("id", "conny")
//!             .param("path", "/this-does-not-exist")
//!             .as_stream()
//!             .throw_exceptions(true)
//!             .throw_entire_message(true),
//!     )
//!     .await;
//! if let Err(contajners::Error::Engine(err)) = missing {
//!     println!("{}: {}", err.status(), err.message());
//! }
//! # Ok(()) }
//! ```
//!
//! # Long streams and the runtime
//!
//! Which thread runs the future that reads a stream decides what every wait
//! on the engine costs. `#[tokio::main]` runs `main` with `block_on` on the
//! multi-thread runtime: there a worker thread waits on the socket and
//! wakes `main`'s thread for each piece the engine writes, two threads
//! where one would do. Reading dockerd's logs that way took 1.5 to 1.6 times
//! the CPU per byte of the same read in a spawned task (`benches/RESULTS.md`;
//! bollard pays the same, and more). For long streams (log shippers, exports,
//! event watchers), read in a spawned task, or run on a current-thread
//! runtime (`#[tokio::main(flavor = "current_thread")]`), where one thread
//! waits and reads, as curl does:
//!
//! ```no_run
//! # async fn demo(containers: contajners::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use contajners::Invocation;
//!
//! let logs = Invocation::new("ContainerLogs").param("id", "conny").param("stdout", true);
//! let logs = containers.invoke(logs.as_stream().multiplexed(true)).await?.into_stream()?;
//! let shipper = tokio::spawn(async move {
//!     let mut output = logs.output_batches();
//!     let mut shipped = 0;
//!     while let Some(batch) = output.next_batch().await {
//!         for (_kind, data) in batch? {
//!             shipped += data.len();
//!         }
//!     }
//!     Ok::<_, contajners::Error>(shipped)
//! });
//! println!("{} bytes", shipper.await??);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub use contajners_dispatch::{answer, codec, params, suggest};
pub use contajners_dispatch::{
    build_request, categories, negotiate, As, Client, ClientBuilder, ContainerOutput, Data,
    DecodeError, Doc, EngineError, Error, Invocation, Negotiated, Output, Payload, RegistryAuth,
    RequestError, Response, Streamed, TransportError,
};
pub use contajners_spec::{Engine, Location, Operation, Param, ParamType, Spec};
pub use contajners_transport::{
    http, resolve, Body, Request, Ssh, StreamResponse, Tls, Transport, Upgraded,
};

/// The spec model: engines, versions, categories, operations, params.
pub mod spec {
    pub use contajners_spec::*;
}

/// Raw transport: [`Transport::fetch`](contajners_transport::Transport::fetch)
/// and friends, for endpoints no spec documents.
pub mod transport {
    pub use contajners_transport::*;
}
