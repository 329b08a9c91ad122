//! The client: an engine's spec, a category, and a transport.

use std::sync::Arc;
use std::time::Duration;

use contajners_spec::{Engine, Operation, Spec};
use contajners_transport::{Timeouts, Tls, Transport};

use crate::error::{Error, RequestError};
use crate::invocation::{As, Invocation};
use crate::output::{Output, Response, Streamed};
use crate::request::build_request;
use crate::suggest::{closest, did_you_mean};

/// The categories of operations of an engine's API version, sorted: `containers`,
/// `images`, …, and for Podman also `libpod/containers`, ….
///
/// ```
/// use contajners_dispatch::categories;
/// use contajners_spec::Engine;
/// let names = categories(Engine::Podman, "v4.3.1")?;
/// assert!(names.iter().any(|c| c == "libpod/containers"));
/// # Ok::<(), contajners_dispatch::Error>(())
/// ```
pub fn categories(engine: Engine, version: &str) -> Result<Vec<String>, Error> {
    let spec = load(engine, version)?;
    Ok(spec.categories().map(|c| c.name().to_string()).collect())
}

fn load(engine: Engine, version: &str) -> Result<Arc<Spec>, Error> {
    Ok(contajners_spec::load(engine, version)?)
}

/// A client of one engine's API version, scoped to a category (or to every
/// operation), over one connection.
///
/// Cheap to clone; [`with_category`](Self::with_category) gives a client of
/// another category on the same connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), contajners_dispatch::Error> {
/// use contajners_dispatch::{Client, Invocation};
/// use contajners_spec::Engine;
///
/// let images = Client::builder(Engine::Docker, "v1.41")
///     .category("images")
///     .uri("unix:///var/run/docker.sock")
///     .build()?;
/// let list = images.invoke(Invocation::new("ImageList")).await?.into_data()?;
/// println!("{:?}", list.json());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    spec: Arc<Spec>,
    category: Option<Arc<str>>,
    transport: Transport,
    /// Shared by every client made from this one with `with_category`: the
    /// engine is pinged once per connection.
    pub(crate) negotiated: Option<Arc<crate::negotiate::Negotiated>>,
}

/// Builds a [`Client`]: see [`Client::builder`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    pub(crate) engine: Engine,
    /// The engine is found at the ping (`Client::from_env`).
    pub(crate) auto_engine: bool,
    /// Resolve the endpoint with the CLIs' rules from this environment.
    pub(crate) env: Option<contajners_transport::resolve::Env>,
    pub(crate) version: String,
    spec: Option<Arc<Spec>>,
    category: Option<String>,
    uri: Option<String>,
    transport: Option<Transport>,
    tls: Option<Tls>,
    timeouts: Timeouts,
}

