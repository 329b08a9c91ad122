//! The spec model: a [`Spec`] holds [`Category`]s, which hold
//! [`Operation`]s, which hold [`Param`]s.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

use crate::{CollectionFormat, Engine, Location, Method, ParamType};

/// Text of the model: borrowed from the bundled data (no allocation on
/// load) or owned (parsed from a user's file).
pub(crate) type Text = Cow<'static, str>;

/// One API version of one engine: its categories and operations.
///
/// Get one with [`load`](crate::load) (bundled versions),
/// [`Spec::from_swagger`] or [`Spec::from_file`].
///
/// ```
/// use contajners_spec::{load, Engine};
/// let spec = load(Engine::Docker, "1.41")?;
/// assert_eq!(spec.version(), "v1.41");
/// let op = spec.operation("ContainerList").expect("ContainerList exists");
/// assert_eq!(op.path(), "/containers/json");
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Spec {
    pub(crate) engine: Engine,
    pub(crate) version: Text,
    /// Sorted by name; operations inside each sorted by id.
    pub(crate) categories: Vec<Category>,
    /// Operation id (and every alias) → (category index, operation index).
    pub(crate) index: HashMap<Text, (u32, u32)>,
}

impl PartialEq for Spec {
    /// Two specs are equal when engine, version and every operation are:
    /// the lookup index is derived data.
    fn eq(&self, other: &Self) -> bool {
        self.engine == other.engine
            && self.version == other.version
            && self.categories == other.categories
    }
}

impl Spec {
    /// Builds a spec from operations in any order: groups them into
    /// categories (sorted by name, operations sorted by id) and indexes ids
    /// and aliases.
    ///
    /// ```
    /// use contajners_spec::{Engine, Method, Operation, Spec};
    /// let op = Operation::new("SystemPing", Method::Get, "/_ping");
    /// let spec = Spec::new(Engine::Docker, "1.41", vec![op]);
    /// assert_eq!(spec.version(), "v1.41");
    /// assert_eq!(spec.category("_ping").map(|c| c.name()), Some("_ping"));
    /// ```
    pub fn new(engine: Engine, version: &str, operations: Vec<Operation>) -> Spec {
        Spec::build(
            engine,
            Cow::Owned(crate::version::canonical(version)),
            operations,
        )
    }

    /// [`Spec::new`] for a version already in canonical form.
    pub(crate) fn build(engine: Engine, version: Text, operations: Vec<Operation>) -> Spec {
        let mut ops = operations;
        for op in &mut ops {
            op.engine = engine;
            op.version = version.clone();
        }
        // Bundled operations arrive sorted already; then this is one pass.
        ops.sort_by(|a, b| (a.category(), &*a.id).cmp(&(b.category(), &*b.id)));
        let mut categories: Vec<Category> = Vec::new();
        for op in ops {
            match categories.last_mut() {
                Some(cat) if *cat.name == *op.category() => cat.operations.push(op),
                _ => categories.push(Category {
                    name: op.category_text(),
                    operations: vec![op],
                }),
            }
        }
        let mut index = HashMap::with_capacity(categories.iter().map(|c| c.operations.len()).sum());
        for (ci, cat) in categories.iter().enumerate() {
            for (oi, op) in cat.operations.iter().enumerate() {
                let at = (ci as u32, oi as u32);
                index.insert(op.id.clone(), at);
                if let Some(original) = &op.original_id {
                    index.entry(original.clone()).or_insert(at);
                }
            }
        }
        Spec {
            engine,
            version,
            categories,
            index,
        }
    }

    /// The engine this spec describes.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Podman, "4.3.1")?;
    /// assert_eq!(spec.engine(), contajners_spec::Engine::Podman);
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The version, always with a leading `v`: `"v1.41"`, `"v4.3.1"`.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Podman, "4.3.1")?;
    /// assert_eq!(spec.version(), "v4.3.1");
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The categories, sorted by name.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert!(spec.categories().any(|c| c.name() == "containers"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter()
    }

    /// One category by name: `"containers"`, `"libpod/containers"`, `"_ping"`.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Podman, "v4.3.1")?;
    /// let images = spec.category("libpod/images").expect("exists");
    /// assert!(images.operations().any(|op| op.id() == "ImageListLibpod"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories
            .binary_search_by(|c| (*c.name).cmp(name))
            .ok()
            .map(|i| &self.categories[i])
    }

    /// Every operation, by category then id.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.operations().count(), 106);
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.categories.iter().flat_map(|c| c.operations.iter())
    }

    /// One operation by id (a hash lookup). Also finds an operation by the
    /// id it had upstream when that differs (podman v3.0.x/v3.1.0's
    /// `libpodRemoveImage` finds `ImageDeleteLibpod`).
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let op = spec.operation("ContainerInspect").expect("exists");
    /// assert_eq!(op.path(), "/containers/{id}/json");
    /// assert!(spec.operation("NoSuchOp").is_none());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        let &(ci, oi) = self.index.get(id)?;
        self.categories
            .get(ci as usize)?
            .operations
            .get(oi as usize)
    }

    /// The number of operations.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.len(), spec.operations().count());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.categories.iter().map(|c| c.operations.len()).sum()
    }

    /// Whether the spec has no operation at all.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert!(!spec.is_empty());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }
}

