//! The engine's own words in an error body: Docker sends `{"message"}`,
//! Podman `{"cause","message","response"}`; anything else is taken as text.

use serde_json::Value;

/// What an engine said in an error body: its `message` and, from Podman,
/// its `cause`.
///
/// Docker answers `{"message": "…"}`, Podman
/// `{"cause": "…", "message": "…", "response": 404}`. A body that is not
/// such JSON (a proxy's page, plain text) becomes the message as text,
/// never a second error.
///
/// ```
/// use contajners_transport::EngineMessage;
///
/// let podman = EngineMessage::parse(
///     br#"{"cause":"no such container","message":"x: no such container","response":404}"#,
/// );
/// assert_eq!(podman.message, "x: no such container");
/// assert_eq!(podman.cause.as_deref(), Some("no such container"));
///
/// let text = EngineMessage::parse(b"page not found\n");
/// assert_eq!(text.message, "page not found");
/// assert_eq!(text.cause, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineMessage {
    /// The `message` field, or the whole body as (lossy UTF-8, trimmed)
    /// text when there is no such field.
    pub message: String,
    /// Podman's `cause` field, when it is a non-empty string.
    pub cause: Option<String>,
}

impl EngineMessage {
    /// The message and cause in `body`: from a JSON object with a string
    /// `message` (a `cause` that is missing, empty or not a string is
    /// `None`), otherwise the body itself as text.
    ///
    /// ```
    /// let docker = contajners_transport::EngineMessage::parse(br#"{"message":"No such image"}"#);
    /// assert_eq!(docker.message, "No such image");
    /// ```
    pub fn parse(body: &[u8]) -> EngineMessage {
        if let Ok(Value::Object(map)) = serde_json::from_slice(body) {
            let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_string);
            if let Some(message) = text("message") {
                return EngineMessage {
                    message,
                    cause: text("cause").filter(|c| !c.is_empty()),
                };
            }
        }
        EngineMessage {
            message: String::from_utf8_lossy(body).trim().to_string(),
            cause: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EngineMessage;

    fn parts(body: &[u8]) -> (String, Option<String>) {
        let found = EngineMessage::parse(body);
        (found.message, found.cause)
    }

    #[test]
    fn docker_podman_and_text() {
        assert_eq!(
            parts(br#"{"message":"No such container: x"}"#),
            ("No such container: x".into(), None)
        );
        assert_eq!(
            parts(
                br#"{"cause":"no such container","message":"x: no such container","response":404}"#
            ),
            (
                "x: no such container".into(),
                Some("no such container".into())
            )
        );
        assert_eq!(parts(b"page not found\n"), ("page not found".into(), None));
        assert_eq!(parts(br#"{"other":1}"#), (r#"{"other":1}"#.into(), None));
    }

    #[test]
    fn an_odd_cause_does_not_lose_the_message() {
        assert_eq!(parts(br#"{"message":"x","cause":""}"#), ("x".into(), None));
        assert_eq!(parts(br#"{"message":"x","cause":7}"#), ("x".into(), None));
    }

    #[test]
    fn a_message_that_is_not_text_leaves_the_body_as_text() {
        assert_eq!(
            parts(br#"{"message":42}"#),
            (r#"{"message":42}"#.into(), None)
        );
        assert_eq!(parts(b"\xff oops \n"), ("\u{fffd} oops".into(), None));
        assert_eq!(parts(b""), (String::new(), None));
    }
}
