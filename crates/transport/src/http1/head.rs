//! Heads: the request head as bytes on the wire, the response head parsed
//! from the read buffer, and what the head says about the body.

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

/// A parsed response head.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    /// HTTP/1.1 (true) or HTTP/1.0.
    http11: bool,
}

/// Parses a response head from the front of `buf`: `Ok(None)` when it is
/// not complete yet, else the head and its length in bytes.
pub(crate) fn parse_response(buf: &[u8]) -> Result<Option<(ResponseHead, usize)>, Malformed> {
    let mut slots = [httparse::EMPTY_HEADER; USUAL_HEADERS];
    let parsed = match parse_into(buf, &mut slots) {
        Err(Unparsed::TooManyHeaders) => {
            let mut slots = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
            parse_into(buf, &mut slots)
        }
        other => other,
    };
    parsed.map_err(|e| match e {
        Unparsed::TooManyHeaders => Malformed::new(format!(
            "the response head has more than {MAX_HEADERS} headers"
        )),
        Unparsed::Malformed(m) => m,
    })
}

/// Why a head did not parse into the slots given.
enum Unparsed {
    /// More headers than slots: worth a try with more.
    TooManyHeaders,
    Malformed(Malformed),
}

impl From<Malformed> for Unparsed {
    fn from(m: Malformed) -> Self {
        Unparsed::Malformed(m)
    }
}

fn parse_into<'b>(
    buf: &'b [u8],
    slots: &mut [httparse::Header<'b>],
) -> Result<Option<(ResponseHead, usize)>, Unparsed> {
    let mut res = httparse::Response::new(slots);
    let len = match res.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
            return Err(Malformed::new(format!(
                "the response head is longer than {} KiB",
                MAX_HEAD / 1024
            ))
            .into())
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Unparsed::TooManyHeaders),
        Err(e) => {
            return Err(Malformed::new(format!(
                "the response head is not HTTP/1.x ({e}); it starts with {:?}",
                String::from_utf8_lossy(&buf[..buf.len().min(40)])
            ))
            .into())
        }
    };
    let code = res.code.unwrap_or(0);
    let status = StatusCode::from_u16(code)
        .map_err(|_| Malformed::new(format!("the response status {code} is not valid")))?;
    let mut headers = HeaderMap::with_capacity(res.headers.len());
    // The head is copied once; every value is a slice of that copy, not an
    // allocation of its own.
    let copy = Bytes::copy_from_slice(&buf[..len]);
    for h in res.headers.iter() {
        let name = match engine_header(h.name) {
            Some(name) => name,
            None => HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| {
                Malformed::new(format!(
                    "the response header name {:?} is not valid",
                    h.name
                ))
            })?,
        };
        // httparse hands out subslices of `buf`: a value that lies within
        // it is the same bytes at the same offset in the copy.
        let within = buf.as_ptr_range();
        let value =
            if within.contains(&h.value.as_ptr()) && h.value.as_ptr_range().end <= within.end {
                let at = h.value.as_ptr() as usize - buf.as_ptr() as usize;
                HeaderValue::from_maybe_shared(copy.slice(at..at + h.value.len()))
            } else {
                HeaderValue::from_bytes(h.value)
            }
            .map_err(|_| {
                Malformed::new(format!(
                    "the value of response header `{name}` is not valid"
                ))
            })?;
        headers.append(name, value);
    }
    let head = ResponseHead {
        status,
        headers,
        http11: res.version == Some(1),
    };
    Ok(Some((head, len)))
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
        if let Some(last) = self.headers.get_all(TRANSFER_ENCODING).iter().next_back() {
            let chunked = last
                .as_bytes()
                .rsplit(|b| *b == b',')
                .next()
                .is_some_and(|coding| coding.trim_ascii().eq_ignore_ascii_case(b"chunked"));
            // Any other final coding: the body runs to the end of the
            // connection.
            return Ok(if chunked {
                BodyEnd::Chunked
            } else {
                BodyEnd::Close
            });
        }
        let mut length = None;
        for value in self.headers.get_all(CONTENT_LENGTH) {
            for part in value.as_bytes().split(|b| *b == b',') {
                let n = std::str::from_utf8(part.trim_ascii())
                    .ok()
                    .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|s| s.parse::<u64>().ok())
                    .ok_or_else(|| {
                        Malformed::new(format!(
                            "the response's Content-Length {:?} is not a number",
                            String::from_utf8_lossy(value.as_bytes())
                        ))
                    })?;
                if length.is_some_and(|l| l != n) {
                    return Err(Malformed::new(
                        "the response has several different Content-Length values",
                    ));
                }
                length = Some(n);
            }
        }
        Ok(length.map_or(BodyEnd::Close, BodyEnd::Length))
    }

    /// Whether the connection may carry another request once this answer
    /// is read (HTTP/1.1 unless `close`, HTTP/1.0 only with `keep-alive`).
    pub(crate) fn keep_alive(&self) -> bool {
        let has = |token: &[u8]| {
            self.headers.get_all(CONNECTION).iter().any(|v| {
                v.as_bytes()
                    .split(|b| *b == b',')
                    .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
            })
        };
        if self.http11 {
            !has(b"close")
        } else {
            has(b"keep-alive")
        }
    }
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
        let get = |name: &str| head.headers.get(name).map(|v| v.as_bytes().to_vec());
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
        assert_eq!(head.headers.len(), 7);
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
        assert_eq!(parsed(&text).headers.len(), 100);
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
    }

    #[test]
    fn keep_alive_follows_version_and_connection() {
        assert!(parsed("HTTP/1.1 200 OK\r\n\r\n").keep_alive());
        assert!(!parsed("HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n").keep_alive());
        assert!(!parsed("HTTP/1.0 200 OK\r\n\r\n").keep_alive());
        assert!(parsed("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").keep_alive());
    }
}
