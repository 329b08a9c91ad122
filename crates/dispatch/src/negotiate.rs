//! Version negotiation: ask the engine which API it speaks, pick the best
//! bundled spec, and remember the answer for the connection.
//!
//! The engine is pinged (`HEAD /_ping`, falling back to `GET /_ping` as the
//! Go client does); `API-Version` is the Docker API version (Podman's compat
//! API too), and `Libpod-API-Version`, present only on Podman, is Podman's
//! own. The spec is the highest bundled version not above the server's;
//! when every bundled version is newer, negotiation fails: there is never a
//! silent fallback to some other version.

use std::sync::Arc;

use contajners_spec::{Engine, Spec};
use contajners_transport::http::{HeaderMap, Method};
use contajners_transport::resolve::{self, Convention};
use contajners_transport::{Request, Transport};

use crate::client::{Client, ClientBuilder};
use crate::error::{Error, RequestError};

/// The version that asks for negotiation (also the default of
/// [`Client::from_env`]).
pub(crate) const AUTO: &str = "auto";

/// What the engine said at its ping, and the specs chosen for it.
///
/// ```no_run
/// # async fn demo() -> Result<(), contajners_dispatch::Error> {
/// let t = contajners_transport::Transport::new("unix:///run/podman/podman.sock")?;
/// let n = contajners_dispatch::negotiate(&t, None).await?;
/// assert_eq!(n.engine(), contajners_spec::Engine::Podman);
/// println!("{} (compat {:?})", n.spec().version(), n.compat().map(|s| s.version()));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Negotiated {
    engine: Engine,
    spec: Arc<Spec>,
    compat: Option<Arc<Spec>>,
    api_version: Option<String>,
    libpod_version: Option<String>,
}

impl Negotiated {
    /// The engine: Podman when the ping carried `Libpod-API-Version`.
    ///
    /// ```no_run
    /// # fn f(n: &contajners_dispatch::Negotiated) { println!("{}", n.engine()); }
    /// ```
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The spec to speak: the highest bundled version of the engine's own
    /// API not above the server's.
    ///
    /// ```no_run
    /// # fn f(n: &contajners_dispatch::Negotiated) { println!("{}", n.spec().version()); }
    /// ```
    pub fn spec(&self) -> &Arc<Spec> {
        &self.spec
    }

    /// For Podman: the Docker spec matching its compat API (`API-Version`),
    /// for Docker-shaped calls to Podman.
    ///
    /// ```no_run
    /// # fn f(n: &contajners_dispatch::Negotiated) { println!("{:?}", n.compat().map(|s| s.version())); }
    /// ```
    pub fn compat(&self) -> Option<&Arc<Spec>> {
        self.compat.as_ref()
    }

    /// The server's `API-Version` header, as sent.
    ///
    /// ```no_run
    /// # fn f(n: &contajners_dispatch::Negotiated) { println!("{:?}", n.api_version()); }
    /// ```
    pub fn api_version(&self) -> Option<&str> {
        self.api_version.as_deref()
    }

    /// The server's `Libpod-API-Version` header (Podman only), as sent.
    ///
    /// ```no_run
    /// # fn f(n: &contajners_dispatch::Negotiated) { println!("{:?}", n.libpod_version()); }
    /// ```
    pub fn libpod_version(&self) -> Option<&str> {
        self.libpod_version.as_deref()
    }
}

/// Pings the engine behind `transport` and picks the spec. With `engine`
/// given, the engine's own API is negotiated even if the ping says
/// otherwise (Docker's spec against Podman means its compat API); a Podman
/// spec needs a Podman engine.
///
/// # Errors
/// No answer ([`Error::Transport`]); a ping without the version headers, or
/// no bundled version at or below the server's ([`Error::Request`]).
///
/// ```no_run
/// # async fn demo() -> Result<(), contajners_dispatch::Error> {
/// let t = contajners_transport::Transport::new("unix:///var/run/docker.sock")?;
/// let n = contajners_dispatch::negotiate(&t, None).await?;
/// println!("{} {}", n.engine(), n.spec().version());
/// # Ok(()) }
/// ```
pub async fn negotiate(transport: &Transport, engine: Option<Engine>) -> Result<Negotiated, Error> {
    let headers = ping(transport).await?;
    choose(&headers, engine, transport.endpoint())
}

/// The ping's headers: `HEAD /_ping`, or `GET /_ping` when HEAD is not
/// answered with a success (some proxies and old engines).
async fn ping(transport: &Transport) -> Result<HeaderMap, Error> {
    let head = transport
        .fetch(Request::new(Method::HEAD, "/_ping"))
        .await?;
    if head.status().is_success() {
        return Ok(head.headers().clone());
    }
    let get = transport
        .fetch(Request::new(Method::GET, "/_ping").throw_exceptions(true))
        .await?;
    Ok(get.headers().clone())
}

