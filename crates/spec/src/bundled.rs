//! The bundled versions: compact files from the workspace's `specs/`,
//! embedded at compile time and decoded lazily, one version at a time.

use std::sync::{Arc, OnceLock};

use crate::compact::Table;
use crate::error::{Error, ErrorKind};
use crate::{Engine, Spec};

/// The embedded compact text of an engine (see [`compact`](crate::compact)),
/// `None` when its feature is off. [`compact::decode_version`] on it does
/// what a first [`load`] does, without the cache.
///
/// [`compact::decode_version`]: crate::compact::decode_version
///
/// ```
/// use contajners_spec::{bundled_text, compact, Engine};
/// let text = bundled_text(Engine::Docker).expect("docker is bundled");
/// assert_eq!(compact::decode_version(text, "v1.41")?.version(), "v1.41");
/// # Ok::<(), contajners_spec::Error>(())
/// ```
pub fn bundled_text(engine: Engine) -> Option<&'static str> {
    match engine {
        #[cfg(feature = "docker")]
        Engine::Docker => Some(include_str!("../../../specs/docker.compact")),
        #[cfg(feature = "podman")]
        Engine::Podman => Some(include_str!("../../../specs/podman.compact")),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// One engine's table and a cache slot per version.
#[derive(Debug)]
struct Bundle {
    table: Table<'static>,
    specs: Vec<OnceLock<Arc<Spec>>>,
}

/// The bundle of an engine, split into lines on first use. A bundled file
/// that does not parse is a build defect; it is reported as an error (not a
/// panic) so that a program can still load a spec from a file instead.
fn bundle(engine: Engine) -> Result<&'static Bundle, Error> {
    static BUNDLES: [OnceLock<Result<Bundle, String>>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = match engine {
        Engine::Docker => &BUNDLES[0],
        Engine::Podman => &BUNDLES[1],
    };
    let Some(text) = bundled_text(engine) else {
        return Err(ErrorKind::EngineNotBundled {
            engine,
            bundled: engines().to_vec(),
        }
        .into());
    };
    let built = slot.get_or_init(|| {
        Table::parse(text)
            .map(|table| Bundle {
                specs: table.versions.iter().map(|_| OnceLock::new()).collect(),
                table,
            })
            .map_err(|e| format!("the bundled {engine} specs are corrupt ({e}); regenerate them with `cargo xtask update-specs`"))
    });
    built
        .as_ref()
        .map_err(|what| ErrorKind::Invalid { what: what.clone() }.into())
}

/// The engines bundled in this build (cargo features `docker`, `podman`).
///
/// ```
/// let engines = contajners_spec::engines();
/// assert!(engines.contains(&contajners_spec::Engine::Docker));
/// ```
pub fn engines() -> &'static [Engine] {
    const BUNDLED: &[Engine] = &[
        #[cfg(feature = "docker")]
        Engine::Docker,
        #[cfg(feature = "podman")]
        Engine::Podman,
    ];
    BUNDLED
}

/// The bundled versions of an engine, ascending (`v1.25` … `v1.56`);
/// empty when the engine is not bundled.
///
/// ```
/// use contajners_spec::{versions, Engine};
/// let v = versions(Engine::Podman);
/// let i = v.iter().position(|v| *v == "v4.9.5").expect("bundled");
/// assert_eq!(v[i + 1], "v5.0.0");
/// ```
pub fn versions(engine: Engine) -> Vec<&'static str> {
    bundle(engine)
        .map(|b| b.table.version_names().collect())
        .unwrap_or_default()
}

/// A bundled version (`"v1.41"` or `"1.41"`), decoded on first use and
/// shared afterwards: a second call is a cheap `Arc` clone.
///
/// # Errors
/// An engine not bundled in this build, or a version not bundled: the error
/// lists what exists and the nearest version.
///
/// ```
/// use contajners_spec::{load, Engine};
/// let spec = load(Engine::Docker, "1.41")?;
/// assert_eq!(spec.version(), "v1.41");
/// let again = load(Engine::Docker, "v1.41")?;
/// assert!(std::sync::Arc::ptr_eq(&spec, &again));
/// let err = load(Engine::Docker, "1.99").unwrap_err();
/// assert!(err.to_string().contains("nearest: v1.56"), "{err}");
/// # Ok::<(), contajners_spec::Error>(())
/// ```
pub fn load(engine: Engine, version: &str) -> Result<Arc<Spec>, Error> {
    let bundle = bundle(engine)?;
    let wanted = crate::version::canonical(version);
    let Some(i) = bundle.table.versions.iter().position(|v| v.name == wanted) else {
        let available = versions(engine);
        return Err(ErrorKind::UnknownVersion {
            engine,
            given: version.to_owned(),
            nearest: crate::version::nearest(&available, version).map(str::to_owned),
            available: available.into_iter().map(str::to_owned).collect(),
        }
        .into());
    };
    let slot = &bundle.specs[i];
    if let Some(spec) = slot.get() {
        return Ok(Arc::clone(spec));
    }
    let spec = Arc::new(bundle.table.spec_static(&bundle.table.versions[i])?);
    // Two threads may decode at once; both results are equal, the first wins.
    Ok(Arc::clone(slot.get_or_init(|| spec)))
}

/// The highest bundled version not above the server's (`"1.43"`,
/// `"v4.9.3"`, `"5.2.0-dev"`): the best spec to talk to that server.
///
/// # Errors
/// The engine is not bundled, the version does not parse, or every bundled
/// version is newer than the server's.
///
/// ```
/// use contajners_spec::{best_match, Engine};
/// assert_eq!(best_match(Engine::Podman, "4.9.9")?.version(), "v4.9.5");
/// assert_eq!(best_match(Engine::Docker, "1.41")?.version(), "v1.41");
/// assert!(best_match(Engine::Docker, "1.12").is_err());
/// # Ok::<(), contajners_spec::Error>(())
/// ```
pub fn best_match(engine: Engine, server_version: &str) -> Result<Arc<Spec>, Error> {
    let available = versions(engine);
    if available.is_empty() {
        bundle(engine)?;
    }
    if crate::version::numbers(server_version).is_none() {
        return Err(ErrorKind::Invalid {
            what: format!("server version {server_version:?} is not a version number like \"1.43\" or \"4.9.3\""),
        }
        .into());
    }
    match available
        .iter()
        .rev()
        .find(|v| crate::version::compare(v, server_version).is_le())
    {
        Some(v) => load(engine, v),
        None => Err(ErrorKind::NoVersionAtOrBelow {
            engine,
            server: server_version.to_owned(),
            lowest: available.first().map(|v| (*v).to_owned()),
        }
        .into()),
    }
}