/// A group of operations: the first segment of their paths
/// (`containers`), namespaced for podman's libpod API (`libpod/containers`).
///
/// ```
/// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
/// let ping = spec.category("_ping").expect("exists");
/// let ids: Vec<&str> = ping.operations().map(|op| op.id()).collect();
/// assert_eq!(ids, ["SystemPing", "SystemPingHead"]);
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub(crate) name: Text,
    pub(crate) operations: Vec<Operation>,
}

impl Category {
    /// The name: `containers`, `_ping`, `libpod/images`, …
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.categories().next().map(|c| c.name()), Some("_ping"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its operations, sorted by id.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let auth = spec.category("auth").expect("exists");
    /// assert_eq!(auth.operations().map(|op| op.id()).collect::<Vec<_>>(), ["SystemAuth"]);
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.operations.iter()
    }
}

/// One API operation: a method on a path template, with its params.
///
/// ```
/// use contajners_spec::{load, Engine, Location, Method};
/// let spec = load(Engine::Podman, "v4.3.1")?;
/// let op = spec.operation("ContainerRenameLibpod").expect("exists");
/// assert_eq!(op.method(), Method::Post);
/// assert_eq!(op.path(), "/libpod/containers/{name}/rename");
/// // The same name in path and query: params are keyed by (name, location).
/// assert!(op.param("name", Location::Path).is_some());
/// assert!(op.param("name", Location::Query).is_some());
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub(crate) id: Text,
    pub(crate) original_id: Option<Text>,
    /// The category is a slice of the path: `path[start..end]`.
    pub(crate) category_span: (u32, u32),
    pub(crate) method: Method,
    pub(crate) path: Text,
    pub(crate) summary: Text,
    pub(crate) description: Text,
    pub(crate) deprecated: bool,
    pub(crate) tag: Text,
    pub(crate) params: Vec<Param>,
    pub(crate) body: Option<RequestBody>,
    pub(crate) consumes: Vec<String>,
    pub(crate) produces: Vec<String>,
    pub(crate) hijacks: bool,
    pub(crate) responses: Vec<ResponseCode>,
    /// Set by the spec that holds the operation; used by the doc URL.
    pub(crate) engine: Engine,
    pub(crate) version: Text,
}

impl Operation {
    /// A bare operation: the category is derived from the path, everything
    /// else is empty. Fill it in with the `with_*` methods; meant for tests
    /// and for building a small spec by hand.
    ///
    /// ```
    /// use contajners_spec::{Method, Operation};
    /// let op = Operation::new("ContainerList", Method::Get, "/containers/json");
    /// assert_eq!(op.category(), "containers");
    /// ```
    pub fn new(id: &str, method: Method, path: &str) -> Operation {
        Operation::build(
            Cow::Owned(id.to_owned()),
            method,
            Cow::Owned(path.to_owned()),
        )
    }

    pub(crate) fn build(id: Text, method: Method, path: Text) -> Operation {
        let (start, end) = crate::swagger::category_span(&path);
        Operation {
            id,
            original_id: None,
            category_span: (start as u32, end as u32),
            method,
            path,
            summary: Cow::Borrowed(""),
            description: Cow::Borrowed(""),
            deprecated: false,
            tag: Cow::Borrowed(""),
            params: Vec::new(),
            body: None,
            consumes: Vec::new(),
            produces: Vec::new(),
            hijacks: false,
            responses: Vec::new(),
            engine: Engine::Docker,
            version: Cow::Borrowed(""),
        }
    }

    /// The category as its own text, borrowing when the path is borrowed.
    fn category_text(&self) -> Text {
        let (start, end) = (self.category_span.0 as usize, self.category_span.1 as usize);
        match &self.path {
            Cow::Borrowed(path) => Cow::Borrowed(&path[start..end]),
            Cow::Owned(path) => Cow::Owned(path[start..end].to_owned()),
        }
    }

