//! The layer rules of ARCHITECTURE.md, checked on the manifests: each
//! `crates/*/Cargo.toml` is parsed and its dependencies (normal, build and
//! per-target; dev-dependencies are test code, not the layer) are held
//! against the rules. A broken rule fails naming the rule and the crate.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One rule: `package` must not depend on any of `forbidden`.
struct Rule {
    name: &'static str,
    package: &'static str,
    forbidden: &'static [&'static str],
}

const RULES: &[Rule] = &[
    Rule {
        name: "contajners-spec does no IO and no async",
        package: "contajners-spec",
        forbidden: &[
            "tokio",
            "hyper",
            "hyper-util",
            "rustls",
            "tokio-rustls",
            "contajners-transport",
            "contajners-dispatch",
        ],
    },
    Rule {
        name: "contajners-transport knows no spec",
        package: "contajners-transport",
        forbidden: &["contajners-spec", "contajners-dispatch"],
    },
    Rule {
        name: "no layer depends upward: spec never depends on the facade",
        package: "contajners-spec",
        forbidden: &["contajners"],
    },
    Rule {
        name: "no layer depends upward: transport never depends on the facade",
        package: "contajners-transport",
        forbidden: &["contajners"],
    },
    Rule {
        name: "no layer depends upward: dispatch never depends on the facade",
        package: "contajners-dispatch",
        forbidden: &["contajners"],
    },
];

/// Nothing in `crates/` depends on the workspace's own tooling.
const TOOLING: &[&str] = &["xtask", "contajners-tests", "contajners-benches"];

/// The command sits on top of everything: no library depends on it.
const COMMAND: &str = "contajners-cli";

/// A manifest's package name and the names of the packages it depends on
/// (renames resolved through `package = "…"`).
#[derive(Debug)]
struct Manifest {
    package: String,
    dependencies: BTreeSet<String>,
}

fn parse(text: &str) -> Result<Manifest, String> {
    let doc: toml::Table = text.parse().map_err(|e| format!("not TOML: {e}"))?;
    let package = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .ok_or("no [package] name")?
        .to_string();
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "build-dependencies"] {
        if let Some(table) = doc.get(key).and_then(|t| t.as_table()) {
            tables.push(table);
        }
    }
    if let Some(targets) = doc.get("target").and_then(|t| t.as_table()) {
        for target in targets.values().filter_map(|t| t.as_table()) {
            for key in ["dependencies", "build-dependencies"] {
                if let Some(table) = target.get(key).and_then(|t| t.as_table()) {
                    tables.push(table);
                }
            }
        }
    }
    let dependencies = tables
        .into_iter()
        .flat_map(|table| table.iter())
        .map(|(key, spec)| {
            spec.get("package")
                .and_then(|p| p.as_str())
                .unwrap_or(key)
                .to_string()
        })
        .collect();
    Ok(Manifest {
        package,
        dependencies,
    })
}

/// Every broken rule, one line each: the rule, the crate, the dependency.
fn violations(manifests: &[Manifest]) -> Vec<String> {
    let mut out = Vec::new();
    for manifest in manifests {
        for rule in RULES.iter().filter(|r| r.package == manifest.package) {
            for dep in rule.forbidden {
                if manifest.dependencies.contains(*dep) {
                    out.push(format!(
                        "rule \"{}\" broken: {} depends on {dep}",
                        rule.name, manifest.package
                    ));
                }
            }
        }
        if manifest.package != COMMAND && manifest.dependencies.contains(COMMAND) {
            out.push(format!(
                "rule \"no layer depends upward: no library depends on the command\" broken: {} depends on {COMMAND}",
                manifest.package
            ));
        }
        for dep in TOOLING {
            if manifest.dependencies.contains(*dep) {
                out.push(format!(
                    "rule \"nothing in crates/ depends on xtask, tests or benches\" broken: {} depends on {dep}",
                    manifest.package
                ));
            }
        }
    }
    out
}

fn crate_manifests() -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&crates)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", crates.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("Cargo.toml"))
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    paths
}

#[test]
fn the_workspace_keeps_its_layer_rules() {
    let manifests: Vec<Manifest> = crate_manifests()
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        })
        .collect();
    let names: BTreeSet<&str> = manifests.iter().map(|m| m.package.as_str()).collect();
    for layer in [
        "contajners-spec",
        "contajners-transport",
        "contajners-dispatch",
        "contajners",
    ] {
        assert!(
            names.contains(layer),
            "no crate {layer} under crates/ (found {names:?})"
        );
    }
    let broken = violations(&manifests);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_checker_catches_a_spec_crate_that_does_io() {
    let bad = r#"
        [package]
        name = "contajners-spec"
        [dependencies]
        serde = { workspace = true }
        async-runtime = { package = "tokio", version = "1" }
        [target.'cfg(unix)'.dependencies]
        contajners-transport = { path = "../transport" }
        [dev-dependencies]
        hyper = "1"
    "#;
    let broken = violations(&[parse(bad).unwrap()]);
    assert_eq!(
        broken,
        [
            "rule \"contajners-spec does no IO and no async\" broken: contajners-spec depends on tokio",
            "rule \"contajners-spec does no IO and no async\" broken: contajners-spec depends on contajners-transport",
        ]
    );
}

#[test]
fn the_checker_catches_a_transport_that_knows_the_spec_or_the_facade() {
    let bad = r#"
        [package]
        name = "contajners-transport"
        [dependencies]
        contajners-spec = { workspace = true }
        contajners = { workspace = true }
        cli = { package = "contajners-cli", path = "../cli" }
        [build-dependencies]
        xtask = { path = "../../xtask" }
    "#;
    let broken = violations(&[parse(bad).unwrap()]);
    assert_eq!(broken.len(), 4, "{broken:#?}");
    assert!(broken[0].contains("knows no spec") && broken[0].ends_with("contajners-spec"));
    assert!(broken[1].contains("transport never depends on the facade"));
    assert!(broken[2].contains("no library depends on the command"));
    assert!(broken[3].contains("depends on xtask"));
}

#[test]
fn the_checker_accepts_a_clean_manifest() {
    let good = r#"
        [package]
        name = "contajners-dispatch"
        [dependencies]
        contajners-spec = { workspace = true }
        contajners-transport = { workspace = true }
        tokio = { workspace = true }
    "#;
    assert_eq!(violations(&[parse(good).unwrap()]), Vec::<String>::new());
}
