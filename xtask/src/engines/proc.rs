//! Daemons as detached child processes: start, record, find, stop; and the
//! mounts and cgroups they leave behind.
//!
//! A daemon is recorded as `<pid> <start time>` in `<state>/pids/<name>`: the
//! start time (from /proc) tells our process from a later one that reused the
//! pid, so `down` never signals a process it did not start.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};

use super::Layout;

/// The daemons, in the order `down` stops them: dockerd first so it can stop
/// its containers while containerd still runs; containerd last.
const STOP_ORDER: [&str; 6] = [
    "sshd",
    "dockerd",
    "podman-unix",
    "podman-tcp",
    "registry",
    "containerd",
];

/// Programs our engines spawn that may outlive them (shims and conmon
/// daemonize themselves away from their parent): a process running one of
/// these with our state or sockets dir on its command line is ours.
const ENGINE_PROGRAMS: [&str; 9] = [
    "containerd",
    "containerd-shim",
    "containerd-shim-runc-v1",
    "containerd-shim-runc-v2",
    "conmon",
    "runc",
    "dockerd",
    "podman",
    "docker-registry",
];

/// Starts `program` detached (own session, stdin closed, output to
/// `<state>/logs/<name>.log`) and records its pid.
pub(crate) fn spawn(
    layout: &Layout,
    name: &str,
    program: &str,
    args: &[String],
    envs: &[(&str, String)],
) -> Result<(), String> {
    let log_path = layout.logs().join(format!("{name}.log"));
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let log2 = log
        .try_clone()
        .map_err(|e| format!("cannot reopen {}: {e}", log_path.display()))?;
    // `setsid` (util-linux) execs the program in a new session with the same
    // pid: a Ctrl-C in the terminal of `cargo xtask test` reaches the tests,
    // not the engines, which `down` then stops in order.
    // The engines find runc, conmon and their helpers on PATH; root's sbin
    // dirs are not on every user's PATH.
    let path = format!(
        "{}:/usr/local/sbin:/usr/sbin:/sbin",
        std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into())
    );
    let child = Command::new("setsid")
        .arg(program)
        .args(args)
        .env("PATH", path)
        // Temporary files (image layers in transit) stay in the state too.
        .env("TMPDIR", layout.state().join("tmp"))
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .current_dir(layout.state())
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let pid = child.id();
    let start = start_time(pid)
        .ok_or_else(|| format!("{program} exited at once; see {}", log_path.display()))?;
    super::layout::write(&layout.pids().join(name), format!("{pid} {start}\n"))
}

/// Fails naming the first recorded daemon that is not running.
/// The sshd is checked apart (`ssh::check`): engines of an older run
/// without one are healthy, and `up` only adds the sshd.
pub(crate) fn check_recorded_alive(layout: &Layout) -> Result<(), String> {
    for name in STOP_ORDER.into_iter().filter(|name| *name != "sshd") {
        match read_record(layout, name) {
            Some((pid, start)) if start_time(pid) == Some(start) => {}
            Some((pid, _)) => return Err(format!("{name} (pid {pid}) is not running")),
            None => return Err(format!("{name} has no pid record")),
        }
    }
    Ok(())
}

/// Stops every recorded daemon (SIGTERM, wait, SIGKILL), then every process
/// of our engines that outlived them and their descendants (shims, conmon,
/// the containers' processes).
pub(crate) fn stop_all(layout: &Layout) -> Result<(), String> {
    for name in STOP_ORDER {
        let Some((pid, start)) = read_record(layout, name) else {
            continue;
        };
        if start_time(pid) != Some(start) {
            continue;
        }
        eprintln!("stopping {name} (pid {pid})");
        signal(pid, Signal::TERM);
        if !wait_gone(&[(pid, start)], Duration::from_secs(20)) {
            eprintln!("{name} (pid {pid}) ignored SIGTERM for 20s; killing it");
            signal(pid, Signal::KILL);
            wait_gone(&[(pid, start)], Duration::from_secs(5));
        }
    }
    // Leftovers: processes of ours found by command line, and the
    // descendants of every recorded pid that is still around.
    for _ in 0..5 {
        let leftovers = find_leftovers(layout);
        if leftovers.is_empty() {
            return Ok(());
        }
        eprintln!("killing {} leftover engine processes", leftovers.len());
        for &(pid, _) in &leftovers {
            signal(pid, Signal::KILL);
        }
        wait_gone(&leftovers, Duration::from_secs(5));
    }
    let leftovers = find_leftovers(layout);
    if leftovers.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "processes still running after SIGKILL: {leftovers:?}"
        ))
    }
}

/// Unmounts everything mounted under the state or sockets dir, deepest and
/// newest first.
pub(crate) fn unmount_all(layout: &Layout) -> Result<(), String> {
    for _ in 0..5 {
        let mounts = mounts_under(&[layout.state(), layout.sockets()])?;
        if mounts.is_empty() {
            return Ok(());
        }
        for mount in mounts.iter().rev() {
            if let Err(e) = rustix::mount::unmount(mount, rustix::mount::UnmountFlags::DETACH) {
                eprintln!("could not unmount {}: {e}", mount.display());
            }
        }
    }
    let left = mounts_under(&[layout.state(), layout.sockets()])?;
    if left.is_empty() {
        Ok(())
    } else {
        Err(format!("mounts left under the state: {left:?}"))
    }
}

