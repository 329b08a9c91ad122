//! The `contajners` command run as a process against the real engines of
//! `cargo xtask engines up` (skipped with a note when they are not up).

mod common;

use common::{
    contajners, contajners_with_stdin, docker, docker_container, fails_with, json_of, ok, podman,
    removed_on_drop, stderr, stdout, unique,
};
use contajners_tests::engines;
use serde_json::{json, Value};

#[test]
fn ping_on_every_endpoint() {
    let Some(e) = engines("cli ping_on_every_endpoint") else {
        return;
    };
    assert_eq!(ok(docker(&e, &["invoke", "SystemPing"])), "OK\n");
    assert_eq!(ok(podman(&e, &["invoke", "SystemPing"])), "OK\n");
    let tls = contajners(&[
        "-H",
        &e.docker_tls_uri,
        "--tls-ca",
        &e.tls_ca.to_string_lossy(),
        "--tls-cert",
        &e.tls_cert.to_string_lossy(),
        "--tls-key",
        &e.tls_key.to_string_lossy(),
        "invoke",
        "SystemPing",
    ]);
    assert_eq!(ok(tls), "OK\n");
    let tcp = contajners(&["-H", &e.podman_tcp_uri, "invoke", "SystemPing"]);
    assert_eq!(ok(tcp), "OK\n");
    // The raw form, unversioned path.
    assert_eq!(ok(docker(&e, &["fetch", "GET", "/_ping"])), "OK\n");
}

#[test]
fn container_list_with_filters_is_compact_json_in_a_pipe() {
    let Some(e) = engines("cli container_list_with_filters") else {
        return;
    };
    let name = unique("cli-list");
    let body = json!({"Image": e.image, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}});
    let (created, _removed) = docker_container(&e, &name, &body);
    ok(created);
    let filters = json!({"name": [name]}).to_string();
    let listed = docker(
        &e,
        &[
            "invoke",
            "ContainerList",
            "all=true",
            &format!("filters={filters}"),
        ],
    );
    let text = ok(listed);
    assert_eq!(text.lines().count(), 1, "compact: one line\n{text}");
    let list = json_of(&text);
    let names: Vec<&Value> = list.as_array().expect("an array").iter().collect();
    assert_eq!(names.len(), 1, "{text}");
    assert_eq!(names[0]["Names"][0], format!("/{name}"), "{text}");
    // And the filter does filter: nothing is running under that name.
    let running = ok(docker(
        &e,
        &[
            "invoke",
            "ContainerList",
            &format!("filters={}", json!({"name": [name], "status": ["running"]})),
        ],
    ));
    assert_eq!(json_of(&running), json!([]));
}

#[test]
fn create_start_logs_remove_on_docker() {
    let Some(e) = engines("cli create_start_logs_remove_on_docker") else {
        return;
    };
    let name = unique("cli-docker");
    let body = json!({
        "Image": e.image,
        "Cmd": ["sh", "-c", "echo to-stdout; echo to-stderr >&2"],
        "HostConfig": {"NetworkMode": "none"},
    });
    let (created, _removed) = docker_container(&e, &name, &body);
    let created = json_of(&ok(created));
    assert!(
        created["Id"].as_str().is_some_and(|id| id.len() == 64),
        "{created}"
    );
    let id = format!("id={name}");
    ok(docker(&e, &["invoke", "ContainerStart", &id]));
    let waited = json_of(&ok(docker(&e, &["invoke", "ContainerWait", &id])));
    assert_eq!(waited["StatusCode"], 0, "{waited}");
    let logs = docker(
        &e,
        &["invoke", "ContainerLogs", &id, "stdout=true", "stderr=true"],
    );
    assert_eq!(logs.status.code(), Some(0), "{}", stderr(&logs));
    assert_eq!(stdout(&logs), "to-stdout\n", "demultiplexed stdout");
    assert_eq!(stderr(&logs), "to-stderr\n", "demultiplexed stderr");
    ok(docker(
        &e,
        &["invoke", "ContainerDelete", &id, "force=true"],
    ));
    let gone = fails_with(docker(&e, &["invoke", "ContainerInspect", &id]), 1);
    assert!(gone.contains("404") && gone.contains(&name), "{gone}");
}

