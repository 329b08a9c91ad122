//! Heads: the request head as bytes on the wire, the response head parsed
//! from the read buffer, and what the head says about the body.

use std::sync::OnceLock;

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use super::Malformed;

/// A response head larger than this is refused: engines send a few hundred
/// bytes, and an endless head must not grow memory without bound.
pub(crate) const MAX_HEAD: usize = 256 * 1024;

/// Header slots tried first; a head with more is parsed again with room for
/// [`MAX_HEADERS`].
const USUAL_HEADERS: usize = 32;
const MAX_HEADERS: usize = 512;

/// How the request body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body and no framing header (GET, HEAD, DELETE, …).
    None,
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// The request head, ready to write: request line, `Host`, the caller's
/// headers (names as given, already validated), the framing header and,
/// for socket mode, the upgrade headers.
pub(crate) struct RequestHead<'a> {
    pub(crate) method: &'a Method,
    pub(crate) target: &'a str,
    pub(crate) authority: &'a str,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) framing: Framing,
    pub(crate) json: bool,
    pub(crate) upgrade: bool,
}

impl RequestHead<'_> {
    /// Appends the head to `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let caller = |name: &HeaderName| {
            self.headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name.as_str()))
        };
        out.extend_from_slice(self.method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.target.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        if !caller(&http::header::HOST) {
            line(out, "Host", self.authority);
        }
        for (name, value) in self.headers {
            // The body and the mode decide these; `Request::prepare` has
            // already refused conflicting values.
            let framing = name.eq_ignore_ascii_case(CONTENT_LENGTH.as_str())
                || name.eq_ignore_ascii_case(TRANSFER_ENCODING.as_str());
            let upgrading = self.upgrade
                && (name.eq_ignore_ascii_case(CONNECTION.as_str())
                    || name.eq_ignore_ascii_case(http::header::UPGRADE.as_str()));
            if !framing && !upgrading {
                line(out, name, value);
            }
        }
        if self.json && !caller(&http::header::CONTENT_TYPE) {
            line(out, "Content-Type", "application/json");
        }
        match self.framing {
            Framing::None => {}
            Framing::Length(n) => {
                out.extend_from_slice(b"Content-Length: ");
                out.extend_from_slice(Decimal(n).as_bytes(&mut [0; 20]));
                out.extend_from_slice(b"\r\n");
            }
            Framing::Chunked => line(out, "Transfer-Encoding", "chunked"),
        }
        if self.upgrade {
            line(out, "Connection", "Upgrade");
            line(out, "Upgrade", "tcp");
        }
        out.extend_from_slice(b"\r\n");
    }
}

fn line(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// A `u64` in decimal, written without formatting machinery (this is on
/// the path of every request with a body).
struct Decimal(u64);

impl Decimal {
    fn as_bytes<'b>(&self, buf: &'b mut [u8; 20]) -> &'b [u8] {
        let mut n = self.0;
        let mut at = buf.len();
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                return &buf[at..];
            }
        }
    }
}

/// A parsed response head: what the transport needs of it, and the headers
/// for whoever asks.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub(crate) status: StatusCode,
    pub(crate) headers: Headers,
    /// HTTP/1.1 (true) or HTTP/1.0.
    http11: bool,
    /// Whether the last `Transfer-Encoding` ends in `chunked`, when there
    /// is one.
    chunked: Option<bool>,
    /// What `Content-Length` says, or why it cannot be read; only asked
    /// when the body's end depends on it.
    content_length: Result<Option<u64>, Malformed>,
    /// The `Connection` tokens that matter: `close` and `keep-alive`.
    close: bool,
    keep_alive: bool,
}

/// The headers of a response, kept as the bytes of its head and parsed
/// into a `HeaderMap` the first time someone asks. Most answers are read
/// for their status and body alone, and building the map was nearly half a
/// ping's work in the client (callgrind).
#[derive(Clone)]
pub(crate) struct Headers {
    /// The whole head, status line included: the map's values are slices
    /// of it.
    head: Bytes,
    map: OnceLock<HeaderMap>,
}