    /// Adds a param (a `Body` param also sets [`Operation::body`]).
    ///
    /// ```
    /// use contajners_spec::{Location, Method, Operation, Param, ParamType};
    /// let op = Operation::new("ContainerList", Method::Get, "/containers/json")
    ///     .with_param(Param::new("all", Location::Query, ParamType::Boolean));
    /// assert_eq!(op.params().len(), 1);
    /// ```
    #[must_use]
    pub fn with_param(mut self, param: Param) -> Operation {
        self.push_param(param);
        self
    }

    pub(crate) fn push_param(&mut self, param: Param) {
        if param.location == Location::Body {
            self.body = Some(RequestBody {
                required: param.required,
                description: param.description.clone(),
            });
        }
        self.params.push(param);
    }

    /// The operation id, e.g. `ContainerList` (podman v3.0.x/v3.1.0 ids are
    /// mapped to the v3.1.1+ ones; see [`Operation::original_id`]).
    ///
    /// ```
    /// # let op = contajners_spec::Operation::new("ContainerList", contajners_spec::Method::Get, "/containers/json");
    /// assert_eq!(op.id(), "ContainerList");
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The id in the upstream file when it differs from [`Operation::id`]
    /// (only podman v3.0.x/v3.1.0: `libpodRemoveImage` for
    /// `ImageDeleteLibpod`). [`Spec::operation`] finds the op by either.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Podman, "v3.0.0")?;
    /// let op = spec.operation("ImageDeleteLibpod").expect("mapped");
    /// assert_eq!(op.original_id(), Some("libpodRemoveImage"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn original_id(&self) -> Option<&str> {
        self.original_id.as_deref()
    }

    /// The category name (see [`Category`]).
    ///
    /// ```
    /// # let op = contajners_spec::Operation::new("ImageListLibpod", contajners_spec::Method::Get, "/libpod/images/json");
    /// assert_eq!(op.category(), "libpod/images");
    /// ```
    pub fn category(&self) -> &str {
        self.path
            .get(self.category_span.0 as usize..self.category_span.1 as usize)
            .unwrap_or("")
    }

    /// The HTTP method.
    ///
    /// ```
    /// # let op = contajners_spec::Operation::new("ContainerList", contajners_spec::Method::Get, "/containers/json");
    /// assert_eq!(op.method().as_str(), "GET");
    /// ```
    pub fn method(&self) -> crate::Method {
        self.method
    }

    /// The path template without a version prefix, e.g.
    /// `/containers/{id}/json`. Gorilla regexes of podman v3.0–v3.1.2
    /// (`{name:.*}`) are normalised to `{name}`.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Podman, "v3.0.0")?;
    /// let op = spec.operation("ImageDeleteLibpod").expect("exists");
    /// assert_eq!(op.path(), "/libpod/images/{name}");
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The one-line summary (may be empty: podman has none).
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.operation("ContainerList").map(|op| op.summary()), Some("List containers"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The description, Markdown as upstream wrote it (may be empty).
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert!(spec.operation("ContainerAttach").map_or(false, |op| op.description().contains("Hijacking")));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Whether upstream marks the operation deprecated.
    ///
    /// ```
    /// # let op = contajners_spec::Operation::new("ContainerList", contajners_spec::Method::Get, "/containers/json");
    /// assert!(!op.deprecated());
    /// ```
    pub fn deprecated(&self) -> bool {
        self.deprecated
    }

    /// The first tag (`Container`, `containers (compat)`, …): the section of
    /// the upstream documentation; empty when the operation has none.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.operation("ContainerList").map(|op| op.tag()), Some("Container"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Every param in upstream order, the body param (location
    /// [`Location::Body`]) included.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let op = spec.operation("ContainerCreate").expect("exists");
    /// assert!(op.params().iter().any(|p| p.location() == contajners_spec::Location::Body));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// One param by name and location.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// use contajners_spec::Location;
    /// let op = spec.operation("ContainerList").expect("exists");
    /// assert!(op.param("all", Location::Query).is_some());
    /// assert!(op.param("all", Location::Header).is_none());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn param(&self, name: &str, location: Location) -> Option<&Param> {
        self.params
            .iter()
            .find(|p| p.location == location && p.name == name)
    }

    /// The request body, when the operation takes one.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let body = spec.operation("ContainerCreate").and_then(|op| op.body()).expect("has a body");
    /// assert!(body.required());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn body(&self) -> Option<&RequestBody> {
        self.body.as_ref()
    }

    /// The request content types (`consumes`), e.g. `application/x-tar`.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let op = spec.operation("PutContainerArchive").expect("exists");
    /// assert!(op.consumes().iter().any(|c| c == "application/x-tar"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn consumes(&self) -> &[String] {
        &self.consumes
    }

    /// The response content types (`produces`), e.g.
    /// `application/vnd.docker.raw-stream`.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let op = spec.operation("ContainerAttach").expect("exists");
    /// assert_eq!(op.produces(), ["application/vnd.docker.raw-stream"]);
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn produces(&self) -> &[String] {
        &self.produces
    }

    /// Whether a successful call takes over the connection as a raw
    /// bidirectional stream (attach, exec start, session). Derived from the
    /// spec: a `POST` answering `101`, producing
    /// `application/vnd.docker.raw-stream`, or whose description says it
    /// hijacks or sets up an interactive session.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.operation("ExecStart").map(|op| op.hijacks()), Some(true));
    /// assert_eq!(spec.operation("ContainerLogs").map(|op| op.hijacks()), Some(false));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn hijacks(&self) -> bool {
        self.hijacks
    }

    /// The documented response codes, in upstream order.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let op = spec.operation("ContainerAttach").expect("exists");
    /// assert_eq!(op.responses()[0].code(), Some(101));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn responses(&self) -> &[ResponseCode] {
        &self.responses
    }

    /// The operation's page in the engine's API reference.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(
    ///     spec.operation("ContainerList").map(|op| op.doc_url()).as_deref(),
    ///     Some("https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container/operation/ContainerList"),
    /// );
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    ///
    /// The reference pages are Redoc pages: the tag anchor is the tag with
    /// each run of whitespace replaced by `-`, and the upstream id is used,
    /// as that is the anchor on the page of that version. An operation not
    /// (yet) in a [`Spec`] has no version and gives the page without one.
    pub fn doc_url(&self) -> String {
        let tag = self.tag.split_whitespace().collect::<Vec<_>>().join("-");
        let id = self.original_id.as_deref().unwrap_or(&self.id);
        let version = &self.version;
        match self.engine {
            Engine::Docker => {
                format!("https://docs.docker.com/reference/api/engine/version/{version}/#tag/{tag}/operation/{id}")
            }
            Engine::Podman => {
                format!(
                    "https://docs.podman.io/en/{version}/_static/api.html#tag/{tag}/operation/{id}"
                )
            }
        }
    }
}

