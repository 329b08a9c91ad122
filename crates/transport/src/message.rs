//! The engine's own words in an error body: Docker sends `{"message"}`,
//! Podman `{"cause","message","response"}`; anything else is taken as text.

use serde::Deserialize;

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    cause: Option<String>,
}

/// The message and (Podman's) cause in `body`. A body that is not such JSON
/// becomes the message as (lossy UTF-8, trimmed) text, never a second error.
pub(crate) fn engine_message(body: &[u8]) -> (String, Option<String>) {
    if let Ok(ErrorBody {
        message: Some(message),
        cause,
    }) = serde_json::from_slice::<ErrorBody>(body)
    {
        return (message, cause.filter(|c| !c.is_empty()));
    }
    (String::from_utf8_lossy(body).trim().to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::engine_message;

    #[test]
    fn docker_podman_and_text() {
        assert_eq!(
            engine_message(br#"{"message":"No such container: x"}"#),
            ("No such container: x".into(), None)
        );
        assert_eq!(
            engine_message(
                br#"{"cause":"no such container","message":"x: no such container","response":404}"#
            ),
            (
                "x: no such container".into(),
                Some("no such container".into())
            )
        );
        assert_eq!(
            engine_message(b"page not found\n"),
            ("page not found".into(), None)
        );
        assert_eq!(
            engine_message(br#"{"other":1}"#),
            (r#"{"other":1}"#.into(), None)
        );
    }
}
