//! Compact text → specs.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::Value;

use super::MAGIC;
use crate::error::{Error, ErrorKind};
use crate::model::Text;
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

/// Decodes one version of a compact text that lives for the whole program
/// (`include_str!`, a leaked string): the spec borrows its strings from the
/// text instead of copying them, which makes decoding several times faster
/// than [`decode_version`].
///
/// ```
/// use contajners_spec::{bundled_text, compact, Engine};
/// let text: &'static str = bundled_text(Engine::Podman).expect("bundled");
/// let spec = compact::decode_version_static(text, "v4.3.1")?;
/// assert!(spec.operation("ContainerListLibpod").is_some());
/// # Ok::<(), contajners_spec::Error>(())
/// ```
pub fn decode_version_static(text: &'static str, version: &str) -> Result<Spec, Error> {
    let table = Table::parse(text)?;
    let wanted = crate::version::canonical(version);
    match table.versions.iter().find(|v| v.name == wanted) {
        Some(v) => table.spec_borrowed(v),
        None => table.version(version),
    }
}

/// A compact file split into its tables: borrowed lines, nothing decoded.
#[derive(Debug)]
pub(crate) struct Table<'a> {
    pub(crate) engine: Engine,
    strings: Strings<'a>,
    params: Section<'a>,
    ops: Section<'a>,
    pub(crate) versions: Vec<VersionLine<'a>>,
    /// The unescaped form of each escaped string (`\\e` entries, rare),
    /// made on first use. Only a table that lives for the whole program (the
    /// bundled one) uses it, to lend its strings to every spec decoded from
    /// it.
    unescaped: Vec<OnceLock<Box<str>>>,
}

/// The string table: each entry is a slice of the file, and whether it is
/// in the escaped form.
#[derive(Debug)]
struct Strings<'a> {
    entries: Vec<(&'a str, bool)>,
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
        let mut lines = Lines::new(text);
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
        let strings = strings_section(&mut lines)?;
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
            unescaped: strings.entries.iter().map(|_| OnceLock::new()).collect(),
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

    /// Decodes a version into a spec that owns its text.
    pub(crate) fn spec(&self, v: &VersionLine<'a>) -> Result<Spec, Error> {
        let text = |i: &str, from: usize| -> Result<Text, Error> {
            let (_, raw, escaped) = self.raw_string(i, from)?;
            Ok(Cow::Owned(if escaped {
                unescape(raw).into_owned()
            } else {
                raw.to_owned()
            }))
        };
        Decoder { table: self, text }.spec(v, Cow::Owned(v.name.to_owned()))
    }

    /// The string at `index`: its number, its text in the file, and whether
    /// that text is escaped.
    fn raw_string(&self, index: &str, from: usize) -> Result<(usize, &'a str, bool), Error> {
        let i = number(index).ok_or_else(|| {
            Error::compact(from, format!("string index {index:?} is not a number"))
        })?;
        let &(raw, escaped) = self.strings.entries.get(i).ok_or_else(|| {
            Error::compact(
                from,
                format!(
                    "string index {i} is out of range; the table has {}",
                    self.strings.entries.len()
                ),
            )
        })?;
        Ok((i, raw, escaped))
    }
}

impl Table<'static> {
    /// Decodes a version into a spec that borrows its text from this table:
    /// no string is copied, and a string with escapes is unescaped once for
    /// all the versions that use it.
    pub(crate) fn spec_static(
        &'static self,
        v: &'static VersionLine<'static>,
    ) -> Result<Spec, Error> {
        let text = |i: &str, from: usize| -> Result<Text, Error> {
            let (i, raw, escaped) = self.raw_string(i, from)?;
            if !escaped {
                return Ok(Cow::Borrowed(raw));
            }
            Ok(match self.unescaped.get(i) {
                Some(slot) => {
                    Cow::Borrowed(&**slot.get_or_init(|| unescape(raw).into_owned().into()))
                }
                None => Cow::Owned(unescape(raw).into_owned()),
            })
        };
        Decoder { table: self, text }.spec(v, Cow::Borrowed(v.name))
    }
}

impl Table<'static> {
    /// Like [`Table::spec_static`] for a table that is not itself static:
    /// strings without escapes are borrowed, the others unescaped each time.
    fn spec_borrowed(&self, v: &VersionLine<'static>) -> Result<Spec, Error> {
        let text = |i: &str, from: usize| -> Result<Text, Error> {
            let (_, raw, escaped) = self.raw_string(i, from)?;
            Ok(if escaped {
                unescape(raw)
            } else {
                Cow::Borrowed(raw)
            })
        };
        Decoder { table: self, text }.spec(v, Cow::Borrowed(v.name))
    }
}

