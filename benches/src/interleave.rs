//! Contenders measured side by side, block by block.
//!
//! Criterion measures one contender for seconds, then the next. On a
//! shared machine whose speed swings several-fold within minutes, a slow
//! phase can then hit one contender and spare the next, and the ratio of
//! their medians says more about the host than about the clients. Here
//! every sample runs one block of work for each contender, back to back,
//! in an order rotated from sample to sample. Two contenders' blocks of
//! one sample are milliseconds apart, so they see the same phase of the
//! host, and the ratio of their times within a sample is a fair
//! comparison even when the absolute times are not. `cargo xtask bench`
//! reports the median of those per-sample ratios.
//!
//! Each block is written as one JSON line to the file named by
//! `CONTAJNERS_BENCH_SAMPLES_LOG` (set by `cargo xtask bench`), and a
//! summary goes to stderr.

use std::io::Write;
use std::time::{Duration, Instant};

/// The pause between two blocks.
const SETTLE: Duration = Duration::from_millis(5);

/// What one iteration of a group moves, for throughput figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Payload bytes per iteration.
    Bytes(u64),
    /// Requests per iteration.
    Elements(u64),
}

/// One contender of a group: its name and how many iterations make one of
/// its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contender {
    /// The name in the report (`contajners`, `bollard`, …).
    pub name: &'static str,
    /// Iterations per block. Contenders may differ (curl's 8 ms per call
    /// would make a 400-ping block last seconds); the report compares
    /// time per iteration.
    pub iters: u64,
}

/// A group of contenders measured in interleaved samples.
///
/// ```no_run
/// use contajners_benches::{Contender, Interleaved, Work};
///
/// let group = Interleaved::new("demo/sleep", 5).work(Work::Elements(1));
/// let contenders = [
///     Contender { name: "short", iters: 10 },
///     Contender { name: "long", iters: 10 },
/// ];
/// group.run(&contenders, |name, iters| {
///     for _ in 0..iters {
///         let ms = if name == "short" { 1 } else { 2 };
///         std::thread::sleep(std::time::Duration::from_millis(ms));
///     }
///     None
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Interleaved {
    group: String,
    samples: usize,
    work: Option<Work>,
}

/// One measured block.
#[derive(Debug, Clone, Copy)]
struct Block {
    sample: usize,
    wall: Duration,
    cpu: Option<Duration>,
}

impl Interleaved {
    /// A group named `group` (`peers/ping-seq`), measured in `samples`
    /// samples (at least 3).
    pub fn new(group: &str, samples: usize) -> Interleaved {
        Interleaved {
            group: group.to_string(),
            samples: samples.max(3),
            work: None,
        }
    }

    /// What one iteration moves.
    pub fn work(mut self, work: Work) -> Interleaved {
        self.work = Some(work);
        self
    }

    /// Runs one warm-up block per contender, then the samples.
    ///
    /// `block(name, iters)` runs `iters` iterations of contender `name`
    /// and may return the client CPU time it spent (when the group tracks
    /// CPU per byte); the wall time is measured here.
    ///
    /// `CONTAJNERS_BENCH_ONLY=<name>` runs that contender alone, for
    /// profiling one client (`perf record`).
    pub fn run<F>(&self, contenders: &[Contender], mut block: F)
    where
        F: FnMut(&str, u64) -> Option<Duration>,
    {
        let only = std::env::var("CONTAJNERS_BENCH_ONLY").ok();
        let contenders: Vec<Contender> = contenders
            .iter()
            .filter(|c| only.as_deref().is_none_or(|o| o == c.name))
            .cloned()
            .collect();
        if contenders.is_empty() {
            return;
        }
        for c in &contenders {
            block(c.name, c.iters.max(1));
        }
        let mut blocks: Vec<Vec<Block>> = vec![Vec::new(); contenders.len()];
        for sample in 0..self.samples {
            for i in 0..contenders.len() {
                // Rotated per sample: every contender runs first, second, …
                // equally often, so none always follows the same other.
                let at = (i + sample) % contenders.len();
                let c = &contenders[at];
                // What the previous block left behind (connections still
                // closing on the server, a client's pool reaping) is its
                // own cost, not the next contender's: let it settle.
                std::thread::sleep(SETTLE);
                let start = Instant::now();
                let cpu = block(c.name, c.iters.max(1));
                let wall = start.elapsed();
                let b = Block { sample, wall, cpu };
                self.record(c, b);
                blocks[at].push(b);
            }
        }
        self.summary(&contenders, &blocks);
    }

