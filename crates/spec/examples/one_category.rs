//! Prints the operations of one category of one bundled spec:
//! `cargo run -p contajners-spec --example one_category -- [ENGINE VERSION CATEGORY]`
//! (default: `docker v1.41 containers`).
//!
//! `cargo xtask spec-size` builds it with and without the bundled specs to
//! measure what they add to a binary.

use std::process::ExitCode;

use contajners_spec::{load, Engine};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &'static str| args.get(i).map_or(default, String::as_str);
    let (engine, version, category) = (arg(0, "docker"), arg(1, "v1.41"), arg(2, "containers"));
    let result = engine
        .parse::<Engine>()
        .and_then(|engine| load(engine, version));
    let spec = match result {
        Ok(spec) => spec,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let Some(cat) = spec.category(category) else {
        let names: Vec<&str> = spec.categories().map(|c| c.name()).collect();
        eprintln!(
            "error: {engine} {version} has no category {category:?}; it has {}",
            names.join(", ")
        );
        return ExitCode::FAILURE;
    };
    for op in cat.operations() {
        println!("{:<28} {:<7} {}", op.id(), op.method(), op.path());
    }
    ExitCode::SUCCESS
}