/// The choice, from the ping's headers alone.
pub(crate) fn choose(
    headers: &HeaderMap,
    engine: Option<Engine>,
    endpoint: &str,
) -> Result<Negotiated, Error> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let api_version = header("API-Version");
    let libpod_version = header("Libpod-API-Version");
    let fail = |message: String| Error::Request(RequestError::new(message));
    let engine = engine.unwrap_or(if libpod_version.is_some() {
        Engine::Podman
    } else {
        Engine::Docker
    });
    let server = match engine {
        Engine::Podman => libpod_version.as_deref().ok_or_else(|| {
            fail(format!(
                "cannot negotiate a Podman API version with {endpoint}: its /_ping has no \
                 Libpod-API-Version header, so it is not Podman; use the Docker engine or a \
                 Podman endpoint"
            ))
        })?,
        _ => api_version.as_deref().ok_or_else(|| {
            fail(format!(
                "cannot negotiate the API version with {endpoint}: its /_ping has no API-Version \
                 header; give a version explicitly (e.g. v1.41)"
            ))
        })?,
    };
    let pick = |engine: Engine, server: &str| {
        contajners_spec::best_match(engine, server).map_err(|err| {
            fail(format!(
                "cannot negotiate the API version with {endpoint} (it speaks {engine} {server}): \
                 {err}; give a bundled version explicitly if you know one works"
            ))
        })
    };
    let spec = pick(engine, server)?;
    let compat = match (engine, api_version.as_deref()) {
        (Engine::Podman, Some(compat)) => Some(pick(Engine::Docker, compat)?),
        _ => None,
    };
    Ok(Negotiated {
        engine,
        spec,
        compat,
        api_version,
        libpod_version,
    })
}

impl Client {
    /// A builder that connects as the docker and podman CLIs do: the
    /// endpoint from `DOCKER_HOST`, `DOCKER_CONTEXT`, the current Docker
    /// context, `CONTAINER_HOST`, then the default sockets (see
    /// [`contajners_transport::resolve::any`]); TLS from the context or
    /// `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`; and the engine and API version
    /// negotiated at the first [`connect`](ClientBuilder::connect), unless
    /// `DOCKER_API_VERSION` pins it.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), contajners_dispatch::Error> {
    /// use contajners_dispatch::{Client, Invocation};
    /// let containers = Client::from_env().category("containers").connect().await?;
    /// let list = containers.invoke(Invocation::new("ContainerList")).await?;
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> ClientBuilder {
        let mut builder = Client::builder(Engine::Docker, AUTO);
        builder.auto_engine = true;
        builder.env = Some(resolve::Env::process());
        builder
    }

    /// What negotiation found, when the client's version was negotiated.
    /// Clients made with [`with_category`](Self::with_category) share it:
    /// the engine is pinged once per connection.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), contajners_dispatch::Error> {
    /// let client = contajners_dispatch::Client::from_env().connect().await?;
    /// if let Some(n) = client.negotiated() {
    ///     println!("{} {}", n.engine(), n.spec().version());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_deref()
    }
}

impl ClientBuilder {
    /// Resolve the endpoint from this environment, with the CLIs' rules,
    /// instead of the process's (tests, or a tool with its own settings).
    /// A [`uri`](Self::uri) still wins, as `--host` does.
    ///
    /// ```
    /// use contajners_transport::resolve::Env;
    /// let b = contajners_dispatch::Client::from_env()
    ///     .env(Env::empty().var("DOCKER_HOST", "unix:///tmp/docker.sock"));
    /// ```
    pub fn env(mut self, env: resolve::Env) -> Self {
        self.env = Some(env);
        self
    }

    /// The API version to speak; `"auto"` negotiates it with the engine at
    /// [`connect`](Self::connect).
    ///
    /// ```
    /// let b = contajners_dispatch::Client::from_env().version("v1.41");
    /// ```
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The engine whose spec to speak (from [`Client::from_env`] it is
    /// found at the ping otherwise).
    ///
    /// ```
    /// let b = contajners_dispatch::Client::from_env().engine(contajners_spec::Engine::Podman);
    /// ```
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self.auto_engine = false;
        self
    }

    /// Builds the client, negotiating the engine and version with a ping
    /// when they are `auto` (once: clients of other categories made from it
    /// share the result). With a fixed version it is [`build`](Self::build).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), contajners_dispatch::Error> {
    /// use contajners_dispatch::Client;
    /// use contajners_spec::Engine;
    /// let images = Client::builder(Engine::Docker, "auto")
    ///     .uri("unix:///var/run/docker.sock")
    ///     .category("images")
    ///     .connect()
    ///     .await?;
    /// assert!(images.negotiated().is_some());
    /// # Ok(()) }
    /// ```
    pub async fn connect(self) -> Result<Client, Error> {
        let parts = self.into_parts()?;
        if parts.spec.is_some() || parts.version != AUTO {
            return parts.finish(None);
        }
        let engine = (!parts.auto_engine).then_some(parts.engine);
        let negotiated = negotiate(&parts.transport, engine).await?;
        parts.finish(Some(Arc::new(negotiated)))
    }
}

