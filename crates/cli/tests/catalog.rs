//! The `contajners` command run as a process, without an engine: the
//! catalog commands read the bundled specs; argument errors say what is right.

mod common;

use common::{contajners, fails_with, ok};

#[test]
fn ops_lists_a_category() {
    let text = ok(contajners(&["ops", "containers"]));
    let ops: Vec<&str> = text.lines().collect();
    assert!(
        ops.contains(&"ContainerList") && ops.contains(&"ContainerCreate"),
        "{text}"
    );
    assert!(!ops.contains(&"ImageList"), "{text}");
    let libpod = ok(contajners(&[
        "--engine",
        "podman",
        "--api-version",
        "v4.3.1",
        "ops",
        "libpod/containers",
    ]));
    assert!(
        libpod.lines().any(|l| l == "ContainerCreateLibpod"),
        "{libpod}"
    );
}

#[test]
fn categories_engines_and_versions_come_from_the_bundled_specs() {
    let categories = ok(contajners(&["--engine", "podman", "categories"]));
    assert!(
        categories.lines().any(|l| l == "libpod/containers"),
        "{categories}"
    );
    assert!(
        categories.lines().any(|l| l == "containers"),
        "{categories}"
    );
    let engines = ok(contajners(&["engines"]));
    assert!(engines.starts_with("docker\tv1.25 … "), "{engines}");
    assert!(engines.contains("\npodman\tv3.0.0 … "), "{engines}");
    let versions = ok(contajners(&["versions", "docker"]));
    assert!(versions.lines().any(|l| l == "v1.41"), "{versions}");
}

#[test]
fn doc_shows_route_params_body_responses_and_url() {
    let text = ok(contajners(&[
        "--api-version",
        "v1.41",
        "doc",
        "ContainerCreate",
    ]));
    assert!(
        text.starts_with("ContainerCreate  POST /containers/create\n"),
        "{text}"
    );
    let name = text
        .lines()
        .filter(|l| l.starts_with("name "))
        .nth(1)
        .expect("a row for name");
    assert!(name.contains("query") && name.contains("string"), "{name}");
    assert!(text.contains("body: application/json"), "{text}");
    assert!(text.contains("  201 "), "{text}");
    assert!(text.contains("doc: https://docs.docker.com/"), "{text}");
}

#[test]
fn an_unknown_op_names_the_closest_ones() {
    let err = fails_with(contajners(&["doc", "ContainerLsit"]), 2);
    assert!(err.contains("did you mean ContainerList"), "{err}");
    // invoke checks the op before connecting when engine and version are known.
    let err = fails_with(contajners(&offline_invoke(&["ContainerLsit"])), 2);
    assert!(err.contains("did you mean ContainerList"), "{err}");
}

/// `invoke` on Docker v1.41 with an engine that is not there: whatever
/// fails, fails before connecting.
fn offline_invoke<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    invoke_without_engine("docker", "v1.41", rest)
}

/// `invoke` with engine and version given (so the spec is known without
/// asking the engine) and an engine that is not there.
fn invoke_without_engine<'a>(engine: &'a str, version: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--engine",
        engine,
        "--api-version",
        version,
        "-H",
        "unix:///nonexistent/contajners.sock",
        "invoke",
    ];
    args.extend_from_slice(rest);
    args
}

#[test]
fn a_mistyped_param_is_refused_before_sending() {
    let err = fails_with(
        contajners(&offline_invoke(&["ContainerList", "limit=five"])),
        2,
    );
    assert!(err.contains("expected an integer"), "{err}");
    let err = fails_with(contajners(&offline_invoke(&["ContainerList", "lmit=5"])), 2);
    assert!(err.contains("did you mean limit"), "{err}");
    // Only `id` stands for the single path param `name` of Podman's compat
    // ops; another name is refused, listing the valid ones.
    let err = fails_with(
        contajners(&invoke_without_engine(
            "podman",
            "v4.3.1",
            &["ContainerStart", "ids=conny"],
        )),
        2,
    );
    assert!(
        err.contains("unknown param `ids`") && err.contains("valid params: name (path)"),
        "{err}"
    );
}

#[test]
fn no_answer_is_exit_code_3() {
    let err = fails_with(
        contajners(&[
            "-H",
            "unix:///nonexistent/contajners.sock",
            "invoke",
            "SystemPing",
        ]),
        3,
    );
    assert!(err.contains("nonexistent"), "{err}");
}

#[test]
fn id_is_accepted_for_the_compat_name_path_param() {
    // The params pass the offline check (no exit 2): only the missing
    // engine fails the command.
    let err = fails_with(
        contajners(&invoke_without_engine(
            "podman",
            "v4.3.1",
            &["ContainerStart", "id=conny"],
        )),
        3,
    );
    assert!(err.contains("nonexistent"), "{err}");
}

#[test]
fn completions_for_the_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let text = ok(contajners(&["completions", shell]));
        assert!(
            text.contains("contajners") && text.contains("invoke"),
            "{shell}: {text}"
        );
    }
}

#[test]
fn an_unreadable_body_is_refused_before_connecting() {
    let args = [
        "-H",
        "unix:///nonexistent/contajners.sock",
        "invoke",
        "ContainerCreate",
    ];
    let err = fails_with(
        contajners(&[&args[..], &["--data", "@/nonexistent/create.json"]].concat()),
        2,
    );
    assert!(
        err.contains("cannot read --data file /nonexistent/create.json"),
        "{err}"
    );
    let err = fails_with(
        contajners(&[&args[..], &["--data", "{not json"]].concat()),
        2,
    );
    assert!(err.contains("--data is not JSON"), "{err}");
    let err = fails_with(
        contajners(&[&args[..], &["--data-binary", "context.tar"]].concat()),
        2,
    );
    assert!(err.contains("@FILE or -"), "{err}");
}
