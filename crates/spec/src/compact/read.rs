//! Compact text → specs.

use std::borrow::Cow;

use serde_json::Value;

use super::MAGIC;
use crate::error::{Error, ErrorKind};
use crate::{
    CollectionFormat, Engine, Location, Method, Operation, Param, ParamType, ResponseCode, Spec,
};

/// Decodes every version in a compact file, ascending.
///
/// ```
/// let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
/// let text = spec.to_compact();
/// let all = contajners_spec::compact::decode(&text)?;
/// assert_eq!(all.len(), 1);
/// # Ok::<(), contajners_spec::Error>(())
/// ```
pub fn decode(text: &str) -> Result<Vec<Spec>, Error> {
    let table = Table::parse(text)?;
    table.versions.iter().map(|v| table.spec(v)).collect()
}

/// Decodes one version of a compact file (`"v1.41"` or `"1.41"`).
///
/// ```
/// let spec = contajners_spec::load(contajners_spec::Engine::Docker, "v1.41")?;
/// let back = contajners_spec::compact::decode_version(&spec.to_compact(), "1.41")?;
/// assert_eq!(back.version(), "v1.41");
/// # Ok::<(), contajners_spec::Error>(())
/// ```
pub fn decode_version(text: &str, version: &str) -> Result<Spec, Error> {
    Table::parse(text)?.version(version)
}

/// A compact file split into its tables: borrowed lines, nothing decoded.
#[derive(Debug)]
pub(crate) struct Table<'a> {
    pub(crate) engine: Engine,
    strings: Section<'a>,
    params: Section<'a>,
    ops: Section<'a>,
    pub(crate) versions: Vec<VersionLine<'a>>,
}

#[derive(Debug)]
struct Section<'a> {
    /// 1-based line number of the first entry, for errors.
    first_line: usize,
    lines: Vec<&'a str>,
}

#[derive(Debug)]
pub(crate) struct VersionLine<'a> {
    pub(crate) name: &'a str,
    ops: &'a str,
    line: usize,
}

