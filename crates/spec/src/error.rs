//! The one error type of this crate.

use std::fmt;
use std::path::PathBuf;

use crate::Engine;

/// Everything that can go wrong in this crate: an unknown engine or
/// version, an unreadable or malformed spec file, or a compact file that does
/// not decode.
///
/// `Display` says what was wrong and what would be right (the versions that
/// exist, the nearest one, the file and the place in it); [`Error::kind`]
/// gives the details to code.
///
/// ```
/// let err = contajners_spec::load(contajners_spec::Engine::Docker, "v0.1").unwrap_err();
/// assert!(err.to_string().contains("v1.25"), "{err}");
/// ```
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

/// What went wrong, for code that wants to react to one case.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An engine name other than `docker` or `podman`.
    UnknownEngine {
        /// The name given.
        given: String,
    },
    /// The engine exists but this build bundles none of its versions (its
    /// cargo feature is off).
    EngineNotBundled {
        /// The engine asked for.
        engine: Engine,
        /// The engines this build bundles.
        bundled: Vec<Engine>,
    },
    /// No bundled version has that name.
    UnknownVersion {
        /// The engine asked for.
        engine: Engine,
        /// The version as given.
        given: String,
        /// Every bundled version of the engine, ascending.
        available: Vec<String>,
        /// The bundled version closest to the one given, if any parses.
        nearest: Option<String>,
    },
    /// [`best_match`](crate::best_match) found no bundled version at or
    /// below the server's.
    NoVersionAtOrBelow {
        /// The engine asked for.
        engine: Engine,
        /// The server's version as given.
        server: String,
        /// The lowest bundled version.
        lowest: Option<String>,
    },
    /// A file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not well-formed YAML or JSON.
    Syntax {
        /// The file (or a description of the text's origin).
        file: String,
        /// 1-based line, when the parser knows it.
        line: Option<usize>,
        /// 1-based column, when the parser knows it.
        column: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// The document parses but is not a usable Swagger 2.0 spec.
    Swagger {
        /// The file (or a description of the text's origin).
        file: String,
        /// Where in it: `POST /containers/create`, `responses.200`, …
        place: String,
        /// What is wrong there and what was expected.
        message: String,
    },
    /// A compact spec file does not decode.
    Compact {
        /// 1-based line in the compact text.
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A value outside a closed set (method, location, type, …).
    Invalid {
        /// What was given and what is accepted.
        what: String,
    },
}

impl Error {
    /// What went wrong, in detail.
    ///
    /// ```
    /// use contajners_spec::{Engine, ErrorKind};
    /// let err = contajners_spec::load(Engine::Docker, "v9.99").unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::UnknownVersion { .. }));
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    pub(crate) fn swagger(
        file: &str,
        place: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        ErrorKind::Swagger {
            file: file.to_owned(),
            place: place.into(),
            message: message.into(),
        }
        .into()
    }

    pub(crate) fn compact(line: usize, message: impl Into<String>) -> Error {
        ErrorKind::Compact {
            line,
            message: message.into(),
        }
        .into()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            ErrorKind::UnknownEngine { given } => {
                write!(
                    f,
                    "unknown engine {given:?}; expected \"docker\" or \"podman\""
                )
            }
            ErrorKind::EngineNotBundled { engine, bundled } => {
                write!(f, "no {engine} specs are bundled in this build (enable the contajners-spec feature \"{engine}\"); bundled engines: ")?;
                write_list(f, bundled.iter().map(|e| e.as_str()))
            }
            ErrorKind::UnknownVersion {
                engine,
                given,
                available,
                nearest,
            } => {
                write!(f, "no bundled {engine} API version {given:?}")?;
                if let Some(nearest) = nearest {
                    write!(f, " (nearest: {nearest})")?;
                }
                write!(f, "; bundled versions: ")?;
                write_list(f, available.iter().map(String::as_str))
            }
            ErrorKind::NoVersionAtOrBelow {
                engine,
                server,
                lowest,
            } => {
                write!(
                    f,
                    "no bundled {engine} API version is at or below the server's {server:?}"
                )?;
                match lowest {
                    Some(lowest) => write!(f, "; the lowest bundled version is {lowest}"),
                    None => write!(f, "; none is bundled"),
                }
            }
            ErrorKind::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            ErrorKind::Syntax {
                file,
                line,
                column,
                message,
            } => {
                write!(f, "{file}")?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                    if let Some(column) = column {
                        write!(f, ":{column}")?;
                    }
                }
                write!(f, ": not valid YAML or JSON: {message}")
            }
            ErrorKind::Swagger {
                file,
                place,
                message,
            } => write!(f, "{file}: {place}: {message}"),
            ErrorKind::Compact { line, message } => {
                write!(f, "compact spec, line {line}: {message}")
            }
            ErrorKind::Invalid { what } => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn write_list<'a>(f: &mut fmt::Formatter<'_>, items: impl Iterator<Item = &'a str>) -> fmt::Result {
    let mut any = false;
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(item)?;
        any = true;
    }
    if !any {
        f.write_str("(none)")?;
    }
    Ok(())
}