    fn record(&self, c: &Contender, b: Block) {
        let Ok(path) = std::env::var("CONTAJNERS_BENCH_SAMPLES_LOG") else {
            return;
        };
        let (bytes, elements) = match self.work {
            Some(Work::Bytes(n)) => (Some(n), None),
            Some(Work::Elements(n)) => (None, Some(n)),
            None => (None, None),
        };
        let line = serde_json::json!({
            "group": self.group,
            "contender": c.name,
            "sample": b.sample,
            "iters": c.iters.max(1),
            "wall_ns": b.wall.as_nanos() as u64,
            "cpu_ns": b.cpu.map(|d| d.as_nanos() as u64),
            "bytes": bytes,
            "elements": elements,
        });
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path);
        match file {
            Ok(mut f) => {
                let _ = writeln!(f, "{line}");
            }
            Err(e) => eprintln!("cannot record a sample in {path}: {e}"),
        }
    }

    /// Per contender: the median time per iteration, and the median of
    /// its per-sample ratios to the first contender.
    fn summary(&self, contenders: &[Contender], blocks: &[Vec<Block>]) {
        eprintln!("{}", self.group);
        let per_iter = |at: usize| -> Vec<f64> {
            let iters = contenders[at].iters.max(1) as f64;
            blocks[at]
                .iter()
                .map(|b| b.wall.as_nanos() as f64 / iters)
                .collect()
        };
        let first = per_iter(0);
        for (at, c) in contenders.iter().enumerate() {
            let mine = per_iter(at);
            let ratios: Vec<f64> = first.iter().zip(&mine).map(|(f, m)| f / m).collect();
            eprintln!(
                "  {:<20} {:>12.1} µs per iteration   x{:.2} {}",
                c.name,
                median(mine).unwrap_or(0.0) / 1e3,
                median(ratios).unwrap_or(0.0),
                contenders[0].name,
            );
        }
    }
}

/// The median of `values`, `None` when empty.
///
/// ```
/// assert_eq!(contajners_benches::median(vec![3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(contajners_benches::median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
/// ```
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 0 {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// How many iterations of `one` make a block of about `target`: one
/// untimed call first (a first call pays for connecting and loading, which
/// would make every later block far too short), then doubling from 1 until
/// the block lasts a tenth of the target, then scaling up.
///
/// ```
/// use std::time::Duration;
/// let n = contajners_benches::iters_for(Duration::from_millis(20), |iters| {
///     std::thread::sleep(Duration::from_micros(100) * iters as u32);
/// });
/// assert!((10..=400).contains(&n), "{n}");
/// ```
pub fn iters_for<F: FnMut(u64)>(target: Duration, mut one: F) -> u64 {
    one(1);
    let mut iters = 1u64;
    loop {
        let start = Instant::now();
        one(iters);
        let took = start.elapsed();
        if took * 10 >= target || iters >= 1 << 20 {
            let per = took.as_secs_f64() / iters as f64;
            let want = (target.as_secs_f64() / per.max(1e-9)).round() as u64;
            return want.clamp(1, 1 << 24);
        }
        iters *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_runs_each_contender_once_in_a_rotated_order() {
        let contenders = [
            Contender {
                name: "a",
                iters: 2,
            },
            Contender {
                name: "b",
                iters: 1,
            },
            Contender {
                name: "c",
                iters: 0,
            },
        ];
        let mut calls = Vec::new();
        Interleaved::new("test/order", 3).run(&contenders, |name, iters| {
            calls.push((name.to_string(), iters));
            None
        });
        let names: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
        // One warm-up block each, then samples rotated by one.
        assert_eq!(
            names,
            ["a", "b", "c", "a", "b", "c", "b", "c", "a", "c", "a", "b"]
        );
        // Iterations as asked, and never zero.
        assert!(calls
            .iter()
            .all(|(n, i)| *i == if n == "a" { 2 } else { 1 }));
    }

    #[test]
    fn blocks_scale_to_the_target() {
        let mut asked = Vec::new();
        let n = iters_for(Duration::from_millis(10), |iters| {
            asked.push(iters);
            std::thread::sleep(Duration::from_micros(200) * iters as u32);
        });
        // One untimed call, then doubling from 1 until a block reaches a
        // tenth of the target; an iteration takes at least 200 µs (more on
        // a slow machine), so at most 50 make 10 ms.
        assert_eq!(asked[..2], [1, 1]);
        assert!(asked[1..].windows(2).all(|w| w[1] == 2 * w[0]), "{asked:?}");
        assert!((1..=50).contains(&n), "{n} iterations of 200 µs for 10 ms");
    }
}
