//! Swagger 2.0 (YAML or JSON) → [`Spec`].
//!
//! Only what the model keeps is read; schemas (`definitions`) are skipped.
//! The quirks handled here are listed in the crate docs.

use std::collections::HashMap;

use serde_yaml_ng::{Mapping, Value};

use crate::error::{Error, ErrorKind};
use crate::{
    CollectionFormat, Engine, Location, Method, Operation, Param, ParamType, ResponseCode, Spec,
};

/// The category of a path: its first segment (`/containers/json` →
/// `containers`), namespaced for podman's libpod API
/// (`/libpod/containers/json` → `libpod/containers`).
#[cfg(test)]
fn category_of(path: &str) -> &str {
    let (start, end) = category_span(path);
    &path[start..end]
}

/// Where the category lies in the path, as byte offsets: the category is
/// always a slice of the path, so an operation stores no second string.
pub(crate) fn category_span(path: &str) -> (usize, usize) {
    let start = path.len() - path.trim_start_matches('/').len();
    let rest = &path[start..];
    let first_end = rest.find('/').unwrap_or(rest.len());
    let end = if &rest[..first_end] == "libpod" && first_end < rest.len() {
        let second = &rest[first_end + 1..];
        match second.find('/').unwrap_or(second.len()) {
            0 => first_end,
            n => first_end + 1 + n,
        }
    } else {
        first_end
    };
    (start, start + end)
}

/// Drops gorilla-mux regexes from a path template: `/images/{name:.*}/json`
/// → `/images/{name}/json`.
pub(crate) fn normalise_template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        // The regex may itself hold braces (`{id:[0-9]{2}}`): find the
        // brace that closes this variable.
        let mut depth = 1usize;
        let mut close = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = &rest[..close];
        out.push_str(inner.split(':').next().unwrap_or(inner));
        out.push('}');
        rest = rest.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Parses Swagger 2.0 text. `file` names the origin in errors.
pub(crate) fn parse(engine: Engine, version: &str, text: &str, file: &str) -> Result<Spec, Error> {
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| {
        let loc = e.location();
        Error::from(ErrorKind::Syntax {
            file: file.to_owned(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: e.to_string(),
        })
    })?;
    let root = doc.as_mapping().ok_or_else(|| {
        Error::swagger(
            file,
            "document",
            "expected a mapping at the top level of a Swagger 2.0 document",
        )
    })?;
    if root.get("openapi").is_some() {
        return Err(Error::swagger(
            file,
            "openapi",
            "this is OpenAPI 3; only Swagger 2.0 (`swagger: \"2.0\"`) is supported",
        ));
    }
    match root.get("swagger").map(scalar_text) {
        Some(Some(v)) if v == "2.0" => {}
        other => {
            return Err(Error::swagger(
                file,
                "swagger",
                format!(
                    "expected `swagger: \"2.0\"`, found {}",
                    other
                        .flatten()
                        .map_or("nothing".to_owned(), |v| format!("{v:?}"))
                ),
            ))
        }
    }
    let ctx = Context {
        file,
        consumes: strings(root.get("consumes")),
        produces: strings(root.get("produces")),
        responses: root.get("responses").and_then(Value::as_mapping),
        parameters: root.get("parameters").and_then(Value::as_mapping),
    };
    let paths = root
        .get("paths")
        .and_then(Value::as_mapping)
        .ok_or_else(|| Error::swagger(file, "paths", "the document has no `paths` mapping"))?;

    let mut ops = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (path_key, item) in paths {
        let raw_path = path_key.as_str().ok_or_else(|| {
            Error::swagger(
                file,
                "paths",
                format!("path key {path_key:?} is not a string"),
            )
        })?;
        let item = item.as_mapping().ok_or_else(|| {
            Error::swagger(
                file,
                raw_path,
                "expected a mapping of methods to operations",
            )
        })?;
        let shared_params = item.get("parameters");
        for (method_key, op) in item {
            let Some(method_name) = method_key.as_str() else {
                continue;
            };
            if method_name == "parameters" || method_name.starts_with("x-") || method_name == "$ref"
            {
                continue;
            }
            let place = format!("{} {raw_path}", method_name.to_ascii_uppercase());
            let method: Method = method_name
                .parse()
                .map_err(|e: Error| Error::swagger(file, &place, e.to_string()))?;
            let op = ctx.operation(method, raw_path, op, shared_params, &place)?;
            if let Some(first) = seen.insert(op.id.to_string(), place.clone()) {
                return Err(Error::swagger(
                    file,
                    &place,
                    format!("duplicate operationId {:?}, already used by {first}; operationIds must be unique", op.id),
                ));
            }
            ops.push(op);
        }
    }
    Ok(Spec::new(engine, version, ops))
}

