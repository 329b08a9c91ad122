//! contajners-dispatch: `invoke` any operation of the Docker Engine and
//! Podman API specs.
//!
//! It is the one place where the spec ([`contajners_spec`]) meets the
//! transport ([`contajners_transport`]): it finds the operation, checks and
//! encodes the params by the spec (unknown, missing or mistyped params are
//! errors, before anything is sent), builds the request with the version
//! prefix, sends it, and decodes the answer as data, as a stream (with the
//! [`codec`]s: stdcopy demultiplexing, JSON sequences, lines) or as an
//! upgraded socket.
//!
//! It holds no per-endpoint code: every operation is data from the spec.
//! Applications usually depend on the `contajners` facade instead.
//!
//! ```no_run
//! # async fn demo() -> Result<(), contajners_dispatch::Error> {
//! use contajners_dispatch::{Client, Invocation};
//! use contajners_spec::Engine;
//! use serde_json::json;
//!
//! let containers = Client::builder(Engine::Docker, "v1.41")
//!     .category("containers")
//!     .uri("unix:///var/run/docker.sock")
//!     .build()?;
//! let running = containers
//!     .invoke(Invocation::new("ContainerList").param("filters", json!({"status": ["running"]})))
//!     .await?
//!     .into_data()?;
//! println!("{:?}", running.json());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod answer;
mod client;
pub mod codec;
mod doc;
mod error;
mod invocation;
mod negotiate;
mod output;
pub mod params;
mod registry;
mod request;
pub mod suggest;

pub use client::{categories, Client, ClientBuilder};
pub use doc::Doc;
pub use error::{DecodeError, EngineError, Error, RequestError, TransportError};
pub use invocation::{As, Invocation};
pub use negotiate::{negotiate, Negotiated};
pub use output::{ContainerOutput, Output, Payload, Response, Streamed};
pub use registry::RegistryAuth;
pub use request::{build_request, Data};
