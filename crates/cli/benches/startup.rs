//! `contajners ops containers` from process start to exit: the bundled
//! specs must not make the command slow to start (target: at most 20 ms).
//!
//! It lives in the CLI's own package because only there does Cargo build
//! the binary for the bench and name it (`CARGO_BIN_EXE_contajners`).

use std::process::{Command, Stdio};

use criterion::{criterion_group, criterion_main, Criterion};

fn run(args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_contajners"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        status.as_ref().is_ok_and(|s| s.success()),
        "contajners {args:?}: {status:?}"
    );
}

fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("cli startup");
    group.bench_function("contajners ops containers", |b| {
        b.iter(|| run(&["ops", "containers"]))
    });
    group.bench_function("contajners --engine podman ops libpod/containers", |b| {
        b.iter(|| run(&["--engine", "podman", "ops", "libpod/containers"]))
    });
    group.bench_function("contajners doc ContainerCreate", |b| {
        b.iter(|| run(&["doc", "ContainerCreate"]))
    });
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
