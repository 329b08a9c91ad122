//! Our own containerd for our dockerd.
//!
//! dockerd 20.10 uses a system containerd whenever
//! `/run/containerd/containerd.sock` exists, and otherwise starts a managed
//! one. Starting our own, with its root, state and sockets in our dirs, and
//! pointing dockerd at it with `--containerd`, behaves the same on every
//! machine and never touches a containerd we did not start.

use super::layout::write;
use super::{proc, Layout};

pub(crate) fn start(layout: &Layout) -> Result<(), String> {
    let root = layout.state().join("containerd");
    let config = root.join("config.toml");
    let quote =
        |p: std::path::PathBuf| serde_json::Value::String(p.display().to_string()).to_string();
    write(
        &config,
        format!(
            "version = 2\n\
             root = {root}\n\
             state = {state}\n\
             disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
             [grpc]\n  address = {grpc}\n\
             [ttrpc]\n  address = {ttrpc}\n\
             [debug]\n  address = \"\"\n\
             [metrics]\n  address = \"\"\n\
             [plugins.\"io.containerd.internal.v1.opt\"]\n  path = {opt}\n",
            root = quote(root.join("root")),
            state = quote(layout.sockets().join("ctd")),
            grpc = quote(layout.containerd_sock()),
            ttrpc = quote(layout.sockets().join("ctd.ttrpc")),
            opt = quote(root.join("opt")),
        ),
    )?;
    proc::spawn(
        layout,
        "containerd",
        "containerd",
        &["--config".to_string(), config.display().to_string()],
        &[],
    )?;
    wait_socket(&layout.containerd_sock())
}

fn wait_socket(path: &std::path::Path) -> Result<(), String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !path.exists() {
        if std::time::Instant::now() >= deadline {
            return Err(format!(
                "containerd did not create {} within 30s",
                path.display()
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Ok(())
}