#[test]
fn create_start_logs_remove_on_podman_with_libpod_ops() {
    let Some(e) = engines("cli create_start_logs_remove_on_podman") else {
        return;
    };
    let name = unique("cli-podman");
    let body = json!({
        "name": name,
        "image": e.image,
        "command": ["sh", "-c", "echo to-stdout; echo to-stderr >&2"],
        "netns": {"nsmode": "none"},
    })
    .to_string();
    let created = json_of(&ok(podman(
        &e,
        &["invoke", "ContainerCreateLibpod", "--data", &body],
    )));
    assert!(
        created["Id"].as_str().is_some_and(|id| id.len() == 64),
        "{created}"
    );
    let path = format!("name={name}");
    ok(podman(&e, &["invoke", "ContainerStartLibpod", &path]));
    ok(podman(&e, &["invoke", "ContainerWaitLibpod", &path]));
    let logs = podman(
        &e,
        &[
            "invoke",
            "ContainerLogsLibpod",
            &path,
            "stdout=true",
            "stderr=true",
        ],
    );
    assert_eq!(logs.status.code(), Some(0), "{}", stderr(&logs));
    assert_eq!(stdout(&logs), "to-stdout\n", "demultiplexed stdout");
    assert_eq!(stderr(&logs), "to-stderr\n", "demultiplexed stderr");
    ok(podman(
        &e,
        &["invoke", "ContainerDeleteLibpod", &path, "force=true"],
    ));
    let exists = podman(&e, &["invoke", "ContainerExistsLibpod", &path]);
    fails_with(exists, 1);
}

#[test]
fn a_pull_from_the_registry_is_json_lines_in_a_pipe() {
    let Some(e) = engines("cli a_pull_from_the_registry") else {
        return;
    };
    let auth = json!({
        "username": e.registry_user,
        "password": e.registry_password,
        "serveraddress": e.registry,
    })
    .to_string();
    let image = format!("fromImage={}/{}", e.registry, e.image);
    let header = format!("X-Registry-Auth={auth}");
    for out in [
        docker(&e, &["invoke", "ImageCreate", &image, &header]),
        podman(&e, &["invoke", "ImageCreate", &image, &header]),
    ] {
        let text = ok(out);
        let lines: Vec<Value> = text.lines().map(json_of).collect();
        assert!(!lines.is_empty(), "no progress");
        assert!(lines.iter().all(|l| l.is_object()), "{text}");
        assert!(lines.iter().any(|l| l.get("status").is_some()), "{text}");
    }
    // Without credentials the registry refuses: the engine's message, exit 1.
    let refused = docker(&e, &["invoke", "ImageCreate", &image]);
    let err = fails_with(refused, 1);
    assert!(err.contains("ImageCreate"), "{err}");
}

#[test]
fn attach_sends_stdin_and_half_closes() {
    let Some(e) = engines("cli attach_sends_stdin_and_half_closes") else {
        return;
    };
    let name = unique("cli-attach");
    let body = json!({
        "Image": e.image,
        "Cmd": ["sh", "-c", "cat - >/out"],
        "OpenStdin": true,
        "StdinOnce": true,
        "AttachStdin": true,
        "HostConfig": {"NetworkMode": "none"},
    });
    let id = format!("id={name}");
    let (created, _removed) = docker_container(&e, &name, &body);
    ok(created);
    ok(docker(&e, &["invoke", "ContainerStart", &id]));
    let attach = contajners_with_stdin(
        &[
            "-H",
            &e.docker_uri,
            "invoke",
            "ContainerAttach",
            &id,
            "stdin=true",
            "stream=true",
        ],
        Some(b"hello\n"),
    );
    let waited = docker(&e, &["invoke", "ContainerWait", &id]);
    let archive = docker(&e, &["invoke", "ContainerArchive", &id, "path=/out"]);
    ok(attach);
    assert_eq!(json_of(&ok(waited))["StatusCode"], 0);
    assert_eq!(archive.status.code(), Some(0), "{}", stderr(&archive));
    let tar = archive.stdout;
    assert!(
        tar.windows(6).any(|w| w == b"hello\n"),
        "the tar holds /out with hello"
    );
}

