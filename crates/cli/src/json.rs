//! JSON for people and for pipes: pretty and coloured on a terminal,
//! compact (one value per line) otherwise.

use serde_json::Value;

const KEY: &str = "34;1";
const STRING: &str = "32";
const NUMBER: &str = "36";
const LITERAL: &str = "35";

/// How values are written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonStyle {
    pub(crate) pretty: bool,
    pub(crate) color: bool,
}

/// `value` as text with a trailing newline.
pub(crate) fn render(value: &Value, style: JsonStyle) -> String {
    let mut out = String::new();
    if style.color {
        write_value(&mut out, value, 0, style.pretty);
    } else if style.pretty {
        out = serde_json::to_string_pretty(value).unwrap_or_default();
    } else {
        out = value.to_string();
    }
    out.push('\n');
    out
}

fn paint(out: &mut String, code: &str, text: &str) {
    out.push_str("\x1b[");
    out.push_str(code);
    out.push('m');
    out.push_str(text);
    out.push_str("\x1b[0m");
}

fn quoted(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

fn newline(out: &mut String, depth: usize, pretty: bool) {
    if pretty {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
}

fn write_value(out: &mut String, value: &Value, depth: usize, pretty: bool) {
    match value {
        Value::Null => paint(out, LITERAL, "null"),
        Value::Bool(b) => paint(out, LITERAL, if *b { "true" } else { "false" }),
        Value::Number(n) => paint(out, NUMBER, &n.to_string()),
        Value::String(s) => paint(out, STRING, &quoted(s)),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1, pretty);
                write_value(out, item, depth + 1, pretty);
            }
            newline(out, depth, pretty);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1, pretty);
                paint(out, KEY, &quoted(key));
                out.push_str(if pretty { ": " } else { ":" });
                write_value(out, item, depth + 1, pretty);
            }
            newline(out, depth, pretty);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_for_pipes_pretty_for_people() {
        let value = json!({"Id": "abc", "Ports": [], "Size": 3, "Up": true});
        let plain = JsonStyle {
            pretty: false,
            color: false,
        };
        assert_eq!(
            render(&value, plain),
            "{\"Id\":\"abc\",\"Ports\":[],\"Size\":3,\"Up\":true}\n"
        );
        let pretty = JsonStyle {
            pretty: true,
            color: false,
        };
        assert_eq!(render(&value, pretty).lines().count(), 6);
        let colored = render(
            &value,
            JsonStyle {
                pretty: true,
                color: true,
            },
        );
        assert!(colored.contains("\x1b[32m\"abc\"\x1b[0m"), "{colored}");
        let stripped: String = strip(&colored);
        assert_eq!(
            serde_json::from_str::<Value>(&stripped).expect("valid"),
            value
        );
    }

    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
