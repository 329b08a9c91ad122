//! A docker registry (distribution 2.x) on 127.0.0.1 with htpasswd auth.

use std::process::{Command, Stdio};

use super::layout::{random_hex, write};
use super::{proc, Layout};

/// Where the registry listens and who may use it.
#[derive(Debug)]
pub(crate) struct Registry {
    pub(crate) address: String,
    pub(crate) user: String,
    pub(crate) password: String,
}

pub(crate) fn start(layout: &Layout, port: u16) -> Result<Registry, String> {
    let dir = layout.state().join("registry");
    let user = "contajners".to_string();
    let password = random_hex(16)?;
    let htpasswd = dir.join("htpasswd");
    write(&htpasswd, bcrypt_line(&user, &password)?)?;
    let address = format!("127.0.0.1:{port}");
    let config = dir.join("config.yml");
    write(
        &config,
        format!(
            "version: 0.1\n\
             log:\n  level: info\n\
             storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n\
             http:\n  addr: {address}\n  secret: {secret}\n\
             auth:\n  htpasswd:\n    realm: contajners-test\n    path: {htpasswd}\n",
            storage = yaml_str(&dir.join("storage").display().to_string()),
            secret = random_hex(16)?,
            htpasswd = yaml_str(&htpasswd.display().to_string()),
        ),
    )?;
    proc::spawn(
        layout,
        "registry",
        "docker-registry",
        &["serve".to_string(), config.display().to_string()],
        &[],
    )?;
    Ok(Registry {
        address,
        user,
        password,
    })
}

/// An htpasswd line with a bcrypt hash (the only kind distribution accepts).
fn bcrypt_line(user: &str, password: &str) -> Result<String, String> {
    let out = Command::new("htpasswd")
        .args(["-Bbn", user, password])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run htpasswd (package apache2-utils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "htpasswd failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok(format!("{line}\n"))
}

/// A YAML double-quoted string.
fn yaml_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
