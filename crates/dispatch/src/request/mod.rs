//! From an operation and params to a transport [`Request`]: pure, no IO, so
//! it can be tested and benched alone.

mod encode;
mod path;

use std::fmt;
use std::io;
use std::pin::Pin;

use bytes::Bytes;
use contajners_spec::{Location, Operation, Param};
use contajners_transport::{Body, Request};
use futures_util::Stream;
use serde_json::Value;
use tokio::io::AsyncRead;

use crate::error::RequestError;
use crate::params;
use encode::{encode, Encoded};

pub(crate) use encode::registry_header;

/// The request body of an invocation (the seed's `:data`).
///
/// ```
/// use contajners_dispatch::Data;
/// let json: Data = serde_json::json!({"Image": "busybox:musl"}).into();
/// let tar = Data::bytes(vec![0u8; 1024]);
/// assert!(matches!(json, Data::Json(_)));
/// assert!(matches!(tar, Data::Bytes(_)));
/// ```
#[non_exhaustive]
#[derive(Default)]
pub enum Data {
    /// No body.
    #[default]
    None,
    /// A JSON body (`Content-Type: application/json`).
    Json(Value),
    /// Raw bytes, with the content type the spec says the operation consumes.
    Bytes(Bytes),
    /// A stream sent chunked as it is produced, in bounded memory.
    Stream(Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send + 'static>>),
    /// Everything a reader (a file, a pipe) yields, sent chunked.
    Reader(Pin<Box<dyn AsyncRead + Send + 'static>>),
}

impl Data {
    /// Raw bytes.
    ///
    /// ```
    /// let data = contajners_dispatch::Data::bytes("hello");
    /// ```
    pub fn bytes(bytes: impl Into<Bytes>) -> Data {
        Data::Bytes(bytes.into())
    }

    /// A stream of chunks (e.g. a tar archive being built).
    ///
    /// ```
    /// use bytes::Bytes;
    /// let chunks = futures_util::stream::iter([Ok(Bytes::from("a")), Ok(Bytes::from("b"))]);
    /// let data = contajners_dispatch::Data::stream(chunks);
    /// ```
    pub fn stream(stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static) -> Data {
        Data::Stream(Box::pin(stream))
    }

    /// An async reader (e.g. `tokio::fs::File`).
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// let file = tokio::fs::File::open("image.tar").await?;
    /// let data = contajners_dispatch::Data::reader(file);
    /// # Ok(()) }
    /// ```
    pub fn reader(reader: impl AsyncRead + Send + 'static) -> Data {
        Data::Reader(Box::pin(reader))
    }

    fn is_raw(&self) -> bool {
        matches!(self, Data::Bytes(_) | Data::Stream(_) | Data::Reader(_))
    }
}

impl From<Value> for Data {
    fn from(value: Value) -> Self {
        Data::Json(value)
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Data::None => f.write_str("Data::None"),
            Data::Json(value) => f.debug_tuple("Data::Json").field(value).finish(),
            Data::Bytes(bytes) => write!(f, "Data::Bytes({} bytes)", bytes.len()),
            Data::Stream(_) => f.write_str("Data::Stream"),
            Data::Reader(_) => f.write_str("Data::Reader"),
        }
    }
}

/// Builds the request for `op` of an engine speaking API `version` (`v1.41`,
/// `v4.3.1`): params checked against the spec and sorted into path, query and
/// headers, values encoded by type, path prefixed with the version, body
/// with its content type. Errors here mean nothing was sent.
///
/// `content_type` overrides the content type of a raw body.
///
/// ```
/// use contajners_dispatch::{build_request, Data};
/// use contajners_spec::{load, Engine};
/// use serde_json::json;
///
/// let spec = load(Engine::Docker, "v1.41")?;
/// let op = spec.operation("ContainerList").expect("in the spec");
/// let params = [
///     ("all".to_string(), json!(true)),
///     ("filters".to_string(), json!({"status": ["running"]})),
/// ];
/// let req = build_request(spec.version(), op, &params, Data::None, None)?;
/// assert_eq!(req.path(), "/v1.41/containers/json");
/// assert_eq!(req.query_pairs()[1].1, r#"{"status":["running"]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build_request(
    version: &str,
    op: &Operation,
    params: &[(String, Value)],
    data: Data,
    content_type: Option<&str>,
) -> Result<Request, RequestError> {
    let mut query: Vec<(&str, Encoded<'_>)> = Vec::with_capacity(params.len());
    let mut headers: Vec<(&str, Encoded<'_>)> = Vec::new();
    for (name, value) in params {
        if value.is_null() {
            // null means "not given", so optional params can be passed as is.
            continue;
        }
        let param = params::find(op, name).ok_or_else(|| params::unknown(op, name))?;
        match param.location() {
            // Path params are read from `params` while filling the template.
            Location::Path => {
                encode(op, param, value)?;
            }
            Location::Query => query.push((param.name(), encode(op, param, value)?)),
            Location::Header => {
                let encoded = encode(op, param, value)?;
                check_header(op, param, &encoded)?;
                headers.push((param.name(), encoded));
            }
            Location::Body | Location::FormData => {
                return Err(RequestError::new(format!(
                    "`{name}` of {} is the request body, not a param: pass it as data",
                    op.id()
                )))
            }
        }
    }
    check_required(op, params, &data)?;
    let path = fill_path(version, op, params)?;

    let mut req = Request::new(http_method(op), path);
    for (name, encoded) in &query {
        match encoded {
            Encoded::One(text) => req = req.query(name, text),
            Encoded::Repeated(items) => {
                for item in items {
                    req = req.query(name, item);
                }
            }
        }
    }
    for (name, encoded) in &headers {
        match encoded {
            Encoded::One(text) => req = req.header(name, text),
            Encoded::Repeated(items) => {
                for item in items {
                    req = req.header(name, item);
                }
            }
        }
    }
    if data.is_raw() {
        req = req.header("Content-Type", raw_content_type(op, content_type));
    } else if let (Some(content_type), Data::Json(_)) = (content_type, &data) {
        req = req.header("Content-Type", content_type);
    }
    let body = match data {
        Data::None => Body::empty(),
        Data::Json(value) => Body::json(&value).map_err(|err| {
            RequestError::new(format!("the data of {} is not JSON: {err}", op.id()))
        })?,
        Data::Bytes(bytes) => Body::bytes(bytes),
        Data::Stream(stream) => Body::stream(stream),
        Data::Reader(reader) => Body::reader(reader),
    };
    Ok(req.body(body))
}

/// The HTTP method of `op`.
pub(crate) fn http_method(op: &Operation) -> http::Method {
    use contajners_spec::Method as M;
    match op.method() {
        M::Get => http::Method::GET,
        M::Post => http::Method::POST,
        M::Put => http::Method::PUT,
        M::Delete => http::Method::DELETE,
        M::Head => http::Method::HEAD,
        M::Patch => http::Method::PATCH,
        M::Options => http::Method::OPTIONS,
    }
}

fn check_header(op: &Operation, param: &Param, encoded: &Encoded<'_>) -> Result<(), RequestError> {
    let values = match encoded {
        Encoded::One(text) => std::slice::from_ref(text),
        Encoded::Repeated(items) => items.as_slice(),
    };
    for text in values {
        if text.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(RequestError::new(format!(
                "the value of header `{}` of {} contains CR, LF or NUL, which would end the header: \
                 pass an object (sent as base64url JSON) or a value on one line",
                param.name(),
                op.id()
            )));
        }
    }
    Ok(())
}

fn check_required(
    op: &Operation,
    params: &[(String, Value)],
    data: &Data,
) -> Result<(), RequestError> {
    for param in op.params() {
        if !param.required() || param.location() == Location::Body {
            continue;
        }
        let given = params.iter().any(|(name, value)| {
            !value.is_null() && params::find(op, name).is_some_and(|p| std::ptr::eq(p, param))
        });
        if !given {
            return Err(RequestError::new(format!(
                "{} needs the {} param `{}`{}",
                op.id(),
                param.location().as_str(),
                param.name(),
                about(param.description())
            )));
        }
    }
    if matches!(data, Data::None) && op.body().is_some_and(|body| body.required()) {
        return Err(RequestError::new(format!(
            "{} needs a request body (data){}",
            op.id(),
            about(op.body().map(|b| b.description()).unwrap_or_default())
        )));
    }
    Ok(())
}

/// The first line of a description, in parentheses, or nothing.
fn about(description: &str) -> String {
    match description.lines().next().map(str::trim) {
        Some(line) if !line.is_empty() => format!(" ({line})"),
        _ => String::new(),
    }
}

/// `/{version}{template}` with each `{name}` replaced by its encoded value.
fn fill_path(
    version: &str,
    op: &Operation,
    params: &[(String, Value)],
) -> Result<String, RequestError> {
    let template = op.path();
    let mut path = String::with_capacity(1 + version.len() + template.len() + 32);
    path.push('/');
    path.push_str(version.trim_matches('/'));
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let close = rest[open..].find('}').map(|i| open + i).ok_or_else(|| {
            RequestError::new(format!(
                "the path template `{template}` of {} is broken",
                op.id()
            ))
        })?;
        let name = &rest[open + 1..close];
        let value = path_value(op, params, name).ok_or_else(|| {
            RequestError::new(format!(
                "{} needs the path param `{name}` (in `{template}`)",
                op.id()
            ))
        })?;
        let text = match value {
            Value::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
            Value::Number(n) => std::borrow::Cow::Owned(n.to_string()),
            _ => {
                return Err(RequestError::new(format!(
                    "path param `{name}` of {} must be a string, got {value}",
                    op.id()
                )))
            }
        };
        let encoded = path::encode_segment(&text).map_err(|why| {
            RequestError::new(format!("path param `{name}` of {}: {why}", op.id()))
        })?;
        path.extend(encoded);
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    Ok(path)
}

/// The value given for the path param `name`: under its own name, else
/// under its `id`/`name` alias (see [`params::param`]).
fn path_value<'a>(op: &Operation, given: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
    let under = |wanted: &dyn Fn(&str) -> bool| {
        given
            .iter()
            .find(|(key, value)| wanted(key) && !value.is_null())
            .map(|(_, value)| value)
    };
    under(&|key| key == name).or_else(|| {
        under(&|key| {
            matches!(key, "id" | "name")
                && key != name
                && params::find(op, key).is_some_and(|p| p.name() == name)
        })
    })
}

/// The content type of a raw body: the caller's, else the spec's tar type,
/// else the first binary type the operation consumes.
fn raw_content_type<'a>(op: &'a Operation, given: Option<&'a str>) -> &'a str {
    if let Some(given) = given {
        return given;
    }
    let consumes = op.consumes();
    if consumes.iter().any(|c| c == "application/x-tar") || takes_tar(op) {
        return "application/x-tar";
    }
    consumes
        .iter()
        .map(String::as_str)
        .find(|c| !c.contains("json") && !c.starts_with("text/"))
        .unwrap_or("application/octet-stream")
}

/// Operations whose body is a tar archive though their spec says only
/// octet-stream: build (its body's description says "tar archive") and
/// image import (`ImageCreate` with `fromSrc=-`; ENGINE-NOTES: tar bodies
/// are `application/x-tar`).
fn takes_tar(op: &Operation) -> bool {
    op.id() == "ImageCreate"
        || op.body().is_some_and(|body| {
            body.description()
                .to_ascii_lowercase()
                .contains("tar archive")
        })
}

#[cfg(test)]
mod tests;