#[test]
fn an_engine_error_is_its_message_and_exit_1() {
    let Some(e) = engines("cli an_engine_error") else {
        return;
    };
    let missing = unique("cli-missing");
    let err = fails_with(
        docker(
            &e,
            &["invoke", "ContainerInspect", &format!("id={missing}")],
        ),
        1,
    );
    assert!(
        err.contains("404") && err.contains("No such container"),
        "{err}"
    );
    let err = fails_with(
        podman(
            &e,
            &[
                "invoke",
                "ContainerInspectLibpod",
                &format!("name={missing}"),
                "--throw",
            ],
        ),
        1,
    );
    assert!(err.contains("404"), "{err}");
    // --throw adds the engine's whole answer.
    assert!(
        err.lines()
            .any(|l| l.starts_with('{') && l.contains("\"cause\"")),
        "{err}"
    );
    // Unknown op on a live engine: the closest ones.
    let err = fails_with(docker(&e, &["invoke", "ContainerLsit"]), 2);
    assert!(err.contains("did you mean ContainerList"), "{err}");
}

/// A build context holding only a Dockerfile, as a tar file.
fn context(dockerfile: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("a temp file");
    let mut builder = tar::Builder::new(file.reopen().expect("reopened"));
    let mut header = tar::Header::new_gnu();
    header.set_size(dockerfile.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, "Dockerfile", dockerfile.as_bytes())
        .expect("appended");
    builder.finish().expect("finished");
    file
}

#[test]
fn a_build_streams_its_context_and_an_in_band_error_exits_1() {
    let Some(e) = engines("cli a_build_streams_its_context") else {
        return;
    };
    let tag = unique("cli-built");
    let good = context(&format!("FROM {}\nRUN echo built > /built\n", e.image));
    let data = format!("@{}", good.path().display());
    let built = docker(
        &e,
        &[
            "invoke",
            "ImageBuild",
            &format!("t={tag}:1"),
            "networkmode=none",
            "--data-binary",
            &data,
        ],
    );
    let _ = docker(&e, &["invoke", "ImageDelete", &format!("name={tag}:1")]);
    let text = ok(built);
    let lines: Vec<Value> = text.lines().map(json_of).collect();
    assert!(
        lines.iter().any(|l| l["stream"]
            .as_str()
            .is_some_and(|s| s.contains("Successfully tagged"))),
        "{text}"
    );
    // The engine fails the build after its 200: an error inside the stream.
    let bad = context(&format!("FROM {}\nRUN exit 3\n", e.image));
    let data = format!("@{}", bad.path().display());
    let failed = docker(
        &e,
        &[
            "invoke",
            "ImageBuild",
            "networkmode=none",
            "--data-binary",
            &data,
        ],
    );
    let out = stdout(&failed);
    let err = fails_with(failed, 1);
    assert!(
        err.contains("in the stream") && err.contains("returned a non-zero code: 3"),
        "{err}"
    );
    // Piped, the error object is passed through like every other line.
    let last = out.lines().last().map(json_of).unwrap_or(Value::Null);
    assert!(last.get("errorDetail").is_some(), "{out}");
}

#[test]
fn fetch_raw_stdin_data_and_the_category_flag() {
    let Some(e) = engines("cli fetch_raw_stdin_data_and_the_category_flag") else {
        return;
    };
    let listed = ok(docker(
        &e,
        &["fetch", "GET", "/v1.41/containers/json", "all=true"],
    ));
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(json_of(&listed).is_array(), "{listed}");
    let missing = fails_with(
        docker(&e, &["fetch", "GET", "/v1.41/containers/nope-nope/json"]),
        1,
    );
    assert!(missing.contains("404"), "{missing}");
    // The body from stdin.
    let name = unique("cli-stdin");
    let body = json!({"Image": e.image, "Cmd": ["true"], "HostConfig": {"NetworkMode": "none"}});
    let _removed = removed_on_drop(&e, &name);
    let created = contajners_with_stdin(
        &[
            "-H",
            &e.docker_uri,
            "invoke",
            "ContainerCreate",
            &format!("name={name}"),
            "--data",
            "-",
        ],
        Some(body.to_string().as_bytes()),
    );
    let inspected = docker(&e, &["invoke", "ContainerInspect", &format!("id={name}")]);
    ok(created);
    assert_eq!(json_of(&ok(inspected))["Config"]["Image"], e.image);
    // A category that does not have the op: the ones that do.
    let err = fails_with(
        docker(&e, &["invoke", "ContainerList", "--category", "images"]),
        2,
    );
    assert!(
        err.contains("the categories that have it: containers"),
        "{err}"
    );
}