impl Headers {
    /// The headers as a map, built on first use.
    pub(crate) fn map(&self) -> &HeaderMap {
        self.map.get_or_init(|| build_map(&self.head))
    }

    /// The headers as a map, by value.
    pub(crate) fn into_map(mut self) -> HeaderMap {
        match self.map.take() {
            Some(map) => map,
            None => build_map(&self.head),
        }
    }
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map().fmt(f)
    }
}

/// The map of a head that parsed before: names and values are valid, as
/// httparse accepts exactly the bytes that `HeaderName` and `HeaderValue`
/// do (tokens; visible ASCII, space, tab and bytes >= 0x80). Every value is
/// a slice of `head`, not an allocation of its own.
fn build_map(head: &Bytes) -> HeaderMap {
    let built = with_parsed(head, |res, _| {
        let mut map = HeaderMap::with_capacity(res.headers.len());
        for h in res.headers.iter() {
            let name = match engine_header(h.name) {
                Some(name) => Ok(name),
                None => HeaderName::from_bytes(h.name.as_bytes()),
            };
            let value = HeaderValue::from_maybe_shared(share(head, h.value));
            if let (Ok(name), Ok(value)) = (name, value) {
                map.append(name, value);
            }
        }
        map
    });
    built.ok().flatten().unwrap_or_default()
}

/// `part` of `head` as a `Bytes` that shares its memory: httparse hands out
/// subslices of what it parses. Anything else is copied.
fn share(head: &Bytes, part: &[u8]) -> Bytes {
    let within = head.as_ptr_range();
    if within.contains(&part.as_ptr()) && part.as_ptr_range().end <= within.end {
        let at = part.as_ptr() as usize - head.as_ptr() as usize;
        head.slice(at..at + part.len())
    } else {
        Bytes::copy_from_slice(part)
    }
}

/// Parses a response head from the front of `buf`: `Ok(None)` when it is
/// not complete yet, else the head and its length in bytes.
pub(crate) fn parse_response(buf: &[u8]) -> Result<Option<(ResponseHead, usize)>, Malformed> {
    let parsed = with_parsed(buf, |res, len| {
        let code = res.code.unwrap_or(0);
        let status = StatusCode::from_u16(code)
            .map_err(|_| Malformed::new(format!("the response status {code} is not valid")))?;
        let mut head = ResponseHead {
            status,
            // Copied once: the headers' values will be slices of the copy.
            headers: Headers {
                head: Bytes::copy_from_slice(&buf[..len]),
                map: OnceLock::new(),
            },
            http11: res.version == Some(1),
            chunked: None,
            content_length: Ok(None),
            close: false,
            keep_alive: false,
        };
        for h in res.headers.iter() {
            head.note(h.name, h.value);
        }
        Ok((head, len))
    })?;
    parsed.transpose()
}

/// Runs httparse on the head at the front of `buf` and hands `f` the
/// result and the head's length; `Ok(None)` when the head is not complete.
/// Header slots: [`USUAL_HEADERS`] first, [`MAX_HEADERS`] for a head with
/// more.
fn with_parsed<T>(
    buf: &[u8],
    f: impl FnOnce(&httparse::Response<'_, '_>, usize) -> T,
) -> Result<Option<T>, Malformed> {
    let mut slots = [httparse::EMPTY_HEADER; USUAL_HEADERS];
    let mut res = httparse::Response::new(&mut slots);
    match parse(&mut res, buf) {
        Err(Unparsed::TooManyHeaders) => {}
        Err(Unparsed::Malformed(m)) => return Err(m),
        Ok(len) => return Ok(len.map(|len| f(&res, len))),
    }
    let mut slots = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut res = httparse::Response::new(&mut slots);
    match parse(&mut res, buf) {
        Err(Unparsed::TooManyHeaders) => Err(Malformed::new(format!(
            "the response head has more than {MAX_HEADERS} headers"
        ))),
        Err(Unparsed::Malformed(m)) => Err(m),
        Ok(len) => Ok(len.map(|len| f(&res, len))),
    }
}

