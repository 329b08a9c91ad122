//! Resolution as the docker and podman CLIs do it, every precedence step,
//! with temporary config dirs and hand-built environments (the process's
//! own environment is never read or changed).

use std::path::{Path, PathBuf};

use contajners_transport::resolve::{self, Convention, Env, Origin};
use sha2::{Digest, Sha256};

fn context_id(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes a context into the store under `config`; `tls` files are
/// created (empty: resolution only looks at their presence).
fn write_context(config: &Path, name: &str, host: &str, skip: bool, tls: &[&str]) -> PathBuf {
    let id = context_id(name);
    let meta = config.join("contexts/meta").join(&id);
    std::fs::create_dir_all(&meta).unwrap();
    let json = serde_json::json!({
        "Name": name,
        "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip}},
    });
    std::fs::write(meta.join("meta.json"), json.to_string()).unwrap();
    let tls_dir = config.join("contexts/tls").join(&id).join("docker");
    if !tls.is_empty() {
        std::fs::create_dir_all(&tls_dir).unwrap();
        for file in tls {
            std::fs::write(tls_dir.join(file), "").unwrap();
        }
    }
    tls_dir
}

fn current_context(config: &Path, name: &str) {
    std::fs::create_dir_all(config).unwrap();
    let json = serde_json::json!({"auths": {}, "currentContext": name});
    std::fs::write(config.join("config.json"), json.to_string()).unwrap();
}

struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
    config: PathBuf,
}

fn home() -> Home {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let config = home.join(".docker");
    std::fs::create_dir_all(&config).unwrap();
    Home {
        _dir: dir,
        home,
        config,
    }
}

fn env_of(home: &Home) -> Env {
    Env::empty().var("HOME", home.home.display().to_string())
}

#[test]
fn every_docker_step_in_order() {
    let h = home();
    write_context(&h.config, "current", "tcp://127.0.0.1:1001", false, &[]);
    write_context(&h.config, "chosen", "tcp://127.0.0.1:1002", false, &[]);
    current_context(&h.config, "current");

    // currentContext beats the default.
    let env = env_of(&h);
    let found = resolve::docker(None, &env).unwrap();
    assert_eq!(found.uri, "tcp://127.0.0.1:1001");
    assert!(matches!(&found.origin, Origin::CurrentContext { name, .. } if name == "current"));
    assert_eq!(found.convention, Convention::Docker);

    // DOCKER_CONTEXT beats currentContext.
    let env = env.var("DOCKER_CONTEXT", "chosen");
    let found = resolve::docker(None, &env).unwrap();
    assert_eq!(found.uri, "tcp://127.0.0.1:1002");
    assert_eq!(found.origin, Origin::DockerContext("chosen".into()));

    // DOCKER_HOST beats DOCKER_CONTEXT.
    let env = env.var("DOCKER_HOST", "unix:///tmp/from-env.sock");
    let found = resolve::docker(None, &env).unwrap();
    assert_eq!(found.uri, "unix:///tmp/from-env.sock");
    assert_eq!(found.origin, Origin::DockerHost);

    // The explicit host beats everything.
    let found = resolve::docker(Some("tcp://127.0.0.1:1003"), &env).unwrap();
    assert_eq!(found.uri, "tcp://127.0.0.1:1003");
    assert_eq!(found.origin, Origin::Explicit);
    assert_eq!(found.tried.len(), 1, "{:?}", found.tried);
}

#[test]
fn the_default_when_nothing_is_set() {
    let h = home();
    let found = resolve::docker(None, &env_of(&h)).unwrap();
    assert_eq!(found.uri, "unix:///var/run/docker.sock");
    assert_eq!(found.origin, Origin::Default);
    assert_eq!(found.tls, None);
    let sources: Vec<&str> = found.tried.iter().map(|t| t.source.as_str()).collect();
    assert_eq!(
        sources[..3],
        ["the explicit host", "DOCKER_HOST", "DOCKER_CONTEXT"]
    );
    assert!(
        found.tried[3].outcome.contains("does not exist"),
        "{:?}",
        found.tried
    );
    assert!(found.tried[4].outcome.starts_with("used: "));
}

#[test]
fn empty_variables_count_as_unset() {
    let h = home();
    let env = env_of(&h).var("DOCKER_HOST", "").var("DOCKER_CONTEXT", " ");
    assert_eq!(resolve::docker(None, &env).unwrap().origin, Origin::Default);
}

