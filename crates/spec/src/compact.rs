//! The compact form: many versions of one engine in one deterministic,
//! line-oriented text file, with every string, param and operation stored
//! once.
//!
//! ```text
//! contajners-spec compact 2
//! engine docker
//! strings 8
//! ContainerList                   ← string 0: one line of plain text
//! /containers/json
//! List containers
//! \41                             ← string 3: the next 41 bytes, as they are
//! Returns a list of containers.
//!
//! See `all`.
//! Container
//! all
//!                                 ← string 6: the empty string
//! no error
//! params 1                        ← name location type format enum default
//! 5 query boolean - - - 0 - 6     ←   required collectionFormat description
//! ops 1                           ← id alias method path summary description
//! 0 - GET 1 2 3 0 4 0 - - 0 200:7 ←   deprecated tag params consumes produces
//! version v1.41 0                 ←   hijacks responses; then each version
//! ```
//!
//! Numbers are indices into the string, param or op table; `-` is "none",
//! lists are comma-separated; enum values and defaults are strings holding
//! JSON. A string with newlines is written as it is after a `\<bytes>`
//! line (its length, so a load skips it without scanning), so a Markdown description reads (and diffs) as upstream wrote it,
//! and a load borrows it unchanged; the rare string with a carriage return,
//! or a one-line string starting with `\`, is written as `\e` and one line
//! with `\\`, `\n` and `\r` escaped.
//!
//! Tables are in order of first use, walking the versions from the oldest,
//! so that adding a version mostly appends lines: a regenerated file diffs
//! well. The same specs always give the same bytes.
//!
//! Reading one version touches only its own lines: the file is split
//! into lines once (a borrowed view, no copy), then each version decodes
//! the op, param and string lines it names.

#[cfg(test)]
mod props;
mod read;
mod write;

pub(crate) use read::Table;
pub use read::{decode, decode_version, decode_version_static};
pub use write::encode;

/// The first line of every compact file.
pub(crate) const MAGIC: &str = "contajners-spec compact 2";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Location, Method, Operation, Param, ParamType, ResponseCode, Spec};

    fn sample(version: &str, summary: &str) -> Spec {
        let mut op = Operation::new("ContainerList", Method::Get, "/containers/json")
            .with_param(Param::new("all", Location::Query, ParamType::Boolean))
            .with_param(Param::new("body", Location::Body, ParamType::Object).with_required(true));
        op.summary = summary.to_owned().into();
        op.description = "line one\nline two\\ with \r odd bytes".into();
        op.responses.push(ResponseCode::new(Some(200), "ok"));
        op.responses.push(ResponseCode::new(None, "anything else"));
        let mut ping = Operation::new("SystemPing", Method::Head, "/_ping");
        ping.original_id = Some("ping".into());
        Spec::new(Engine::Docker, version, vec![op, ping])
    }

    #[test]
    fn round_trip_two_versions() {
        let specs = [sample("v1.41", "List"), sample("v1.40", "List old")];
        let text = encode(&specs).expect("encodes");
        let back = decode(&text).expect("decodes");
        // Versions come back in ascending order.
        assert_eq!(back, vec![specs[1].clone(), specs[0].clone()]);
        assert_eq!(decode_version(&text, "1.41").expect("has it"), specs[0]);
        assert_eq!(
            back[0].operation("ping").map(|op| op.id()),
            Some("SystemPing")
        );
    }

    #[test]
    fn output_is_deterministic() {
        let a = encode(&[sample("v1.41", "x"), sample("v1.40", "y")]).expect("encodes");
        let b = encode(&[sample("v1.40", "y"), sample("v1.41", "x")]).expect("encodes");
        assert_eq!(a, b);
    }

    #[test]
    fn bad_input_names_the_line() {
        let good = encode(&[sample("v1.41", "x")]).expect("encodes");
        let bad = good.replacen("GET", "FETCH", 1);
        let err = decode(&bad).expect_err("bad method");
        assert!(err.to_string().contains("FETCH"), "{err}");
        assert!(err.to_string().contains("line "), "{err}");
        let err = decode("hello").expect_err("no magic");
        assert!(err.to_string().contains(MAGIC), "{err}");
        let truncated: String = good.lines().take(5).collect::<Vec<_>>().join("\n");
        assert!(decode(&truncated).is_err());
    }

    /// The example in the module docs is what the writer writes.
    #[test]
    fn module_docs_example_is_exact() {
        let mut op = Operation::new("ContainerList", Method::Get, "/containers/json")
            .with_param(Param::new("all", Location::Query, ParamType::Boolean));
        op.summary = "List containers".into();
        op.description = "Returns a list of containers.\n\nSee `all`.".into();
        op.tag = "Container".into();
        op.responses.push(ResponseCode::new(Some(200), "no error"));
        let text = encode(&[Spec::new(Engine::Docker, "v1.41", vec![op])]).expect("encodes");
        let doc: String = include_str!("compact.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! ```text"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| {
                let l = l.trim_start_matches("//!").strip_prefix(' ').unwrap_or("");
                format!("{}\n", l.split(" ←").next().unwrap_or(l).trim_end())
            })
            .collect();
        assert_eq!(text, doc);
    }

    #[test]
    fn a_wrong_byte_length_is_an_error_naming_the_line() {
        let mut op = Operation::new("A", Method::Get, "/a");
        op.description = "first\nsecond".into();
        let good = encode(&[Spec::new(Engine::Docker, "v1.0", vec![op])]).expect("encodes");
        assert!(good.contains("\\12\nfirst\nsecond\n"), "{good}");
        let err = decode(&good.replace("\\12\n", "\\11\n")).expect_err("short by one");
        assert!(
            err.to_string().contains("line 7") && err.to_string().contains("11 bytes"),
            "{err}"
        );
        assert!(decode(&good.replace("\\12\n", "\\999\n")).is_err());
    }

    #[test]
    fn mixed_engines_are_refused() {
        let podman = Spec::new(Engine::Podman, "v4.3.1", Vec::new());
        assert!(encode(&[sample("v1.41", "x"), podman]).is_err());
    }
}
