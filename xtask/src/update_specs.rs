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

mod online;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Folder holding `docker/v<version>.yaml` and `podman/v<version>.yaml`
    /// [default: ../shared/upstream-specs beside the workspace].
    #[arg(long, conflicts_with_all = ["online", "base_url"])]
    from: Option<PathBuf>,
    /// Download the files from the official locations instead (the
    /// versions already in `specs/`, or `--version`).
    #[arg(long)]
    online: bool,
    /// Download from `URL/<engine>/<version>.yaml` instead of the official
    /// locations (a mirror, or a test server); implies `--online`.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
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
    let out_dir = root.join("specs");
    // Declared here so that the downloads outlive the update that reads them.
    let download_dir;
    let from = if args.online || args.base_url.is_some() {
        download_dir = DownloadDir::new()?;
        let wanted = online_versions(args.engine, args.version.as_deref(), &out_dir)?;
        online::download(&wanted, args.base_url.as_deref(), &download_dir.0)?;
        download_dir.0.clone()
    } else {
        match &args.from {
            Some(dir) => dir.clone(),
            None => root.join("../shared/upstream-specs"),
        }
    };
    let stale = update(
        &from,
        &out_dir,
        args.engine,
        args.version.as_deref(),
        args.check,
    )?;
    if stale.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "error: {} {} from a fresh generation; run `cargo xtask update-specs{}` and commit the result",
        stale.join(", "),
        if stale.len() == 1 { "differs" } else { "differ" },
        rerun_args(&args)
    );
    Ok(ExitCode::FAILURE)
}

/// The arguments that reproduce this run without `--check`.
fn rerun_args(args: &Args) -> String {
    let mut out = String::new();
    if let Some(dir) = &args.from {
        out.push_str(&format!(" --from {}", dir.display()));
    }
    if let Some(url) = &args.base_url {
        out.push_str(&format!(" --base-url {url}"));
    } else if args.online {
        out.push_str(" --online");
    }
    if let Some(engine) = args.engine {
        out.push_str(&format!(" --engine {engine}"));
    }
    if let Some(version) = &args.version {
        out.push_str(&format!(" --version {version}"));
    }
    out
}

/// What to download: `--version` of `--engine` (plus the version its ids are
/// aligned with), else every version already in `specs/` of the engines.
fn online_versions(
    engine: Option<Engine>,
    version: Option<&str>,
    out_dir: &Path,
) -> Result<Vec<(Engine, String)>, String> {
    let engines: Vec<Engine> = engine.map_or_else(|| Engine::ALL.to_vec(), |e| vec![e]);
    let mut wanted = Vec::new();
    for engine in engines {
        if let Some(v) = version {
            let v = format!("v{}", v.trim_start_matches('v'));
            if let Some(reference) = Spec::new(engine, &v, Vec::new()).id_reference() {
                wanted.push((engine, reference.to_owned()));
            }
            wanted.push((engine, v));
            continue;
        }
        let file = out_dir.join(format!("{engine}.compact"));
        let text = fs::read_to_string(&file).map_err(|e| {
            format!(
                "cannot read {} to know which versions to download ({e}); pass --version",
                file.display()
            )
        })?;
        for spec in compact::decode(&text).map_err(|e| format!("{}: {e}", file.display()))? {
            wanted.push((engine, spec.version().to_owned()));
        }
    }
    Ok(wanted)
}

/// A temporary folder for downloads, removed when dropped.
struct DownloadDir(PathBuf);

impl DownloadDir {
    fn new() -> Result<DownloadDir, String> {
        let dir =
            std::env::temp_dir().join(format!("contajners-upstream-specs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(DownloadDir(dir))
    }
}

impl Drop for DownloadDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
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

    /// Serves `files` (request path → body) over HTTP/1.1 on 127.0.0.1,
    /// one request per connection; unknown paths get a 404.
    fn serve(files: Vec<(String, String)>) -> String {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request_line.split(' ').nth(1).unwrap_or("");
                let (status, body) = match files.iter().find(|(p, _)| p == path) {
                    Some((_, body)) => ("200 OK", body.as_str()),
                    None => ("404 Not Found", "not here"),
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        format!("http://{addr}/mirror")
    }

    #[test]
    fn online_mode_downloads_through_the_transport() {
        let base = serve(vec![
            ("/mirror/docker/v1.40.yaml".to_owned(), V1.to_owned()),
            ("/mirror/docker/v1.41.yaml".to_owned(), V2.to_owned()),
        ]);
        let downloaded = tempdir();
        let wanted = [
            (Engine::Docker, "v1.40".to_owned()),
            (Engine::Docker, "v1.41".to_owned()),
        ];
        online::download(&wanted, Some(&base), downloaded.path()).expect("downloads");

        let offline = folder(&[("v1.40.yaml", V1), ("v1.41.yaml", V2)]);
        let (a, b) = (tempdir(), tempdir());
        update(
            downloaded.path(),
            a.path(),
            Some(Engine::Docker),
            None,
            false,
        )
        .expect("from download");
        update(offline.path(), b.path(), Some(Engine::Docker), None, false).expect("from folder");
        let read = |d: &TempDir| fs::read(d.path().join("docker.compact")).expect("written");
        assert_eq!(read(&a), read(&b));

        let err = online::download(
            &[(Engine::Docker, "v9.99".to_owned())],
            Some(&base),
            downloaded.path(),
        )
        .expect_err("404");
        assert!(
            err.contains("/mirror/docker/v9.99.yaml") && err.contains("404"),
            "{err}"
        );
    }
}
