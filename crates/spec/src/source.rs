//! Specs from text and files: Swagger, compact, and back to compact.

use std::path::Path;

use crate::error::{Error, ErrorKind};
use crate::{Engine, Spec};

/// Podman's first version whose operation ids are in today's style.
const PODMAN_ID_REFERENCE: &str = "v3.1.1";

impl Spec {
    /// Parses a Swagger 2.0 document (YAML or JSON) for a version that is
    /// not bundled, or one with experimental endpoints.
    ///
    /// For podman before v3.1.1, operation ids are aligned with the bundled
    /// v3.1.1 (see [`Spec::align_ids`]) when podman is bundled.
    ///
    /// # Errors
    /// Malformed YAML/JSON (with line and column), not Swagger 2.0, an
    /// operation without an id, a duplicate id, a bad param or response.
    ///
    /// ```
    /// use contajners_spec::{Engine, Spec};
    /// let text = r#"
    /// swagger: "2.0"
    /// paths:
    ///   /_ping:
    ///     get:
    ///       operationId: SystemPing
    ///       responses:
    ///         200: { description: no error }
    /// "#;
    /// let spec = Spec::from_swagger(Engine::Docker, "1.99", text)?;
    /// assert_eq!(spec.operation("SystemPing").map(|op| op.path()), Some("/_ping"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn from_swagger(engine: Engine, version: &str, text: &str) -> Result<Spec, Error> {
        Spec::from_swagger_named(engine, version, text, "swagger text")?.with_default_alignment()
    }

    /// Like [`Spec::from_swagger`], with `source` naming the text in errors
    /// (a file name, a URL) and no automatic id alignment: the caller may
    /// call [`Spec::align_ids`] with a reference of its choice.
    ///
    /// ```
    /// use contajners_spec::{Engine, Spec};
    /// let err = Spec::from_swagger_named(Engine::Docker, "1.41", "swagger: [", "my.yaml").unwrap_err();
    /// assert!(err.to_string().starts_with("my.yaml:"), "{err}");
    /// ```
    pub fn from_swagger_named(
        engine: Engine,
        version: &str,
        text: &str,
        source: &str,
    ) -> Result<Spec, Error> {
        crate::swagger::parse(engine, version, text, source)
    }

    /// Reads a spec file: a compact file (as written by
    /// [`Spec::to_compact`] or `cargo xtask update-specs`; the version is
    /// picked from it) or a Swagger 2.0 file in YAML or JSON.
    ///
    /// This is the only IO the crate does.
    ///
    /// # Errors
    /// The file cannot be read, or its content is not a valid spec (the
    /// error names the file and the place in it).
    ///
    /// ```no_run
    /// use contajners_spec::{Engine, Spec};
    /// let spec = Spec::from_file(Engine::Podman, "v6.0.0", "swagger-v6.0.0.yaml")?;
    /// println!("{} operations", spec.len());
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn from_file(engine: Engine, version: &str, path: impl AsRef<Path>) -> Result<Spec, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ErrorKind::Io {
            path: path.to_owned(),
            source,
        })?;
        if text.starts_with(crate::compact::MAGIC) {
            let spec = crate::compact::decode_version(&text, version)?;
            if spec.engine() != engine {
                return Err(ErrorKind::Invalid {
                    what: format!(
                        "{} holds {} specs, not {engine}",
                        path.display(),
                        spec.engine()
                    ),
                }
                .into());
            }
            return Ok(spec);
        }
        let spec = crate::swagger::parse(engine, version, &text, &path.display().to_string())?;
        spec.with_default_alignment()
    }

    /// Renames operations to the id their (method, path) has in
    /// `reference`, keeping the upstream id as [`Operation::original_id`]
    /// (which [`Spec::operation`] also finds). Podman v3.0.x and v3.1.0 use
    /// an older id style (`libpodRemoveImage`); aligning them with v3.1.1
    /// makes `ImageDeleteLibpod` work on every version.
    ///
    /// # Errors
    /// Two operations would end up with the same id.
    ///
    /// [`Operation::original_id`]: crate::Operation::original_id
    ///
    /// ```
    /// use contajners_spec::{Engine, Method, Operation, Spec};
    /// let old = Spec::new(Engine::Podman, "v3.0.0", vec![Operation::new("libpodRemoveImage", Method::Delete, "/libpod/images/{name}")]);
    /// let new = Spec::new(Engine::Podman, "v3.1.1", vec![Operation::new("ImageDeleteLibpod", Method::Delete, "/libpod/images/{name}")]);
    /// let aligned = old.align_ids(&new)?;
    /// assert_eq!(aligned.operation("libpodRemoveImage").map(|op| op.id()), Some("ImageDeleteLibpod"));
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn align_ids(&self, reference: &Spec) -> Result<Spec, Error> {
        crate::swagger::align(self, reference)
    }

    /// Whether this version's ids need [`Spec::align_ids`] (podman before
    /// v3.1.1), and the version to align them with.
    ///
    /// ```
    /// # use contajners_spec::{Engine, Spec};
    /// assert_eq!(Spec::new(Engine::Podman, "3.0.2", vec![]).id_reference(), Some("v3.1.1"));
    /// assert_eq!(Spec::new(Engine::Podman, "4.0.0", vec![]).id_reference(), None);
    /// ```
    pub fn id_reference(&self) -> Option<&'static str> {
        (self.engine == Engine::Podman
            && crate::version::compare(&self.version, PODMAN_ID_REFERENCE).is_lt())
        .then_some(PODMAN_ID_REFERENCE)
    }

    fn with_default_alignment(self) -> Result<Spec, Error> {
        match self.id_reference() {
            Some(reference) if crate::engines().contains(&self.engine) => {
                let reference = crate::load(self.engine, reference)?;
                self.align_ids(&reference)
            }
            _ => Ok(self),
        }
    }

    /// This version alone in the compact form (see [`compact`](crate::compact)).
    ///
    /// ```
    /// use contajners_spec::{compact, load, Engine};
    /// let spec = load(Engine::Docker, "v1.41")?;
    /// assert_eq!(compact::decode_version(&spec.to_compact(), "v1.41")?, *spec);
    /// # Ok::<(), contajners_spec::Error>(())
    /// ```
    pub fn to_compact(&self) -> String {
        // One spec of one engine always encodes; the error cases are mixed
        // engines and repeated versions.
        crate::compact::encode(std::slice::from_ref(self)).unwrap_or_default()
    }
}
