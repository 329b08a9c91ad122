//! Params by name and values typed by the spec: what a caller who holds
//! params as text (a command line, a config file) needs before
//! [`Invocation::param`](crate::Invocation::param).
//!
//! ```
//! use contajners_dispatch::params::{param, parse_value};
//! use contajners_spec::{load, Engine};
//! use serde_json::json;
//!
//! let spec = load(Engine::Docker, "v1.41")?;
//! let op = spec.operation("ContainerList").expect("in the spec");
//! let limit = param(op, "limit")?;
//! assert_eq!(parse_value(limit, "5")?, json!(5));
//! assert!(param(op, "lmit").unwrap_err().message().contains("did you mean limit?"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use contajners_spec::{Location, Operation, Param, ParamType};
use serde_json::Value;

use crate::error::RequestError;
use crate::suggest::{closest, did_you_mean};

/// The param `name` of `op` (path, query or header; the body is data, not a
/// param), or an error naming the closest and listing the valid ones.
///
/// Header names match in any case. `id` and `name` stand for each other for
/// an op whose only path param is the other one: Docker names a container's
/// path param `id` where Podman's compat API names it `name`, so
/// `param(op, "id")` finds Podman's `ContainerStart` `name`. Only then:
/// `name` of Docker's `ContainerCreate` is its own query param, and an op
/// with two path params takes neither alias.
///
/// ```
/// use contajners_dispatch::params::param;
/// use contajners_spec::{load, Engine, Location};
///
/// let podman = load(Engine::Podman, "v4.3.1")?;
/// let start = podman.operation("ContainerStart").expect("in the spec");
/// let id = param(start, "id")?;
/// assert_eq!((id.name(), id.location()), ("name", Location::Path));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn param<'a>(op: &'a Operation, name: &str) -> Result<&'a Param, RequestError> {
    find(op, name).ok_or_else(|| unknown(op, name))
}

/// `raw` as a value of `param`'s spec type, ready for
/// [`Invocation::param`](crate::Invocation::param):
///
/// - boolean: `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`);
/// - integer and number: decimal text (`5`, `1.5`);
/// - object: JSON (`{"status":["running"]}`);
/// - array: a JSON array (`["a","b"]`), or comma-separated items each typed
///   as the item type (`1,2`); empty text is the empty array;
/// - string: the text as it is, except text that starts with `{` or `[`
///   and parses as JSON, which stays JSON so that `filters` or
///   `X-Registry-Auth` are encoded the way the engine expects;
/// - file: an error (a file is sent as data).
///
/// The error says what was expected, with an example.
///
/// ```
/// use contajners_dispatch::params::{param, parse_value};
/// use contajners_spec::{load, Engine};
/// use serde_json::json;
///
/// let spec = load(Engine::Docker, "v1.41")?;
/// let op = spec.operation("ContainerList").expect("in the spec");
/// assert_eq!(parse_value(param(op, "all")?, "true")?, json!(true));
/// assert_eq!(
///     parse_value(param(op, "filters")?, r#"{"status":["running"]}"#)?,
///     json!({"status": ["running"]})
/// );
/// let err = parse_value(param(op, "limit")?, "five").unwrap_err();
/// assert!(err.message().contains("expected an integer"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_value(param: &Param, raw: &str) -> Result<Value, RequestError> {
    typed(param.kind(), raw)
        .map_err(|why| RequestError::new(format!("param `{}`: {why}", param.name())))
}

/// The param `name` of `op`, the body excepted: by its exact name, a header
/// by its name in any case, then by the `id`/`name` alias.
pub(crate) fn find<'a>(op: &'a Operation, name: &str) -> Option<&'a Param> {
    let params = op.params();
    params
        .iter()
        .find(|p| p.name() == name && p.location() != Location::Body)
        .or_else(|| {
            params
                .iter()
                .find(|p| p.location() == Location::Header && p.name().eq_ignore_ascii_case(name))
        })
        .or_else(|| aliased_path_param(op, name))
}

/// The single path param of `op` when `name` is `id` and it is `name`, or
/// the other way round (see [`param`]).
fn aliased_path_param<'a>(op: &'a Operation, name: &str) -> Option<&'a Param> {
    let other = match name {
        "id" => "name",
        "name" => "id",
        _ => return None,
    };
    let mut path = op
        .params()
        .iter()
        .filter(|p| p.location() == Location::Path);
    match (path.next(), path.next()) {
        (Some(only), None) if only.name() == other => Some(only),
        _ => None,
    }
}

/// "unknown param" naming the closest and listing the valid ones.
pub(crate) fn unknown(op: &Operation, name: &str) -> RequestError {
    let accepted: Vec<&Param> = op
        .params()
        .iter()
        .filter(|p| p.location() != Location::Body)
        .collect();
    let near = closest(name, accepted.iter().map(|p| p.name()), 3);
    let valid = if accepted.is_empty() {
        "it takes none".to_string()
    } else {
        let listed: Vec<String> = accepted
            .iter()
            .map(|p| format!("{} ({})", p.name(), p.location().as_str()))
            .collect();
        format!("valid params: {}", listed.join(", "))
    };
    let body = if op.body().is_some() {
        "; the request body is passed as data"
    } else {
        ""
    };
    RequestError::new(format!(
        "unknown param `{name}` for {}{}; {valid}{body}",
        op.id(),
        did_you_mean(&near)
    ))
}