struct Context<'a> {
    file: &'a str,
    consumes: Vec<String>,
    produces: Vec<String>,
    responses: Option<&'a Mapping>,
    parameters: Option<&'a Mapping>,
}

impl Context<'_> {
    fn operation(
        &self,
        method: Method,
        raw_path: &str,
        op: &Value,
        shared_params: Option<&Value>,
        place: &str,
    ) -> Result<Operation, Error> {
        let file = self.file;
        let op = op
            .as_mapping()
            .ok_or_else(|| Error::swagger(file, place, "expected an operation mapping"))?;
        let id = match op.get("operationId").map(scalar_text) {
            Some(Some(id)) if !id.trim().is_empty() => id,
            _ => {
                return Err(Error::swagger(
                    file,
                    place,
                    "operation has no operationId; every operation needs a unique one",
                ))
            }
        };
        let path = normalise_template(raw_path);
        let mut operation = Operation::new(&id, method, &path);
        operation.summary = text(op.get("summary")).into();
        operation.description = text(op.get("description")).into();
        operation.deprecated = op
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        operation.tag = op
            .get("tags")
            .and_then(Value::as_sequence)
            .and_then(|tags| tags.first())
            .and_then(scalar_text)
            .unwrap_or_default()
            .into();
        operation.consumes = op
            .get("consumes")
            .map_or_else(|| self.consumes.clone(), |v| strings(Some(v)));
        operation.produces = op
            .get("produces")
            .map_or_else(|| self.produces.clone(), |v| strings(Some(v)));

        let own = op.get("parameters").and_then(Value::as_sequence);
        let shared = shared_params.and_then(Value::as_sequence);
        let mut params: Vec<Param> = Vec::new();
        for raw in shared
            .into_iter()
            .flatten()
            .chain(own.into_iter().flatten())
        {
            let param = self.param(raw, place)?;
            // An operation-level param overrides a path-level one of the same
            // (name, location), as Swagger specifies.
            params.retain(|p| !(p.name == param.name && p.location == param.location));
            params.push(param);
        }
        for param in params {
            operation = operation.with_param(param);
        }

        if let Some(responses) = op.get("responses").and_then(Value::as_mapping) {
            for (code, response) in responses {
                operation
                    .responses
                    .push(self.response(code, response, place)?);
            }
        }
        operation.hijacks = hijacks(&operation);
        Ok(operation)
    }

    fn param(&self, raw: &Value, place: &str) -> Result<Param, Error> {
        let file = self.file;
        let raw = self.resolve(raw, "#/parameters/", self.parameters, place)?;
        let map = raw
            .as_mapping()
            .ok_or_else(|| Error::swagger(file, place, "a parameter is not a mapping"))?;
        let name = map
            .get("name")
            .and_then(scalar_text)
            .ok_or_else(|| Error::swagger(file, place, "a parameter has no `name`"))?;
        let location: Location = map
            .get("in")
            .and_then(scalar_text)
            .ok_or_else(|| Error::swagger(file, place, format!("parameter {name:?} has no `in`")))?
            .parse()
            .map_err(|e: Error| Error::swagger(file, place, format!("parameter {name:?}: {e}")))?;
        let at = |msg: String| {
            Error::swagger(
                file,
                place,
                format!("parameter {name:?} ({location}): {msg}"),
            )
        };
        // Gorilla-mux path params of podman v3.0–v3.1.2 are named `name:.*`.
        let name = match location {
            Location::Path => name.split(':').next().unwrap_or(&name).to_owned(),
            _ => name.clone(),
        };
        let typed = match location {
            Location::Body => map.get("schema").and_then(Value::as_mapping).unwrap_or(map),
            _ => map,
        };
        let kind = match location {
            Location::Body => kind_of(typed).unwrap_or(Ok(ParamType::Object)),
            _ => kind_of(typed).unwrap_or(Ok(ParamType::String)),
        }
        .map_err(at)?;
        let mut param = Param::new(&name, location, kind);
        param.required = map
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(location == Location::Path);
        param.description = text(map.get("description")).into();
        param.format = typed.get("format").and_then(scalar_text).map(Into::into);
        let enum_source = match typed.get("enum") {
            Some(e) => Some(e),
            None => typed.get("items").and_then(|i| i.get("enum")),
        };
        if let Some(values) = enum_source.and_then(Value::as_sequence) {
            param.enum_values = values
                .iter()
                .map(to_json)
                .collect::<Result<_, _>>()
                .map_err(at)?;
        }
        if let Some(default) = typed.get("default") {
            param.default = Some(to_json(default).map_err(at)?);
        }
        if let Some(cf) = map.get("collectionFormat").and_then(scalar_text) {
            param.collection_format = Some(
                cf.parse::<CollectionFormat>()
                    .map_err(|e| at(e.to_string()))?,
            );
        }
        Ok(param)
    }

    fn response(&self, code: &Value, response: &Value, place: &str) -> Result<ResponseCode, Error> {
        let file = self.file;
        // Docker writes response codes as YAML integers, podman as strings.
        let code = match code {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()).map(Some),
            Value::String(s) if s == "default" => Some(None),
            Value::String(s) => s.parse::<u16>().ok().map(Some),
            _ => None,
        }
        .ok_or_else(|| {
            Error::swagger(
                file,
                place,
                format!("response code {code:?} is neither an HTTP status nor `default`"),
            )
        })?;
        // Some podman responses `$ref` a schema (`#/definitions/IDResponse`)
        // instead of a response; such a response has no description.
        let is_schema_ref = response
            .get("$ref")
            .and_then(Value::as_str)
            .is_some_and(|r| r.starts_with("#/definitions/"));
        let response = if is_schema_ref {
            response
        } else {
            self.resolve(response, "#/responses/", self.responses, place)?
        };
        Ok(ResponseCode {
            code,
            description: text(response.get("description")).into(),
        })
    }

    /// Follows a local `$ref` (`#/responses/X`, `#/parameters/X`) to the
    /// top-level section; a value without `$ref` is returned as it is.
    fn resolve<'v>(
        &self,
        value: &'v Value,
        prefix: &str,
        section: Option<&'v Mapping>,
        place: &str,
    ) -> Result<&'v Value, Error>
    where
        Self: 'v,
    {
        let Some(target) = value.get("$ref").and_then(Value::as_str) else {
            return Ok(value);
        };
        let name = target.strip_prefix(prefix).ok_or_else(|| {
            Error::swagger(
                self.file,
                place,
                format!("unsupported $ref {target:?}; expected one starting with {prefix:?}"),
            )
        })?;
        section.and_then(|s| s.get(name)).ok_or_else(|| {
            Error::swagger(
                self.file,
                place,
                format!("$ref {target:?} points to nothing in the document"),
            )
        })
    }
}

