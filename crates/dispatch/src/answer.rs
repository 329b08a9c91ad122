//! The shape an operation's answer naturally takes, from the spec: for a
//! caller that does not want to say [`As`] for every op (a command line,
//! a generic UI).
//!
//! ```
//! use contajners_dispatch::{answer, As};
//! use contajners_spec::{load, Engine};
//!
//! let spec = load(Engine::Docker, "v1.41")?;
//! let shape = |id: &str| answer::default_as(spec.operation(id).expect("in the spec"));
//! assert_eq!(shape("ContainerList"), As::Data);
//! assert_eq!(shape("ContainerLogs"), As::Stream);
//! assert_eq!(shape("ContainerAttach"), As::Socket);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use contajners_spec::{Location, Operation};

use crate::invocation::As;

/// How to take the answer of `op` when the caller does not say:
///
/// - [`As::Socket`] for ops that hijack the connection (attach, exec start);
/// - [`As::Stream`] for answers that go on or are not JSON: progress
///   sequences ([`is_progress`]: pull, push, build, load, import), events,
///   ops with a `follow` or `stream` query param (logs, stats), and ops
///   that produce something other than JSON or plain text (tar archives,
///   raw and multiplexed streams, octet-streams);
/// - [`As::Data`] otherwise.
///
/// [`Invocation`](crate::Invocation) still defaults to [`As::Data`]: this
/// is a choice the caller makes explicitly.
///
/// ```
/// use contajners_dispatch::{answer, As};
/// use contajners_spec::{load, Engine};
///
/// let spec = load(Engine::Podman, "v4.3.1")?;
/// let pull = spec.operation("ImagePullLibpod").expect("in the spec");
/// assert_eq!(answer::default_as(pull), As::Stream);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn default_as(op: &Operation) -> As {
    let goes_on = op
        .params()
        .iter()
        .any(|p| p.location() == Location::Query && matches!(p.name(), "follow" | "stream"));
    let not_json = op
        .produces()
        .iter()
        .any(|p| !(p.contains("json") || p.starts_with("text/plain")));
    if op.hijacks() {
        As::Socket
    } else if is_progress(op) || op.id().contains("Events") || goes_on || not_json {
        As::Stream
    } else {
        As::Data
    }
}

/// Whether `op` answers with a progress sequence: JSON objects with
/// `status`, `id` and `progressDetail` per layer, ending in an in-band
/// error on failure (pull, push, build, load, import, plugin pull and
/// upgrade, in their Docker, compat and libpod forms).
///
/// ```
/// use contajners_dispatch::answer::is_progress;
/// use contajners_spec::{load, Engine};
///
/// let spec = load(Engine::Docker, "v1.41")?;
/// assert!(is_progress(spec.operation("ImageCreate").expect("in the spec")));
/// assert!(!is_progress(spec.operation("ImageList").expect("in the spec")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn is_progress(op: &Operation) -> bool {
    const PROGRESS: [&str; 8] = [
        "ImageCreate",
        "ImagePush",
        "ImagePull",
        "ImageBuild",
        "ImageLoad",
        "ImageImport",
        "PluginPull",
        "PluginUpgrade",
    ];
    PROGRESS.iter().any(|p| op.id().starts_with(p))
}

/// Whether the output of `op` may be stdcopy-multiplexed without the
/// engine saying so (Docker before API 1.42 and Podman do not label it):
/// logs, attach and exec. For those, a caller that does not know whether
/// the container has a TTY can tell from the first bytes with
/// [`codec::sniff`](crate::codec::sniff).
///
/// ```
/// use contajners_dispatch::answer::may_be_multiplexed;
/// use contajners_spec::{load, Engine};
///
/// let spec = load(Engine::Podman, "v4.3.1")?;
/// assert!(may_be_multiplexed(spec.operation("ContainerLogsLibpod").expect("in the spec")));
/// assert!(!may_be_multiplexed(spec.operation("ContainerListLibpod").expect("in the spec")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn may_be_multiplexed(op: &Operation) -> bool {
    let id = op.id();
    id.contains("Logs") || id.contains("Attach") || id.starts_with("Exec")
}

#[cfg(test)]
mod tests {
    use super::*;
    use contajners_spec::{load, Engine};

    #[test]
    fn each_docker_op_is_answered_in_its_natural_shape() {
        let spec = load(Engine::Docker, "v1.41").expect("bundled");
        let shape = |id: &str| default_as(spec.operation(id).expect("op"));
        assert_eq!(shape("ContainerList"), As::Data);
        assert_eq!(shape("SystemPing"), As::Data);
        assert_eq!(shape("ContainerLogs"), As::Stream);
        assert_eq!(shape("ContainerStats"), As::Stream);
        assert_eq!(shape("ImageCreate"), As::Stream);
        assert_eq!(shape("SystemEvents"), As::Stream);
        assert_eq!(shape("ContainerArchive"), As::Stream);
        assert_eq!(shape("ImageGet"), As::Stream);
        assert_eq!(shape("ContainerAttach"), As::Socket);
    }

    #[test]
    fn each_podman_op_is_answered_in_its_natural_shape() {
        let spec = load(Engine::Podman, "v4.3.1").expect("bundled");
        let shape = |id: &str| default_as(spec.operation(id).expect("op"));
        assert_eq!(shape("ContainerListLibpod"), As::Data);
        assert_eq!(shape("ImagePullLibpod"), As::Stream);
        assert_eq!(shape("ContainerLogsLibpod"), As::Stream);
        assert_eq!(shape("ContainerAttachLibpod"), As::Socket);
    }

    #[test]
    fn progress_and_maybe_multiplexed_ops_are_known() {
        let docker = load(Engine::Docker, "v1.41").expect("bundled");
        let op = |id: &str| docker.operation(id).expect("op");
        assert!(is_progress(op("ImagePush")) && is_progress(op("ImageBuild")));
        assert!(!is_progress(op("ImageInspect")));
        assert!(may_be_multiplexed(op("ExecStart")) && may_be_multiplexed(op("ContainerAttach")));
        assert!(!may_be_multiplexed(op("ContainerList")));
    }
}
