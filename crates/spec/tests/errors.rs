//! Bad input is an error that names the file and the place in it.

use contajners_spec::{Engine, ErrorKind, Spec};

fn parse(text: &str) -> Result<Spec, contajners_spec::Error> {
    Spec::from_swagger_named(Engine::Docker, "v1.99", text, "bad.yaml")
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let text = "swagger: \"2.0\"\npaths:\n  /a:\n    get: [unclosed\n";
    let err = parse(text).expect_err("malformed");
    match err.kind() {
        ErrorKind::Syntax { file, line, .. } => {
            assert_eq!(file, "bad.yaml");
            assert!(line.is_some_and(|l| l >= 4), "{line:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
}

#[test]
fn operation_without_id_names_method_and_path() {
    let text =
        "swagger: \"2.0\"\npaths:\n  /containers/create:\n    post:\n      summary: create\n";
    let err = parse(text).expect_err("no id");
    let msg = err.to_string();
    assert!(
        msg.contains("bad.yaml")
            && msg.contains("POST /containers/create")
            && msg.contains("operationId"),
        "{msg}"
    );
}

#[test]
fn duplicate_id_names_both_places() {
    let text = "swagger: \"2.0\"\npaths:\n  /a:\n    get: {operationId: Same}\n  /b:\n    put: {operationId: Same}\n";
    let msg = parse(text).expect_err("duplicate").to_string();
    assert!(
        msg.contains("PUT /b") && msg.contains("GET /a") && msg.contains("\"Same\""),
        "{msg}"
    );
}

#[test]
fn not_swagger_2_is_refused() {
    let msg = parse("openapi: 3.0.0\npaths: {}\n")
        .expect_err("openapi 3")
        .to_string();
    assert!(msg.contains("OpenAPI 3"), "{msg}");
    let msg = parse("hello: world\n")
        .expect_err("no swagger key")
        .to_string();
    assert!(
        msg.contains("swagger: \\\"2.0\\\"") || msg.contains("swagger: \"2.0\""),
        "{msg}"
    );
}

#[test]
fn bad_param_and_response_are_located() {
    let text = "swagger: \"2.0\"\npaths:\n  /a:\n    get:\n      operationId: A\n      parameters:\n        - {name: x, in: cookie, type: string}\n";
    let msg = parse(text).expect_err("bad location").to_string();
    assert!(msg.contains("GET /a") && msg.contains("cookie"), "{msg}");
    let text = "swagger: \"2.0\"\npaths:\n  /a:\n    get:\n      operationId: A\n      responses:\n        200: {$ref: '#/responses/missing'}\n";
    let msg = parse(text).expect_err("dangling ref").to_string();
    assert!(
        msg.contains("GET /a") && msg.contains("#/responses/missing"),
        "{msg}"
    );
}

#[test]
fn unreadable_file_names_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope.yaml");
    let err = Spec::from_file(Engine::Docker, "v1.41", &missing).expect_err("missing");
    assert!(matches!(err.kind(), ErrorKind::Io { .. }));
    assert!(err.to_string().contains("nope.yaml"), "{err}");
}

#[test]
fn files_load_in_swagger_json_and_compact_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = r#"{"swagger": "2.0", "paths": {"/_ping": {"get": {"operationId": "SystemPing",
        "responses": {"200": {"description": "ok"}}}}}}"#;
    let json_path = dir.path().join("spec.json");
    std::fs::write(&json_path, json).expect("write");
    let spec = Spec::from_file(Engine::Docker, "1.99", &json_path).expect("json loads");
    assert_eq!(
        spec.operation("SystemPing").map(|op| op.responses().len()),
        Some(1)
    );

    let compact_path = dir.path().join("spec.compact");
    std::fs::write(&compact_path, spec.to_compact()).expect("write");
    let back = Spec::from_file(Engine::Docker, "v1.99", &compact_path).expect("compact loads");
    assert_eq!(back, spec);
    let err = Spec::from_file(Engine::Podman, "v1.99", &compact_path).expect_err("wrong engine");
    assert!(err.to_string().contains("docker"), "{err}");
}

#[cfg(feature = "podman")]
#[test]
fn user_swagger_for_old_podman_is_aligned_with_the_bundled_reference() {
    let text = "swagger: \"2.0\"\npaths:\n  /libpod/images/{name:.*}:\n    delete:\n      operationId: libpodRemoveImage\n      parameters:\n        - {name: 'name:.*', in: path, type: string, required: true}\n";
    let spec = Spec::from_swagger(Engine::Podman, "3.0.9", text).expect("parses");
    let op = spec.operation("ImageDeleteLibpod").expect("aligned");
    assert_eq!(op.path(), "/libpod/images/{name}");
    assert_eq!(op.params()[0].name(), "name");
}
