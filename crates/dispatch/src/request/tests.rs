use base64::Engine as _;
use contajners_spec::Operation;
use serde_json::{json, Value};

use super::*;

fn params(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// A small spec in the engines' own Swagger form.
const SWAGGER: &str = r#"
swagger: "2.0"
paths:
  /containers/json:
    get:
      operationId: ContainerList
      tags: [Container]
      parameters:
        - {name: all, in: query, type: boolean}
        - {name: limit, in: query, type: integer}
        - {name: filters, in: query, type: string}
  /images/{name}/json:
    get:
      operationId: ImageInspect
      tags: [Image]
      parameters:
        - {name: name, in: path, type: string, required: true}
  /images/create:
    post:
      operationId: ImageCreate
      tags: [Image]
      parameters:
        - {name: fromImage, in: query, type: string}
        - {name: X-Registry-Auth, in: header, type: string}
  /x:
    get:
      operationId: Arrays
      tags: [X]
      parameters:
        - {name: csv, in: query, type: array, items: {type: string}}
        - {name: multi, in: query, type: array, items: {type: string}, collectionFormat: multi}
  /containers/{id}/archive:
    put:
      operationId: PutContainerArchive
      tags: [Container]
      consumes: [application/x-tar, application/octet-stream]
      parameters:
        - {name: id, in: path, type: string, required: true}
        - {name: inputStream, in: body, required: true, schema: {type: string, format: binary}}
  /containers/create:
    post:
      operationId: ContainerCreate
      tags: [Container]
      consumes: [application/json]
      parameters:
        - {name: body, in: body, required: true, schema: {type: object}}
"#;

fn op(id: &str) -> Operation {
    let spec =
        contajners_spec::Spec::from_swagger(contajners_spec::Engine::Docker, "v1.41", SWAGGER);
    let spec = spec.unwrap_or_else(|err| panic!("the test spec does not load: {err}"));
    spec.operation(id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} is not in the test spec"))
}

fn container_list() -> Operation {
    op("ContainerList")
}

fn image_inspect() -> Operation {
    op("ImageInspect")
}

fn image_create() -> Operation {
    op("ImageCreate")
}

fn build(op: &Operation, pairs: &[(&str, Value)]) -> Result<Request, RequestError> {
    build_request("v1.41", op, &params(pairs), Data::None, None)
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn query_values_are_encoded_by_type() -> Result<(), RequestError> {
    let req = build(
        &container_list(),
        &[
            ("all", json!(true)),
            ("limit", json!(5)),
            ("filters", json!({"name": ["conny"]})),
        ],
    )?;
    assert_eq!(req.method(), http::Method::GET);
    assert_eq!(req.path(), "/v1.41/containers/json");
    let pairs: Vec<(&str, &str)> = req
        .query_pairs()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("all", "true"),
            ("limit", "5"),
            ("filters", r#"{"name":["conny"]}"#)
        ]
    );
    Ok(())
}

#[test]
fn null_means_not_given() -> Result<(), RequestError> {
    let req = build(&container_list(), &[("all", Value::Null)])?;
    assert!(req.query_pairs().is_empty());
    Ok(())
}

#[test]
fn wrong_types_are_refused_with_the_expected_type() {
    let cases = [
        ("all", json!("yes"), "must be a boolean"),
        ("limit", json!(1.5), "must be an integer"),
        ("limit", json!("5"), "must be an integer"),
        ("filters", json!(true), "must be a string"),
    ];
    for (name, value, expected) in cases {
        match build(&container_list(), &[(name, value.clone())]) {
            Err(err) => assert!(err.message().contains(expected), "{name}={value}: {err}"),
            Ok(req) => panic!("{name}={value} was accepted: {req:?}"),
        }
    }
}

#[test]
fn unknown_param_lists_the_valid_ones() {
    let err = build(&container_list(), &[("al", json!(true))])
        .err()
        .map(|e| e.to_string());
    let err = err.unwrap_or_default();
    assert!(err.contains("unknown param `al`"), "{err}");
    assert!(
        err.contains("all (query), limit (query), filters (query)"),
        "{err}"
    );
    assert!(err.contains("nothing was sent"), "{err}");
}

#[test]
fn id_fills_a_single_name_path_param_and_the_own_name_wins() {
    let req = build(&image_inspect(), &[("id", json!("busybox"))]).expect("aliased");
    assert_eq!(req.path(), "/v1.41/images/busybox/json");
    // Both given: the param's own name is the one used.
    let req = build(
        &image_inspect(),
        &[("id", json!("other")), ("name", json!("busybox"))],
    )
    .expect("both");
    assert_eq!(req.path(), "/v1.41/images/busybox/json");
    // `id` is no alias where there is no single path param `name`.
    let err = build(&container_list(), &[("id", json!("x"))]).expect_err("unknown");
    assert!(err.message().contains("unknown param `id`"), "{err}");
}

#[test]
fn missing_required_path_param_is_refused() {
    let err = build(&image_inspect(), &[])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("needs the path param `name`"), "{err}");
}

