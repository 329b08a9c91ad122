//! Generated specs round-trip through the compact form.

use proptest::prelude::*;
use serde_json::Value;

use crate::compact::{decode, decode_version, encode};
use crate::{
    CollectionFormat, Engine, Location, Method, Operation, Param, ParamType, ResponseCode, Spec,
};

/// Text with the characters the format must escape or keep: newlines,
/// carriage returns, backslashes, spaces, commas, colons, dashes, unicode.
fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9 ,:\\-\\\\\n\r\té€{}/]{0,24}").expect("valid regex")
}

fn kind() -> impl Strategy<Value = ParamType> {
    let leaf = prop_oneof![
        Just(ParamType::String),
        Just(ParamType::Integer),
        Just(ParamType::Number),
        Just(ParamType::Boolean),
        Just(ParamType::Object),
        Just(ParamType::File),
    ];
    leaf.prop_recursive(2, 4, 1, |inner| {
        inner.prop_map(|t| ParamType::Array(Box::new(t)))
    })
}

fn json() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ]
}

fn param() -> impl Strategy<Value = Param> {
    let location = prop_oneof![
        Just(Location::Path),
        Just(Location::Query),
        Just(Location::Header),
        Just(Location::Body),
        Just(Location::FormData),
    ];
    let cf = proptest::option::of(prop_oneof![
        Just(CollectionFormat::Csv),
        Just(CollectionFormat::Ssv),
        Just(CollectionFormat::Tsv),
        Just(CollectionFormat::Pipes),
        Just(CollectionFormat::Multi),
    ]);
    (
        "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        location,
        kind(),
        proptest::option::of(text()),
        proptest::collection::vec(json(), 0..3),
        proptest::option::of(json()),
        any::<bool>(),
        cf,
        text(),
    )
        .prop_map(
            |(name, location, kind, format, enums, default, required, cf, description)| {
                let mut p = Param::new(&name, location, kind).with_required(required);
                p.format = format.map(Into::into);
                p.enum_values = enums;
                p.default = default;
                p.collection_format = cf;
                p.description = description.into();
                p
            },
        )
}

fn operation() -> impl Strategy<Value = Operation> {
    let method = proptest::sample::select(Method::ALL.to_vec());
    (
        "[A-Z][a-zA-Z]{0,10}",
        proptest::option::of("[a-z][a-zA-Z]{0,10}"),
        method,
        "(/libpod)?(/[a-z_{}]{1,6}){1,3}",
        (text(), text(), any::<bool>(), text()),
        proptest::collection::vec(param(), 0..4),
        (
            proptest::collection::vec(text(), 0..3),
            proptest::collection::vec(text(), 0..3),
            any::<bool>(),
        ),
        proptest::collection::vec((proptest::option::of(100u16..600), text()), 0..4),
    )
        .prop_map(
            |(
                id,
                alias,
                method,
                path,
                (summary, description, deprecated, tag),
                params,
                (consumes, produces, hijacks),
                responses,
            )| {
                let mut op = Operation::new(&id, method, &path);
                op.original_id = alias.map(Into::into);
                op.summary = summary.into();
                op.description = description.into();
                op.deprecated = deprecated;
                op.tag = tag.into();
                for p in params {
                    op = op.with_param(p);
                }
                op.consumes = consumes;
                op.produces = produces;
                op.hijacks = hijacks;
                op.responses = responses
                    .into_iter()
                    .map(|(c, d)| ResponseCode {
                        code: c,
                        description: d.into(),
                    })
                    .collect();
                op
            },
        )
}

fn spec(version: String) -> impl Strategy<Value = Spec> {
    let engine = prop_oneof![Just(Engine::Docker), Just(Engine::Podman)];
    (engine, proptest::collection::vec(operation(), 0..6)).prop_map(move |(engine, mut ops)| {
        // Ids are unique within a version, as the parser guarantees.
        let mut seen = std::collections::HashSet::new();
        ops.retain(|op| seen.insert(op.id.clone()));
        Spec::new(engine, &version, ops)
    })
}

proptest! {
    #[test]
    fn one_spec_round_trips(spec in spec("v1.2.3".to_owned())) {
        let text = encode(std::slice::from_ref(&spec)).expect("encodes");
        prop_assert_eq!(decode_version(&text, "1.2.3").expect("decodes"), spec);
    }

    #[test]
    fn several_versions_round_trip(a in spec("v1.10".to_owned()), b in spec("v1.9".to_owned())) {
        let b = Spec::new(a.engine, b.version(), b.operations().cloned().collect());
        let text = encode(&[a.clone(), b.clone()]).expect("encodes");
        prop_assert_eq!(decode(&text).expect("decodes"), vec![b, a]);
    }
}

proptest! {
    /// Damaged compact text is an error, never a panic: any line of a valid
    /// file replaced by arbitrary text.
    #[test]
    fn damaged_text_never_panics(spec in spec("v2.0".to_owned()), line in 0usize..64, junk in "[ -~]{0,20}") {
        let text = encode(std::slice::from_ref(&spec)).expect("encodes");
        let mut lines: Vec<&str> = text.split('\n').collect();
        let at = line % lines.len();
        lines[at] = &junk;
        let damaged = lines.join("\n");
        let _ = decode(&damaged);
        let _ = decode_version(&damaged, "v2.0");
    }
}
