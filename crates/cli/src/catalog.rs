//! The commands that read the bundled specs only: engines, versions,
//! categories, ops, doc. No engine, no runtime.

use std::io::{self, Write};
use std::sync::Arc;

use contajners::spec::{self, Engine, Location, Operation, Spec};
use contajners::suggest::{closest, did_you_mean};

use crate::args::Global;
use crate::error::CliError;

/// The spec the offline commands read: `--engine` (docker) at
/// `--api-version` (the newest bundled).
pub(crate) fn offline_spec(global: &Global) -> Result<Arc<Spec>, CliError> {
    let engine: Engine = global.engine.map_or(Engine::Docker, Into::into);
    let version = match &global.api_version {
        Some(version) => version.clone(),
        None => spec::versions(engine)
            .last()
            .map(|v| (*v).to_string())
            .ok_or_else(|| CliError::usage(format!("no {engine} spec is bundled in this build")))?,
    };
    spec::load(engine, &version).map_err(|err| CliError::usage(err.to_string()))
}

pub(crate) fn engines() -> Result<(), CliError> {
    let mut out = String::new();
    for engine in spec::engines() {
        let versions = spec::versions(*engine);
        let (first, last) = (versions.first(), versions.last());
        if let (Some(first), Some(last)) = (first, last) {
            out.push_str(&format!(
                "{engine}\t{first} … {last} ({} versions)\n",
                versions.len()
            ));
        }
    }
    print(&out)
}

pub(crate) fn versions(engine: Engine) -> Result<(), CliError> {
    let mut out = String::new();
    for version in spec::versions(engine) {
        out.push_str(version);
        out.push('\n');
    }
    print(&out)
}

pub(crate) fn categories(global: &Global) -> Result<(), CliError> {
    let spec = offline_spec(global)?;
    let mut out = String::new();
    for category in spec.categories() {
        out.push_str(category.name());
        out.push('\n');
    }
    print(&out)
}

pub(crate) fn ops(global: &Global, category: Option<&str>) -> Result<(), CliError> {
    let spec = offline_spec(global)?;
    let ops: Vec<&Operation> = match category {
        None => spec.operations().collect(),
        Some(name) => {
            let name = name.trim_start_matches(':');
            let Some(category) = spec.category(name) else {
                let names: Vec<&str> = spec.categories().map(|c| c.name()).collect();
                return Err(CliError::usage(format!(
                    "no category `{name}` in {} {}{}; the categories are: {}",
                    spec.engine(),
                    spec.version(),
                    did_you_mean(&closest(name, names.iter().copied(), 3)),
                    names.join(", ")
                )));
            };
            category.operations().collect()
        }
    };
    let mut ids: Vec<&str> = ops.iter().map(|op| op.id()).collect();
    ids.sort_unstable();
    let mut out = String::with_capacity(ids.len() * 24);
    for id in ids {
        out.push_str(id);
        out.push('\n');
    }
    print(&out)
}

pub(crate) fn doc(global: &Global, id: &str) -> Result<(), CliError> {
    let spec = offline_spec(global)?;
    let op = find(&spec, id)?;
    let style = Style::new(global.color.stdout_enabled());
    print(&render(op, &style))
}

/// The operation `id` of `spec`, or an error naming the closest ids (and
/// the other engine, when the op is one of its).
pub(crate) fn find<'a>(spec: &'a Spec, id: &str) -> Result<&'a Operation, CliError> {
    if let Some(op) = spec.operation(id) {
        return Ok(op);
    }
    let near = closest(id, spec.operations().map(Operation::id), 3);
    let mut message = format!(
        "no operation {id} in {} {}{}",
        spec.engine(),
        spec.version(),
        did_you_mean(&near)
    );
    let other = match spec.engine() {
        Engine::Docker => Engine::Podman,
        _ => Engine::Docker,
    };
    let elsewhere = spec::versions(other)
        .last()
        .and_then(|v| spec::load(other, v).ok())
        .is_some_and(|s| s.operation(id).is_some());
    if elsewhere {
        message.push_str(&format!(
            " ({id} is a {other} operation: add --engine {other})"
        ));
    } else if near.is_empty() {
        message.push_str("; `contajners ops` lists them");
    }
    Err(CliError::usage(message))
}

/// ANSI styles, or none.
pub(crate) struct Style {
    on: bool,
}

