//! contajners-spec: the cost of a first load of a bundled version and of an
//! operation lookup on a loaded one (targets: ≤ 1 ms and ≤ 100 ns).

use std::hint::black_box;

use contajners_spec::{bundled_text, compact, load, Engine};
use criterion::{criterion_group, criterion_main, Criterion};

/// `compact::decode_version_static` on the embedded text is what a first
/// `load` does (split the engine's file into lines, decode one version,
/// borrowing its strings) without the cache, so it can be measured again
/// and again. It is an upper bound: it also unescapes the strings that a
/// real first load unescapes once for all versions. `decode_version` (which
/// copies every string, for texts that do not live for the whole program)
/// is measured beside it.
fn first_load(c: &mut Criterion) {
    for (engine, version) in [
        (Engine::Docker, "v1.41"),
        (Engine::Docker, "v1.56"),
        (Engine::Podman, "v5.8.2"),
    ] {
        let Some(text) = bundled_text(engine) else {
            continue;
        };
        c.bench_function(&format!("spec/first_load/{engine}/{version}"), |b| {
            b.iter(|| compact::decode_version_static(black_box(text), black_box(version)))
        });
        c.bench_function(&format!("spec/decode_owned/{engine}/{version}"), |b| {
            b.iter(|| compact::decode_version(black_box(text), black_box(version)))
        });
    }
}

/// A cached `load`: an `Arc` clone after a lookup of the version.
fn cached_load(c: &mut Criterion) {
    if load(Engine::Docker, "v1.41").is_err() {
        return;
    }
    c.bench_function("spec/cached_load/docker/v1.41", |b| {
        b.iter(|| load(black_box(Engine::Docker), black_box("v1.41")))
    });
}

fn operation_lookup(c: &mut Criterion) {
    for (engine, version, id) in [
        (Engine::Docker, "v1.41", "ContainerCreate"),
        (Engine::Podman, "v5.8.2", "ContainerCreateLibpod"),
    ] {
        let Ok(spec) = load(engine, version) else {
            continue;
        };
        c.bench_function(&format!("spec/operation/{engine}/{id}"), |b| {
            b.iter(|| {
                black_box(&spec)
                    .operation(black_box(id))
                    .map(|op| op.method())
            })
        });
    }
}

criterion_group!(benches, first_load, cached_load, operation_lookup);
criterion_main!(benches);