/// What a builder decided before the spec is known.
pub(crate) struct Parts {
    pub(crate) engine: Engine,
    pub(crate) auto_engine: bool,
    pub(crate) version: String,
    pub(crate) spec: Option<Arc<Spec>>,
    pub(crate) category: Option<String>,
    pub(crate) transport: Transport,
}

impl Parts {
    pub(crate) fn finish(self, negotiated: Option<Arc<Negotiated>>) -> Result<Client, Error> {
        let spec = match (self.spec, &negotiated) {
            (Some(spec), _) => spec,
            (None, Some(n)) => n.spec.clone(),
            (None, None) if self.version == AUTO => {
                return Err(Error::Request(RequestError::new(
                    "the API version `auto` is negotiated with the engine, which needs a round \
                     trip: build with `.connect().await`, or give a version such as v1.41",
                )))
            }
            (None, None) => contajners_spec::load(self.engine, &self.version)?,
        };
        Client::assemble(spec, self.category.as_deref(), self.transport, negotiated)
    }
}

/// The resolved endpoint for the builder's engine: either engine's rules
/// when the engine is to be found at the ping.
pub(crate) fn resolve_for(
    engine: Engine,
    auto_engine: bool,
    explicit: Option<&str>,
    env: &resolve::Env,
) -> Result<resolve::Resolved, Error> {
    let found = match (auto_engine, engine) {
        (true, _) => resolve::any(explicit, env),
        (false, Engine::Podman) => resolve::podman(explicit, env),
        (false, _) => resolve::docker(explicit, env),
    };
    found.map_err(|err| Error::Request(RequestError::new(err.to_string())))
}

/// `DOCKER_API_VERSION` pins Docker's version (and so its engine).
pub(crate) fn pinned(found: &resolve::Resolved) -> Option<String> {
    match found.convention {
        Convention::Docker => found.api_version.clone(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contajners_transport::http::HeaderValue;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    /// A fake engine on a unix socket that refuses `HEAD /_ping` (405) and
    /// answers `GET /_ping` as Docker 1.41 does; counts the requests by
    /// method.
    async fn fake_engine(dir: &std::path::Path) -> (String, Arc<[AtomicUsize; 2]>) {
        let path = dir.join("engine.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let counts: Arc<[AtomicUsize; 2]> = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let seen = counts.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    while let Ok(Some(first)) = lines.next_line().await {
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line.is_empty() {
                                break;
                            }
                        }
                        let answer = if first.starts_with("HEAD ") {
                            seen[0].fetch_add(1, Ordering::SeqCst);
                            "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"
                        } else {
                            seen[1].fetch_add(1, Ordering::SeqCst);
                            "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK"
                        };
                        if write.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (format!("unix://{}", path.display()), counts)
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cj-negotiate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn head_refused_falls_back_to_get_once_per_connection() {
        let dir = temp_dir("fallback");
        let (uri, counts) = fake_engine(&dir).await;
        let client = Client::builder(Engine::Docker, AUTO)
            .uri(&uri)
            .category("containers")
            .connect()
            .await
            .unwrap();
        assert_eq!(client.spec().version(), "v1.41");
        let count = |i: usize| counts[i].load(Ordering::SeqCst);
        assert_eq!((count(0), count(1)), (1, 1), "one HEAD, then one GET");
        // Clients of other categories reuse the answer: no more pings.
        let images = client.with_category("images").unwrap();
        let _networks = images.with_category("networks").unwrap();
        assert_eq!((count(0), count(1)), (1, 1));
        assert!(images.negotiated().is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn docker_takes_the_highest_bundled_not_above() {
        let n = choose(&headers(&[("API-Version", "1.41")]), None, "e").unwrap();
        assert_eq!((n.engine(), n.spec().version()), (Engine::Docker, "v1.41"));
        assert!(n.compat().is_none());
        let n = choose(&headers(&[("API-Version", "1.99")]), None, "e").unwrap();
        let newest = contajners_spec::versions(Engine::Docker);
        assert_eq!(Some(&n.spec().version()), newest.last());
    }

    #[test]
    fn libpod_header_means_podman_with_compat() {
        let h = headers(&[("API-Version", "1.41"), ("Libpod-API-Version", "4.3.1")]);
        let n = choose(&h, None, "e").unwrap();
        assert_eq!((n.engine(), n.spec().version()), (Engine::Podman, "v4.3.1"));
        assert_eq!(n.compat().map(|s| s.version()), Some("v1.41"));
        // Asked for Docker: Podman's compat API.
        let n = choose(&h, Some(Engine::Docker), "e").unwrap();
        assert_eq!((n.engine(), n.spec().version()), (Engine::Docker, "v1.41"));
    }

    #[test]
    fn no_silent_fallback() {
        let err = choose(&headers(&[("API-Version", "1.12")]), None, "unix:///d.sock")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("docker 1.12") && err.contains("unix:///d.sock"),
            "{err}"
        );
        let err = choose(&headers(&[]), None, "e").unwrap_err().to_string();
        assert!(err.contains("no API-Version"), "{err}");
        let err = choose(
            &headers(&[("API-Version", "1.41")]),
            Some(Engine::Podman),
            "e",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not Podman"), "{err}");
    }
}