#[test]
fn docker_config_overrides_home() {
    let h = home();
    let other = h.home.join("elsewhere");
    write_context(&other, "ctx", "tcp://127.0.0.1:1004", false, &[]);
    current_context(&other, "ctx");
    let env = env_of(&h).var("DOCKER_CONFIG", other.display().to_string());
    let found = resolve::docker(None, &env).unwrap();
    assert_eq!(found.uri, "tcp://127.0.0.1:1004");
    assert!(
        matches!(&found.origin, Origin::CurrentContext { config, .. } if config.starts_with(&other))
    );
}

#[test]
fn the_default_context_is_the_default_socket() {
    let h = home();
    current_context(&h.config, "default");
    let found = resolve::docker(None, &env_of(&h)).unwrap();
    assert_eq!(found.origin, Origin::Default);
    let env = env_of(&h).var("DOCKER_CONTEXT", "default");
    assert_eq!(resolve::docker(None, &env).unwrap().origin, Origin::Default);
}

#[test]
fn a_context_with_tls() {
    let h = home();
    let tls_dir = write_context(
        &h.config,
        "secure",
        "tcp://127.0.0.1:2376",
        false,
        &["ca.pem", "cert.pem", "key.pem"],
    );
    let env = env_of(&h).var("DOCKER_CONTEXT", "secure");
    let found = resolve::docker(None, &env).unwrap();
    let tls = found.tls.expect("the context has TLS material");
    assert!(tls.verify);
    assert_eq!(tls.ca, Some(tls_dir.join("ca.pem")));
    assert_eq!(tls.cert, Some(tls_dir.join("cert.pem")));
    assert_eq!(tls.key, Some(tls_dir.join("key.pem")));
    assert!(tls.source.contains("context `secure`"), "{}", tls.source);
}

#[test]
fn a_context_with_skip_tls_verify() {
    let h = home();
    write_context(
        &h.config,
        "lax",
        "tcp://127.0.0.1:2376",
        true,
        &["ca.pem", "cert.pem", "key.pem"],
    );
    let env = env_of(&h).var("DOCKER_CONTEXT", "lax");
    let tls = resolve::docker(None, &env).unwrap().tls.expect("TLS is on");
    assert!(!tls.verify);
    assert_eq!(tls.ca, None, "no CA is used when not verifying");
    assert!(tls.cert.is_some() && tls.key.is_some());

    // SkipTLSVerify alone, without files, still means TLS.
    write_context(&h.config, "bare", "tcp://127.0.0.1:2376", true, &[]);
    let env = env_of(&h).var("DOCKER_CONTEXT", "bare");
    let tls = resolve::docker(None, &env).unwrap().tls.expect("TLS is on");
    assert!(!tls.verify && tls.cert.is_none());
}

#[test]
fn a_context_without_tls_has_none() {
    let h = home();
    write_context(&h.config, "plain", "tcp://127.0.0.1:2375", false, &[]);
    let env = env_of(&h).var("DOCKER_CONTEXT", "plain");
    assert_eq!(resolve::docker(None, &env).unwrap().tls, None);
}