/// Decodes op and param lines; `text` turns a string index into text.
struct Decoder<'t, 'a, F> {
    table: &'t Table<'a>,
    text: F,
}

impl<'a, F: Fn(&str, usize) -> Result<Text, Error>> Decoder<'_, 'a, F> {
    fn spec(&self, v: &VersionLine<'a>, version: Text) -> Result<Spec, Error> {
        let mut ops = Vec::with_capacity(count(v.ops));
        for index in list(v.ops) {
            let i = number(index).ok_or_else(|| {
                Error::compact(v.line, format!("op index {index:?} is not a number"))
            })?;
            ops.push(self.op(i, v.line)?);
        }
        Ok(Spec::build(self.table.engine, version, ops))
    }

    fn op(&self, i: usize, from: usize) -> Result<Operation, Error> {
        let (line_no, line) = self.table.ops.get(i, "op", from)?;
        let err = |m: String| Error::compact(line_no, m);
        let mut f = [""; 13];
        let mut fields = Fields::new(line, b' ');
        for slot in &mut f {
            *slot = fields.next().ok_or_else(|| {
                err(format!(
                    "an op line has 13 fields, this one fewer: {:?}",
                    clip(line)
                ))
            })?;
        }
        if fields.next().is_some() {
            return Err(err(format!(
                "an op line has 13 fields, this one more: {:?}",
                clip(line)
            )));
        }
        let t = |index: &str| (self.text)(index, line_no);
        let method: Method = f[2].parse().map_err(|e: Error| err(e.to_string()))?;
        let mut op = Operation::build(t(f[0])?, method, t(f[3])?);
        if f[1] != "-" {
            op.original_id = Some(t(f[1])?);
        }
        op.summary = t(f[4])?;
        op.description = t(f[5])?;
        op.deprecated =
            flag(f[6]).ok_or_else(|| err(format!("deprecated flag {:?} is not 0 or 1", f[6])))?;
        op.tag = t(f[7])?;
        op.params.reserve_exact(count(f[8]));
        for p in list(f[8]) {
            let p = number(p).ok_or_else(|| err(format!("param index {p:?} is not a number")))?;
            op.push_param(self.param(p, line_no)?);
        }
        op.consumes = list(f[9])
            .map(|i| t(i).map(Cow::into_owned))
            .collect::<Result<_, _>>()?;
        op.produces = list(f[10])
            .map(|i| t(i).map(Cow::into_owned))
            .collect::<Result<_, _>>()?;
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
                description: t(desc)?,
            });
        }
        Ok(op)
    }

    fn param(&self, i: usize, from: usize) -> Result<Param, Error> {
        let (line_no, line) = self.table.params.get(i, "param", from)?;
        let err = |m: String| Error::compact(line_no, m);
        let mut f = [""; 9];
        let mut fields = Fields::new(line, b' ');
        for slot in &mut f {
            *slot = fields.next().ok_or_else(|| {
                err(format!(
                    "a param line has 9 fields, this one fewer: {:?}",
                    clip(line)
                ))
            })?;
        }
        if fields.next().is_some() {
            return Err(err(format!(
                "a param line has 9 fields, this one more: {:?}",
                clip(line)
            )));
        }
        let t = |index: &str| (self.text)(index, line_no);
        let location: Location = f[1].parse().map_err(|e: Error| err(e.to_string()))?;
        let kind: ParamType = f[2].parse().map_err(|e: Error| err(e.to_string()))?;
        let mut p = Param::build(t(f[0])?, location, kind);
        if f[3] != "-" {
            p.format = Some(t(f[3])?);
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
        p.description = t(f[8])?;
        Ok(p)
    }

    fn json(&self, index: &str, from: usize) -> Result<Value, Error> {
        let text = (self.text)(index, from)?;
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

fn section<'a>(lines: &mut Lines<'a>, name: &str) -> Result<Section<'a>, Error> {
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
    let taken: Vec<&str> = lines.by_ref().take(count).map(|(_, l)| l).collect();
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

/// The string table. An entry is one line of plain text; or `\\<n>` and
/// then `n` bytes of raw text (a string with newlines, kept as a slice of the
/// file, found without scanning it);
/// or `\\e` and then one line with `\\`, `\\n`, `\\r` escapes (a string
/// with a carriage return, or a one-line string starting with `\\`).
fn strings_section<'a>(lines: &mut Lines<'a>) -> Result<Strings<'a>, Error> {
    let (n, header) = lines
        .next()
        .ok_or_else(|| Error::compact(0, "the file ends before the `strings <count>` header"))?;
    let count: usize = header
        .strip_prefix("strings ")
        .and_then(number)
        .ok_or_else(|| {
            Error::compact(
                n,
                format!("expected `strings <count>`, found {:?}", clip(header)),
            )
        })?;
    let short = |at: usize| {
        Error::compact(
            at,
            format!("the strings table announces {count} strings; the file ends before"),
        )
    };
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let (at, line) = lines.next().ok_or_else(|| short(n))?;
        let Some(form) = line.strip_prefix('\\') else {
            entries.push((line, false));
            continue;
        };
        if form == "e" {
            let (_, escaped) = lines.next().ok_or_else(|| short(at))?;
            entries.push((escaped, true));
            continue;
        }
        let len = number(form).ok_or_else(|| {
            Error::compact(
                at,
                format!(
                    "expected `\\e` or `\\<byte length>`, found {:?}",
                    clip(line)
                ),
            )
        })?;
        let block = lines.block(len).ok_or_else(|| {
            Error::compact(
                at,
                format!("the {len} bytes announced here are not followed by a line end; was the string edited by hand?"),
            )
        })?;
        entries.push((block, false));
    }
    Ok(Strings { entries })
}

