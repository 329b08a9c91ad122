//! `cargo xtask update-specs`: regenerates `specs/<engine>.compact` from
//! the upstream Swagger files.
//!
//! The source folder is laid out as `docker/v1.41.yaml`,
//! `podman/v4.3.1.yaml` (`--from`, default `../shared/upstream-specs`
//! beside the workspace). `--engine` and `--version` refresh a subset: the
//! other versions already in `specs/` are kept. `--check` writes nothing
//! and fails, naming the command to run, when `specs/` differs from a fresh
//! generation. The output is a pure function of the input files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use contajners_spec::{compact, Engine, Spec};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Folder holding `docker/v<version>.yaml` and `podman/v<version>.yaml`
    /// [default: ../shared/upstream-specs beside the workspace].
    #[arg(long)]
    from: Option<PathBuf>,
    /// Refresh only this engine (`docker` or `podman`).
    #[arg(long)]
    engine: Option<Engine>,
    /// Refresh only this version (`v1.41` or `1.41`); needs `--engine`.
    #[arg(long, requires = "engine")]
    version: Option<String>,
    /// Write nothing; fail if `specs/` differs from a fresh generation.
    #[arg(long)]
    check: bool,
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    let from = match &args.from {
        Some(dir) => dir.clone(),
        None => root.join("../shared/upstream-specs"),
    };
    let stale = update(
        &from,
        &root.join("specs"),
        args.engine,
        args.version.as_deref(),
        args.check,
    )?;
    if stale.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "error: {} differ from a fresh generation; run `cargo xtask update-specs{}` and commit the result",
        stale.join(", "),
        args.from.as_ref().map(|d| format!(" --from {}", d.display())).unwrap_or_default()
    );
    Ok(ExitCode::FAILURE)
}

/// Regenerates (or, with `check`, compares) `out_dir/<engine>.compact`;
/// returns the files that differ when checking.
fn update(
    from: &Path,
    out_dir: &Path,
    engine: Option<Engine>,
    version: Option<&str>,
    check: bool,
) -> Result<Vec<String>, String> {
    if !from.is_dir() {
        return Err(format!(
            "no upstream spec folder at {}; pass --from DIR (a folder with docker/v1.41.yaml, podman/v4.3.1.yaml, …)",
            from.display()
        ));
    }
    let engines: Vec<Engine> = match engine {
        Some(engine) => vec![engine],
        None => Engine::ALL.to_vec(),
    };
    let mut stale = Vec::new();
    for engine in engines {
        let fresh = generate(engine, from, out_dir, version)?;
        let target = out_dir.join(format!("{engine}.compact"));
        let current = fs::read_to_string(&target).unwrap_or_default();
        if current == fresh {
            println!("{}: up to date", target.display());
        } else if check {
            stale.push(target.display().to_string());
        } else {
            fs::create_dir_all(out_dir)
                .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
            fs::write(&target, fresh)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            println!("{}: written", target.display());
        }
    }
    Ok(stale)
}