impl Client {
    /// A builder for a client of `engine` speaking API `version` (`"v1.41"`,
    /// `"v4.3.1"`). Without a URI it connects to the engine's default socket
    /// (`unix:///var/run/docker.sock`, `unix:///run/podman/podman.sock`).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use contajners_dispatch::Client;
    /// use contajners_spec::Engine;
    ///
    /// let ping = Client::builder(Engine::Docker, "v1.41")
    ///     .category("_ping")
    ///     .uri("unix:///var/run/docker.sock")
    ///     .connect_timeout(Duration::from_secs(10))
    ///     .call_timeout(Duration::from_secs(30))
    ///     .build()?;
    /// # Ok::<(), contajners_dispatch::Error>(())
    /// ```
    pub fn builder(engine: Engine, version: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            engine,
            auto_engine: false,
            env: None,
            version: version.into(),
            spec: None,
            category: None,
            uri: None,
            transport: None,
            tls: None,
            timeouts: Timeouts::default(),
        }
    }

    /// A client of another category (or `""` for every operation) on the
    /// same connection pool.
    ///
    /// ```no_run
    /// # fn demo(images: contajners_dispatch::Client) -> Result<(), contajners_dispatch::Error> {
    /// let containers = images.with_category("containers")?;
    /// # Ok(()) }
    /// ```
    pub fn with_category(&self, category: &str) -> Result<Client, Error> {
        Ok(Client {
            spec: self.spec.clone(),
            category: checked_category(&self.spec, Some(category))?,
            transport: self.transport.clone(),
            negotiated: self.negotiated.clone(),
        })
    }

    /// The spec the client speaks.
    ///
    /// ```no_run
    /// # fn f(c: &contajners_dispatch::Client) { println!("{}", c.spec().version()); }
    /// ```
    pub fn spec(&self) -> &Arc<Spec> {
        &self.spec
    }

    /// The category, or `None` when the client reaches every operation.
    ///
    /// ```no_run
    /// # fn f(c: &contajners_dispatch::Client) { println!("{:?}", c.category()); }
    /// ```
    pub fn category(&self) -> Option<&str> {
        self.category.as_deref()
    }

    /// The transport, for raw [`fetch`](Transport::fetch)es.
    ///
    /// ```no_run
    /// # fn f(c: &contajners_dispatch::Client) { let t = c.transport().clone(); }
    /// ```
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The operation ids of the client's category, sorted.
    ///
    /// ```no_run
    /// # fn f(images: &contajners_dispatch::Client) {
    /// assert!(images.ops().contains(&"ImageList"));
    /// # }
    /// ```
    pub fn ops(&self) -> Vec<&str> {
        self.operations().map(Operation::id).collect()
    }

    /// The documentation of an operation: summary, doc URL, params.
    ///
    /// ```no_run
    /// # fn f(images: &contajners_dispatch::Client) -> Result<(), contajners_dispatch::Error> {
    /// let doc = images.doc("ImageList")?;
    /// println!("{}\n{}", doc.summary(), doc.doc_url());
    /// # Ok(()) }
    /// ```
    pub fn doc(&self, op: &str) -> Result<crate::Doc<'_>, Error> {
        self.operation(op).map(crate::Doc::new)
    }

    /// Invokes an operation: checks and encodes the params by the spec,
    /// sends the request, and answers as asked (data, stream or socket).
    ///
    /// Errors: [`Error::Request`] when the op or params do not match the
    /// spec (nothing was sent), [`Error::Transport`] when no answer came,
    /// [`Error::Engine`] for a status >= 400 with `throw_exceptions`,
    /// [`Error::Decode`] when the answer did not decode.
    ///
    /// ```no_run
    /// # async fn demo(containers: contajners_dispatch::Client) -> Result<(), contajners_dispatch::Error> {
    /// use contajners_dispatch::Invocation;
    /// use serde_json::json;
    ///
    /// let created = containers
    ///     .invoke(
    ///         Invocation::new("ContainerCreate")
    ///             .param("name", "conny")
    ///             .data(json!({"Image": "busybox:musl", "Cmd": ["ls"], "HostConfig": {"NetworkMode": "none"}}))
    ///             .throw_exceptions(true),
    ///     )
    ///     .await?
    ///     .into_data()?;
    /// println!("{:?}", created.json());
    /// # Ok(()) }
    /// ```
    pub async fn invoke(&self, mut invocation: Invocation) -> Result<Output, Error> {
        // Taken out, not cloned: the name is borrowed for the call and kept
        // for the error's context.
        let op = std::mem::take(&mut invocation.op);
        self.invoke_inner(&op, invocation)
            .await
            .map_err(|err| err.with_op(&op))
    }

    /// `invocation` without its op, which is `op`.
    async fn invoke_inner(&self, op: &str, invocation: Invocation) -> Result<Output, Error> {
        let Invocation {
            op: _,
            params,
            data,
            answer_as,
            throw_exceptions,
            throw_entire_message,
            content_type,
            multiplexed,
        } = invocation;
        let op = self.operation(op)?;
        let req = build_request(
            self.spec.version(),
            op,
            &params,
            data,
            content_type.as_deref(),
        )?
        .throw_exceptions(throw_exceptions)
        .throw_entire_message(throw_entire_message);
        match answer_as {
            As::Data => Ok(Output::Data(Response::new(
                self.transport.fetch(req).await?,
            ))),
            As::Stream => {
                let labels_raw = self.spec.engine() == Engine::Docker
                    && contajners_spec::compare_versions(self.spec.version(), "v1.42").is_ge();
                let stream = self.transport.fetch_stream(req).await?;
                Ok(Output::Stream(Streamed::new(
                    stream,
                    multiplexed,
                    labels_raw,
                )))
            }
            As::Socket => Ok(Output::Socket(self.transport.fetch_socket(req).await?)),
        }
    }

    /// Sends a raw request on the client's connection, for endpoints the
    /// spec does not document (the seed's `impl/fetch`). The path is used
    /// as given: add the version prefix yourself.
    ///
    /// ```no_run
    /// # async fn demo(client: contajners_dispatch::Client) -> Result<(), contajners_dispatch::Error> {
    /// use contajners_transport::Request;
    /// let answer = client.fetch(Request::new(http::Method::GET, "/v1.41/containers/conny/checkpoints")).await?;
    /// println!("{} {:?}", answer.status(), answer.body());
    /// # Ok(()) }
    /// ```
    pub async fn fetch(
        &self,
        request: contajners_transport::Request,
    ) -> Result<contajners_transport::Response, Error> {
        Ok(self.transport.fetch(request).await?)
    }

    fn operations(&self) -> Box<dyn Iterator<Item = &Operation> + '_> {
        match self.category.as_deref().and_then(|c| self.spec.category(c)) {
            Some(category) => Box::new(category.operations()),
            None => Box::new(self.spec.operations()),
        }
    }

    /// The operation `id` of the client's category, or an error naming the
    /// closest ids or the category it belongs to.
    pub(crate) fn operation(&self, id: &str) -> Result<&Operation, Error> {
        if let Some(op) = self.spec.operation(id) {
            match self.category.as_deref() {
                Some(category) if op.category() != category => {
                    return Err(Error::Request(RequestError::new(format!(
                        "{id} is in the category `{}`, not `{category}`: use a client of that category \
                         (client.with_category(\"{}\"))",
                        op.category(),
                        op.category()
                    ))))
                }
                _ => return Ok(op),
            }
        }
        let near = closest(id, self.operations().map(Operation::id), 3);
        let near = if near.is_empty() {
            closest(id, self.spec.operations().map(Operation::id), 3)
        } else {
            near
        };
        let scope = match self.category.as_deref() {
            Some(category) => format!("the category `{category}` of "),
            None => String::new(),
        };
        let hint = did_you_mean(&near);
        Err(Error::Request(RequestError::new(format!(
            "no operation {id} in {scope}{} {}{hint}",
            self.spec.engine(),
            self.spec.version()
        ))))
    }
}

