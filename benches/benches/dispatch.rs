//! Speed of dispatch: stream codecs and request building.
//!
//! Demultiplexing is measured alone (`demux`: the consumer only counts the
//! payload) and against a raw scan of the same bytes (`demux+scan` vs
//! `raw-scan`: both read every byte, so the difference is the cost of the
//! framing). Input arrives in chunks of random size (1 B to 64 KiB,
//! fixed seed), as from a socket.
//!
//! Three shapes of the demultiplexer: `demux` (a `Frame` with its own
//! `Bytes` per frame, `Streamed::output()`), `demux-lent` (`Demuxer::next_slice`)
//! and `demux-batch` (`BatchDemuxer`, whole frames per chunk,
//! `Streamed::output_batches()`; it copies the frame a chunk boundary cuts).
//!
//! `codec/json-progress`: the JSON progress decoder against serde_json's
//! own stream deserializer, on a pull's progress split at random.

use std::time::{Duration, Instant};

use bytes::Bytes;
use contajners_dispatch::codec::{BatchDemuxer, Demuxer, JsonSeqDecoder};
use contajners_dispatch::{build_request, Data, RegistryAuth};
use contajners_spec::{load, Engine};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};

/// A small deterministic generator, so every run splits the same way.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `total` bytes of stdout/stderr frames of `frame_len` payload bytes each.
fn multiplexed(frame_len: usize, total: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(total + total / frame_len * 8 + 8);
    let mut i = 0u8;
    while out.len() < total {
        out.extend_from_slice(&[1 + (i & 1), 0, 0, 0]);
        out.extend_from_slice(&(frame_len as u32).to_be_bytes());
        out.extend((0..frame_len).map(|j| (j as u8).wrapping_add(i)));
        i = i.wrapping_add(1);
    }
    out
}

fn random_chunks(input: &[u8], seed: u64) -> Vec<Bytes> {
    split_at_random(input, seed, 64 * 1024)
}

/// `input` in chunks of 1 B to `max` bytes, split by a seeded generator.
fn split_at_random(input: &[u8], seed: u64, max: u64) -> Vec<Bytes> {
    let whole = Bytes::copy_from_slice(input);
    let mut rng = XorShift(seed);
    let mut chunks = Vec::new();
    let mut at = 0;
    while at < whole.len() {
        let len = (1 + (rng.next() % max) as usize).min(whole.len() - at);
        chunks.push(whole.slice(at..at + len));
        at += len;
    }
    chunks
}

/// Reads every byte, the way a consumer of the output would, at memory
/// speed: eight bytes at a time.
fn fold(bytes: &[u8]) -> u64 {
    let words = bytes.chunks_exact(8);
    let tail = words
        .remainder()
        .iter()
        .fold(0u64, |acc, &b| acc ^ u64::from(b));
    words.fold(tail, |acc, word| {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        acc ^ u64::from_le_bytes(w)
    })
}

/// Framing alone: the consumer only counts the payload bytes.
fn demux_only(chunks: &[Bytes]) -> usize {
    let mut demuxer = Demuxer::new();
    let mut total = 0;
    for chunk in chunks {
        demuxer.push(chunk.clone());
        while let Some(Ok(frame)) = demuxer.next_frame() {
            total += frame.data.len();
        }
    }
    total
}

fn demux(chunks: &[Bytes]) -> u64 {
    let mut demuxer = Demuxer::new();
    let mut acc = 0u64;
    for chunk in chunks {
        demuxer.push(chunk.clone());
        while let Some(Ok(frame)) = demuxer.next_frame() {
            acc ^= fold(&frame.data);
        }
    }
    acc
}

/// Framing alone, payloads lent (no reference count per frame).
fn demux_lent(chunks: &[Bytes]) -> usize {
    let mut demuxer = Demuxer::new();
    let mut total = 0;
    for chunk in chunks {
        demuxer.push(chunk.clone());
        while let Some(Ok((_, data))) = demuxer.next_slice() {
            total += data.len();
        }
    }
    total
}

/// Lent payloads, every byte read.
fn demux_lent_scan(chunks: &[Bytes]) -> u64 {
    let mut demuxer = Demuxer::new();
    let mut acc = 0u64;
    for chunk in chunks {
        demuxer.push(chunk.clone());
        while let Some(Ok((_, data))) = demuxer.next_slice() {
            acc ^= fold(data);
        }
    }
    acc
}

/// Framing alone, a batch of whole frames per chunk, payloads lent.
fn demux_batch(chunks: &[Bytes]) -> usize {
    let mut demuxer = BatchDemuxer::new();
    let mut total = 0;
    for chunk in chunks {
        demuxer.push(chunk.clone());
        while let Some(Ok(batch)) = demuxer.next_batch() {
            total += batch.iter().map(|(_, data)| data.len()).sum::<usize>();
        }
    }
    total
}

/// Batches, every byte read.
fn demux_batch_scan(chunks: &[Bytes]) -> u64 {
    let mut demuxer = BatchDemuxer::new();
    let mut acc = 0u64;
    for chunk in chunks {
        demuxer.push(chunk.clone());
        while let Some(Ok(batch)) = demuxer.next_batch() {
            for (_, data) in batch {
                acc ^= fold(data);
            }
        }
    }
    acc
}

fn scan(chunks: &[Bytes]) -> u64 {
    chunks.iter().fold(0u64, |acc, chunk| acc ^ fold(chunk))
}

