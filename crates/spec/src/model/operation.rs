//! An operation, its request body and its response codes.

use std::borrow::Cow;

use super::Text;
use crate::{Engine, Location, Method, Param};

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
    pub(crate) fn category_text(&self) -> Text {
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
    /// `ImageDeleteLibpod`). [`Spec::operation`](crate::Spec::operation) finds the op by either.
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

    /// The category name (see [`Category`](crate::Category)).
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
    /// (yet) in a [`Spec`](crate::Spec) has no version and gives the page without one.
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
