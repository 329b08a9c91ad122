//! The documentation of an operation, as `doc` returns it.

use std::fmt;

use contajners_spec::{Operation, Param};

/// What the spec says about an operation: summary, doc URL, and its params
/// with location, type, required and description.
///
/// `Display` prints it for a terminal.
///
/// ```no_run
/// # fn f(client: &contajners_dispatch::Client) -> Result<(), contajners_dispatch::Error> {
/// let doc = client.doc("ContainerList")?;
/// for param in doc.params() {
///     println!("{} ({}, {}) {}", param.name(), param.location().as_str(), param.kind(), param.required());
/// }
/// println!("{doc}");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    op: &'a Operation,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(op: &'a Operation) -> Self {
        Doc { op }
    }

    /// The operation id.
    ///
    /// ```no_run
    /// # fn f(d: contajners_dispatch::Doc<'_>) { println!("{}", d.id()); }
    /// ```
    pub fn id(&self) -> &'a str {
        self.op.id()
    }

    /// The summary, and the description when there is one (as the seed
    /// shows them: summary, newline, description).
    ///
    /// ```no_run
    /// # fn f(d: contajners_dispatch::Doc<'_>) { println!("{}", d.summary()); }
    /// ```
    pub fn summary(&self) -> String {
        match (self.op.summary().trim(), self.op.description().trim()) {
            (summary, "") => summary.to_string(),
            ("", description) => description.to_string(),
            (summary, description) => format!("{summary}\n{description}"),
        }
    }

    /// The operation's page in the engine's API reference.
    ///
    /// ```no_run
    /// # fn f(d: contajners_dispatch::Doc<'_>) { println!("{}", d.doc_url()); }
    /// ```
    pub fn doc_url(&self) -> String {
        self.op.doc_url()
    }

    /// The HTTP method and path template, e.g. `GET /containers/{id}/json`.
    ///
    /// ```no_run
    /// # fn f(d: contajners_dispatch::Doc<'_>) { println!("{}", d.route()); }
    /// ```
    pub fn route(&self) -> String {
        format!("{} {}", self.op.method().as_str(), self.op.path())
    }

    /// The params, the body included (location `Body`).
    ///
    /// ```no_run
    /// # fn f(d: contajners_dispatch::Doc<'_>) { println!("{}", d.params().len()); }
    /// ```
    pub fn params(&self) -> &'a [Param] {
        self.op.params()
    }

    /// The whole operation from the spec.
    ///
    /// ```no_run
    /// # fn f(d: contajners_dispatch::Doc<'_>) { println!("{}", d.operation().hijacks()); }
    /// ```
    pub fn operation(&self) -> &'a Operation {
        self.op
    }
}

impl fmt::Display for Doc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} — {}", self.id(), self.route())?;
        writeln!(f, "{}", self.summary())?;
        writeln!(f, "{}", self.doc_url())?;
        for param in self.params() {
            let required = if param.required() { ", required" } else { "" };
            let description = param.description().lines().next().unwrap_or("").trim();
            writeln!(
                f,
                "  {} ({}, {}{required}) {description}",
                param.name(),
                param.location().as_str(),
                param.kind(),
            )?;
        }
        Ok(())
    }
}