/// The request body of an operation.
///
/// ```
/// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
/// let body = spec.operation("ImageBuild").and_then(|op| op.body()).expect("has a body");
/// assert!(!body.required());
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestBody {
    pub(crate) required: bool,
    pub(crate) description: Text,
}

impl RequestBody {
    /// Whether the body must be sent.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// assert_eq!(spec.operation("ContainerCreate").and_then(|op| op.body()).map(|b| b.required()), Some(true));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn required(&self) -> bool {
        self.required
    }

    /// Upstream's description of the body (may be empty).
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let body = spec.operation("ImageBuild").and_then(|op| op.body()).expect("has a body");
    /// assert!(body.description().contains("tar archive"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn description(&self) -> &str {
        &self.description
    }
}

/// One documented response code of an operation.
///
/// ```
/// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
/// let op = spec.operation("ContainerCreate").expect("exists");
/// let created = op.responses().iter().find(|r| r.code() == Some(201)).expect("201");
/// assert_eq!(created.description(), "Container created successfully");
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseCode {
    pub(crate) code: Option<u16>,
    pub(crate) description: Text,
}

impl ResponseCode {
    /// A response code; `None` stands for Swagger's `default`.
    ///
    /// ```
    /// let r = contajners_spec::ResponseCode::new(Some(404), "no such container");
    /// assert_eq!(r.code(), Some(404));
    /// ```
    pub fn new(code: Option<u16>, description: &str) -> ResponseCode {
        ResponseCode {
            code,
            description: Cow::Owned(description.to_owned()),
        }
    }

    /// The HTTP status code, or `None` for the `default` response.
    ///
    /// ```
    /// assert_eq!(contajners_spec::ResponseCode::new(None, "any").code(), None);
    /// ```
    pub fn code(&self) -> Option<u16> {
        self.code
    }

    /// What the code means for this operation (resolved from
    /// `$ref: '#/responses/…'` for podman).
    ///
    /// ```
    /// assert_eq!(contajners_spec::ResponseCode::new(Some(200), "ok").description(), "ok");
    /// ```
    pub fn description(&self) -> &str {
        &self.description
    }
}