/// Whether an operation takes over the connection as a raw stream. See
/// [`Operation::hijacks`] for the rule and why each part is there.
fn hijacks(op: &Operation) -> bool {
    if op.method != Method::Post {
        // GET attach/ws upgrades to a websocket and GET logs streams; neither
        // hands over a raw bidirectional socket.
        return false;
    }
    let upgrade = op.responses.iter().any(|r| r.code == Some(101));
    let raw = op
        .produces
        .iter()
        .any(|p| p == "application/vnd.docker.raw-stream");
    // Podman's exec start documents neither 101 nor raw-stream, only this.
    let described = {
        let d = op.description.to_ascii_lowercase();
        d.contains("hijack") || d.contains("interactive session")
    };
    upgrade || raw || described
}

/// The type of a param or schema mapping, `None` when it declares none.
fn kind_of(map: &Mapping) -> Option<Result<ParamType, String>> {
    let name = map.get("type").and_then(scalar_text)?;
    Some(match name.as_str() {
        "array" => match map.get("items").and_then(Value::as_mapping) {
            Some(items) => match kind_of(items) {
                Some(inner) => inner.map(|t| ParamType::Array(Box::new(t))),
                None => Ok(ParamType::Array(Box::new(ParamType::Object))),
            },
            None => Ok(ParamType::Array(Box::new(ParamType::String))),
        },
        other => other.parse().map_err(|e: Error| e.to_string()),
    })
}

