//! Param values as text, by the spec's type of the param.

use std::borrow::Cow;

use base64::Engine as _;
use contajners_spec::{CollectionFormat, Location, Operation, Param, ParamType};
use serde_json::Value;

use crate::error::RequestError;

/// How a param's value goes on the wire: one text, or one text per array item
/// (the `multi` collection format: the key repeated).
#[derive(Debug)]
pub(crate) enum Encoded<'a> {
    One(Cow<'a, str>),
    Repeated(Vec<Cow<'a, str>>),
}

/// Encodes `value` for `param` of `op`, or says what type was expected.
pub(crate) fn encode<'a>(
    op: &Operation,
    param: &Param,
    value: &'a Value,
) -> Result<Encoded<'a>, RequestError> {
    if param.location() == Location::Header && is_registry_header(param.name()) {
        if let Value::Object(_) = value {
            return Ok(Encoded::One(Cow::Owned(registry_header(value))));
        }
    }
    match param.kind() {
        ParamType::Array(item) => {
            let items: Vec<Cow<'a, str>> = match value {
                Value::Array(items) => items
                    .iter()
                    .map(|v| scalar(op, param, item, v))
                    .collect::<Result<_, _>>()?,
                // One value given for an array param: an array of one.
                other => vec![scalar(op, param, item, other)?],
            };
            let sep = match param.collection_format().unwrap_or(CollectionFormat::Csv) {
                CollectionFormat::Multi => return Ok(Encoded::Repeated(items)),
                CollectionFormat::Csv => ",",
                CollectionFormat::Ssv => " ",
                CollectionFormat::Tsv => "\t",
                CollectionFormat::Pipes => "|",
            };
            Ok(Encoded::One(Cow::Owned(items.join(sep))))
        }
        kind => scalar(op, param, kind, value).map(Encoded::One),
    }
}

/// The base64url JSON the engines expect in `X-Registry-Auth` and
/// `X-Registry-Config`. They decode it with `base64.URLEncoding`: standard
/// base64 breaks for credentials whose encoding has `+` or `/`.
pub(crate) fn registry_header(value: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(json_text(value))
}

/// Compact JSON, written straight to bytes (faster than `Display`).
fn json_text(value: &Value) -> String {
    // Serializing a `Value` to a string cannot fail: its keys are strings.
    serde_json::to_string(value).unwrap_or_default()
}

/// `X-Registry-Auth` and `X-Registry-Config`: objects become base64url JSON.
fn is_registry_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("X-Registry-Auth") || name.eq_ignore_ascii_case("X-Registry-Config")
}

fn scalar<'a>(
    op: &Operation,
    param: &Param,
    kind: &ParamType,
    value: &'a Value,
) -> Result<Cow<'a, str>, RequestError> {
    let text = match (kind, value) {
        (ParamType::String, Value::String(s)) => Cow::Borrowed(s.as_str()),
        (ParamType::String, Value::Number(n)) => Cow::Owned(n.to_string()),
        // A JSON object or array for a string param (filters, labels,
        // buildargs, …) is what the engine expects JSON-encoded.
        (ParamType::String | ParamType::Object, Value::Object(_) | Value::Array(_)) => {
            Cow::Owned(json_text(value))
        }
        (ParamType::Object, Value::String(s)) => Cow::Borrowed(s.as_str()),
        (ParamType::Boolean, Value::Bool(b)) => Cow::Borrowed(if *b { "true" } else { "false" }),
        (ParamType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => {
            Cow::Owned(n.to_string())
        }
        (ParamType::Number, Value::Number(n)) => Cow::Owned(n.to_string()),
        _ => return Err(wrong_type(op, param, kind, value)),
    };
    Ok(text)
}

fn wrong_type(op: &Operation, param: &Param, kind: &ParamType, value: &Value) -> RequestError {
    let expected = match kind {
        ParamType::String => "a string (or a JSON object/array, sent JSON-encoded)",
        ParamType::Integer => "an integer",
        ParamType::Number => "a number",
        ParamType::Boolean => "a boolean (true or false)",
        ParamType::Object => "a JSON object",
        ParamType::File => "data, not a param",
        ParamType::Array(_) => "an array",
    };
    let got = match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    };
    RequestError::new(format!(
        "param `{}` ({}) of {} must be {expected}, got {got}",
        param.name(),
        param.location().as_str(),
        op.id()
    ))
}