/// One param of an operation.
///
/// ```
/// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
/// use contajners_spec::{Location, ParamType};
/// let op = spec.operation("ContainerList").expect("exists");
/// let limit = op.param("limit", Location::Query).expect("exists");
/// assert_eq!(limit.kind(), &ParamType::Integer);
/// assert!(!limit.required());
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub(crate) name: Text,
    pub(crate) location: Location,
    pub(crate) kind: ParamType,
    pub(crate) format: Option<Text>,
    pub(crate) enum_values: Vec<Value>,
    pub(crate) default: Option<Value>,
    pub(crate) required: bool,
    pub(crate) collection_format: Option<CollectionFormat>,
    pub(crate) description: Text,
}

impl Param {
    /// A param with only name, location and type set (path params are
    /// required, the others optional); fill it in with the `with_*` methods.
    ///
    /// ```
    /// use contajners_spec::{Location, Param, ParamType};
    /// let p = Param::new("id", Location::Path, ParamType::String);
    /// assert!(p.required());
    /// ```
    pub fn new(name: &str, location: Location, kind: ParamType) -> Param {
        Param::build(Cow::Owned(name.to_owned()), location, kind)
    }

    pub(crate) fn build(name: Text, location: Location, kind: ParamType) -> Param {
        Param {
            name,
            location,
            kind,
            format: None,
            enum_values: Vec::new(),
            default: None,
            required: location == Location::Path,
            collection_format: None,
            description: Cow::Borrowed(""),
        }
    }

    /// Sets whether the param is required.
    ///
    /// ```
    /// use contajners_spec::{Location, Param, ParamType};
    /// assert!(Param::new("name", Location::Query, ParamType::String).with_required(true).required());
    /// ```
    #[must_use]
    pub fn with_required(mut self, required: bool) -> Param {
        self.required = required;
        self
    }

    /// The name as on the wire (`all`, `X-Registry-Auth`, `one-shot`).
    ///
    /// ```
    /// # let p = contajners_spec::Param::new("all", contajners_spec::Location::Query, contajners_spec::ParamType::Boolean);
    /// assert_eq!(p.name(), "all");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the param travels.
    ///
    /// ```
    /// # let p = contajners_spec::Param::new("all", contajners_spec::Location::Query, contajners_spec::ParamType::Boolean);
    /// assert_eq!(p.location(), contajners_spec::Location::Query);
    /// ```
    pub fn location(&self) -> Location {
        self.location
    }

    /// The value's type.
    ///
    /// ```
    /// # let p = contajners_spec::Param::new("all", contajners_spec::Location::Query, contajners_spec::ParamType::Boolean);
    /// assert_eq!(p.kind(), &contajners_spec::ParamType::Boolean);
    /// ```
    pub fn kind(&self) -> &ParamType {
        &self.kind
    }

    /// The Swagger `format` (`int64`, `binary`, …), if any.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let op = spec.operation("ContainerStop").expect("exists");
    /// assert_eq!(op.param("t", contajners_spec::Location::Query).and_then(|p| p.format()), None);
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn format(&self) -> Option<&str> {
        self.format.as_deref()
    }

    /// The allowed values, empty when any value of the type goes.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let op = spec.operation("ImageCreate").expect("exists");
    /// let p = op.param("fromImage", contajners_spec::Location::Query).expect("exists");
    /// assert!(p.enum_values().is_empty());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn enum_values(&self) -> &[Value] {
        &self.enum_values
    }

    /// The default value upstream documents, if any.
    ///
    /// ```
    /// # let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
    /// let op = spec.operation("ContainerList").expect("exists");
    /// let all = op.param("all", contajners_spec::Location::Query).expect("exists");
    /// assert_eq!(all.default(), Some(&serde_json::Value::Bool(false)));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn default(&self) -> Option<&Value> {
        self.default.as_ref()
    }

    /// Whether the param must be given.
    ///
    /// ```
    /// # let p = contajners_spec::Param::new("all", contajners_spec::Location::Query, contajners_spec::ParamType::Boolean);
    /// assert!(!p.required());
    /// ```
    pub fn required(&self) -> bool {
        self.required
    }

    /// How an array value is joined, for array params.
    ///
    /// ```
    /// # let p = contajners_spec::Param::new("all", contajners_spec::Location::Query, contajners_spec::ParamType::Boolean);
    /// assert_eq!(p.collection_format(), None);
    /// ```
    pub fn collection_format(&self) -> Option<CollectionFormat> {
        self.collection_format
    }

    /// Upstream's description (may be empty).
    ///
    /// ```
    /// # let p = contajners_spec::Param::new("all", contajners_spec::Location::Query, contajners_spec::ParamType::Boolean);
    /// assert_eq!(p.description(), "");
    /// ```
    pub fn description(&self) -> &str {
        &self.description
    }
}
