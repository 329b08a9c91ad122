//! What to invoke: the seed's operation map, as a builder.

use serde_json::Value;

use crate::request::Data;

/// How the answer is wanted (the seed's `:as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum As {
    /// The whole body, decoded: JSON when it is JSON, text otherwise,
    /// nothing when empty.
    #[default]
    Data,
    /// The body as a byte stream, read as it comes (logs, events, pulls).
    Stream,
    /// The upgraded bidirectional connection (attach, exec start).
    Socket,
}

/// One call of an operation: op id, params, data and how to answer.
///
/// ```
/// use contajners_dispatch::{As, Invocation};
/// use serde_json::json;
///
/// let logs = Invocation::new("ContainerLogs")
///     .param("id", "conny")
///     .param("follow", true)
///     .param("stdout", true)
///     .as_stream();
/// assert_eq!(logs.op(), "ContainerLogs");
/// assert_eq!(logs.answer_as(), As::Stream);
///
/// let create = Invocation::new("ContainerCreate")
///     .param("name", "conny")
///     .data(json!({"Image": "busybox:musl", "Cmd": ["ls"]}));
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct Invocation {
    pub(crate) op: String,
    pub(crate) params: Vec<(String, Value)>,
    pub(crate) data: Data,
    pub(crate) answer_as: As,
    pub(crate) throw_exceptions: bool,
    pub(crate) throw_entire_message: bool,
    pub(crate) content_type: Option<String>,
    pub(crate) multiplexed: Option<bool>,
}

impl Invocation {
    /// An invocation of the operation `op` (e.g. `"ContainerList"`), with no
    /// params, no data, answered as data, errors returned as answers.
    ///
    /// ```
    /// let ping = contajners_dispatch::Invocation::new("SystemPing");
    /// ```
    pub fn new(op: impl Into<String>) -> Self {
        Invocation {
            op: op.into(),
            ..Invocation::default()
        }
    }

    /// The operation id.
    ///
    /// ```
    /// assert_eq!(contajners_dispatch::Invocation::new("SystemPing").op(), "SystemPing");
    /// ```
    pub fn op(&self) -> &str {
        &self.op
    }

    /// Sets a param (path, query or header: the spec knows which). Setting
    /// it again replaces the value; `null` means not given. Objects and
    /// arrays for string params (`filters`) are sent JSON-encoded; an object
    /// for `X-Registry-Auth` is sent as base64url JSON.
    ///
    /// ```
    /// use serde_json::json;
    /// let list = contajners_dispatch::Invocation::new("ContainerList")
    ///     .param("all", true)
    ///     .param("filters", json!({"name": ["conny"]}));
    /// ```
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        let name = name.into();
        let value = value.into();
        match self.params.iter_mut().find(|(given, _)| *given == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((name, value)),
        }
        self
    }

    /// Sets several params at once, e.g. from a JSON object.
    ///
    /// ```
    /// use serde_json::json;
    /// let params = json!({"id": "conny", "stdout": true});
    /// let logs = contajners_dispatch::Invocation::new("ContainerLogs")
    ///     .params(params.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())));
    /// ```
    pub fn params<K, V>(mut self, params: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<Value>,
    {
        for (name, value) in params {
            self = self.param(name, value);
        }
        self
    }

    /// Sets the request body: a JSON value, bytes, a stream or a reader
    /// (see [`Data`]).
    ///
    /// ```
    /// use contajners_dispatch::{Data, Invocation};
    /// let net = Invocation::new("NetworkCreate").data(serde_json::json!({"Name": "conny-network"}));
    /// let load = Invocation::new("ImageLoad").data(Data::bytes(vec![0u8; 10]));
    /// ```
    pub fn data(mut self, data: impl Into<Data>) -> Self {
        self.data = data.into();
        self
    }

    /// Overrides the content type of a raw body (the spec's `consumes` is
    /// used otherwise: `application/x-tar` for build, load, import and
    /// archive uploads).
    ///
    /// ```
    /// let put = contajners_dispatch::Invocation::new("PutContainerArchive")
    ///     .content_type("application/x-tar");
    /// ```
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// How the answer is wanted.
    ///
    /// ```
    /// use contajners_dispatch::{As, Invocation};
    /// let attach = Invocation::new("ContainerAttach").answer(As::Socket);
    /// ```
    pub fn answer(mut self, answer_as: As) -> Self {
        self.answer_as = answer_as;
        self
    }

    /// Shorthand for `.answer(As::Stream)`.
    ///
    /// ```
    /// let events = contajners_dispatch::Invocation::new("SystemEvents").as_stream();
    /// ```
    pub fn as_stream(self) -> Self {
        self.answer(As::Stream)
    }

    /// Shorthand for `.answer(As::Socket)`.
    ///
    /// ```
    /// let attach = contajners_dispatch::Invocation::new("ContainerAttach").as_socket();
    /// ```
    pub fn as_socket(self) -> Self {
        self.answer(As::Socket)
    }

    /// How the answer is wanted.
    ///
    /// ```
    /// use contajners_dispatch::{As, Invocation};
    /// assert_eq!(Invocation::new("SystemPing").answer_as(), As::Data);
    /// ```
    pub fn answer_as(&self) -> As {
        self.answer_as
    }

    /// With `true`, a status >= 400 is an [`Error::Engine`](crate::Error::Engine)
    /// instead of an answer.
    ///
    /// ```
    /// let inspect = contajners_dispatch::Invocation::new("ContainerInspect")
    ///     .param("id", "conny")
    ///     .throw_exceptions(true);
    /// ```
    pub fn throw_exceptions(mut self, on: bool) -> Self {
        self.throw_exceptions = on;
        self
    }

    /// With `true` (and `throw_exceptions`), the error keeps the whole body.
    ///
    /// ```
    /// let inspect = contajners_dispatch::Invocation::new("ContainerInspect")
    ///     .param("id", "conny")
    ///     .throw_exceptions(true)
    ///     .throw_entire_message(true);
    /// ```
    pub fn throw_entire_message(mut self, on: bool) -> Self {
        self.throw_entire_message = on;
        self
    }

    /// Whether a streamed answer is stdcopy-multiplexed, for engines that do
    /// not say so in the Content-Type (Docker before API 1.42, Podman): true
    /// for logs and attach of a container created without a TTY.
    ///
    /// ```
    /// let logs = contajners_dispatch::Invocation::new("ContainerLogs")
    ///     .param("id", "conny")
    ///     .as_stream()
    ///     .multiplexed(true);
    /// ```
    pub fn multiplexed(mut self, on: bool) -> Self {
        self.multiplexed = Some(on);
        self
    }
}
