//! Path params, percent-encoded so that a value can never change the route.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986 unreserved characters and `:`/`@` (allowed in a
/// path segment, and common in image references): `/`, `?`, `#`, `%`, spaces
/// and the rest are encoded, so a value stays one path segment. The engines'
/// routers decode `%2F`, which is how `127.0.0.1:5000/busybox` reaches the
/// image routes (whose templates match slashes).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b'@');

/// The encoded value, or why it cannot be a path param.
///
/// The engines decode `%2F` before routing and then clean the path, so a
/// value whose slash-separated parts include `..`, `.` or an empty part would
/// still move the request to another route: such values are refused.
pub(crate) fn encode_segment(value: &str) -> Result<impl Iterator<Item = &str> + '_, String> {
    if value.is_empty() {
        return Err("is empty".to_string());
    }
    if let Some(part) = value
        .split('/')
        .find(|p| p.is_empty() || *p == "." || *p == "..")
    {
        let part = if part.is_empty() {
            "an empty part"
        } else {
            part
        };
        return Err(format!(
            "{value:?} has {part:?} between slashes, which the engine would resolve to another route"
        ));
    }
    Ok(utf8_percent_encode(value, SEGMENT))
}