/// Runs demux+scan and the raw scan alternately; returns the time of each.
fn interleaved(iters: u64, chunks: &[Bytes]) -> (Duration, Duration) {
    let (mut demuxing, mut scanning) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..iters {
        let start = Instant::now();
        black_box(demux(black_box(chunks)));
        let middle = Instant::now();
        black_box(scan(black_box(chunks)));
        demuxing += middle - start;
        scanning += middle.elapsed();
    }
    (demuxing, scanning)
}

fn demux_benches(c: &mut Criterion) {
    let total = 8 * 1024 * 1024;
    for frame_len in [128usize, 32 * 1024] {
        let input = multiplexed(frame_len, total);
        let chunks = random_chunks(&input, 0x5eed);
        let mut group = c.benchmark_group(format!("demux/{frame_len}B-frames"));
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function("demux", |b| b.iter(|| demux_only(black_box(&chunks))));
        group.bench_function("demux+scan", |b| b.iter(|| demux(black_box(&chunks))));
        group.bench_function("demux-lent", |b| b.iter(|| demux_lent(black_box(&chunks))));
        group.bench_function("demux-lent+scan", |b| {
            b.iter(|| demux_lent_scan(black_box(&chunks)))
        });
        group.bench_function("demux-batch", |b| {
            b.iter(|| demux_batch(black_box(&chunks)))
        });
        group.bench_function("demux-batch+scan", |b| {
            b.iter(|| demux_batch_scan(black_box(&chunks)))
        });
        group.bench_function("raw-scan", |b| b.iter(|| scan(black_box(&chunks))));
        // The same comparison with both sides run in turn inside every
        // sample: on a busy machine, load hits both alike, so the ratio of
        // these two holds when the separate runs above drift.
        group.bench_function("interleaved/demux+scan", |b| {
            b.iter_custom(|iters| interleaved(iters, &chunks).0)
        });
        group.bench_function("interleaved/raw-scan", |b| {
            b.iter_custom(|iters| interleaved(iters, &chunks).1)
        });
        group.finish();
    }
}

/// Building a request from an op id and params: lookup, checks, encoding,
/// path, query, headers and body, as `invoke` does before sending.
fn build_benches(c: &mut Criterion) {
    let Ok(spec) = load(Engine::Docker, "v1.41") else {
        panic!("the bundled Docker v1.41 spec does not load");
    };
    let filters = vec![
        ("all".to_string(), json!(true)),
        (
            "filters".to_string(),
            json!({"status": ["running"], "label": ["app=conny"]}),
        ),
    ];
    let create_params = vec![("name".to_string(), json!("conny"))];
    let create_body = json!({
        "Image": "busybox:musl",
        "Cmd": ["sh", "-c", "i=1; while :; do echo $i; sleep 1; i=$((i+1)); done"],
        "HostConfig": {"NetworkMode": "none"}
    });
    let auth: Value = RegistryAuth::new("conny", "s3cr3t", "127.0.0.1:5000").into();
    let pull = vec![
        ("fromImage".to_string(), json!("127.0.0.1:5000/busybox")),
        ("tag".to_string(), json!("musl")),
        ("X-Registry-Auth".to_string(), auth),
    ];
    let mut group = c.benchmark_group("build_request");
    group.bench_function("ContainerList+filters", |b| {
        b.iter(|| {
            let op = spec.operation(black_box("ContainerList"));
            op.map(|op| build_request(spec.version(), op, black_box(&filters), Data::None, None))
        })
    });
    group.bench_function("ContainerCreate+json", |b| {
        b.iter_batched(
            || Data::Json(create_body.clone()),
            |data| {
                let op = spec.operation(black_box("ContainerCreate"));
                op.map(|op| {
                    build_request(spec.version(), op, black_box(&create_params), data, None)
                })
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("ImageCreate+auth", |b| {
        b.iter(|| {
            let op = spec.operation(black_box("ImageCreate"));
            op.map(|op| build_request(spec.version(), op, black_box(&pull), Data::None, None))
        })
    });
    group.finish();
}

/// A pull's progress as dockerd writes it: one JSON object per line.
fn progress_body(lines: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..lines {
        let layer = format!("{:012x}", i % 7);
        let line = json!({
            "status": "Downloading",
            "progressDetail": {"current": i * 32768, "total": 3_407_872},
            "progress": format!("[=====>        ] {}kB/3.408MB", i % 3400),
            "id": layer,
        });
        out.extend_from_slice(line.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn json_progress(c: &mut Criterion) {
    const LINES: usize = 20_000;
    let body = progress_body(LINES);
    // Splits of 1 B to 4 KiB: the way a socket delivers progress.
    let chunks = split_at_random(&body, 0x5eed, 4096);
    let mut g = c.benchmark_group("codec/json-progress");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("contajners", |b| {
        b.iter(|| {
            let mut decoder = JsonSeqDecoder::new();
            let mut n = 0usize;
            for chunk in &chunks {
                decoder.push(black_box(chunk));
                while let Some(value) = decoder.next_value() {
                    n += usize::from(value.is_ok());
                }
            }
            assert_eq!(n, LINES);
        })
    });
    g.bench_function("serde_json-stream", |b| {
        b.iter(|| {
            let values =
                serde_json::Deserializer::from_slice(black_box(&body)).into_iter::<Value>();
            assert_eq!(values.filter(Result::is_ok).count(), LINES);
        })
    });
    g.finish();
}

criterion_group!(benches, demux_benches, build_benches, json_progress);
criterion_main!(benches);
