//! Speed of dispatch: stream codecs and request building.
//!
//! Demultiplexing is measured alone (`demux`: the consumer only counts the
//! payload) and against a raw scan of the same bytes (`demux+scan` vs
//! `raw-scan`: both read every byte, so the difference is the cost of the
//! framing). Input arrives in chunks of random size (1 B to 64 KiB,
//! fixed seed), as from a socket.

use bytes::Bytes;
use contajners_dispatch::codec::Demuxer;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

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
    let whole = Bytes::copy_from_slice(input);
    let mut rng = XorShift(seed);
    let mut chunks = Vec::new();
    let mut at = 0;
    while at < whole.len() {
        let len = (1 + (rng.next() % (64 * 1024)) as usize).min(whole.len() - at);
        chunks.push(whole.slice(at..at + len));
        at += len;
    }
    chunks
}

/// Reads every byte, the way a consumer of the output would, at memory
/// speed: eight bytes at a time.
fn fold(bytes: &[u8]) -> u64 {
    let words = bytes.chunks_exact(8);
    let tail = words.remainder().iter().fold(0u64, |acc, &b| acc ^ u64::from(b));
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
            acc = acc.wrapping_add(fold(&frame.data));
        }
    }
    acc
}

fn scan(chunks: &[Bytes]) -> u64 {
    chunks
        .iter()
        .fold(0u64, |acc, chunk| acc.wrapping_add(fold(chunk)))
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
        group.bench_function("raw-scan", |b| b.iter(|| scan(black_box(&chunks))));
        group.finish();
    }
}

criterion_group!(benches, demux_benches);
criterion_main!(benches);
