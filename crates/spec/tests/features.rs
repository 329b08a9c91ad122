//! The cargo features `docker` and `podman` decide what is bundled; an
//! engine left out is an error that says how to bundle it.

use contajners_spec::{best_match, engines, load, versions, Engine, ErrorKind};

fn check(engine: Engine, bundled: bool) {
    assert_eq!(engines().contains(&engine), bundled, "{engine}");
    assert_eq!(!versions(engine).is_empty(), bundled, "{engine}");
    let version = match engine {
        Engine::Docker => "v1.41",
        _ => "v4.3.1",
    };
    match load(engine, version) {
        Ok(spec) => {
            assert!(bundled, "{engine} loads though its feature is off");
            assert_eq!(spec.version(), version);
        }
        Err(err) => {
            assert!(!bundled, "{engine}: {err}");
            assert!(
                matches!(err.kind(), ErrorKind::EngineNotBundled { .. }),
                "{err}"
            );
            assert!(
                err.to_string().contains(&format!("feature \"{engine}\"")),
                "{err}"
            );
            assert!(best_match(engine, "99.0").is_err());
        }
    }
}

#[test]
fn docker_follows_its_feature() {
    check(Engine::Docker, cfg!(feature = "docker"));
}

#[test]
fn podman_follows_its_feature() {
    check(Engine::Podman, cfg!(feature = "podman"));
}
