//! The online source of `update-specs`: downloads the upstream Swagger files
//! through the project's own transport into a folder laid out like `--from`
//! (`docker/v1.41.yaml`, `podman/v4.3.1.yaml`), which the offline path then
//! reads. One code path turns files into `specs/`, whatever their origin.
//!
//! Official locations: Docker's versioned spec files on docs.docker.com,
//! Podman's per-release swagger files in the bucket its CI publishes to.
//! `--base-url URL` replaces both with `URL/<engine>/<version>.yaml`, so a
//! test (or a mirror) can serve the files itself.

use std::fs;
use std::path::Path;

use contajners_spec::Engine;
use contajners_transport::{Request, Transport};

/// Where one file comes from: the transport's endpoint and the request path.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Location {
    endpoint: String,
    path: String,
}

/// The official location of a version's spec file.
fn official(engine: Engine, version: &str) -> Location {
    match engine {
        Engine::Podman => Location {
            endpoint: "https://storage.googleapis.com".into(),
            path: format!("/libpod-master-releases/swagger-{version}.yaml"),
        },
        // Docker, and any engine added later until it has its own source.
        _ => Location {
            endpoint: "https://docs.docker.com".into(),
            path: format!("/reference/api/engine/version/{version}.yaml"),
        },
    }
}

/// The location under `--base-url`: `<base>/<engine>/<version>.yaml`.
fn mirrored(base: &str, engine: Engine, version: &str) -> Result<Location, String> {
    let base = base.trim_end_matches('/');
    let scheme_end = base.find("://").ok_or_else(|| {
        format!("--base-url {base:?} needs a scheme: http://host[:port][/prefix] or https://…")
    })?;
    let after = &base[scheme_end + 3..];
    let (authority, prefix) = after.split_at(after.find('/').unwrap_or(after.len()));
    if authority.is_empty() {
        return Err(format!("--base-url {base:?} has no host"));
    }
    Ok(Location {
        endpoint: format!("{}{authority}", &base[..scheme_end + 3]),
        path: format!("{prefix}/{engine}/{version}.yaml"),
    })
}

pub(super) fn location(
    base: Option<&str>,
    engine: Engine,
    version: &str,
) -> Result<Location, String> {
    match base {
        Some(base) => mirrored(base, engine, version),
        None => Ok(official(engine, version)),
    }
}

/// Downloads each (engine, version) into `dir/<engine>/<version>.yaml`.
pub(super) fn download(
    wanted: &[(Engine, String)],
    base: Option<&str>,
    dir: &Path,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime for the downloads: {e}"))?;
    runtime.block_on(async {
        let mut transports: Vec<(String, Transport)> = Vec::new();
        for (engine, version) in wanted {
            let at = location(base, *engine, version)?;
            let transport = match transports.iter().find(|(e, _)| *e == at.endpoint) {
                Some((_, t)) => t.clone(),
                None => {
                    let t = Transport::builder(at.endpoint.clone())
                        .connect_timeout(std::time::Duration::from_secs(20))
                        .call_timeout(std::time::Duration::from_secs(120))
                        .build()
                        .map_err(|e| format!("cannot reach {}: {e}", at.endpoint))?;
                    transports.push((at.endpoint.clone(), t.clone()));
                    t
                }
            };
            let url = format!("{}{}", at.endpoint, at.path);
            let response = transport
                .fetch(Request::new(http::Method::GET, at.path.clone()))
                .await
                .map_err(|e| format!("cannot download {url}: {e}"))?;
            if !response.status().is_success() {
                return Err(format!(
                    "cannot download {url}: the server answered {}",
                    response.status()
                ));
            }
            let target = dir.join(engine.as_str()).join(format!("{version}.yaml"));
            fs::create_dir_all(target.parent().unwrap_or(dir))
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            fs::write(&target, response.body())
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            println!("downloaded {url}");
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_locations() {
        let d = location(None, Engine::Docker, "v1.41").expect("location");
        assert_eq!(d.endpoint, "https://docs.docker.com");
        assert_eq!(d.path, "/reference/api/engine/version/v1.41.yaml");
        let p = location(None, Engine::Podman, "v4.3.1").expect("location");
        assert_eq!(p.path, "/libpod-master-releases/swagger-v4.3.1.yaml");
    }

    #[test]
    fn base_url_keeps_its_prefix() {
        let m = location(
            Some("http://127.0.0.1:8080/mirror/"),
            Engine::Podman,
            "v4.3.1",
        )
        .expect("location");
        assert_eq!(
            m,
            Location {
                endpoint: "http://127.0.0.1:8080".into(),
                path: "/mirror/podman/v4.3.1.yaml".into()
            }
        );
        assert!(location(Some("127.0.0.1:8080"), Engine::Docker, "v1.41").is_err());
    }
}