#[test]
fn path_values_stay_one_segment() -> Result<(), RequestError> {
    let op = image_inspect();
    let req = build(&op, &[("name", json!("127.0.0.1:5000/busybox:musl"))])?;
    assert_eq!(
        req.path(),
        "/v1.41/images/127.0.0.1:5000%2Fbusybox:musl/json"
    );
    let req = build(&op, &[("name", json!("a?b#c d%"))])?;
    assert_eq!(req.path(), "/v1.41/images/a%3Fb%23c%20d%25/json");
    for bad in ["../../info", "..", ".", "a/../b", "a//b", "/a", ""] {
        let result = build(&op, &[("name", json!(bad))]);
        assert!(result.is_err(), "{bad:?} was accepted: {result:?}");
    }
    Ok(())
}

#[test]
fn registry_auth_object_is_base64url_json() -> Result<(), RequestError> {
    // This password's standard base64 has `+` and `/`: URL_SAFE must not.
    let auth = json!({"username": "u", "password": "?>?>~~", "serveraddress": "127.0.0.1:5000"});
    let req = build(
        &image_create(),
        &[
            ("fromImage", json!("busybox")),
            ("X-Registry-Auth", auth.clone()),
        ],
    )?;
    let sent = header(&req, "X-Registry-Auth").unwrap_or_default();
    assert!(!sent.contains('+') && !sent.contains('/'), "{sent}");
    let decoded = base64::engine::general_purpose::URL_SAFE
        .decode(sent)
        .unwrap_or_default();
    assert_eq!(serde_json::from_slice::<Value>(&decoded).ok(), Some(auth));
    // A header name in another case still finds the param.
    let req = build(&image_create(), &[("x-registry-auth", json!("abc"))])?;
    assert_eq!(header(&req, "X-Registry-Auth"), Some("abc"));
    Ok(())
}

#[test]
fn header_values_with_cr_or_lf_are_refused() {
    for bad in ["a\r\nX-Evil: 1", "a\nb", "a\rb"] {
        let result = build(&image_create(), &[("X-Registry-Auth", json!(bad))]);
        assert!(result.is_err(), "{bad:?} was accepted");
    }
}

#[test]
fn arrays_follow_the_collection_format() -> Result<(), RequestError> {
    let req = build(
        &op("Arrays"),
        &[("csv", json!(["a", "b"])), ("multi", json!(["c", "d"]))],
    )?;
    let pairs: Vec<(&str, &str)> = req
        .query_pairs()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(pairs, vec![("csv", "a,b"), ("multi", "c"), ("multi", "d")]);
    Ok(())
}

#[test]
fn bodies_get_their_content_type() -> Result<(), RequestError> {
    let archive = op("PutContainerArchive");
    let id = params(&[("id", json!("conny"))]);
    let req = build_request("v1.41", &archive, &id, Data::bytes("tar"), None)?;
    assert_eq!(header(&req, "Content-Type"), Some("application/x-tar"));
    let req = build_request(
        "v1.41",
        &archive,
        &id,
        Data::bytes("tar"),
        Some("application/gzip"),
    )?;
    assert_eq!(header(&req, "Content-Type"), Some("application/gzip"));
    let missing = build_request("v1.41", &archive, &id, Data::None, None);
    assert!(missing.is_err_and(|e| e.message().contains("needs a request body")));

    let create = op("ContainerCreate");
    let req = build_request(
        "v1.41",
        &create,
        &[],
        json!({"Image": "busybox"}).into(),
        None,
    )?;
    assert_eq!(
        req.body_ref().as_bytes().map(|b| &b[..]),
        Some(&br#"{"Image":"busybox"}"#[..])
    );
    Ok(())
}

proptest::proptest! {
    /// Whatever the id, it stays one segment: the route keeps its shape and
    /// the segment decodes back to the id; ids that cannot are refused.
    #[test]
    fn a_path_value_never_changes_the_route(id in "[a-z0-9./?#%: -]{0,12}") {
        let op = op("ImageInspect");
        match build(&op, &[("name", json!(id))]) {
            Ok(req) => {
                let path = req.path();
                let segment = path
                    .strip_prefix("/v1.41/images/")
                    .and_then(|rest| rest.strip_suffix("/json"))
                    .unwrap_or_else(|| panic!("route changed: {path}"));
                proptest::prop_assert!(!segment.contains(['/', '?', '#', ' ']), "{}", segment);
                let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                proptest::prop_assert_eq!(decoded, id.as_str());
            }
            Err(err) => {
                let refusable = id.is_empty() || id.split('/').any(|p| p.is_empty() || p == "." || p == "..");
                proptest::prop_assert!(refusable, "{:?} refused: {}", id, err);
            }
        }
    }
}