/// `raw` as a value of type `kind`, or what was expected.
fn typed(kind: &ParamType, raw: &str) -> Result<Value, String> {
    match kind {
        ParamType::Boolean => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Value::Bool(true)),
            "false" | "0" | "no" | "off" => Ok(Value::Bool(false)),
            _ => Err(format!("expected true or false, got `{raw}`")),
        },
        ParamType::Integer => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("expected an integer (e.g. 5), got `{raw}`")),
        ParamType::Number => raw
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("expected a number (e.g. 1.5), got `{raw}`")),
        ParamType::Array(inner) => {
            if raw.trim_start().starts_with('[') {
                match serde_json::from_str(raw) {
                    Ok(Value::Array(items)) => Ok(Value::Array(items)),
                    _ => Err(format!(
                        "expected a JSON array (e.g. [\"a\",\"b\"]), got `{raw}`"
                    )),
                }
            } else if raw.is_empty() {
                Ok(Value::Array(Vec::new()))
            } else {
                raw.split(',')
                    .map(|item| typed(inner, item))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
        }
        ParamType::Object => serde_json::from_str(raw)
            .map_err(|err| format!("expected a JSON object (e.g. {{\"a\":[\"b\"]}}): {err}")),
        ParamType::File => Err("a file upload param; send the file as data".into()),
        // Strings that hold JSON (filters, X-Registry-Auth) go as JSON, so
        // that the request encodes them as the engine expects.
        _ => {
            let looks_json = matches!(raw.trim_start().chars().next(), Some('{' | '['));
            match serde_json::from_str::<Value>(raw) {
                Ok(value) if looks_json => Ok(value),
                _ => Ok(Value::String(raw.to_string())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contajners_spec::{load, Engine};
    use serde_json::json;

    #[test]
    fn text_takes_the_spec_type() {
        assert_eq!(typed(&ParamType::Boolean, "Yes"), Ok(json!(true)));
        assert_eq!(typed(&ParamType::Boolean, "off"), Ok(json!(false)));
        assert_eq!(typed(&ParamType::Integer, " 5"), Ok(json!(5)));
        assert_eq!(typed(&ParamType::Number, "1.5"), Ok(json!(1.5)));
        assert_eq!(typed(&ParamType::Object, r#"{"a":1}"#), Ok(json!({"a": 1})));
        assert_eq!(typed(&ParamType::String, "plain"), Ok(json!("plain")));
        assert_eq!(typed(&ParamType::String, r#"{"a":1}"#), Ok(json!({"a": 1})));
        // Text that only looks like JSON stays text.
        assert_eq!(typed(&ParamType::String, "{oops"), Ok(json!("{oops")));
        assert_eq!(typed(&ParamType::String, "5"), Ok(json!("5")));
    }

    #[test]
    fn arrays_split_or_parse() {
        let ints = ParamType::Array(Box::new(ParamType::Integer));
        let strings = ParamType::Array(Box::new(ParamType::String));
        assert_eq!(typed(&ints, "1,2"), Ok(json!([1, 2])));
        assert_eq!(typed(&strings, r#"["a,b"]"#), Ok(json!(["a,b"])));
        assert_eq!(typed(&strings, ""), Ok(json!([])));
        assert!(typed(&ints, "1,x").is_err());
        assert!(typed(&strings, "[nope").is_err());
    }

    #[test]
    fn wrong_text_says_what_is_right() {
        let spec = load(Engine::Docker, "v1.41").expect("bundled");
        let op = spec.operation("ContainerList").expect("op");
        let limit = param(op, "limit").expect("limit");
        let err = parse_value(limit, "five").expect_err("not an integer");
        assert_eq!(
            err.message(),
            "param `limit`: expected an integer (e.g. 5), got `five`"
        );
        let all = param(op, "all").expect("all");
        assert!(parse_value(all, "maybe").is_err());
        assert!(typed(&ParamType::File, "x").is_err());
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let spec = load(Engine::Docker, "v1.41").expect("bundled");
        let op = spec.operation("ContainerList").expect("op");
        let err = param(op, "lmit").expect_err("unknown");
        assert_eq!(
            err.message(),
            "unknown param `lmit` for ContainerList; did you mean limit?; \
             valid params: all (query), limit (query), size (query), filters (query)"
        );
        let create = spec.operation("ImageCreate").expect("op");
        assert_eq!(
            param(create, "x-registry-auth").expect("any case").name(),
            "X-Registry-Auth"
        );
    }

    #[test]
    fn id_and_name_alias_only_the_single_path_param() {
        let podman = load(Engine::Podman, "v4.3.1").expect("bundled");
        let start = podman.operation("ContainerStart").expect("op");
        assert_eq!(param(start, "id").expect("aliased").name(), "name");
        assert_eq!(param(start, "name").expect("own").name(), "name");
        let docker = load(Engine::Docker, "v1.41").expect("bundled");
        let docker_start = docker.operation("ContainerStart").expect("op");
        assert_eq!(param(docker_start, "name").expect("aliased").name(), "id");
        // `name` of ContainerCreate is its own query param, and `id` is
        // nothing there: no path param to stand for.
        let create = docker.operation("ContainerCreate").expect("op");
        assert_eq!(
            param(create, "name").expect("query").location(),
            Location::Query
        );
        assert!(param(create, "id").is_err());
        // Other names are never aliased.
        assert!(param(docker_start, "ids").is_err());
    }
}
