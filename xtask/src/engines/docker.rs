//! dockerd on a unix socket and on https://127.0.0.1 with mutual TLS.

use super::layout::write;
use super::tls::TlsFiles;
use super::{proc, Layout};

pub(crate) fn start(layout: &Layout, port: u16, tls: &TlsFiles) -> Result<(), String> {
    let root = layout.state().join("docker");
    // Our own config file: dockerd would otherwise read
    // /etc/docker/daemon.json, whose settings may clash with ours. The
    // libtrust key (no command-line flag in 20.10) would otherwise go to
    // /etc/docker/key.json.
    let config = root.join("daemon.json");
    let settings = serde_json::json!({
        "deprecated-key-path": root.join("key.json").display().to_string(),
    });
    write(&config, format!("{settings}\n"))?;
    let path = |p: std::path::PathBuf| p.display().to_string();
    let args = vec![
        format!("--config-file={}", path(config)),
        format!("--data-root={}", path(root.join("data"))),
        format!("--exec-root={}", path(layout.docker_exec_root())),
        format!("--pidfile={}", path(root.join("dockerd.pid"))),
        format!("--containerd={}", path(layout.containerd_sock())),
        format!("--host=unix://{}", path(layout.docker_sock())),
        format!("--host=tcp://127.0.0.1:{port}"),
        "--tlsverify".to_string(),
        format!("--tlscacert={}", path(tls.server_ca.clone())),
        format!("--tlscert={}", path(tls.server_cert.clone())),
        format!("--tlskey={}", path(tls.server_key.clone())),
        // No networking of our own: no bridge, no iptables, no forwarding.
        "--bridge=none".to_string(),
        "--iptables=false".to_string(),
        "--ip-forward=false".to_string(),
        "--ip-masq=false".to_string(),
        "--userland-proxy=false".to_string(),
        format!("--cgroup-parent=/{}", layout.tag()),
        // Test containers need no grace period; `down` stays fast.
        "--shutdown-timeout=2".to_string(),
    ];
    proc::spawn(layout, "dockerd", "dockerd", &args, &[])
}