impl Style {
    pub(crate) fn new(on: bool) -> Self {
        Style { on }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// The doc of an operation: summary, route, params table, body, responses, URL.
fn render(op: &Operation, style: &Style) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{}  {} {}{}\n",
        style.bold(op.id()),
        op.method().as_str(),
        op.path(),
        if op.deprecated() {
            "  (deprecated)"
        } else {
            ""
        }
    ));
    let (summary, description) = (op.summary().trim(), op.description().trim());
    for (i, line) in [summary, description].into_iter().enumerate() {
        // Podman often repeats the summary as the description.
        let repeated = i == 1 && line == summary;
        if !line.is_empty() && !repeated {
            out.push_str(line);
            out.push('\n');
        }
    }
    let rows: Vec<[String; 6]> = op
        .params()
        .iter()
        .filter(|p| p.location() != Location::Body)
        .map(|p| {
            let kind = match p.enum_values() {
                [] => p.kind().to_string(),
                values => format!(
                    "{} ({})",
                    p.kind(),
                    values
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join("|")
                ),
            };
            [
                p.name().to_string(),
                p.location().as_str().to_string(),
                kind,
                if p.required() { "yes" } else { "" }.to_string(),
                p.default().map(|v| v.to_string()).unwrap_or_default(),
                first_paragraph(p.description()),
            ]
        })
        .collect();
    out.push('\n');
    if rows.is_empty() {
        out.push_str("params: none\n");
    } else {
        out.push_str(&table(
            ["name", "in", "type", "required", "default", "description"],
            &rows,
            style,
        ));
    }
    out.push('\n');
    match op.body() {
        Some(body) => {
            let consumes = if op.consumes().is_empty() {
                "application/json".to_string()
            } else {
                op.consumes().join(", ")
            };
            out.push_str(&format!(
                "{} {consumes}{}\n",
                style.bold("body:"),
                if body.required() { " (required)" } else { "" }
            ));
            let description = body.description().lines().next().unwrap_or("").trim();
            if !description.is_empty() {
                out.push_str(&format!("  {description}\n"));
            }
        }
        None => out.push_str(&format!("{} none\n", style.bold("body:"))),
    }
    if !op.produces().is_empty() {
        out.push_str(&format!(
            "{} {}\n",
            style.bold("answers:"),
            op.produces().join(", ")
        ));
    }
    out.push_str(&format!("{}\n", style.bold("responses:")));
    for response in op.responses() {
        let code = response
            .code()
            .map_or_else(|| "default".to_string(), |c| c.to_string());
        let description = response.description().lines().next().unwrap_or("").trim();
        out.push_str(&format!("  {code:<7} {description}\n"));
    }
    out.push_str(&format!("{} {}\n", style.bold("doc:"), op.doc_url()));
    out
}

/// The first paragraph of a description, on one line.
fn first_paragraph(text: &str) -> String {
    text.trim()
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Columns padded to their widest cell; the last column is not padded.
fn table(header: [&str; 6], rows: &[[String; 6]], style: &Style) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count() + 2;
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        text.trim_end().to_string()
    };
    let mut out = style.dim(&line(header));
    out.push('\n');
    for row in rows {
        out.push_str(&line([
            &row[0], &row[1], &row[2], &row[3], &row[4], &row[5],
        ]));
        out.push('\n');
    }
    out
}

/// Writes to stdout at once; a closed pipe (`| head`) is no error.
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => {
            Err(CliError::io("cannot write to stdout", &err))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_doc_has_every_part() {
        let spec = spec::load(Engine::Docker, "v1.41").expect("bundled");
        let op = find(&spec, "ContainerList").expect("in the spec");
        let text = render(op, &Style::new(false));
        assert!(
            text.starts_with("ContainerList  GET /containers/json\n"),
            "{text}"
        );
        assert!(text.contains("name "), "{text}");
        let all = text
            .lines()
            .find(|l| l.starts_with("all "))
            .expect("all row");
        assert!(
            all.contains("query") && all.contains("boolean") && all.contains("false"),
            "{all}"
        );
        assert!(text.contains("body: none"), "{text}");
        assert!(text.contains("  200 "), "{text}");
        assert!(text.contains("doc: https://docs.docker.com/"), "{text}");
    }

    #[test]
    fn an_unknown_op_names_the_closest() {
        let spec = spec::load(Engine::Docker, "v1.41").expect("bundled");
        let err = find(&spec, "ContainerLsit").unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains("did you mean ContainerList"), "{text}");
        let err = find(&spec, "ContainerCreateLibpod").unwrap_err();
        assert!(format!("{err:?}").contains("--engine podman"), "{err:?}");
    }
}