/// Removes the (empty) cgroups of our containers: everything under our
/// dockerd's cgroup parent, and podman's `libpod_parent/libpod-<id>` for the
/// ids of the containers in our podman storage (podman's cgroup parent is
/// shared with any other podman, so only our ids are touched). Call before
/// the state is removed.
pub(crate) fn remove_cgroups(layout: &Layout) {
    let Ok(hierarchies) = std::fs::read_dir("/sys/fs/cgroup") else {
        return;
    };
    let hierarchies: Vec<PathBuf> = std::iter::once(PathBuf::from("/sys/fs/cgroup"))
        .chain(hierarchies.flatten().map(|e| e.path()))
        .collect();
    let podman_ids = podman_container_ids(layout);
    let tag = layout.tag();
    let mut roots: Vec<PathBuf> = Vec::new();
    for hierarchy in &hierarchies {
        roots.push(hierarchy.join(&tag));
        for id in &podman_ids {
            roots.push(hierarchy.join("libpod_parent").join(format!("libpod-{id}")));
        }
    }
    for root in roots.iter().filter(|r| r.is_dir()) {
        let mut dirs = Vec::new();
        collect_dirs(root, &mut dirs);
        // Children before parents; a non-empty cgroup refuses, which is right.
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in dirs {
            let _ = std::fs::remove_dir(&dir);
        }
    }
}

/// The last lines of every daemon's log, for error messages.
pub(crate) fn log_tails(layout: &Layout) -> String {
    let Ok(entries) = std::fs::read_dir(layout.logs()) else {
        return String::new();
    };
    let mut out = String::new();
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(15)..];
        out.push_str(&format!("--- last lines of {}\n", path.display()));
        for line in tail {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn collect_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_path_buf());
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                collect_dirs(&entry.path(), out);
            }
        }
    }
}

fn read_record(layout: &Layout, name: &str) -> Option<(u32, u64)> {
    let text = std::fs::read_to_string(layout.pids().join(name)).ok()?;
    let mut parts = text.split_whitespace();
    let pid = parts.next()?.parse().ok()?;
    let start = parts.next()?.parse().ok()?;
    Some((pid, start))
}

/// The process's start time (clock ticks since boot), or `None` when it does
/// not exist or is a zombie.
fn start_time(pid: u32) -> Option<u64> {
    stat(pid).and_then(|s| (s.state != 'Z' && s.state != 'X').then_some(s.start))
}

struct Stat {
    state: char,
    ppid: u32,
    start: u64,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: the fields
    // after it start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
    })
}

fn signal(pid: u32, sig: Signal) {
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return;
    };
    // ESRCH (already gone) is the outcome we want anyway.
    let _ = rustix::process::kill_process(pid, sig);
}

fn wait_gone(procs: &[(u32, u64)], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if procs
            .iter()
            .all(|&(pid, start)| start_time(pid) != Some(start))
        {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Our engines' processes still alive: recorded pids, engine programs whose
/// command line names our dirs, and all their descendants.
fn find_leftovers(layout: &Layout) -> Vec<(u32, u64)> {
    let mut all: BTreeMap<u32, Stat> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(stat) = stat(pid).filter(|s| s.state != 'Z' && s.state != 'X') {
                all.insert(pid, stat);
            }
        }
    }
    let mut ours: BTreeSet<u32> = BTreeSet::new();
    for name in STOP_ORDER {
        if let Some((pid, start)) = read_record(layout, name) {
            if all.get(&pid).is_some_and(|s| s.start == start) {
                ours.insert(pid);
            }
        }
    }
    let me = std::process::id();
    let cgroups = our_cgroups(layout);
    for &pid in all.keys() {
        if pid != me
            && (runs_engine_in(pid, &[layout.state(), layout.sockets()])
                || in_cgroups(pid, &cgroups))
        {
            ours.insert(pid);
        }
    }
    // Descendants, to a fixed point.
    loop {
        let before = ours.len();
        for (&pid, stat) in &all {
            if ours.contains(&stat.ppid) {
                ours.insert(pid);
            }
        }
        if ours.len() == before {
            break;
        }
    }
    ours.into_iter()
        .filter_map(|pid| all.get(&pid).map(|s| (pid, s.start)))
        .collect()
}

/// Ids of the containers in our podman storage.
fn podman_container_ids(layout: &Layout) -> Vec<String> {
    std::fs::read_dir(layout.state().join("podman/root/overlay-containers"))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().to_str().map(String::from))
                .filter(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
                .collect()
        })
        .unwrap_or_default()
}

