//! Registry credentials for `X-Registry-Auth`.

use serde_json::{json, Value};

/// Credentials for a registry, given as the `X-Registry-Auth` param of a
/// pull or push; sent as base64url JSON, as the engines expect (encoded once,
/// here, not on every call).
///
/// ```
/// use contajners_dispatch::{Invocation, RegistryAuth};
///
/// let auth = RegistryAuth::new("conny", "s3cr3t?>", "127.0.0.1:5000");
/// let pull = Invocation::new("ImageCreate")
///     .param("fromImage", "127.0.0.1:5000/busybox:musl")
///     .param("X-Registry-Auth", auth);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryAuth {
    value: Value,
    header: String,
}

impl RegistryAuth {
    /// Username and password for the registry at `serveraddress`
    /// (`127.0.0.1:5000`, `https://index.docker.io/v1/`).
    ///
    /// ```
    /// let auth = contajners_dispatch::RegistryAuth::new("user", "password", "127.0.0.1:5000");
    /// ```
    pub fn new(username: &str, password: &str, serveraddress: &str) -> Self {
        Self::from_json(json!({
            "username": username,
            "password": password,
            "serveraddress": serveraddress
        }))
    }

    /// An identity token from a previous login (`SystemAuth`).
    ///
    /// ```
    /// let auth = contajners_dispatch::RegistryAuth::identity_token("eyJ…");
    /// ```
    pub fn identity_token(token: &str) -> Self {
        Self::from_json(json!({"identitytoken": token}))
    }

    fn from_json(value: Value) -> Self {
        let header = crate::request::registry_header(&value);
        RegistryAuth { value, header }
    }

    /// The header value: base64url of the JSON credentials.
    ///
    /// ```
    /// use base64::Engine as _;
    /// let auth = contajners_dispatch::RegistryAuth::new("u", "p", "127.0.0.1:5000");
    /// let json = base64::engine::general_purpose::URL_SAFE.decode(auth.header())?;
    /// let json: serde_json::Value = serde_json::from_slice(&json)?;
    /// assert_eq!(json, serde_json::json!({"username": "u", "password": "p", "serveraddress": "127.0.0.1:5000"}));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(&self) -> &str {
        &self.header
    }

    /// The `X-Registry-Config` of a build: these credentials for their
    /// server, as `{serveraddress: credentials}`.
    ///
    /// ```
    /// let config = contajners_dispatch::RegistryAuth::new("u", "p", "127.0.0.1:5000").as_config();
    /// assert!(config.get("127.0.0.1:5000").is_some());
    /// ```
    pub fn as_config(&self) -> Value {
        let server = self
            .value
            .get("serveraddress")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut map = serde_json::Map::new();
        map.insert(server, self.value.clone());
        Value::Object(map)
    }
}

impl std::fmt::Debug for RegistryAuth {
    /// Never prints the password or token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let user = self.value.get("username").and_then(Value::as_str);
        let server = self.value.get("serveraddress").and_then(Value::as_str);
        f.debug_struct("RegistryAuth")
            .field("username", &user)
            .field("serveraddress", &server)
            .finish_non_exhaustive()
    }
}

impl From<RegistryAuth> for Value {
    /// The encoded header value, sent as is.
    fn from(auth: RegistryAuth) -> Value {
        Value::String(auth.header)
    }
}
