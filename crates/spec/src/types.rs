//! The small closed vocabularies of a spec: engines, HTTP methods, param
//! locations, param types and array collection formats.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind};

/// A container engine whose API specs this crate knows.
///
/// ```
/// use contajners_spec::Engine;
/// let engine: Engine = "podman".parse()?;
/// assert_eq!(engine, Engine::Podman);
/// assert_eq!(engine.to_string(), "podman");
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Engine {
    /// Docker Engine (API versions `v1.25` …).
    Docker,
    /// Podman (release versions `v3.0.0` …), libpod and compat API together.
    Podman,
}

impl Engine {
    /// Every engine this crate has a model for, bundled or not.
    pub const ALL: [Engine; 2] = [Engine::Docker, Engine::Podman];

    /// The lower-case name: `"docker"` or `"podman"`.
    ///
    /// ```
    /// assert_eq!(contajners_spec::Engine::Docker.as_str(), "docker");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Engine {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "docker" => Ok(Engine::Docker),
            "podman" => Ok(Engine::Podman),
            _ => Err(ErrorKind::UnknownEngine {
                given: s.to_owned(),
            }
            .into()),
        }
    }
}

/// The HTTP method of an operation.
///
/// ```
/// use contajners_spec::Method;
/// assert_eq!(Method::Post.as_str(), "POST");
/// assert_eq!("get".parse::<Method>()?, Method::Get);
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `OPTIONS`
    Options,
}

impl Method {
    /// The upper-case method name as sent on the wire, e.g. `"GET"`.
    ///
    /// ```
    /// assert_eq!(contajners_spec::Method::Delete.as_str(), "DELETE");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Options => "OPTIONS",
        }
    }

    pub(crate) const ALL: [Method; 7] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Head,
        Method::Patch,
        Method::Options,
    ];
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                ErrorKind::Invalid {
                    what: format!("unknown HTTP method {s:?}; expected one of GET, POST, PUT, DELETE, HEAD, PATCH, OPTIONS"),
                }
                .into()
            })
    }
}

/// Where a param travels in the request (Swagger's `in`).
///
/// ```
/// use contajners_spec::Location;
/// assert_eq!(Location::FormData.as_str(), "formData");
/// assert_eq!("query".parse::<Location>()?, Location::Query);
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    /// Substituted into the path template (`{id}`).
    Path,
    /// A query-string param.
    Query,
    /// A request header.
    Header,
    /// The request body (at most one per operation).
    Body,
    /// A `multipart/form-data` or urlencoded form field.
    FormData,
}

impl Location {
    /// The Swagger spelling: `path`, `query`, `header`, `body`, `formData`.
    ///
    /// ```
    /// assert_eq!(contajners_spec::Location::Header.as_str(), "header");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Body => "body",
            Location::FormData => "formData",
        }
    }

    const ALL: [Location; 5] = [
        Location::Path,
        Location::Query,
        Location::Header,
        Location::Body,
        Location::FormData,
    ];
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Location {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Location::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                ErrorKind::Invalid {
                    what: format!("unknown param location {s:?}; expected path, query, header, body or formData"),
                }
                .into()
            })
    }
}

/// The type of a param's value.
///
/// ```
/// use contajners_spec::ParamType;
/// let t: ParamType = "array:string".parse()?;
/// assert_eq!(t, ParamType::Array(Box::new(ParamType::String)));
/// assert_eq!(t.to_string(), "array:string");
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// A string.
    String,
    /// An integer (see [`Param::format`](crate::Param::format) for `int32`/`int64`).
    Integer,
    /// A floating-point number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An array of the inner type (see [`CollectionFormat`] for how it is sent).
    Array(Box<ParamType>),
    /// A JSON object (body params with a schema; also an untyped value).
    Object,
    /// A file upload (`formData` params).
    File,
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamType::String => f.write_str("string"),
            ParamType::Integer => f.write_str("integer"),
            ParamType::Number => f.write_str("number"),
            ParamType::Boolean => f.write_str("boolean"),
            ParamType::Object => f.write_str("object"),
            ParamType::File => f.write_str("file"),
            ParamType::Array(inner) => write!(f, "array:{inner}"),
        }
    }
}

impl FromStr for ParamType {
    type Err = Error;

    /// Parses the [`Display`](fmt::Display) form: `string`, `array:integer`, …
    fn from_str(s: &str) -> Result<Self, Error> {
        if let Some(inner) = s.strip_prefix("array:") {
            return Ok(ParamType::Array(Box::new(inner.parse()?)));
        }
        Ok(match s {
            "string" => ParamType::String,
            "integer" => ParamType::Integer,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "object" => ParamType::Object,
            "file" => ParamType::File,
            _ => {
                return Err(ErrorKind::Invalid {
                    what: format!(
                        "unknown param type {s:?}; expected string, integer, number, boolean, object, file or array:<type>"
                    ),
                }
                .into())
            }
        })
    }
}

/// How an array param is joined into one query or header value.
///
/// ```
/// use contajners_spec::CollectionFormat;
/// assert_eq!("multi".parse::<CollectionFormat>()?, CollectionFormat::Multi);
/// # Ok::<(), contajners_spec::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollectionFormat {
    /// Comma-separated: `a,b`.
    Csv,
    /// Space-separated: `a b`.
    Ssv,
    /// Tab-separated.
    Tsv,
    /// Pipe-separated: `a|b`.
    Pipes,
    /// The param repeated once per value: `k=a&k=b`.
    Multi,
}

impl CollectionFormat {
    /// The Swagger spelling: `csv`, `ssv`, `tsv`, `pipes`, `multi`.
    ///
    /// ```
    /// assert_eq!(contajners_spec::CollectionFormat::Pipes.as_str(), "pipes");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            CollectionFormat::Csv => "csv",
            CollectionFormat::Ssv => "ssv",
            CollectionFormat::Tsv => "tsv",
            CollectionFormat::Pipes => "pipes",
            CollectionFormat::Multi => "multi",
        }
    }
}

impl fmt::Display for CollectionFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CollectionFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "csv" => CollectionFormat::Csv,
            "ssv" => CollectionFormat::Ssv,
            "tsv" => CollectionFormat::Tsv,
            "pipes" => CollectionFormat::Pipes,
            "multi" => CollectionFormat::Multi,
            _ => {
                return Err(ErrorKind::Invalid {
                    what: format!(
                        "unknown collectionFormat {s:?}; expected csv, ssv, tsv, pipes or multi"
                    ),
                }
                .into())
            }
        })
    }
}