/// The lines of a text with their 1-based numbers, as `split('\n')` cuts
/// them, and blocks of consecutive lines as one slice.
struct Lines<'a> {
    text: &'a str,
    /// Where the next line starts; `None` after the last line.
    next: Option<usize>,
    /// Where the line returned last ends.
    last_end: usize,
    number: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            text,
            next: Some(0),
            last_end: 0,
            number: 0,
        }
    }

    /// The next `len` bytes as one slice, which must end where a line ends;
    /// the lines inside are counted (for the line numbers of errors) but
    /// not searched one by one.
    fn block(&mut self, len: usize) -> Option<&'a str> {
        let start = self.next?;
        let end = start.checked_add(len)?;
        let block = self.text.get(start..end)?;
        self.next = match self.text.as_bytes().get(end) {
            Some(b'\n') => Some(end + 1),
            None => None,
            Some(_) => return None,
        };
        self.last_end = end;
        self.number += 1 + block.bytes().filter(|&b| b == b'\n').count();
        Some(block)
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let start = self.next?;
        let rest = self.text.get(start..)?;
        let end = match rest.find('\n') {
            Some(i) => {
                self.next = Some(start + i + 1);
                start + i
            }
            None => {
                self.next = None;
                self.text.len()
            }
        };
        self.last_end = end;
        self.number += 1;
        Some((self.number, self.text.get(start..end)?))
    }
}

fn list(field: &str) -> Fields<'_> {
    if field == "-" {
        Fields {
            rest: None,
            sep: b',',
        }
    } else {
        Fields::new(field, b',')
    }
}

/// Splits on one ASCII byte. The fields of a table line are a few bytes
/// long, where a plain loop beats `str::split`'s searcher; decoding a
/// version is mostly this.
struct Fields<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Fields<'a> {
    fn new(text: &'a str, sep: u8) -> Self {
        Fields {
            rest: Some(text),
            sep,
        }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.bytes().position(|b| b == self.sep) {
            // The separator is ASCII, so both sides are on char boundaries.
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// The number of items in a list field.
fn count(field: &str) -> usize {
    if field == "-" {
        0
    } else {
        1 + field.bytes().filter(|&b| b == b',').count()
    }
}

/// A decimal index: ASCII digits only (no sign, no space), as the writer
/// writes them.
fn number(s: &str) -> Option<usize> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    s.bytes().try_fold(0usize, |n, b| {
        let digit = b.wrapping_sub(b'0');
        (digit <= 9).then(|| n * 10 + usize::from(digit))
    })
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
/// Copies the runs between escapes whole rather than char by char: long
/// Markdown descriptions are most of the bytes decoded.
fn unescape(raw: &str) -> Cow<'_, str> {
    let Some(first) = raw.find('\\') else {
        return Cow::Borrowed(raw);
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..first]);
    let mut rest = &raw[first..];
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let mut chars = rest[at + 1..].chars();
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    Cow::Owned(out)
}
