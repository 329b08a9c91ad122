//! Every bundled version against its upstream Swagger file: the same
//! operations (count, ids, methods, paths) and the same non-body params.
//!
//! The upstream files live outside the repository (`../shared/upstream-specs`
//! beside the workspace); without them these tests skip with a note.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use contajners_spec::{engines, load, versions, Engine, Location};
use serde::Deserialize;

fn upstream_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/upstream-specs");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} is absent; skipping the comparison with upstream files",
            dir.display()
        );
        None
    }
}

/// Only the parts compared; `definitions` and the rest are skipped unread.
#[derive(Deserialize)]
struct Doc {
    paths: BTreeMap<String, BTreeMap<String, RawOp>>,
}

#[derive(Deserialize)]
struct RawOp {
    #[serde(rename = "operationId")]
    id: String,
    #[serde(default)]
    parameters: Vec<RawParam>,
}

#[derive(Deserialize)]
struct RawParam {
    name: String,
    #[serde(rename = "in")]
    location: String,
}

/// (method, path, upstream id) → non-body (name, in), as upstream writes
/// them except for the gorilla regexes of podman v3.0–v3.1.2, stripped the
/// obvious way (`{name:.*}` → `{name}`).
type Ops = BTreeMap<(String, String, String), BTreeSet<(String, String)>>;

fn strip_regex(s: &str) -> String {
    let mut out = String::new();
    let mut in_var = false;
    let mut skipping = false;
    for c in s.chars() {
        match c {
            '{' if !in_var => {
                in_var = true;
                out.push(c);
            }
            '}' if in_var => {
                in_var = false;
                skipping = false;
                out.push(c);
            }
            ':' if in_var => skipping = true,
            c if !skipping => out.push(c),
            _ => {}
        }
    }
    out
}

fn upstream_ops(dir: &Path, engine: Engine, version: &str) -> Ops {
    let file = dir.join(engine.as_str()).join(format!("{version}.yaml"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let doc: Doc =
        serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut ops = Ops::new();
    for (path, methods) in doc.paths {
        for (method, op) in methods {
            let params = op
                .parameters
                .iter()
                .filter(|p| p.location != "body")
                .map(|p| {
                    let name = if p.location == "path" {
                        p.name.split(':').next().unwrap_or("").to_owned()
                    } else {
                        p.name.clone()
                    };
                    (name, p.location.clone())
                })
                .collect();
            ops.insert(
                (method.to_ascii_uppercase(), strip_regex(&path), op.id),
                params,
            );
        }
    }
    ops
}

fn bundled_ops(engine: Engine, version: &str) -> Ops {
    let spec = load(engine, version).unwrap_or_else(|e| panic!("{e}"));
    spec.operations()
        .map(|op| {
            let params = op
                .params()
                .iter()
                .filter(|p| p.location() != Location::Body)
                .map(|p| (p.name().to_owned(), p.location().as_str().to_owned()))
                .collect();
            let upstream_id = op.original_id().unwrap_or(op.id()).to_owned();
            (
                (
                    op.method().as_str().to_owned(),
                    op.path().to_owned(),
                    upstream_id,
                ),
                params,
            )
        })
        .collect()
}

#[test]
fn every_bundled_version_matches_its_upstream_file() {
    let Some(dir) = upstream_dir() else { return };
    let mut compared = 0;
    for &engine in engines() {
        for version in versions(engine) {
            let upstream = upstream_ops(&dir, engine, version);
            let bundled = bundled_ops(engine, version);
            assert_eq!(
                bundled.len(),
                upstream.len(),
                "{engine} {version}: operation count"
            );
            for (key, params) in &upstream {
                let ours = bundled
                    .get(key)
                    .unwrap_or_else(|| panic!("{engine} {version}: {key:?} is missing"));
                assert_eq!(ours, params, "{engine} {version}: params of {key:?}");
            }
            compared += 1;
        }
    }
    assert!(
        engines().is_empty() || compared > 0,
        "no bundled version was compared"
    );
}

#[test]
fn every_upstream_file_is_bundled() {
    let Some(dir) = upstream_dir() else { return };
    for &engine in engines() {
        let mut on_disk: Vec<String> = std::fs::read_dir(dir.join(engine.as_str()))
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        on_disk.sort_by(|a, b| contajners_spec::compare_versions(a, b));
        assert_eq!(
            versions(engine),
            on_disk,
            "{engine}: bundled versions vs upstream files"
        );
    }
}

/// The bundled specs are what `cargo xtask update-specs` makes of the
/// upstream files today: the committed `specs/` are not stale.
#[test]
fn bundled_specs_equal_a_fresh_parse_of_upstream() {
    let Some(dir) = upstream_dir() else { return };
    for &engine in engines() {
        let mut reference = None;
        for version in versions(engine) {
            let file = dir.join(engine.as_str()).join(format!("{version}.yaml"));
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let name = file.display().to_string();
            let fresh = contajners_spec::Spec::from_swagger_named(engine, version, &text, &name)
                .unwrap_or_else(|e| panic!("{e}"));
            let fresh = match fresh.id_reference() {
                Some(r) => {
                    let reference = reference.get_or_insert_with(|| {
                        let file = dir.join(engine.as_str()).join(format!("{r}.yaml"));
                        let text = std::fs::read_to_string(&file)
                            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                        contajners_spec::Spec::from_swagger_named(engine, r, &text, "reference")
                            .unwrap_or_else(|e| panic!("{e}"))
                    });
                    fresh.align_ids(reference).unwrap_or_else(|e| panic!("{e}"))
                }
                None => fresh,
            };
            let bundled = load(engine, version).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                *bundled == fresh,
                "{engine} {version}: bundled spec differs from {}; run `cargo xtask update-specs`",
                file.display()
            );
        }
    }
}
