//! `name=value` arguments, typed by the operation's params in the spec.

use contajners::spec::{Location, Operation, ParamType};
use serde_json::Value;

use crate::error::CliError;
use crate::suggest;

/// The params of `op` from `name=value` words: `all=true` is a boolean,
/// `limit=5` an integer, `filters={"status":["running"]}` JSON, arrays are
/// `a=x,y`, `a=["x","y"]` or the name repeated.
pub(crate) fn params(op: &Operation, words: &[String]) -> Result<Vec<(String, Value)>, CliError> {
    let mut out: Vec<(String, Value)> = Vec::new();
    for word in words {
        let Some((name, raw)) = word.split_once('=') else {
            return Err(CliError::usage(format!(
                "`{word}` is not a param; write name=value (e.g. all=true){}",
                names_of(op)
            )));
        };
        let name = alias(op, name);
        let kind = kind_of(op, name)?;
        let value = typed(&kind, raw)
            .map_err(|why| CliError::usage(format!("{} param `{name}`: {why}", op.id())))?;
        match out.iter_mut().find(|(given, _)| given == name) {
            // A repeated array param adds to the array.
            Some((_, Value::Array(items))) if matches!(kind, ParamType::Array(_)) => {
                if let Value::Array(more) = value {
                    items.extend(more);
                }
            }
            Some(slot) => slot.1 = value,
            None => out.push((name.to_string(), value)),
        }
    }
    Ok(out)
}

/// `id` and `name` stand for each other as the path param of an op that
/// has the one and not the other: Docker calls a container's path param
/// `id`, Podman's compat API `name`, and one command line serves both.
fn alias<'a>(op: &'a Operation, name: &'a str) -> &'a str {
    let has = |n: &str| op.params().iter().any(|p| p.name() == n);
    let other = match name {
        "id" => "name",
        "name" => "id",
        _ => return name,
    };
    let other_is_path = op
        .params()
        .iter()
        .any(|p| p.name() == other && p.location() == Location::Path);
    if !has(name) && other_is_path {
        other
    } else {
        name
    }
}

/// The type of the param `name` (path, query or header), or an error naming
/// the params there are.
fn kind_of(op: &Operation, name: &str) -> Result<ParamType, CliError> {
    let found = op
        .params()
        .iter()
        .find(|p| p.name() == name && p.location() != Location::Body);
    match found {
        Some(param) => Ok(param.kind().clone()),
        None => {
            let names = accepted(op);
            let near = suggest::closest(name, names.iter().copied(), 3);
            Err(CliError::usage(format!(
                "{} has no param `{name}`{}{}",
                op.id(),
                suggest::hint(&near),
                names_of(op)
            )))
        }
    }
}

fn accepted(op: &Operation) -> Vec<&str> {
    op.params()
        .iter()
        .filter(|p| p.location() != Location::Body)
        .map(|p| p.name())
        .collect()
}

fn names_of(op: &Operation) -> String {
    match accepted(op).as_slice() {
        [] => format!("; {} takes no params", op.id()),
        names => format!("; its params are: {}", names.join(", ")),
    }
}

/// `raw` as a value of type `kind`.
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
        ParamType::File => {
            Err("a file upload param; send the file with --data-binary @FILE".into())
        }
        // Strings that hold JSON (filters, X-Registry-Auth) go as JSON, so
        // that the library encodes them as the engine expects.
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
    use contajners::spec::{load, Engine};
    use serde_json::json;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn values_take_the_spec_type() {
        let spec = load(Engine::Docker, "v1.41").expect("bundled");
        let op = spec.operation("ContainerList").expect("op");
        let got = params(
            op,
            &words(&["all=true", "limit=5", r#"filters={"status":["running"]}"#]),
        )
        .expect("typed");
        assert_eq!(
            got,
            vec![
                ("all".to_string(), json!(true)),
                ("limit".to_string(), json!(5)),
                ("filters".to_string(), json!({"status": ["running"]})),
            ]
        );
    }

    #[test]
    fn mistyped_and_unknown_params_say_what_is_right() {
        let spec = load(Engine::Docker, "v1.41").expect("bundled");
        let op = spec.operation("ContainerList").expect("op");
        let err = format!("{:?}", params(op, &words(&["limit=five"])).unwrap_err());
        assert!(err.contains("expected an integer"), "{err}");
        let err = format!("{:?}", params(op, &words(&["lmit=5"])).unwrap_err());
        assert!(err.contains("did you mean limit"), "{err}");
        assert!(
            err.contains("its params are: all, limit, size, filters"),
            "{err}"
        );
        let err = format!("{:?}", params(op, &words(&["all"])).unwrap_err());
        assert!(err.contains("name=value"), "{err}");
    }

    #[test]
    fn id_and_name_stand_for_each_other_in_the_path() {
        let podman = load(Engine::Podman, "v4.3.1").expect("bundled");
        let start = podman.operation("ContainerStart").expect("op");
        let got = params(start, &words(&["id=conny"])).expect("aliased");
        assert_eq!(got, vec![("name".to_string(), json!("conny"))]);
        let docker = load(Engine::Docker, "v1.41").expect("bundled");
        let create = docker.operation("ContainerCreate").expect("op");
        let got = params(create, &words(&["name=conny"])).expect("query");
        assert_eq!(got, vec![("name".to_string(), json!("conny"))]);
    }

    #[test]
    fn arrays_split_and_repeat() {
        assert_eq!(
            typed(&ParamType::Array(Box::new(ParamType::Integer)), "1,2").expect("array"),
            json!([1, 2])
        );
        assert_eq!(
            typed(&ParamType::Array(Box::new(ParamType::String)), r#"["a,b"]"#).expect("json"),
            json!(["a,b"])
        );
        let spec = load(Engine::Podman, "v4.3.1").expect("bundled");
        let op = spec.operation("ImageDeleteAllLibpod").expect("op");
        let got = params(op, &words(&["images=a", "images=b,c"])).expect("typed");
        assert_eq!(got, vec![("images".to_string(), json!(["a", "b", "c"]))]);
    }
}