fn checked_category(spec: &Spec, category: Option<&str>) -> Result<Option<Arc<str>>, Error> {
    match category {
        None | Some("") => Ok(None),
        Some(name) => {
            let name = name.trim_start_matches(':');
            if spec.category(name).is_some() {
                return Ok(Some(Arc::from(name)));
            }
            let names: Vec<&str> = spec.categories().map(|c| c.name()).collect();
            Err(Error::Request(RequestError::new(format!(
                "no category `{name}` in {} {}{}; the categories are: {}",
                spec.engine(),
                spec.version(),
                did_you_mean(&closest(name, names.iter().copied(), 3)),
                names.join(", ")
            ))))
        }
    }
}

impl ClientBuilder {
    /// The category of operations the client reaches (`"containers"`,
    /// `"libpod/images"`, `"_ping"`); every operation when not set.
    ///
    /// ```
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.category("containers");
    /// ```
    pub fn category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// Uses this spec (e.g. loaded from a file) instead of a bundled one.
    ///
    /// ```no_run
    /// # fn f(spec: std::sync::Arc<contajners_spec::Spec>) {
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.spec(spec);
    /// # }
    /// ```
    pub fn spec(mut self, spec: Arc<Spec>) -> Self {
        self.spec = Some(spec);
        self
    }

