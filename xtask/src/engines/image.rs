//! The test image `busybox:musl`: a rootfs tar from the busybox-static
//! package, imported into dockerd, pushed to the registry, and pulled from
//! there into podman.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;

use super::http::{stream_error, Endpoint};
use super::{Layout, Vars};

/// The image name in both engines.
pub(crate) const NAME: &str = "busybox:musl";
const REPO: &str = "busybox";
const TAG: &str = "musl";
const BUSYBOX: &str = "/bin/busybox";
/// A fixed mtime keeps the rootfs tar the same from run to run.
const MTIME: u64 = 1_700_000_000;

pub(crate) fn provision(layout: &Layout, vars: &Vars) -> Result<(), String> {
    let tar = layout.state().join("busybox-rootfs.tar");
    build_rootfs(&tar)?;
    let docker = Endpoint::docker(vars);
    import_into_docker(&docker, &tar)?;
    push_to_registry(&docker, vars)?;
    pull_into_podman(&Endpoint::podman(vars), vars)
}

/// Both engines know the image by its short name.
pub(crate) fn check_present(vars: &Vars) -> Result<(), String> {
    let short = Duration::from_secs(10);
    let docker = Endpoint::docker(vars).call(
        "GET",
        &format!("/v1.41/images/{NAME}/json"),
        &[],
        None,
        short,
    )?;
    if docker.status != 200 {
        return Err(format!(
            "dockerd has no {NAME} ({}: {})",
            docker.status,
            docker.body.trim()
        ));
    }
    let podman = Endpoint::podman(vars).call(
        "GET",
        &format!("/v4.3.1/libpod/images/{NAME}/exists"),
        &[],
        None,
        short,
    )?;
    if podman.status != 204 {
        return Err(format!(
            "podman has no {NAME} ({}: {})",
            podman.status,
            podman.body.trim()
        ));
    }
    Ok(())
}

/// The X-Registry-Auth header value: base64url of the JSON credentials.
pub(crate) fn registry_auth(vars: &Vars) -> String {
    let json = serde_json::json!({
        "username": vars.registry_user,
        "password": vars.registry_password,
        "serveraddress": vars.registry,
    });
    base64::engine::general_purpose::URL_SAFE.encode(json.to_string())
}

/// `/bin/busybox`, a link per applet in /bin, /tmp, /root and a minimal
/// /etc/passwd and /etc/group.
fn build_rootfs(out: &Path) -> Result<(), String> {
    let busybox = std::fs::read(BUSYBOX)
        .map_err(|e| format!("cannot read {BUSYBOX} (package busybox-static): {e}"))?;
    let applets = applets()?;
    let file =
        std::fs::File::create(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut tar = tar::Builder::new(file);
    let err = |e: std::io::Error| format!("cannot write {}: {e}", out.display());
    for (dir, mode) in [
        ("bin", 0o755),
        ("etc", 0o755),
        ("tmp", 0o1777),
        ("root", 0o700),
        ("proc", 0o555),
        ("sys", 0o555),
        ("dev", 0o755),
    ] {
        let mut h = tar_header(tar::EntryType::Directory, mode, 0);
        tar.append_data(&mut h, dir, std::io::empty())
            .map_err(err)?;
    }
    let mut h = tar_header(tar::EntryType::Regular, 0o755, busybox.len() as u64);
    tar.append_data(&mut h, "bin/busybox", busybox.as_slice())
        .map_err(err)?;
    for applet in applets.iter().filter(|a| a.as_str() != "busybox") {
        let mut h = tar_header(tar::EntryType::Symlink, 0o777, 0);
        tar.append_link(&mut h, format!("bin/{applet}"), "busybox")
            .map_err(err)?;
    }
    for (path, text) in [
        (
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
        ),
        ("etc/group", "root:x:0:\nnogroup:x:65534:\n"),
    ] {
        let mut h = tar_header(tar::EntryType::Regular, 0o644, text.len() as u64);
        tar.append_data(&mut h, path, text.as_bytes())
            .map_err(err)?;
    }
    tar.into_inner().map_err(err)?;
    Ok(())
}

fn tar_header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(MTIME);
    header.set_uid(0);
    header.set_gid(0);
    header
}