fn to_json(value: &Value) -> Result<serde_json::Value, String> {
    serde_json::to_value(value).map_err(|e| format!("value {value:?} has no JSON form: {e}"))
}

/// A scalar as text: strings as they are, numbers and booleans printed.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text(value: Option<&Value>) -> String {
    value.and_then(scalar_text).unwrap_or_default()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_sequence)
        .map(|seq| seq.iter().filter_map(scalar_text).collect())
        .unwrap_or_default()
}

/// Gives the operations of `spec` the ids their (method, path) has in
/// `reference`, keeping the old id as the alias. See [`Spec::align_ids`].
pub(crate) fn align(spec: &Spec, reference: &Spec) -> Result<Spec, Error> {
    let by_route: HashMap<(Method, &str), &str> = reference
        .operations()
        .map(|op| ((op.method, op.path()), op.id()))
        .collect();
    let mut ops: Vec<Operation> = spec.operations().cloned().collect();
    for op in &mut ops {
        if let Some(&new_id) = by_route.get(&(op.method, op.path())) {
            if new_id != op.id {
                let old = std::mem::replace(&mut op.id, new_id.to_owned().into());
                op.original_id.get_or_insert(old);
            }
        }
    }
    let mut seen: HashMap<&str, &Operation> = HashMap::new();
    for op in &ops {
        if let Some(other) = seen.insert(op.id(), op) {
            return Err(Error::swagger(
                &format!("{} {}", spec.engine, spec.version),
                format!("{} {}", op.method, op.path),
                format!(
                    "aligning ids with {} gives id {:?} to this operation and to {} {}",
                    reference.version, op.id, other.method, other.path
                ),
            ));
        }
    }
    Ok(Spec::build(spec.engine, spec.version.clone(), ops))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories() {
        assert_eq!(category_of("/containers/json"), "containers");
        assert_eq!(category_of("/_ping"), "_ping");
        assert_eq!(category_of("/libpod/containers/json"), "libpod/containers");
        assert_eq!(category_of("/libpod/_ping"), "libpod/_ping");
        assert_eq!(category_of("/libpod"), "libpod");
        assert_eq!(category_of("/"), "");
    }

    #[test]
    fn templates() {
        assert_eq!(
            normalise_template("/images/{name:.*}/json"),
            "/images/{name}/json"
        );
        assert_eq!(
            normalise_template("/a/{id:[0-9]{2}}/b/{x}"),
            "/a/{id}/b/{x}"
        );
        assert_eq!(normalise_template("/containers/json"), "/containers/json");
    }
}
