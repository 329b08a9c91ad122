//! HTTP for container engines over unix sockets, TCP and mutual TLS: a
//! pooled client, timeouts, and raw `fetch` in three modes.
//!
//! A [`Transport`] talks to one endpoint (`unix://`, `tcp://`, `http://`,
//! `https://`, `ssh://` through the system ssh client). [`resolve`] finds
//! the endpoint as the docker and podman CLIs do (variables, contexts,
//! default sockets). [`Transport::fetch`] returns the whole answer,
//! [`Transport::fetch_stream`] the body as it arrives, and
//! [`Transport::fetch_socket`] the raw bidirectional stream an engine
//! switches to for attach and exec.
//!
//! Connections are pooled and kept alive (unix and TCP alike), one pool per
//! tokio runtime the transport is used from, so a transport can be shared by
//! several runtimes and outlive any of them; callers outside tokio are
//! served by a small background runtime. A runtime that uses a transport
//! needs its IO driver enabled (as `#[tokio::main]` does); timeouts run on
//! the background runtime and need nothing from the caller's.
//!
//! What it deliberately does not do: it knows nothing about engine APIs or
//! their specs. It sends a method, a path, a query, headers and a body, and
//! hands back what came. Versions, operations, parameters and stream framing
//! (stdcopy, JSON progress) belong to `contajners-dispatch`. That also makes
//! this crate enough on its own to call an undocumented or experimental
//! endpoint.
//!
//! ```no_run
//! use contajners_transport::{Body, Request, Transport};
//! use http::Method;
//!
//! # async fn demo() -> Result<(), contajners_transport::Error> {
//! let docker = Transport::new("unix:///var/run/docker.sock")?;
//!
//! let pong = docker.fetch(Request::new(Method::GET, "/v1.41/_ping")).await?;
//! assert_eq!(pong.text()?, "OK");
//!
//! // An endpoint that is in no spec: checkpoints.
//! let checkpoints = docker
//!     .fetch(Request::new(Method::GET, "/v1.41/containers/conny/checkpoints").throw_exceptions(true))
//!     .await?;
//! println!("{}", checkpoints.text()?);
//!
//! let created = docker
//!     .fetch(
//!         Request::new(Method::POST, "/v1.41/containers/create")
//!             .query("name", "conny")
//!             .body(Body::json(&serde_json::json!({"Image": "busybox:musl"}))?),
//!     )
//!     .await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod classify;
mod connect;
mod endpoint;
mod error;
mod http1;
mod message;
mod pool;
mod request;
pub mod resolve;
mod response;
mod runtime;
mod skip_verify;
mod ssh;
mod timeouts;
mod tls;
mod transport;
mod upgrade;

pub use error::{
    BoxError, ConnectError, ConnectErrorKind, EngineError, Error, TimeoutKind, TlsError,
    TlsErrorKind,
};
pub use message::EngineMessage;
pub use request::{Body, Request};
pub use resolve::{Env, ResolveError, Resolved};
pub use response::{BodyReader, BodyStream, Response, StreamResponse};
pub use ssh::Ssh;
pub use timeouts::Timeouts;
pub use tls::Tls;
pub use transport::{Transport, TransportBuilder};
pub use upgrade::Upgraded;

/// The HTTP types in this crate's API (`Method`, `StatusCode`, `HeaderMap`).
pub use http;
