//! A param of an operation.

use std::borrow::Cow;

use serde_json::Value;

use super::Text;
use crate::{CollectionFormat, Location, ParamType};

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