/// Why a head did not parse into the slots given.
enum Unparsed {
    /// More headers than slots: worth a try with more.
    TooManyHeaders,
    Malformed(Malformed),
}

/// The head's length once complete.
fn parse<'b>(
    res: &mut httparse::Response<'_, 'b>,
    buf: &'b [u8],
) -> Result<Option<usize>, Unparsed> {
    match res.parse(buf) {
        Ok(httparse::Status::Complete(len)) => Ok(Some(len)),
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            Err(Unparsed::Malformed(Malformed::new(format!(
                "the response head is longer than {} KiB",
                MAX_HEAD / 1024
            ))))
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(Unparsed::TooManyHeaders),
        Err(e) => Err(Unparsed::Malformed(Malformed::new(format!(
            "the response head is not HTTP/1.x ({e}); it starts with {:?}",
            String::from_utf8_lossy(&buf[..buf.len().min(40)])
        )))),
    }
}

/// The engines' own header names (`HeaderName::from_bytes` allocates for
/// any name that is not a standard one), written lowercase.
const ENGINE_HEADERS: [&str; 6] = [
    "api-version",
    "docker-experimental",
    "ostype",
    "libpod-api-version",
    "libpod-buildah-version",
    "x-reference-id",
];

/// `name` as one of [`ENGINE_HEADERS`], without an allocation.
fn engine_header(name: &str) -> Option<HeaderName> {
    ENGINE_HEADERS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name))
        .map(|known| HeaderName::from_static(known))
}

/// How a response body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyEnd {
    /// After this many bytes.
    Length(u64),
    /// After the last chunk.
    Chunked,
    /// When the engine closes the connection.
    Close,
}

