//! `name=value` arguments, typed by the operation's params in the spec
//! (the library's [`contajners::params`] does the typing and the lookup).

use contajners::params::{param, parse_value};
use contajners::spec::{Location, Operation, ParamType};
use serde_json::Value;

use crate::error::CliError;

/// The params of `op` from `name=value` words: `all=true` is a boolean,
/// `limit=5` an integer, `filters={"status":["running"]}` JSON, arrays are
/// `a=x,y`, `a=["x","y"]` or the name repeated. Each param is keyed by its
/// name in the spec (`id=` given for Podman's compat `name` becomes `name`).
pub(crate) fn params(op: &Operation, words: &[String]) -> Result<Vec<(String, Value)>, CliError> {
    let mut out: Vec<(String, Value)> = Vec::new();
    for word in words {
        let Some((name, raw)) = word.split_once('=') else {
            return Err(CliError::usage(format!(
                "`{word}` is not a param; write name=value (e.g. all=true){}",
                names_of(op)
            )));
        };
        let param = param(op, name).map_err(|err| CliError::usage(err.message()))?;
        let value = parse_value(param, raw)
            .map_err(|err| CliError::usage(format!("{}: {}", op.id(), err.message())))?;
        let name = param.name();
        match out.iter_mut().find(|(given, _)| given == name) {
            // A repeated array param adds to the array.
            Some((_, Value::Array(items))) if matches!(param.kind(), ParamType::Array(_)) => {
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

fn names_of(op: &Operation) -> String {
    let names: Vec<&str> = op
        .params()
        .iter()
        .filter(|p| p.location() != Location::Body)
        .map(|p| p.name())
        .collect();
    match names.as_slice() {
        [] => format!("; {} takes no params", op.id()),
        names => format!("; its params are: {}", names.join(", ")),
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
        assert!(
            err.contains("ContainerList: param `limit`: expected an integer"),
            "{err}"
        );
        let err = format!("{:?}", params(op, &words(&["lmit=5"])).unwrap_err());
        assert!(err.contains("did you mean limit"), "{err}");
        assert!(
            err.contains("valid params: all (query), limit (query), size (query), filters (query)"),
            "{err}"
        );
        let err = format!("{:?}", params(op, &words(&["all"])).unwrap_err());
        assert!(err.contains("name=value"), "{err}");
        assert!(
            err.contains("its params are: all, limit, size, filters"),
            "{err}"
        );
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
        let spec = load(Engine::Podman, "v4.3.1").expect("bundled");
        let op = spec.operation("ImageDeleteAllLibpod").expect("op");
        let got = params(op, &words(&["images=a", "images=b,c"])).expect("typed");
        assert_eq!(got, vec![("images".to_string(), json!(["a", "b", "c"]))]);
    }
}
