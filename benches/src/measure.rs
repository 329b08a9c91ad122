//! CPU time, and sizes from the environment.

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

/// How many samples a group takes: `CONTAJNERS_BENCH_<what>_SAMPLES` (set
/// by `cargo xtask bench`), else `default`.
///
/// ```
/// assert_eq!(contajners_benches::env_samples("NOT_SET", 9), 9);
/// ```
pub fn env_samples(what: &str, default: u64) -> usize {
    env_size(&format!("CONTAJNERS_BENCH_{what}_SAMPLES"), default) as usize
}
