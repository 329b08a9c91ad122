//! What the CLI tests share: running the binary and reading what it said.
#![allow(dead_code)] // Each test file uses its own part.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub(crate) fn contajners(args: &[&str]) -> Output {
    contajners_with_stdin(args, None)
}

pub(crate) fn contajners_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_contajners"))
        .args(args)
        .env_remove("DOCKER_HOST")
        .env_remove("CONTAINER_HOST")
        .env_remove("DOCKER_CERT_PATH")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the contajners binary runs");
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input).expect("stdin written");
    }
    child.wait_with_output().expect("the command ends")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts success and gives stdout.
#[track_caller]
pub(crate) fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Asserts the exit code and gives stderr.
#[track_caller]
pub(crate) fn fails_with(out: Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    stderr(&out)
}

pub(crate) fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}-{}-{nanos}", std::process::id())
}

pub(crate) fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The command against the test dockerd.
pub(crate) fn docker(e: &contajners_tests::Engines, args: &[&str]) -> Output {
    contajners(&[&["-H", e.docker_uri.as_str()], args].concat())
}

/// The command against the test podman service.
pub(crate) fn podman(e: &contajners_tests::Engines, args: &[&str]) -> Output {
    contajners(&[&["-H", e.podman_uri.as_str()], args].concat())
}

/// `invoke ContainerCreate name=NAME --data BODY` on the test dockerd,
/// with a guard that force-removes the container when dropped, so that a
/// failed assertion never leaves it behind.
pub(crate) fn docker_container(
    e: &contajners_tests::Engines,
    name: &str,
    body: &Value,
) -> (Output, Removed) {
    let created = docker(
        e,
        &[
            "invoke",
            "ContainerCreate",
            &format!("name={name}"),
            "--data",
            &body.to_string(),
        ],
    );
    (created, removed_on_drop(e, name))
}

/// A guard that force-removes the Docker container `name` when dropped.
pub(crate) fn removed_on_drop(e: &contajners_tests::Engines, name: &str) -> Removed {
    Removed {
        uri: e.docker_uri.clone(),
        name: name.to_string(),
    }
}

/// Force-removes a Docker container on drop (see [`removed_on_drop`]).
#[derive(Debug)]
pub(crate) struct Removed {
    uri: String,
    name: String,
}

impl Drop for Removed {
    fn drop(&mut self) {
        // Already gone is fine: the test may have removed it itself.
        let _ = contajners(&[
            "-H",
            &self.uri,
            "invoke",
            "ContainerDelete",
            &format!("id={}", self.name),
            "force=true",
        ]);
    }
}