/// Cgroup paths (as in /proc/<pid>/cgroup) that hold only our containers:
/// our dockerd's cgroup parent, and podman's cgroup of each of our podman
/// containers. Container processes whose shim or conmon was killed have no
/// engine parent left; their cgroup still tells them.
fn our_cgroups(layout: &Layout) -> Vec<String> {
    let mut cgroups = vec![format!("/{}", layout.tag())];
    cgroups.extend(
        podman_container_ids(layout)
            .into_iter()
            .map(|id| format!("/libpod_parent/libpod-{id}")),
    );
    cgroups
}

fn in_cgroups(pid: u32, cgroups: &[String]) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
        .is_ok_and(|text| lists_cgroup(&text, cgroups))
}

/// Whether a /proc/<pid>/cgroup text (`id:controllers:path` lines) puts the
/// process in one of `cgroups` or below.
fn lists_cgroup(text: &str, cgroups: &[String]) -> bool {
    text.lines()
        .filter_map(|line| line.splitn(3, ':').nth(2))
        .any(|path| {
            cgroups.iter().any(|ours| {
                path.strip_prefix(ours.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        })
}

fn runs_engine_in(pid: u32, dirs: &[&Path]) -> bool {
    let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<String> = raw
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    is_engine_in(&args, dirs)
}

/// An engine program (by argv[0]) with one of `dirs`, or a path below one,
/// among its arguments (`--root=/s/podman`, `-b /s/x`, `lowerdir=/s/a,…`).
fn is_engine_in(args: &[String], dirs: &[&Path]) -> bool {
    let Some(program) = args.first().and_then(|a| Path::new(a).file_name()) else {
        return false;
    };
    if !ENGINE_PROGRAMS.iter().any(|p| program == *p) {
        return false;
    }
    args.iter().any(|arg| {
        dirs.iter().any(|dir| {
            let dir = dir.to_string_lossy();
            arg.match_indices(dir.as_ref()).any(|(at, _)| {
                let after = &arg[at + dir.len()..];
                after.is_empty() || after.starts_with('/') || after.starts_with(',')
            })
        })
    })
}

/// Mount points at or below any of `dirs`, in the order of
/// /proc/self/mountinfo (older first).
fn mounts_under(dirs: &[&Path]) -> Result<Vec<PathBuf>, String> {
    let text = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| format!("cannot read /proc/self/mountinfo: {e}"))?;
    let mut mounts: Vec<PathBuf> = text
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|p| PathBuf::from(unescape_mount_path(p)))
        .filter(|p| dirs.iter().any(|d| super::is_under(p, d)))
        .collect();
    // Callers unmount in reverse: deepest first, and at equal depth newest
    // first (the sort is stable), so stacked mounts come off top down.
    mounts.sort_by_key(|p| p.components().count());
    Ok(mounts)
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape_mount_path(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() {
            let oct = std::str::from_utf8(&bytes[i + 1..i + 4]).unwrap_or("");
            if let Ok(value) = u8::from_str_radix(oct, 8) {
                out.push(value);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_paths_are_unescaped() {
        assert_eq!(unescape_mount_path(r"/a\040b/c"), "/a b/c");
        assert_eq!(unescape_mount_path(r"/plain"), "/plain");
        assert_eq!(unescape_mount_path(r"/end\"), "/end\\");
    }

    #[test]
    fn engine_processes_are_told_by_program_and_dir() {
        let dirs = [Path::new("/w/.engines")];
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_engine_in(
            &args(&["/usr/bin/conmon", "-b", "/w/.engines/podman/root/x"]),
            &dirs
        ));
        assert!(is_engine_in(
            &args(&[
                "containerd-shim-runc-v2",
                "-address",
                "/w/.engines/ctd.sock"
            ]),
            &dirs
        ));
        assert!(is_engine_in(
            &args(&["dockerd", "--data-root=/w/.engines"]),
            &dirs
        ));
        // A user's own tools looking at our state are not ours to stop.
        assert!(!is_engine_in(
            &args(&["tail", "-f", "/w/.engines/logs/dockerd.log"]),
            &dirs
        ));
        // Another workspace's engines whose path merely starts alike.
        assert!(!is_engine_in(
            &args(&["dockerd", "--data-root=/w/.engines-other/docker"]),
            &dirs
        ));
        assert!(!is_engine_in(&args(&["dockerd"]), &dirs));
    }

    #[test]
    fn container_processes_are_told_by_cgroup() {
        let ours = [
            "/contajners-test-1".to_string(),
            "/libpod_parent/libpod-ab".to_string(),
        ];
        assert!(lists_cgroup("8:pids:/contajners-test-1/c0ffee\n", &ours));
        assert!(lists_cgroup("0::/libpod_parent/libpod-ab\n", &ours));
        assert!(!lists_cgroup("8:pids:/contajners-test-10/c0ffee\n", &ours));
        assert!(!lists_cgroup(
            "8:pids:/libpod_parent/libpod-abc\n0::/\n",
            &ours
        ));
    }

    #[test]
    fn own_start_time_is_read() {
        assert!(start_time(std::process::id()).is_some());
        assert!(stat(std::process::id()).is_some_and(|s| s.ppid > 0));
    }
}