#[test]
fn a_missing_context_lists_every_source() {
    let h = home();
    let env = env_of(&h).var("DOCKER_CONTEXT", "nowhere");
    let err = resolve::docker(None, &env).unwrap_err();
    let text = err.to_string();
    for needle in [
        "the explicit host: not given",
        "DOCKER_HOST: not set",
        "DOCKER_CONTEXT: context `nowhere` is not in the store",
        &context_id("nowhere"),
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    assert_eq!(err.tried().len(), 3);

    // Named by currentContext instead: the same, naming the config file.
    current_context(&h.config, "gone");
    let err = resolve::docker(None, &env_of(&h)).unwrap_err().to_string();
    assert!(err.contains("DOCKER_CONTEXT: not set"), "{err}");
    assert!(
        err.contains("config.json: context `gone` is not in the store"),
        "{err}"
    );
}

#[test]
fn a_malformed_config_is_reported_and_skipped() {
    let h = home();
    std::fs::write(h.config.join("config.json"), "{ not json").unwrap();
    let found = resolve::docker(None, &env_of(&h)).unwrap();
    assert_eq!(found.origin, Origin::Default);
    assert!(found
        .tried
        .iter()
        .any(|t| t.outcome.contains("not valid JSON")));
}

#[test]
fn tls_from_the_environment() {
    let h = home();
    let certs = h.home.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    std::fs::write(certs.join("cert.pem"), "").unwrap();
    std::fs::write(certs.join("key.pem"), "").unwrap();
    let base = env_of(&h)
        .var("DOCKER_HOST", "tcp://127.0.0.1:2376")
        .var("DOCKER_CERT_PATH", certs.display().to_string());

    // DOCKER_CERT_PATH alone does not turn TLS on (as in the docker CLI).
    assert_eq!(resolve::docker(None, &base).unwrap().tls, None);

    let verify = resolve::docker(None, &base.clone().var("DOCKER_TLS_VERIFY", "1"))
        .unwrap()
        .tls
        .expect("on");
    assert!(verify.verify);
    assert_eq!(verify.ca, Some(certs.join("ca.pem")));
    assert_eq!(verify.cert, Some(certs.join("cert.pem")));

    // DOCKER_TLS without DOCKER_TLS_VERIFY: encrypted, not verified.
    let tls = resolve::docker(None, &base.clone().var("DOCKER_TLS", "1"))
        .unwrap()
        .tls
        .expect("on");
    assert!(!tls.verify && tls.ca.is_none());

    // Without DOCKER_CERT_PATH the files come from the config dir.
    let env = env_of(&h)
        .var("DOCKER_HOST", "tcp://127.0.0.1:2376")
        .var("DOCKER_TLS_VERIFY", "yes");
    let tls = resolve::docker(None, &env).unwrap().tls.expect("on");
    assert_eq!(tls.ca, Some(h.config.join("ca.pem")));
    assert_eq!(tls.cert, None, "missing client files are left out");
}

#[test]
fn docker_api_version_is_pinned() {
    let h = home();
    let env = env_of(&h).var("DOCKER_API_VERSION", "1.41");
    assert_eq!(
        resolve::docker(None, &env).unwrap().api_version.as_deref(),
        Some("1.41")
    );
    assert_eq!(
        resolve::docker(None, &env_of(&h)).unwrap().api_version,
        None
    );
}

#[test]
fn podman_steps_in_order() {
    let env = Env::empty()
        .var("XDG_RUNTIME_DIR", "/run/user/1000")
        .var(
            "CONTAINER_HOST",
            "ssh://me@127.0.0.1:2222/run/podman/podman.sock",
        )
        .var("CONTAINER_SSHKEY", "/keys/id");
    let found = resolve::podman(Some("unix:///x.sock"), &env).unwrap();
    assert_eq!(
        (found.uri.as_str(), &found.origin),
        ("unix:///x.sock", &Origin::Explicit)
    );
    let found = resolve::podman(None, &env).unwrap();
    assert_eq!(found.origin, Origin::ContainerHost);
    assert_eq!(found.ssh_identity, Some(PathBuf::from("/keys/id")));
    assert_eq!(found.convention, Convention::Podman);

    let rootless = Env::empty().var("XDG_RUNTIME_DIR", "/run/user/1000");
    assert_eq!(
        resolve::podman(None, &rootless).unwrap().uri,
        "unix:///run/user/1000/podman/podman.sock"
    );
    let root = rootless.root(true);
    assert_eq!(
        resolve::podman(None, &root).unwrap().uri,
        "unix:///run/podman/podman.sock"
    );
}

#[test]
fn podman_without_a_default_fails_with_reasons() {
    let err = resolve::podman(None, &Env::empty())
        .unwrap_err()
        .to_string();
    assert!(err.contains("CONTAINER_HOST: not set"), "{err}");
    assert!(err.contains("XDG_RUNTIME_DIR"), "{err}");
}

#[test]
fn either_engine_takes_docker_sources_then_container_host() {
    let h = home();
    let env = env_of(&h).var("CONTAINER_HOST", "unix:///tmp/podman.sock");
    let found = resolve::any(None, &env).unwrap();
    assert_eq!(found.convention, Convention::Podman);
    let found = resolve::any(None, &env.var("DOCKER_HOST", "unix:///tmp/d.sock")).unwrap();
    assert_eq!(found.convention, Convention::Docker);
}

#[test]
fn the_resolved_endpoint_builds_a_transport() {
    let h = home();
    let env = env_of(&h)
        .var(
            "CONTAINER_HOST",
            "ssh://root@127.0.0.1:2222/run/podman/podman.sock",
        )
        .var("CONTAINER_SSHKEY", "/keys/id");
    let transport = resolve::podman(None, &env).unwrap().transport().unwrap();
    assert_eq!(
        transport.endpoint(),
        "ssh://root@127.0.0.1:2222/run/podman/podman.sock"
    );
    // TLS settings on a unix socket are dropped, as Docker does.
    let env = env_of(&h)
        .var("DOCKER_HOST", "unix:///tmp/d.sock")
        .var("DOCKER_TLS_VERIFY", "1");
    assert!(resolve::docker(None, &env).unwrap().transport().is_ok());
}