impl<'a> Table<'a> {
    pub(crate) fn parse(text: &'a str) -> Result<Table<'a>, Error> {
        let mut lines = text.split('\n').enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, MAGIC)) => {}
            _ => {
                return Err(Error::compact(
                    1,
                    format!("expected the header {MAGIC:?}; this is not a compact spec file"),
                ))
            }
        }
        let (n, line) = lines.next().unwrap_or((2, ""));
        let engine: Engine = line
            .strip_prefix("engine ")
            .ok_or_else(|| Error::compact(n, "expected `engine docker` or `engine podman`"))?
            .parse()
            .map_err(|e: Error| Error::compact(n, e.to_string()))?;
        let strings = section(&mut lines, "strings")?;
        let params = section(&mut lines, "params")?;
        let ops = section(&mut lines, "ops")?;
        let mut versions = Vec::new();
        for (n, line) in lines {
            if line.is_empty() {
                continue;
            }
            let rest = line.strip_prefix("version ").ok_or_else(|| {
                Error::compact(
                    n,
                    format!("expected `version <name> <op,…>`, found {:?}", clip(line)),
                )
            })?;
            let (name, ops) = rest.split_once(' ').ok_or_else(|| {
                Error::compact(n, "a version line needs a name and a list of ops")
            })?;
            versions.push(VersionLine { name, ops, line: n });
        }
        Ok(Table {
            engine,
            strings,
            params,
            ops,
            versions,
        })
    }

    /// The names of the versions in the file, in file order (ascending).
    pub(crate) fn version_names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.versions.iter().map(|v| v.name)
    }

    pub(crate) fn version(&self, version: &str) -> Result<Spec, Error> {
        let wanted = crate::version::canonical(version);
        match self.versions.iter().find(|v| v.name == wanted) {
            Some(v) => self.spec(v),
            None => {
                let available: Vec<&str> = self.version_names().collect();
                Err(ErrorKind::UnknownVersion {
                    engine: self.engine,
                    given: version.to_owned(),
                    nearest: crate::version::nearest(&available, version).map(str::to_owned),
                    available: available.into_iter().map(str::to_owned).collect(),
                }
                .into())
            }
        }
    }

    pub(crate) fn spec(&self, v: &VersionLine<'a>) -> Result<Spec, Error> {
        let mut ops = Vec::new();
        for index in list(v.ops) {
            let i = number(index).ok_or_else(|| {
                Error::compact(v.line, format!("op index {index:?} is not a number"))
            })?;
            ops.push(self.op(i, v.line)?);
        }
        Ok(Spec::new(self.engine, v.name, ops))
    }

    fn op(&self, i: usize, from: usize) -> Result<Operation, Error> {
        let (line_no, line) = self.ops.get(i, "op", from)?;
        let err = |m: String| Error::compact(line_no, m);
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() != 13 {
            return Err(err(format!(
                "an op line has 13 fields, this one {}",
                f.len()
            )));
        }
        let method: Method = f[2].parse().map_err(|e: Error| err(e.to_string()))?;
        let path = self.string(f[3], line_no)?;
        let mut op = Operation::new(&self.string(f[0], line_no)?, method, &path);
        if f[1] != "-" {
            op.original_id = Some(self.string(f[1], line_no)?.into_owned());
        }
        op.summary = self.string(f[4], line_no)?.into_owned();
        op.description = self.string(f[5], line_no)?.into_owned();
        op.deprecated =
            flag(f[6]).ok_or_else(|| err(format!("deprecated flag {:?} is not 0 or 1", f[6])))?;
        op.tag = self.string(f[7], line_no)?.into_owned();
        for p in list(f[8]) {
            let p = number(p).ok_or_else(|| err(format!("param index {p:?} is not a number")))?;
            op = op.with_param(self.param(p, line_no)?);
        }
        op.consumes = self.strings(f[9], line_no)?;
        op.produces = self.strings(f[10], line_no)?;
        op.hijacks =
            flag(f[11]).ok_or_else(|| err(format!("hijacks flag {:?} is not 0 or 1", f[11])))?;
        for r in list(f[12]) {
            let (code, desc) = r
                .split_once(':')
                .ok_or_else(|| err(format!("response {r:?} is not code:description")))?;
            let code = match code {
                "default" => None,
                c => Some(
                    c.parse::<u16>()
                        .map_err(|_| err(format!("response code {c:?} is not a status")))?,
                ),
            };
            op.responses.push(ResponseCode {
                code,
                description: self.string(desc, line_no)?.into_owned(),
            });
        }
        Ok(op)
    }

    fn param(&self, i: usize, from: usize) -> Result<Param, Error> {
        let (line_no, line) = self.params.get(i, "param", from)?;
        let err = |m: String| Error::compact(line_no, m);
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() != 9 {
            return Err(err(format!(
                "a param line has 9 fields, this one {}",
                f.len()
            )));
        }
        let location: Location = f[1].parse().map_err(|e: Error| err(e.to_string()))?;
        let kind: ParamType = f[2].parse().map_err(|e: Error| err(e.to_string()))?;
        let mut p = Param::new(&self.string(f[0], line_no)?, location, kind);
        if f[3] != "-" {
            p.format = Some(self.string(f[3], line_no)?.into_owned());
        }
        for e in list(f[4]) {
            p.enum_values.push(self.json(e, line_no)?);
        }
        if f[5] != "-" {
            p.default = Some(self.json(f[5], line_no)?);
        }
        p.required =
            flag(f[6]).ok_or_else(|| err(format!("required flag {:?} is not 0 or 1", f[6])))?;
        if f[7] != "-" {
            p.collection_format = Some(
                f[7].parse::<CollectionFormat>()
                    .map_err(|e| err(e.to_string()))?,
            );
        }
        p.description = self.string(f[8], line_no)?.into_owned();
        Ok(p)
    }

    fn string(&self, index: &str, from: usize) -> Result<Cow<'a, str>, Error> {
        let i = number(index).ok_or_else(|| {
            Error::compact(from, format!("string index {index:?} is not a number"))
        })?;
        let (_, raw) = self.strings.get(i, "string", from)?;
        Ok(unescape(raw))
    }

    fn strings(&self, indices: &str, from: usize) -> Result<Vec<String>, Error> {
        list(indices)
            .map(|i| self.string(i, from).map(Cow::into_owned))
            .collect()
    }

    fn json(&self, index: &str, from: usize) -> Result<Value, Error> {
        let text = self.string(index, from)?;
        serde_json::from_str(&text)
            .map_err(|e| Error::compact(from, format!("value {text:?} is not JSON: {e}")))
    }
}

impl<'a> Section<'a> {
    fn get(&self, i: usize, what: &str, from: usize) -> Result<(usize, &'a str), Error> {
        self.lines
            .get(i)
            .map(|l| (self.first_line + i, *l))
            .ok_or_else(|| {
                Error::compact(
                    from,
                    format!(
                        "{what} index {i} is out of range; the table has {}",
                        self.lines.len()
                    ),
                )
            })
    }
}

fn section<'a>(
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
    name: &str,
) -> Result<Section<'a>, Error> {
    let (n, header) = lines.next().ok_or_else(|| {
        Error::compact(
            0,
            format!("the file ends before the `{name} <count>` header"),
        )
    })?;
    let count: usize = header
        .strip_prefix(name)
        .and_then(|r| r.strip_prefix(' '))
        .and_then(number)
        .ok_or_else(|| {
            Error::compact(
                n,
                format!("expected `{name} <count>`, found {:?}", clip(header)),
            )
        })?;
    let taken: Vec<&str> = lines.take(count).map(|(_, l)| l).collect();
    if taken.len() != count {
        return Err(Error::compact(
            n,
            format!(
                "the {name} table announces {count} lines, the file has {}",
                taken.len()
            ),
        ));
    }
    Ok(Section {
        first_line: n + 1,
        lines: taken,
    })
}

fn list(field: &str) -> impl Iterator<Item = &str> {
    (field != "-")
        .then(|| field.split(','))
        .into_iter()
        .flatten()
}

fn number(s: &str) -> Option<usize> {
    s.parse().ok()
}

fn flag(s: &str) -> Option<bool> {
    match s {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Reverses the writer's escapes; borrows when there is nothing to undo.
fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}