impl ResponseHead {
    /// Takes note of one header of the head: what the transport needs to
    /// know of the framing and of the connection.
    fn note(&mut self, name: &str, value: &[u8]) {
        if name.eq_ignore_ascii_case(TRANSFER_ENCODING.as_str()) {
            // The last header's last coding decides.
            let last = value.rsplit(|b| *b == b',').next().unwrap_or_default();
            self.chunked = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(CONTENT_LENGTH.as_str()) {
            if let Ok(length) = &mut self.content_length {
                if let Err(m) = add_length(length, value) {
                    self.content_length = Err(m);
                }
            }
        } else if name.eq_ignore_ascii_case(CONNECTION.as_str()) {
            for token in value.split(|b| *b == b',').map(<[u8]>::trim_ascii) {
                self.close |= token.eq_ignore_ascii_case(b"close");
                self.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        }
    }

    /// Where the body ends (RFC 9112, section 6.3), given the request
    /// method.
    pub(crate) fn body_end(&self, method: &Method) -> Result<BodyEnd, Malformed> {
        if method == Method::HEAD
            || self.status.is_informational()
            || self.status == StatusCode::NO_CONTENT
            || self.status == StatusCode::NOT_MODIFIED
        {
            return Ok(BodyEnd::Length(0));
        }
        // Any final coding but chunked: the body runs to the end of the
        // connection.
        match self.chunked {
            Some(true) => return Ok(BodyEnd::Chunked),
            Some(false) => return Ok(BodyEnd::Close),
            None => {}
        }
        match &self.content_length {
            Ok(length) => Ok(length.map_or(BodyEnd::Close, BodyEnd::Length)),
            Err(m) => Err(m.clone()),
        }
    }

    /// Whether the connection may carry another request once this answer
    /// is read (HTTP/1.1 unless `close`, HTTP/1.0 only with `keep-alive`).
    pub(crate) fn keep_alive(&self) -> bool {
        if self.http11 {
            !self.close
        } else {
            self.keep_alive
        }
    }
}

/// Adds one `Content-Length` header's value (a number, or several the same,
/// comma-separated) to what the earlier ones said.
fn add_length(length: &mut Option<u64>, value: &[u8]) -> Result<(), Malformed> {
    for part in value.split(|b| *b == b',') {
        let n = std::str::from_utf8(part.trim_ascii())
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| {
                Malformed::new(format!(
                    "the response's Content-Length {:?} is not a number",
                    String::from_utf8_lossy(value)
                ))
            })?;
        if length.is_some_and(|l| l != n) {
            return Err(Malformed::new(
                "the response has several different Content-Length values",
            ));
        }
        *length = Some(n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> ResponseHead {
        let (head, len) = parse_response(text.as_bytes()).unwrap().unwrap();
        assert_eq!(len, text.find("\r\n\r\n").unwrap() + 4);
        head
    }

    #[test]
    fn a_request_head_has_host_framing_and_the_callers_headers() {
        let headers = vec![
            ("X-Registry-Auth".to_string(), "abc".to_string()),
            ("content-length".to_string(), "3".to_string()),
        ];
        let mut out = Vec::new();
        RequestHead {
            method: &Method::POST,
            target: "/v1.41/containers/create?name=a",
            authority: "localhost",
            headers: &headers,
            framing: Framing::Length(1234),
            json: true,
            upgrade: false,
        }
        .encode(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST /v1.41/containers/create?name=a HTTP/1.1\r\nHost: localhost\r\n\
             X-Registry-Auth: abc\r\nContent-Type: application/json\r\nContent-Length: 1234\r\n\r\n"
        );
    }

    #[test]
    fn an_upgrade_head_replaces_the_callers_connection_header() {
        let headers = vec![("Connection".to_string(), "close".to_string())];
        let mut out = Vec::new();
        RequestHead {
            method: &Method::POST,
            target: "/containers/x/attach?stream=1",
            authority: "[::1]:2375",
            headers: &headers,
            framing: Framing::None,
            json: false,
            upgrade: true,
        }
        .encode(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST /containers/x/attach?stream=1 HTTP/1.1\r\nHost: [::1]:2375\r\n\
             Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
        );
    }

    #[test]
    fn decimal_lengths() {
        for n in [0, 7, 10, 1234, u64::MAX] {
            assert_eq!(Decimal(n).as_bytes(&mut [0; 20]), n.to_string().as_bytes());
        }
    }

    #[test]
    fn header_names_and_values_come_through_whatever_their_case() {
        let text = b"HTTP/1.1 200 OK\r\nAPI-Version: 1.41\r\nOstype: linux\r\n\
            Docker-Experimental: false\r\nX-Odd: \xe9t\xe9 \r\nContent-Length: 2\r\n\
            Server: Docker/20.10.24 (linux)\r\nX-Empty:\r\n\r\nOK";
        let (head, len) = parse_response(text).unwrap().unwrap();
        assert_eq!(&text[len..], b"OK");
        let get = |name: &str| head.headers.map().get(name).map(|v| v.as_bytes().to_vec());
        assert_eq!(get("api-version").as_deref(), Some(&b"1.41"[..]));
        assert_eq!(get("OSTYPE").as_deref(), Some(&b"linux"[..]));
        assert_eq!(get("docker-experimental").as_deref(), Some(&b"false"[..]));
        // Not UTF-8, and its trailing space trimmed by the parser.
        assert_eq!(get("x-odd").as_deref(), Some(&b"\xe9t\xe9"[..]));
        assert_eq!(
            get("server").as_deref(),
            Some(&b"Docker/20.10.24 (linux)"[..])
        );
        assert_eq!(get("x-empty").as_deref(), Some(&b""[..]));
        assert_eq!(head.headers.map().len(), 7);
        // The engines' own names are the same names as parsed ones.
        assert_eq!(
            engine_header("Libpod-API-Version"),
            Some(HeaderName::from_static("libpod-api-version"))
        );
        assert_eq!(engine_header("X-Other"), None);
    }

    #[test]
    fn a_partial_head_needs_more() {
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Le")
            .unwrap()
            .is_none());
    }

    #[test]
    fn an_endless_head_is_refused() {
        let mut text = b"HTTP/1.1 200 OK\r\n".to_vec();
        text.resize(MAX_HEAD + 10, b'a');
        let err = parse_response(&text).unwrap_err();
        assert!(err.0.contains("longer than"), "{err}");
    }

    #[test]
    fn a_head_with_many_headers_is_parsed() {
        let mut text = "HTTP/1.1 200 OK\r\n".to_string();
        for i in 0..100 {
            text.push_str(&format!("X-{i}: {i}\r\n"));
        }
        text.push_str("\r\n");
        assert_eq!(parsed(&text).headers.map().len(), 100);
    }

    #[test]
    fn a_head_with_too_many_headers_says_so() {
        let mut text = "HTTP/1.1 200 OK\r\n".to_string();
        for i in 0..MAX_HEADERS + 1 {
            text.push_str(&format!("X-{i}: {i}\r\n"));
        }
        text.push_str("\r\n");
        let err = parse_response(text.as_bytes()).unwrap_err();
        assert!(err.0.contains("more than 512 headers"), "{err}");
    }

    #[test]
    fn not_http_is_an_error_that_shows_the_start() {
        let err = parse_response(b"SSH-2.0-OpenSSH_9.2\r\n\r\n").unwrap_err();
        assert!(err.0.contains("SSH-2.0"), "{err}");
    }

    #[test]
    fn where_bodies_end() {
        let get = &Method::GET;
        let h = parsed("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n");
        assert_eq!(h.body_end(get), Ok(BodyEnd::Length(12)));
        assert_eq!(h.body_end(&Method::HEAD), Ok(BodyEnd::Length(0)));
        let h = parsed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n",
        );
        assert_eq!(h.body_end(get), Ok(BodyEnd::Chunked));
        let h = parsed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
        assert_eq!(h.body_end(get), Ok(BodyEnd::Close));
        let h = parsed("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(h.body_end(get), Ok(BodyEnd::Length(0)));
        let h = parsed("HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(h.body_end(get), Ok(BodyEnd::Close));
        let h = parsed("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n");
        assert_eq!(h.body_end(get), Ok(BodyEnd::Length(3)));
        let h = parsed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n");
        assert!(h.body_end(get).is_err());
        let h = parsed("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
        assert!(h.body_end(get).is_err());
        // A bad length only matters where it decides.
        let h =
            parsed("HTTP/1.1 200 OK\r\nContent-Length: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(h.body_end(get), Ok(BodyEnd::Chunked));
        assert_eq!(h.body_end(&Method::HEAD), Ok(BodyEnd::Length(0)));
        // The last Transfer-Encoding header decides.
        let h = parsed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
        );
        assert_eq!(h.body_end(get), Ok(BodyEnd::Close));
        let h = parsed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: CHUNKED \r\n\r\n",
        );
        assert_eq!(h.body_end(get), Ok(BodyEnd::Chunked));
    }

    #[test]
    fn the_header_map_is_built_when_asked_and_holds_every_header() {
        let h = parsed(
            "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n",
        );
        assert!(
            h.headers.map.get().is_none(),
            "built before it was asked for"
        );
        let map = h.headers.map();
        assert_eq!(map.len(), 4);
        let all: Vec<_> = map.get_all("x-a").iter().map(|v| v.as_bytes()).collect();
        assert_eq!(all, [&b"1"[..], &b"2"[..]]);
        assert_eq!(h.headers.clone().into_map(), *map);
        assert_eq!(format!("{:?}", h.headers), format!("{map:?}"));
    }

    #[test]
    fn keep_alive_follows_version_and_connection() {
        assert!(parsed("HTTP/1.1 200 OK\r\n\r\n").keep_alive());
        assert!(!parsed("HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n").keep_alive());
        assert!(!parsed("HTTP/1.0 200 OK\r\n\r\n").keep_alive());
        assert!(parsed("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").keep_alive());
        assert!(parsed("HTTP/1.0 200 OK\r\nConnection: Upgrade, Keep-Alive\r\n\r\n").keep_alive());
        assert!(
            !parsed("HTTP/1.1 200 OK\r\nConnection: x\r\nConnection: te, close\r\n\r\n")
                .keep_alive()
        );
    }
}