fn applets() -> Result<Vec<String>, String> {
    let out = Command::new(BUSYBOX)
        .arg("--list")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {BUSYBOX} --list: {e}"))?;
    let list: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|a| !a.is_empty() && !a.contains('/'))
        .map(String::from)
        .collect();
    if !out.status.success() || !list.iter().any(|a| a == "sh") {
        return Err(format!("{BUSYBOX} --list did not list `sh`"));
    }
    Ok(list)
}

fn import_into_docker(docker: &Endpoint, tar: &Path) -> Result<(), String> {
    // `changes` are Dockerfile lines applied to the imported image.
    let path = format!(
        "/v1.41/images/create?fromSrc=-&repo={REPO}&tag={TAG}\
         &changes={}&changes={}",
        percent("CMD [\"sh\"]"),
        percent("ENV PATH=/bin")
    );
    let answer = docker.call(
        "POST",
        &path,
        &[("Content-Type", "application/x-tar")],
        Some(tar),
        Duration::from_secs(120),
    )?;
    check_stream("importing the rootfs into dockerd", &answer)
}

fn push_to_registry(docker: &Endpoint, vars: &Vars) -> Result<(), String> {
    let remote = format!("{}/{REPO}", vars.registry);
    tag(
        docker,
        &format!("/v1.41/images/{NAME}/tag?repo={remote}&tag={TAG}"),
        &format!("tagging {NAME} as {remote}:{TAG} in dockerd"),
    )?;
    let auth = registry_auth(vars);
    let push = docker.call(
        "POST",
        &format!("/v1.41/images/{remote}/push?tag={TAG}"),
        &[("X-Registry-Auth", &auth)],
        None,
        Duration::from_secs(120),
    )?;
    check_stream(&format!("pushing {remote}:{TAG} from dockerd"), &push)
}

fn pull_into_podman(podman: &Endpoint, vars: &Vars) -> Result<(), String> {
    let remote = format!("{}/{REPO}:{TAG}", vars.registry);
    let auth = registry_auth(vars);
    let pull = podman.call(
        "POST",
        &format!("/v4.3.1/libpod/images/pull?reference={remote}&tlsVerify=false"),
        &[("X-Registry-Auth", &auth)],
        None,
        Duration::from_secs(120),
    )?;
    check_stream(&format!("pulling {remote} into podman"), &pull)?;
    // Podman names a local tag `localhost/busybox:musl`; compat (Docker-style)
    // calls normalise `busybox:musl` to `docker.io/library/busybox:musl`.
    // With both tags the short name resolves locally through either API.
    for repo in ["localhost/busybox", "docker.io/library/busybox"] {
        tag(
            podman,
            &format!("/v4.3.1/libpod/images/{remote}/tag?repo={repo}&tag={TAG}"),
            &format!("tagging {remote} as {repo}:{TAG} in podman"),
        )?;
    }
    Ok(())
}

/// Tags an image (Docker's and libpod's tag endpoints both answer 201).
fn tag(engine: &Endpoint, path: &str, what: &str) -> Result<(), String> {
    let answer = engine.call("POST", path, &[], None, Duration::from_secs(30))?;
    if answer.status != 201 {
        return Err(format!("{what}: {} {}", answer.status, answer.body.trim()));
    }
    Ok(())
}

fn check_stream(what: &str, answer: &super::http::Answer) -> Result<(), String> {
    if answer.status != 200 {
        return Err(format!("{what}: {} {}", answer.status, answer.body.trim()));
    }
    match stream_error(&answer.body) {
        Some(error) => Err(format!("{what}: {error}")),
        None => Ok(()),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_auth_is_base64url_json() {
        let vars = Vars {
            docker_uri: String::new(),
            docker_tls_uri: String::new(),
            tls_ca: String::new(),
            tls_cert: String::new(),
            tls_key: String::new(),
            podman_uri: String::new(),
            podman_tcp_uri: String::new(),
            registry: "127.0.0.1:5000".into(),
            registry_user: "u".into(),
            registry_password: "p?>>".into(),
            image: NAME.into(),
        };
        let header = registry_auth(&vars);
        assert!(!header.contains('+') && !header.contains('/'), "{header}");
        let json = base64::engine::general_purpose::URL_SAFE
            .decode(&header)
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["password"], "p?>>");
        assert_eq!(value["serveraddress"], "127.0.0.1:5000");
    }

    #[test]
    fn percent_encodes_reserved() {
        assert_eq!(percent("CMD [\"sh\"]"), "CMD%20%5B%22sh%22%5D");
    }
}
