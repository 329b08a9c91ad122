//! `cargo xtask demo`: the main job. Builds the `contajners` command and
//! runs the seed's walkthrough with it, printing each command before it
//! runs: pull `busybox:musl` from the local registry with credentials,
//! create and start `conny` (network mode none), follow its logs for a few
//! lines, attach to a `cat - >/out` container and send it `hello`, read
//! `/out` back, clean up.
//!
//! It runs against the user's engine when one answers (`DOCKER_HOST`,
//! `CONTAINER_HOST` or the default socket), else against the Docker and the
//! Podman of `cargo xtask engines up`. The registry always comes from the
//! engines of `cargo xtask engines up` (started unless already up, or named
//! by the `CONTAJNERS_TEST_*` variables); they stay up for more runs.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use crate::engines::{self, Layout, Vars};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// An engine to run the walkthrough against: its name for people, and the
/// `DOCKER_HOST` to give the command (`None`: the user's own resolution).
struct Target {
    name: String,
    host: Option<String>,
}

pub(crate) fn run(_args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    let bin = crate::cargo::build_cli(&root, false)?;
    let vars = match Vars::from_process_env().filter(engines::answering) {
        Some(vars) => {
            eprintln!("using the engines named by the CONTAJNERS_TEST_* variables");
            vars
        }
        None => {
            let layout = Layout::new(&root)?;
            let _lock = engines::lock::acquire(&layout, &|| false)?;
            engines::up(&layout)?
        }
    };
    let targets = if users_engine_answers(&bin) {
        vec![Target {
            name: "your engine".to_string(),
            host: None,
        }]
    } else {
        vec![
            Target {
                name: "the Docker of `cargo xtask engines up`".to_string(),
                host: Some(vars.docker_uri.clone()),
            },
            Target {
                name: "the Podman of `cargo xtask engines up`".to_string(),
                host: Some(vars.podman_uri.clone()),
            },
        ]
    };
    for target in &targets {
        walkthrough(&bin, &vars, target)?;
    }
    eprintln!("\nengines left running; `cargo xtask engines down` stops them");
    Ok(ExitCode::SUCCESS)
}

