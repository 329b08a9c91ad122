//! Specs → compact text.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::MAGIC;
use crate::error::{Error, ErrorKind};
use crate::{Operation, Param, Spec};

/// Encodes specs of one engine (any number of versions) into the compact
/// form. Same specs, same bytes, whatever their order.
///
/// ```
/// let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
/// let text = contajners_spec::compact::encode(&[(*spec).clone()])?;
/// let back = contajners_spec::compact::decode_version(&text, "v1.41")?;
/// assert_eq!(back, *spec);
/// # Ok::<(), contajners_spec::Error>(())
/// ```
pub fn encode(specs: &[Spec]) -> Result<String, Error> {
    let mut sorted: Vec<&Spec> = specs.iter().collect();
    sorted.sort_by(|a, b| crate::version::compare(&a.version, &b.version));
    let engine = match sorted.first() {
        Some(first) => first.engine,
        None => {
            return Err(ErrorKind::Invalid {
                what: "nothing to encode: give at least one spec".into(),
            }
            .into())
        }
    };
    for pair in sorted.windows(2) {
        if pair[0].engine != pair[1].engine {
            return Err(ErrorKind::Invalid {
                what: format!(
                    "a compact file holds one engine; got {} and {}",
                    pair[0].engine, pair[1].engine
                ),
            }
            .into());
        }
        if crate::version::compare(&pair[0].version, &pair[1].version).is_eq() {
            return Err(ErrorKind::Invalid {
                what: format!("version {} given twice", pair[0].version),
            }
            .into());
        }
    }

    let mut t = Tables::default();
    let mut versions = Vec::new();
    for spec in &sorted {
        let ops: Vec<String> = spec.operations().map(|op| t.op(op).to_string()).collect();
        versions.push(format!("version {} {}", spec.version, join_or_dash(ops)));
    }

    let mut out = String::new();
    out.push_str(MAGIC);
    out.push('\n');
    let _ = writeln!(out, "engine {engine}");
    let _ = writeln!(out, "strings {}", t.strings.len());
    for s in &t.strings {
        write_string(&mut out, s);
    }
    let _ = writeln!(out, "params {}", t.params.len());
    for line in &t.params {
        out.push_str(line);
        out.push('\n');
    }
    let _ = writeln!(out, "ops {}", t.ops.len());
    for line in &t.ops {
        out.push_str(line);
        out.push('\n');
    }
    for line in versions {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

#[derive(Default)]
struct Tables {
    strings: Vec<String>,
    string_ids: HashMap<String, usize>,
    params: Vec<String>,
    param_ids: HashMap<String, usize>,
    ops: Vec<String>,
    op_ids: HashMap<String, usize>,
}

impl Tables {
    fn string(&mut self, s: &str) -> usize {
        if let Some(&i) = self.string_ids.get(s) {
            return i;
        }
        self.strings.push(s.to_owned());
        self.string_ids.insert(s.to_owned(), self.strings.len() - 1);
        self.strings.len() - 1
    }

    fn opt_string(&mut self, s: Option<&str>) -> String {
        s.map_or_else(|| "-".to_owned(), |s| self.string(s).to_string())
    }

    fn json(&mut self, v: &Value) -> usize {
        self.string(&v.to_string())
    }

    fn param(&mut self, p: &Param) -> usize {
        let name = self.string(&p.name);
        let enums: Vec<String> = p
            .enum_values
            .iter()
            .map(|v| self.json(v).to_string())
            .collect();
        let default = p
            .default
            .as_ref()
            .map_or_else(|| "-".to_owned(), |v| self.json(v).to_string());
        let format = self.opt_string(p.format.as_deref());
        let desc = self.string(&p.description);
        let line = format!(
            "{name} {} {} {format} {} {default} {} {} {desc}",
            p.location,
            p.kind,
            join_or_dash(enums),
            u8::from(p.required),
            p.collection_format.map_or("-", |c| c.as_str()),
        );
        intern(&mut self.params, &mut self.param_ids, line)
    }

    fn op(&mut self, op: &Operation) -> usize {
        let id = self.string(&op.id);
        let alias = self.opt_string(op.original_id.as_deref());
        let path = self.string(&op.path);
        let summary = self.string(&op.summary);
        let desc = self.string(&op.description);
        let tag = self.string(&op.tag);
        let params: Vec<String> = op
            .params
            .iter()
            .map(|p| self.param(p).to_string())
            .collect();
        let consumes: Vec<String> = op
            .consumes
            .iter()
            .map(|c| self.string(c).to_string())
            .collect();
        let produces: Vec<String> = op
            .produces
            .iter()
            .map(|c| self.string(c).to_string())
            .collect();
        let responses: Vec<String> = op
            .responses
            .iter()
            .map(|r| {
                let d = self.string(&r.description);
                match r.code {
                    Some(code) => format!("{code}:{d}"),
                    None => format!("default:{d}"),
                }
            })
            .collect();
        let line = format!(
            "{id} {alias} {} {path} {summary} {desc} {} {tag} {} {} {} {} {}",
            op.method,
            u8::from(op.deprecated),
            join_or_dash(params),
            join_or_dash(consumes),
            join_or_dash(produces),
            u8::from(op.hijacks),
            join_or_dash(responses),
        );
        intern(&mut self.ops, &mut self.op_ids, line)
    }
}

fn intern(table: &mut Vec<String>, ids: &mut HashMap<String, usize>, line: String) -> usize {
    if let Some(&i) = ids.get(&line) {
        return i;
    }
    table.push(line.clone());
    ids.insert(line, table.len() - 1);
    table.len() - 1
}

fn join_or_dash(items: Vec<String>) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(",")
    }
}

/// One entry of the string table (the forms are read by
/// `read::strings_section`): plain text as one line; text with newlines as
/// `\\<byte length>` and then the text as it is, so a reviewer reads Markdown
/// descriptions in a diff as they are upstream and a load borrows them
/// unchanged; the rare rest (a carriage return, or one line starting with
/// `\\`) as `\\e` and one escaped line.
fn write_string(out: &mut String, s: &str) {
    if s.contains('\r') || (s.starts_with('\\') && !s.contains('\n')) {
        out.push_str("\\e\n");
        escape_into(out, s);
    } else if s.contains('\n') {
        let _ = writeln!(out, "\\{}", s.len());
        out.push_str(s);
    } else {
        out.push_str(s);
    }
    out.push('\n');
}

/// Escapes the three bytes that would break a line: `\` → `\\`,
/// newline → `\n`, carriage return → `\r`.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}