/// The compact text for `engine`: every upstream file in `from/<engine>/`,
/// or, with `only`, that one version merged into the versions already in
/// `specs/`.
fn generate(
    engine: Engine,
    from: &Path,
    out_dir: &Path,
    only: Option<&str>,
) -> Result<String, String> {
    let files = upstream_files(engine, from)?;
    let mut specs: BTreeMap<String, Spec> = BTreeMap::new();
    let wanted: Vec<(&String, &PathBuf)> = match only {
        Some(v) => {
            let v = format!("v{}", v.trim_start_matches('v'));
            let hit = files.iter().find(|(name, _)| **name == v).ok_or_else(|| {
                format!(
                    "no {engine} {v} in {}; it has {}",
                    from.display(),
                    files.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?;
            let existing = out_dir.join(format!("{engine}.compact"));
            if let Ok(text) = fs::read_to_string(&existing) {
                for spec in
                    compact::decode(&text).map_err(|e| format!("{}: {e}", existing.display()))?
                {
                    specs.insert(spec.version().to_owned(), spec);
                }
            }
            vec![hit]
        }
        None => files.iter().collect(),
    };
    // Old podman ids are aligned with a freshly parsed reference version, so
    // the output depends on the input files only, not on what is bundled.
    let mut references: BTreeMap<&'static str, Spec> = BTreeMap::new();
    for (version, path) in wanted {
        let spec = parse(engine, version, path)?;
        let spec = match spec.id_reference() {
            Some(reference) => {
                if !references.contains_key(reference) {
                    let ref_path = files.get(reference).ok_or_else(|| {
                        format!(
                            "{} needs {reference} in the same folder to map its operation ids",
                            path.display()
                        )
                    })?;
                    references.insert(reference, parse(engine, reference, ref_path)?);
                }
                let reference = &references[reference];
                spec.align_ids(reference).map_err(|e| e.to_string())?
            }
            None => spec,
        };
        specs.insert(version.clone(), spec);
    }
    let all: Vec<Spec> = specs.into_values().collect();
    compact::encode(&all).map_err(|e| e.to_string())
}

fn parse(engine: Engine, version: &str, path: &Path) -> Result<Spec, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Spec::from_swagger_named(engine, version, &text, &path.display().to_string())
        .map_err(|e| e.to_string())
}

/// `from/<engine>/v*.yaml|json`, by version name.
fn upstream_files(engine: Engine, from: &Path) -> Result<BTreeMap<String, PathBuf>, String> {
    let dir = from.join(engine.as_str());
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut files = BTreeMap::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        let (Some(stem), Some(ext)) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        if stem.starts_with('v') && matches!(ext, "yaml" | "yml" | "json") {
            files.insert(stem.to_owned(), path.clone());
        }
    }
    if files.is_empty() {
        return Err(format!("no v*.yaml files in {}", dir.display()));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "swagger: \"2.0\"\npaths:\n  /_ping:\n    get:\n      operationId: SystemPing\n      responses:\n        200: {description: ok}\n";
    const V2: &str = "swagger: \"2.0\"\npaths:\n  /_ping:\n    get:\n      operationId: SystemPing\n      responses:\n        200: {description: fine}\n";

    /// A fresh folder under the system temp dir, removed on drop (xtask
    /// keeps its dependencies few, so no tempfile crate).
    struct TempDir(PathBuf);

    impl TempDir {
        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn tempdir() -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("xtask-update-specs-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn folder(files: &[(&str, &str)]) -> TempDir {
        let dir = tempdir();
        for (name, text) in files {
            let path = dir.path().join("docker").join(name);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, text).expect("write");
        }
        dir
    }

    #[test]
    fn same_input_same_bytes_and_check_detects_drift() {
        let src = folder(&[("v1.40.yaml", V1), ("v1.41.yaml", V2)]);
        let out = tempdir();
        let specs = out.path().join("specs");
        assert!(
            update(src.path(), &specs, Some(Engine::Docker), None, false)
                .expect("writes")
                .is_empty()
        );
        let first = fs::read(specs.join("docker.compact")).expect("written");
        assert!(update(src.path(), &specs, Some(Engine::Docker), None, true)
            .expect("checks")
            .is_empty());
        assert!(
            update(src.path(), &specs, Some(Engine::Docker), None, false)
                .expect("writes")
                .is_empty()
        );
        assert_eq!(
            fs::read(specs.join("docker.compact")).expect("written"),
            first
        );

        fs::write(
            src.path().join("docker/v1.41.yaml"),
            V1.replace("ok", "changed"),
        )
        .expect("write");
        let stale = update(src.path(), &specs, Some(Engine::Docker), None, true).expect("checks");
        assert_eq!(stale.len(), 1, "{stale:?}");
        assert_eq!(
            fs::read(specs.join("docker.compact")).expect("untouched"),
            first
        );
    }

    #[test]
    fn refreshing_one_version_keeps_the_others() {
        let src = folder(&[("v1.40.yaml", V1), ("v1.41.yaml", V2)]);
        let out = tempdir();
        let specs = out.path().join("specs");
        update(src.path(), &specs, Some(Engine::Docker), None, false).expect("writes");
        let full = fs::read_to_string(specs.join("docker.compact")).expect("written");
        // Drop v1.40 from the source, refresh v1.41 only: v1.40 stays.
        fs::remove_file(src.path().join("docker/v1.40.yaml")).expect("rm");
        update(
            src.path(),
            &specs,
            Some(Engine::Docker),
            Some("1.41"),
            false,
        )
        .expect("writes");
        assert_eq!(
            fs::read_to_string(specs.join("docker.compact")).expect("written"),
            full
        );
        let versions: Vec<String> = compact::decode(&full)
            .expect("decodes")
            .iter()
            .map(|s| s.version().to_owned())
            .collect();
        assert_eq!(versions, ["v1.40", "v1.41"]);
    }

    #[test]
    fn bad_input_names_the_file() {
        let src = folder(&[(
            "v1.41.yaml",
            "swagger: \"2.0\"\npaths:\n  /a:\n    get: {summary: x}\n",
        )]);
        let out = tempdir();
        let err =
            update(src.path(), out.path(), Some(Engine::Docker), None, false).expect_err("no id");
        assert!(
            err.contains("v1.41.yaml") && err.contains("GET /a"),
            "{err}"
        );
        let err = update(&out.path().join("absent"), out.path(), None, None, false)
            .expect_err("no folder");
        assert!(err.contains("--from"), "{err}");
    }
}