/// Whether an engine answers where the user's environment points. An
/// address off this machine is not even tried: the demo creates containers
/// and sends traffic only on loopback.
fn users_engine_answers(bin: &Path) -> bool {
    for name in ["DOCKER_HOST", "CONTAINER_HOST"] {
        if let Ok(uri) = std::env::var(name) {
            if !uri.is_empty() && !is_local(&uri) {
                eprintln!(
                    "{name}={uri} is not on this machine: the demo runs on the engines of `cargo xtask engines up`"
                );
                return false;
            }
        }
    }
    let answered = Command::new(bin)
        .args([
            "--connect-timeout",
            "2s",
            "--call-timeout",
            "5s",
            "invoke",
            "SystemPing",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if answered {
        eprintln!("an engine answers where your environment points: the demo runs there");
    } else {
        eprintln!(
            "no engine of yours answers: the demo runs on the engines of `cargo xtask engines up`"
        );
    }
    answered
}

/// A unix socket, or a TCP address on loopback.
fn is_local(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return false;
    };
    if scheme == "unix" {
        return true;
    }
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

/// The seed's walkthrough, one shell command at a time.
fn walkthrough(bin: &Path, vars: &Vars, target: &Target) -> Result<(), String> {
    eprintln!("\n=== the walkthrough on {} ===", target.name);
    let image = format!("{}/{}", vars.registry, vars.image);
    let auth = serde_json::json!({
        "username": vars.registry_user,
        "password": vars.registry_password,
        "serveraddress": vars.registry,
    })
    .to_string();
    let counting = serde_json::json!({
        "Image": image,
        "Cmd": ["sh", "-c", "i=1; while :; do echo $i; sleep 1; i=$((i+1)); done"],
        "HostConfig": {"NetworkMode": "none"},
    })
    .to_string();
    let cat = serde_json::json!({
        "Image": image,
        "Cmd": ["sh", "-c", "cat - >/out"],
        "OpenStdin": true,
        "StdinOnce": true,
        "AttachStdin": true,
        "HostConfig": {"NetworkMode": "none"},
    })
    .to_string();
    let shell = Shell::new(bin, target, &auth)?;
    let cleanup = [
        "contajners invoke ContainerDelete id=conny force=true".to_string(),
        "contajners invoke ContainerDelete id=conny-cat force=true".to_string(),
    ];
    // Leftovers of an interrupted earlier run would make the creates fail.
    for step in &cleanup {
        shell.quiet(step);
    }
    let steps = [
        "contajners invoke SystemPing".to_string(),
        format!(
            "contajners invoke ImageCreate fromImage={} X-Registry-Auth=\"$REGISTRY_AUTH\"",
            quote(&image)
        ),
        format!(
            "contajners invoke ContainerCreate name=conny --data {}",
            quote(&counting)
        ),
        "contajners invoke ContainerStart id=conny".to_string(),
        "contajners invoke ContainerLogs id=conny follow=true stdout=true | head -n 3".to_string(),
        format!(
            "contajners invoke ContainerCreate name=conny-cat --data {}",
            quote(&cat)
        ),
        "contajners invoke ContainerStart id=conny-cat".to_string(),
        "echo hello | contajners invoke ContainerAttach id=conny-cat stdin=true stream=true"
            .to_string(),
        "contajners invoke ContainerWait id=conny-cat".to_string(),
        "contajners invoke ContainerArchive id=conny-cat path=/out | tar -xO".to_string(),
    ];
    let mut result = Ok(());
    for step in &steps {
        if let Err(why) = shell.run(step) {
            result = Err(why);
            break;
        }
    }
    for step in &cleanup {
        if let Err(why) = shell.run(step) {
            result = result.and(Err(why));
        }
    }
    result
}

/// Runs shell commands with `contajners` on the PATH, `DOCKER_HOST` set to
/// the target, and the registry credentials in `$REGISTRY_AUTH` (so that
/// the printed command does not show the password).
struct Shell {
    path: String,
    host: Option<String>,
    auth: String,
}

impl Shell {
    fn new(bin: &Path, target: &Target, auth: &str) -> Result<Shell, String> {
        let dir = bin
            .parent()
            .ok_or_else(|| format!("{} has no parent directory", bin.display()))?;
        let path = match std::env::var("PATH") {
            Ok(path) if !path.is_empty() => format!("{}:{path}", dir.display()),
            _ => dir.display().to_string(),
        };
        if let Some(host) = &target.host {
            eprintln!("$ export DOCKER_HOST={}", quote(host));
        }
        eprintln!("$ export REGISTRY_AUTH='{{\"username\":…,\"password\":…,\"serveraddress\":…}}'");
        Ok(Shell {
            path,
            host: target.host.clone(),
            auth: auth.to_string(),
        })
    }

    fn command(&self, line: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", line])
            .env("PATH", &self.path)
            .env("REGISTRY_AUTH", &self.auth)
            .stdin(Stdio::null());
        if let Some(host) = &self.host {
            cmd.env("DOCKER_HOST", host).env_remove("CONTAINER_HOST");
        }
        cmd
    }

    /// Prints the command, runs it, fails when it fails.
    fn run(&self, line: &str) -> Result<(), String> {
        eprintln!("$ {line}");
        let status = self
            .command(line)
            .status()
            .map_err(|e| format!("cannot run sh: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{line}` failed ({status})"))
        }
    }

    /// Runs a command whose failure does not matter, silently.
    fn quiet(&self, line: &str) {
        let _ = self
            .command(line)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// `value` single-quoted for sh.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::is_local;

    #[test]
    fn only_loopback_and_unix_sockets_are_local() {
        assert!(is_local("unix:///var/run/docker.sock"));
        assert!(is_local("tcp://127.0.0.1:2375"));
        assert!(is_local("https://localhost:2376"));
        assert!(is_local("tcp://[::1]:2375"));
        assert!(!is_local("tcp://10.0.0.5:2375"));
        assert!(!is_local("ssh://user@host/run/podman/podman.sock"));
        assert!(!is_local("docker.example.com:2376"));
    }
}
