//! Two podman API services over one storage: a unix socket and plain TCP.
//!
//! Every path podman would otherwise take from the system (storage, run
//! root, tmp dir with its locks and events, network configs, registries) is
//! set in generated config files under the state dir.

use std::path::PathBuf;

use super::layout::write;
use super::{proc, Layout};

/// Highest ulimits we ask for; the machine's hard limits may be lower.
/// Without `default_ulimits`, rootful podman asks runc for nofile 1048576 and
/// nproc 4194304, which fails ("error setting rlimit type …: operation not
/// permitted") where the hard limits are lower and CAP_SYS_RESOURCE is
/// missing (some sandboxes). Podman 4.3 also lowers its own RLIMIT_NPROC to
/// 32768 when it starts (observed), and its containers inherit that.
const NOFILE_MAX: u64 = 1_048_576;
const NPROC_MAX: u64 = 32_768;

pub(crate) fn start(layout: &Layout, port: u16, registry: &str) -> Result<(), String> {
    let dir = layout.state().join("podman");
    let files = write_configs(layout, &dir, registry)?;
    let common = vec![
        format!("--root={}", dir.join("root").display()),
        format!("--runroot={}", layout.sockets().join("pr").display()),
        // runc keeps container state in /run/runc unless told otherwise.
        format!(
            "--runtime-flag=root={}",
            layout.sockets().join("runc").display()
        ),
        "--log-level=info".to_string(),
        "system".to_string(),
        "service".to_string(),
        "--time=0".to_string(),
    ];
    let envs = [
        ("CONTAINERS_CONF", files.containers.display().to_string()),
        (
            "CONTAINERS_REGISTRIES_CONF",
            files.registries.display().to_string(),
        ),
        (
            "CONTAINERS_STORAGE_CONF",
            files.storage.display().to_string(),
        ),
    ];
    let mut unix = common.clone();
    unix.push(format!("unix://{}", layout.podman_sock().display()));
    proc::spawn(layout, "podman-unix", "podman", &unix, &envs)?;
    let mut tcp = common;
    tcp.push(format!("tcp://127.0.0.1:{port}"));
    proc::spawn(layout, "podman-tcp", "podman", &tcp, &envs)
}

struct ConfigFiles {
    containers: PathBuf,
    registries: PathBuf,
    storage: PathBuf,
}

fn write_configs(
    layout: &Layout,
    dir: &std::path::Path,
    registry: &str,
) -> Result<ConfigFiles, String> {
    let q = |p: PathBuf| toml_str(&p.display().to_string());
    let files = ConfigFiles {
        containers: dir.join("containers.conf"),
        registries: dir.join("registries.conf"),
        storage: dir.join("storage.conf"),
    };
    let nofile = hard_limit(rustix::process::Resource::Nofile, NOFILE_MAX);
    let nproc = hard_limit(rustix::process::Resource::Nproc, NPROC_MAX);
    write(
        &files.containers,
        format!(
            "[containers]\n\
             netns = \"none\"\n\
             log_driver = \"k8s-file\"\n\
             default_ulimits = [\"nofile={nofile}:{nofile}\", \"nproc={nproc}:{nproc}\"]\n\
             [engine]\n\
             runtime = \"runc\"\n\
             cgroup_manager = \"cgroupfs\"\n\
             events_logger = \"file\"\n\
             events_logfile_path = {events}\n\
             tmp_dir = {tmp}\n\
             image_copy_tmp_dir = {copy_tmp}\n\
             lock_type = \"file\"\n\
             [network]\n\
             network_config_dir = {networks}\n",
            events = q(dir.join("events.log")),
            tmp = q(layout.sockets().join("pt")),
            copy_tmp = q(dir.join("copy-tmp")),
            networks = q(dir.join("networks")),
        ),
    )?;
    // No unqualified-search registries: a short name never leaves the
    // machine; local images resolve by their short name anyway.
    write(
        &files.registries,
        format!(
            "unqualified-search-registries = []\n\
             short-name-mode = \"permissive\"\n\
             [[registry]]\n\
             location = {registry}\n\
             insecure = true\n",
            registry = toml_str(registry),
        ),
    )?;
    write(
        &files.storage,
        format!(
            "[storage]\n\
             driver = \"overlay\"\n\
             graphroot = {root}\n\
             runroot = {runroot}\n",
            root = q(dir.join("root")),
            runroot = q(layout.sockets().join("pr")),
        ),
    )?;
    for sub in ["networks", "copy-tmp"] {
        std::fs::create_dir_all(dir.join(sub))
            .map_err(|e| format!("cannot create {}: {e}", dir.join(sub).display()))?;
    }
    Ok(files)
}

/// The hard limit for `resource`, capped at `cap` (unlimited counts as cap).
fn hard_limit(resource: rustix::process::Resource, cap: u64) -> u64 {
    rustix::process::getrlimit(resource)
        .maximum
        .map_or(cap, |hard| hard.min(cap))
}

fn toml_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
