//! The Docker Engine and Podman API specs as a model: engines, versions,
//! categories, operations, params, request bodies, response content types
//! and codes, doc URLs.
//!
//! Every published API version of both engines is bundled (Docker v1.25 to
//! v1.56, Podman v3.0.0 to v5.8.2), generated into the workspace's `specs/`
//! by `cargo xtask update-specs` from the upstream Swagger 2.0 files. Cargo
//! features `docker` and `podman` (both on by default) choose which engines
//! are bundled.
//!
//! What it deliberately does not do: no network, no async, no HTTP types,
//! and no IO at all except the explicit [`Spec::from_file`]. It does not
//! model response or body *schemas* (`definitions`): an operation says what
//! it accepts and answers, not the shape of every JSON document. Sending a
//! request is the business of `contajners-dispatch`.
//!
//! ```
//! use contajners_spec::{best_match, load, Engine, Location};
//!
//! let spec = load(Engine::Docker, "v1.41")?;
//! let containers = spec.category("containers").expect("a category");
//! assert!(containers.operations().any(|op| op.id() == "ContainerCreate"));
//!
//! let op = spec.operation("ContainerList").expect("an operation");
//! assert_eq!((op.method().as_str(), op.path()), ("GET", "/containers/json"));
//! assert!(op.param("all", Location::Query).is_some());
//!
//! // The best bundled spec for a server that reports API version 4.9.9:
//! assert_eq!(best_match(Engine::Podman, "4.9.9")?.version(), "v4.9.5");
//! # Ok::<(), contajners_spec::Error>(())
//! ```
//!
//! # The model
//! A [`Spec`] is one version of one engine. Its [`Category`]s are the first
//! segments of the paths (`/containers/json` → `containers`, `/_ping` →
//! `_ping`); podman's libpod paths get a namespaced category
//! (`/libpod/containers/json` → `libpod/containers`), its Docker-compatible
//! paths the plain one. An [`Operation`] has an id, method, path template,
//! summary, description, deprecated flag, first tag, [`Param`]s keyed by
//! (name, [`Location`]), the request body, `consumes`/`produces` content
//! types (an operation without its own inherits the document's), whether it
//! [hijacks](Operation::hijacks) the connection, its response codes and its
//! doc URL.
//!
//! # Upstream quirks the parser handles
//! - Docker writes response codes as YAML integers, podman as strings.
//! - Podman refers to shared responses with `$ref: '#/responses/…'`; the
//!   description is resolved.
//! - Podman v3.0.0–v3.1.2 path templates hold gorilla-mux regexes
//!   (`/images/{name:.*}`, param `name:.*`): normalised to `{name}`/`name`.
//! - The same param name in path and query (podman's rename): params are
//!   keyed by (name, location), never by name alone.
//! - `formData` params (`type: file`) are kept with [`Location::FormData`].
//! - Podman v3.0.x/v3.1.0 ids are in an older style (`libpodRemoveImage`);
//!   they are mapped to the v3.1.1 id of the same (method, path)
//!   (`ImageDeleteLibpod`), and the old id stays findable
//!   ([`Spec::align_ids`], [`Operation::original_id`]).
//! - Bad input is an error naming the file and the place: the YAML line,
//!   or the method and path of the operation.
//!
//! # The compact form and bundling
//! `specs/<engine>.compact` (generated, committed, reviewed like code) holds
//! every version of one engine in a line-oriented text ([`compact`]): each
//! distinct string, param and operation is stored once, and a version is a
//! list of operation indices. Versions are highly redundant (an operation
//! rarely changes between two releases), so the 32 Docker versions take
//! about 135 kB and the 83 Podman versions about 190 kB, against 12 MB and
//! 51 MB of upstream YAML (which also carries the schemas this crate leaves
//! out). Plain text was chosen over a compressed binary: it diffs well when a
//! version is added (new lines are appended), it is small enough without
//! compression, and it needs no decompression on load. `cargo xtask
//! spec-size` measures what it adds to a release binary (about 0.5 MB for
//! both engines; the budget is 1.5 MB).
//!
//! The files are embedded with `include_str!`. [`load`] splits an engine's
//! file into lines once, decodes only the lines of the version asked for,
//! and lends the spec its strings straight from the embedded text: Markdown
//! descriptions are stored as they are, so nothing is copied or unescaped
//! (the rare escaped string is unescaped once, for every version). The
//! result is cached per (engine, version) in a `OnceLock`, so a second
//! [`load`] is an `Arc` clone. [`Spec::operation`] is a hash lookup. The
//! criterion bench `benches/benches/spec.rs` measures both (targets: a first
//! load within 1 ms, a lookup within 100 ns).
//!
//! `cargo xtask update-specs` regenerates `specs/` from a folder of upstream
//! files (`--from`) or downloads them (`--online`, `--base-url`); `--check`
//! fails when the committed files are stale. The same input always gives
//! the same bytes.

#![warn(missing_docs)]

mod bundled;
pub mod compact;
mod error;
mod model;
mod source;
mod swagger;
mod types;
mod version;

pub use bundled::{best_match, bundled_text, engines, load, versions};
pub use error::{Error, ErrorKind};
pub use model::{Category, Operation, Param, RequestBody, ResponseCode, Spec};
pub use types::{CollectionFormat, Engine, Location, Method, ParamType};

/// Orders two version names numerically (`v4.10` > `v4.9`, `1.41` =
/// `v1.41`), as [`versions`] does.
///
/// ```
/// use std::cmp::Ordering;
/// assert_eq!(contajners_spec::compare_versions("v4.10.0", "4.9.5"), Ordering::Greater);
/// ```
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    version::compare(a, b)
}
