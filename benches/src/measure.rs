//! What criterion does not measure: CPU time, and the order of contenders.

use std::io::Write;
use std::time::Duration;

/// CPU time (user and system, every thread) this process used so far.
///
/// ```
/// let spent = contajners_benches::process_cpu();
/// assert!(spent > std::time::Duration::ZERO);
/// ```
pub fn process_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(
        t.tv_sec.max(0) as u64,
        t.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// The contenders in the order of this round: the list rotated by
/// `CONTAJNERS_BENCH_ROUND` (set by `cargo xtask bench`), so that across
/// rounds every contender runs first, second, … alike.
///
/// ```
/// assert_eq!(contajners_benches::rotated(&["a", "b", "c"]).len(), 3);
/// ```
pub fn rotated<T: Clone>(items: &[T]) -> Vec<T> {
    let round: usize = std::env::var("CONTAJNERS_BENCH_ROUND")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut out = items.to_vec();
    if !out.is_empty() {
        let by = round % out.len();
        out.rotate_left(by);
    }
    out
}

/// A size from the environment (`name`), else `default`.
///
/// ```
/// assert_eq!(contajners_benches::env_size("CONTAJNERS_BENCH_NOT_SET", 7), 7);
/// ```
pub fn env_size(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Appends one CPU measurement as a JSON line to the file named by
/// `CONTAJNERS_BENCH_CPU_LOG` (set by `cargo xtask bench`); without it,
/// nothing. `cpu` is the client's CPU time for `bytes` of payload read in
/// `wall`.
pub fn record_cpu(id: &str, bytes: u64, cpu: Duration, wall: Duration) {
    let Ok(path) = std::env::var("CONTAJNERS_BENCH_CPU_LOG") else {
        return;
    };
    let line = serde_json::json!({
        "id": id,
        "bytes": bytes,
        "cpu_ns": cpu.as_nanos() as u64,
        "wall_ns": wall.as_nanos() as u64,
    });
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path);
    match file {
        Ok(mut f) => {
            let _ = writeln!(f, "{line}");
        }
        Err(e) => eprintln!("cannot record CPU time in {path}: {e}"),
    }
}