    /// The engine's URI: `unix://`, `tcp://`, `http://` or `https://`.
    ///
    /// ```
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.uri("unix:///var/run/docker.sock");
    /// ```
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// Uses an existing transport (its pool is shared); URI, TLS and timeouts
    /// set on this builder are then ignored.
    ///
    /// ```no_run
    /// # fn f(t: contajners_transport::Transport) {
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.transport(t);
    /// # }
    /// ```
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Mutual TLS material for an `https://` URI.
    ///
    /// ```
    /// use contajners_transport::Tls;
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.uri("https://127.0.0.1:2376")
    ///     .tls(Tls::new().ca_file("ca.pem").client_cert_file("cert.pem").client_key_file("key.pem"));
    /// ```
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Sets each limit `timeouts` gives, in one step; the ones it leaves
    /// unset keep what was set before (see
    /// [`TransportBuilder::timeouts`](contajners_transport::TransportBuilder::timeouts)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use contajners_transport::Timeouts;
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.timeouts(Timeouts::new().connect(Duration::from_secs(10)).call(Duration::from_secs(30)));
    /// ```
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = self.timeouts.overlaid(timeouts);
        self
    }

    /// How long connecting may take. No timeout when not set.
    ///
    /// ```
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.connect_timeout(std::time::Duration::from_secs(10));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts = self.timeouts.connect(timeout);
        self
    }

    /// How long the engine may stay silent while answering.
    ///
    /// ```
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.read_timeout(std::time::Duration::from_secs(30));
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts = self.timeouts.read(timeout);
        self
    }

    /// How long sending a request may stall.
    ///
    /// ```
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.write_timeout(std::time::Duration::from_secs(30));
    /// ```
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts = self.timeouts.write(timeout);
        self
    }

    /// How long a whole call (data mode) may take.
    ///
    /// ```
    /// # let b = contajners_dispatch::Client::builder(contajners_spec::Engine::Docker, "v1.41");
    /// let b = b.call_timeout(std::time::Duration::from_secs(30));
    /// ```
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts = self.timeouts.call(timeout);
        self
    }

    /// The client: loads the spec, checks the category, builds the
    /// transport (TLS material is read and checked here).
    ///
    /// ```no_run
    /// let client = contajners_dispatch::Client::builder(contajners_spec::Engine::Podman, "v4.3.1")
    ///     .category("libpod/images")
    ///     .uri("unix:///run/podman/podman.sock")
    ///     .build()?;
    /// # Ok::<(), contajners_dispatch::Error>(())
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        self.into_parts()?.finish(None)
    }

    /// Resolves the endpoint and builds the transport; the spec is decided
    /// by `build` (given version) or `connect` (negotiated).
    pub(crate) fn into_parts(self) -> Result<crate::negotiate::Parts, Error> {
        let mut version = self.version;
        let mut engine = self.engine;
        let mut auto_engine = self.auto_engine;
        let transport = match self.transport {
            Some(transport) => transport,
            None => {
                let mut builder = match &self.env {
                    Some(env) => {
                        let found = crate::negotiate::resolve_for(
                            engine,
                            auto_engine,
                            self.uri.as_deref(),
                            env,
                        )?;
                        if let Some(pinned) = crate::negotiate::pinned(&found) {
                            if version == crate::negotiate::AUTO {
                                version = pinned;
                                if auto_engine {
                                    engine = Engine::Docker;
                                    auto_engine = false;
                                }
                            }
                        }
                        found.transport_builder()
                    }
                    None => Transport::builder(
                        self.uri
                            .unwrap_or_else(|| default_uri(self.engine).to_string()),
                    ),
                };
                if let Some(tls) = self.tls {
                    builder = builder.tls(tls);
                }
                builder.timeouts(self.timeouts).build()?
            }
        };
        Ok(crate::negotiate::Parts {
            engine,
            auto_engine,
            version,
            spec: self.spec,
            category: self.category,
            transport,
        })
    }
}

impl Client {
    /// A client from its parts, the category checked against the spec.
    pub(crate) fn assemble(
        spec: Arc<Spec>,
        category: Option<&str>,
        transport: Transport,
        negotiated: Option<Arc<crate::negotiate::Negotiated>>,
    ) -> Result<Client, Error> {
        let category = checked_category(&spec, category)?;
        Ok(Client {
            spec,
            category,
            transport,
            negotiated,
        })
    }
}

fn default_uri(engine: Engine) -> &'static str {
    match engine {
        Engine::Podman => "unix:///run/podman/podman.sock",
        _ => "unix:///var/run/docker.sock",
    }
}
