//! contajners side by side with its peers, in one run. `cargo xtask bench`
//! runs it and writes benches/RESULTS.md.
//!
//! Every group is measured interleaved ([`Interleaved`]): each sample runs
//! one block per contender, back to back, in an order rotated per sample,
//! so a slow phase of the host hits all contenders alike and the
//! per-sample ratios stay fair.
//!
//! Against an in-process stand-in for dockerd ([`BenchServer`]):
//! - `peers/ping-seq`, `peers/ping-64`: `GET /v1.41/_ping`, one at a time
//!   and 64 in flight, each run three ways ([`Way`]): under `block_on` on the
//!   multi-thread runtime, in a task spawned on it (`-task`), and on a
//!   current-thread runtime (`-1thread`). Which thread waits on the socket
//!   and which one reads it decides most of a ping's time here;
//! - `peers/logs-32KiB`, `peers/logs-128B`: a multiplexed log stream
//!   demultiplexed, payload bytes counted;
//!
//! each for contajners, bollard, a bare pooled hyper-util client (the floor)
//! and, for the streams, a raw read of the same bytes (the limit). The
//! streams have three contajners contenders: `contajners`
//! (`Streamed::output()`, a `Frame` per frame), `contajners-batch`
//! (`Streamed::output_batches()`, a batch of lent frames per chunk), both
//! paved paths, and `contajners-lent` (the transport's chunks into
//! `Demuxer::next_slice` by hand).
//!
//! Against the real dockerd of `cargo xtask engines up` (skipped with a note
//! when it is not up): `engine/ping-seq`, `engine/ping-64` and
//! `engine/logs-<n>MiB` (a container that wrote n MiB), for contajners,
//! bollard and curl, and for the log stream a blocking read of the same
//! answer on one thread (the limit); the log stream records the client's
//! CPU time per block. It is read by both libraries under `block_on` on the
//! multi-thread runtime and on a current-thread one (`-1thread`), and by
//! contajners in a task spawned on the multi-thread runtime (`-task`).
//!
//! Sizes: `CONTAJNERS_BENCH_LOG_MIB` (1024), `CONTAJNERS_BENCH_SMALL_MIB`
//! (256, the 128-byte frames), `CONTAJNERS_BENCH_ENGINE_MIB` (256). Samples:
//! `CONTAJNERS_BENCH_{PING,STREAM,ENGINE}_SAMPLES` (40, 15, 5). A free
//! argument selects the groups whose name contains it
//! (`cargo bench --bench peers -- ping`), or, ending in `$`, the one group
//! of that name (`-- 'peers/ping-seq$'`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bollard::query_parameters::LogsOptions;
use bollard::Docker;
use contajners::codec::Demuxer;
use contajners::{Client, Engine, Invocation, Streamed};
use contajners_benches::{
    docker_socket, env_samples, env_size, floor_client, floor_get, floor_logs, iters_for,
    process_cpu, raw_get, raw_read, BenchServer, Contender, FloorClient, Interleaved, LogShape,
    RawPinger, Work,
};
use futures_util::future::join_all;
use futures_util::StreamExt;
use tokio::runtime::Runtime;

const MIB: u64 = 1024 * 1024;
/// The raw reader's buffer: as large as a unix socket's send buffer.
const RAW_BUF: usize = 256 * 1024;
const IN_FLIGHT: usize = 64;

/// The clients under test, all on the same socket.
struct Contenders {
    ours: Client,
    bollard: Docker,
    floor: FloorClient,
    /// The limit of a sequential ping, on the in-process server only (it
    /// needs the answer's length).
    raw: Option<tokio::sync::Mutex<RawPinger>>,
}

impl Contenders {
    /// The clients of the socket at `path`; with `ping_answer_len`, a raw
    /// pinger too, connected on `rt`.
    fn new(rt: &Runtime, socket: &Path, ping_answer_len: Option<usize>) -> Contenders {
        let uri = format!("unix://{}", socket.display());
        let ours = Client::builder(Engine::Docker, "v1.41")
            .uri(&uri)
            .build()
            .expect("a contajners client");
        let bollard = Docker::connect_with_unix(&uri, 600, bollard::API_DEFAULT_VERSION)
            .expect("a bollard client");
        let raw = ping_answer_len.map(|len| {
            let raw = rt.block_on(RawPinger::connect(socket, len));
            tokio::sync::Mutex::new(raw.expect("a raw connection"))
        });
        Contenders {
            ours,
            bollard,
            floor: floor_client(socket),
            raw,
        }
    }
}

async fn ping_ours(client: &Client) {
    let pong = client
        .invoke(Invocation::new("SystemPing"))
        .await
        .expect("contajners ping")
        .into_data()
        .expect("ping data");
    assert_eq!(pong.body().as_ref(), b"OK");
}

async fn ping_bollard(docker: &Docker) {
    let pong = docker.ping().await.expect("bollard ping");
    assert_eq!(pong, "OK");
}

async fn ping_floor(client: &FloorClient) {
    let pong = floor_get(client, "/v1.41/_ping")
        .await
        .expect("hyper-util ping");
    assert_eq!(pong.as_ref(), b"OK");
}

/// A container's stdout and stderr as a (multiplexed) stream.
async fn logs_stream(client: &Client, id: &str) -> Streamed {
    client
        .invoke(
            Invocation::new("ContainerLogs")
                .param("id", id)
                .param("stdout", true)
                .param("stderr", true)
                .as_stream()
                .multiplexed(true),
        )
        .await
        .expect("contajners logs")
        .into_stream()
        .expect("a stream")
}

/// Payload bytes of a container's logs, demultiplexed by contajners.
async fn logs_ours(client: &Client, id: &str) -> u64 {
    let mut output = logs_stream(client, id).await.output();
    let mut n = 0u64;
    while let Some(frame) = output.next().await {
        n += frame.expect("a frame").data.len() as u64;
    }
    n
}

/// The same through contajners' public zero-copy path: the transport's
/// chunks into [`Demuxer::next_slice`], which lends each payload instead
/// of handing out a reference-counted `Bytes` per frame.
async fn logs_ours_lent(client: &Client, id: &str) -> u64 {
    let mut body = logs_stream(client, id).await.into_inner();
    let mut demuxer = Demuxer::new();
    let mut n = 0u64;
    while let Some(chunk) = body.next().await {
        demuxer.push(chunk.expect("a chunk"));
        while let Some(slice) = demuxer.next_slice() {
            n += slice.expect("a frame").1.len() as u64;
        }
    }
    demuxer.finish().expect("whole frames");
    n
}

/// The same through the paved batch path, `Streamed::output_batches()`:
/// per chunk, every whole frame lent in place.
async fn logs_ours_batch(client: &Client, id: &str) -> u64 {
    let mut output = logs_stream(client, id).await.output_batches();
    let mut n = 0u64;
    while let Some(batch) = output.next_batch().await {
        for (_, data) in batch.expect("a batch") {
            n += data.len() as u64;
        }
    }
    n
}

async fn logs_bollard(docker: &Docker, id: &str) -> u64 {
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        ..Default::default()
    };
    let mut logs = docker.logs(id, Some(options));
    let mut n = 0u64;
    while let Some(out) = logs.next().await {
        n += out.expect("a bollard log frame").into_bytes().len() as u64;
    }
    n
}

/// How a caller's code is run by tokio, which decides which thread waits
/// on the socket and which reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// `Runtime::block_on` on the multi-thread runtime, as `#[tokio::main]`
    /// runs `main`: a worker thread polls the sockets and wakes the thread
    /// in `block_on`, on every wait.
    BlockOn,
    /// A task spawned on the multi-thread runtime, as a server built on
    /// tokio runs its work: the worker that polls the socket runs the task.
    Task,
    /// `block_on` on a current-thread runtime, as a command-line tool (and
    /// curl) runs: one thread waits on the socket and reads it.
    OneThread,
}

impl Way {
    /// The suffix of a group measured this way.
    fn suffix(self) -> &'static str {
        match self {
            Way::BlockOn => "",
            Way::Task => "-task",
            Way::OneThread => "-1thread",
        }
    }
}

/// The runtimes of the ways, each with its own clients: a pooled
/// connection stays registered with the runtime that dialed it.
struct Runners {
    rt: Runtime,
    who: Arc<Contenders>,
    rt1: Runtime,
    who1: Arc<Contenders>,
}

impl Runners {
    /// The runtimes, and clients of the socket at `path` for each.
    fn new(socket: &Path, ping_answer_len: Option<usize>) -> Runners {
        let rt = Runtime::new().expect("the client runtime");
        let rt1 = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime");
        Runners {
            who: Arc::new(Contenders::new(&rt, socket, ping_answer_len)),
            who1: Arc::new(Contenders::new(&rt1, socket, ping_answer_len)),
            rt,
            rt1,
        }
    }

    /// Runs `work` on the clients of `way`, the way `way` says.
    fn run<F, Fut>(&self, way: Way, work: F) -> Fut::Output
    where
        F: FnOnce(Arc<Contenders>) -> Fut,
        Fut: std::future::Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        match way {
            Way::BlockOn => self.rt.block_on(work(self.who.clone())),
            Way::Task => self.rt.block_on(async {
                tokio::spawn(work(self.who.clone()))
                    .await
                    .expect("the bench task")
            }),
            Way::OneThread => self.rt1.block_on(work(self.who1.clone())),
        }
    }
}

/// The contenders of a ping group.
#[derive(Debug, Clone, Copy)]
enum Pinger {
    Ours,
    Bollard,
    Floor,
    Raw,
}

impl Pinger {
    fn named(name: &str) -> Pinger {
        match name {
            "contajners" => Pinger::Ours,
            "bollard" => Pinger::Bollard,
            "raw-socket" => Pinger::Raw,
            _ => Pinger::Floor,
        }
    }
}

/// One block of a ping group: `iters` times `pings` requests in flight.
async fn ping_block(who: Arc<Contenders>, pinger: Pinger, iters: u64, pings: usize) {
    for _ in 0..iters {
        // One at a time, each awaited directly: a join of one would
        // cost every client an allocation and a move of its future.
        match (pinger, pings) {
            (Pinger::Ours, 1) => ping_ours(&who.ours).await,
            (Pinger::Ours, _) => {
                join_all((0..pings).map(|_| ping_ours(&who.ours))).await;
            }
            (Pinger::Bollard, 1) => ping_bollard(&who.bollard).await,
            (Pinger::Bollard, _) => {
                join_all((0..pings).map(|_| ping_bollard(&who.bollard))).await;
            }
            (Pinger::Raw, _) => {
                if let Some(raw) = &who.raw {
                    let mut raw = raw.lock().await;
                    for _ in 0..pings {
                        raw.ping().await.expect("raw ping");
                    }
                }
            }
            (Pinger::Floor, 1) => ping_floor(&who.floor).await,
            (Pinger::Floor, _) => {
                join_all((0..pings).map(|_| ping_floor(&who.floor))).await;
            }
        }
    }
}

/// `<prefix>/ping-seq` and `<prefix>/ping-64`, each in every way of
/// `ways` (`<prefix>/ping-seq-task`, …); `curl`, when given, joins the
/// sequential group with a few calls per block (it starts a process per
/// call).
fn ping_groups(run: &Runners, ways: &[Way], prefix: &str, curl_socket: Option<&str>) {
    for pings in [1, IN_FLIGHT] {
        for &way in ways {
            let group = match pings {
                1 => format!("{prefix}/ping-seq{}", way.suffix()),
                _ => format!("{prefix}/ping-{pings}{}", way.suffix()),
            };
            if selected(&group) {
                ping_group(run, way, &group, pings, curl_socket);
            }
        }
    }
}

fn ping_group(run: &Runners, way: Way, group: &str, pings: usize, curl_socket: Option<&str>) {
    // Blocks of about 20 ms of contajners' time: long enough to hide the
    // clock, short enough that the host's phase does not change within
    // one sample.
    let iters = iters_for(Duration::from_millis(20), |n| {
        run.run(way, move |who| ping_block(who, Pinger::Ours, n, pings))
    });
    let mut contenders = vec![
        Contender {
            name: "contajners",
            iters,
        },
        Contender {
            name: "bollard",
            iters,
        },
        Contender {
            name: "hyper-util",
            iters,
        },
    ];
    if let (Some(_), 1, Way::BlockOn) = (curl_socket, pings, way) {
        contenders.push(Contender {
            name: "curl",
            iters: 3,
        });
    }
    if let (Some(_), 1) = (&run.who.raw, pings) {
        contenders.push(Contender {
            name: "raw-socket",
            iters,
        });
    }
    Interleaved::new(group, env_samples("PING", 40))
        .work(Work::Elements(pings as u64))
        .run(&contenders, |name, iters| {
            match (name, curl_socket) {
                ("curl", Some(sock)) => {
                    for _ in 0..iters {
                        curl(&["--unix-socket", sock, "http://localhost/v1.41/_ping"]);
                    }
                }
                _ => {
                    let pinger = Pinger::named(name);
                    run.run(way, move |who| ping_block(who, pinger, iters, pings))
                }
            }
            None
        });
}

fn log_groups(run: &Runners, server: &BenchServer) {
    let (rt, who) = (&run.rt, &run.who);
    for (group, id) in [("peers/logs-32KiB", "x"), ("peers/logs-128B", "small")] {
        let Some((raw, payload, wire)) = server.raw(id) else {
            continue;
        };
        if !selected(group) {
            continue;
        }
        let path = format!("/v1.41/containers/{id}/logs?stdout=1&stderr=1");
        let names = [
            "contajners",
            "contajners-batch",
            "contajners-lent",
            "bollard",
            "hyper-util",
            "raw-socket",
        ];
        let contenders: Vec<Contender> = names
            .iter()
            .map(|&name| Contender { name, iters: 1 })
            .collect();
        Interleaved::new(group, env_samples("STREAM", 15))
            .work(Work::Bytes(payload))
            .run(&contenders, |name, _| {
                let n = rt.block_on(async {
                    match name {
                        "contajners" => logs_ours(&who.ours, id).await,
                        "contajners-batch" => logs_ours_batch(&who.ours, id).await,
                        "contajners-lent" => logs_ours_lent(&who.ours, id).await,
                        "bollard" => logs_bollard(&who.bollard, id).await,
                        "hyper-util" => floor_logs(&who.floor, &path).await.expect("floor logs"),
                        _ => {
                            let n = raw_read(raw, RAW_BUF).await.expect("raw read");
                            assert_eq!(n, wire, "raw bytes");
                            payload
                        }
                    }
                });
                assert_eq!(n, payload, "{name}: payload bytes");
                None
            });
    }
}

fn in_process() {
    let shapes = vec![
        LogShape {
            id: "x",
            frame_len: 32 * 1024,
            payload: env_size("CONTAJNERS_BENCH_LOG_MIB", 1024) * MIB,
        },
        LogShape {
            id: "small",
            frame_len: 128,
            payload: env_size("CONTAJNERS_BENCH_SMALL_MIB", 256) * MIB,
        },
    ];
    let server = BenchServer::start(shapes).expect("the bench server");
    let run = Runners::new(server.path(), Some(server.ping_answer_len()));
    let ways = [Way::BlockOn, Way::Task, Way::OneThread];
    ping_groups(&run, &ways, "peers", None);
    log_groups(&run, &server);
}

const ENGINE_CONTAINER: &str = "contajners-bench-logs";

/// A stopped container that wrote `bytes` of 4 KiB lines to stdout, made
/// once (network mode none) and kept for later runs.
async fn logs_container(client: &Client, bytes: u64) -> Result<(), String> {
    let name = format!("{ENGINE_CONTAINER}-{}m", bytes / MIB);
    let inspect = client
        .invoke(Invocation::new("ContainerInspect").param("id", name.as_str()))
        .await
        .map_err(|e| e.to_string())?
        .into_data()
        .map_err(|e| e.to_string())?;
    let state = inspect.json().map(|j| j["State"].clone());
    let done = state
        .as_ref()
        .is_some_and(|s| s["Status"] == "exited" && s["ExitCode"] == 0);
    if inspect.status().is_success() && done {
        return Ok(());
    }
    if inspect.status().is_success() {
        let _ = client
            .invoke(
                Invocation::new("ContainerDelete")
                    .param("id", name.as_str())
                    .param("force", true),
            )
            .await;
    }
    let script = format!("yes \"$(printf '%4095s' '' | tr ' ' x)\" | head -c {bytes}");
    let steps = [
        Invocation::new("ContainerCreate")
            .param("name", name.as_str())
            .data(serde_json::json!({
                "Image": "busybox:musl",
                "Cmd": ["sh", "-c", script],
                "HostConfig": {"NetworkMode": "none"}
            })),
        Invocation::new("ContainerStart").param("id", name.as_str()),
        Invocation::new("ContainerWait").param("id", name.as_str()),
    ];
    eprintln!("making {name}: writing {} MiB of logs", bytes / MIB);
    for step in steps {
        client
            .invoke(step.throw_exceptions(true))
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A container's logs printed by the `contajners` command at `cli`: with
/// `count`, read from its stdout and counted (the container wrote only to
/// stdout); without, written to /dev/null, as curl's are, and 0.
fn cli_logs(cli: &str, sock: &str, id: &str, count: bool) -> u64 {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = std::process::Command::new(cli)
        .args([
            "--host",
            &format!("unix://{sock}"),
            "invoke",
            "ContainerLogs",
        ])
        .args([format!("id={id}").as_str(), "stdout=true", "stderr=true"])
        .stdout(if count { Stdio::piped() } else { Stdio::null() })
        .spawn()
        .expect("the contajners command runs");
    let mut n = 0u64;
    if let Some(mut out) = child.stdout.take() {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match out.read(&mut buf) {
                Ok(0) => break,
                Ok(read) => n += read as u64,
                Err(e) => panic!("reading the contajners command's output: {e}"),
            }
        }
    }
    let status = child.wait().expect("the contajners command ends");
    assert!(status.success(), "the contajners command failed: {status}");
    n
}

/// CPU ticks (user and system) of this process's waited-for children.
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): cutime and
    // cstime are fields 16 and 17 of the whole line.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let ticks: u64 = rest
        .split_whitespace()
        .skip(13)
        .take(2)
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

fn curl(args: &[&str]) -> u64 {
    let out = std::process::Command::new("curl")
        .args(["-sS", "--fail", "-o", "/dev/null", "-w", "%{size_download}"])
        .args(args)
        .output()
        .expect("curl runs");
    assert!(out.status.success(), "curl failed: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

fn real_engine() {
    let Some(socket) = docker_socket() else {
        return;
    };
    let run = Runners::new(&socket, None);
    let (rt, who) = (&run.rt, &run.who);
    let sock = socket.display().to_string();
    if let Err(e) = rt.block_on(who.ours.invoke(Invocation::new("SystemPing"))) {
        eprintln!("note: dockerd at {sock} does not answer ({e}): real-engine benches skipped");
        return;
    }
    ping_groups(&run, &[Way::BlockOn], "engine", Some(&sock));

    let bytes = env_size("CONTAJNERS_BENCH_ENGINE_MIB", 256) * MIB;
    let group = format!("engine/logs-{}MiB", bytes / MIB);
    if !selected(&group) {
        return;
    }
    if let Err(e) = rt.block_on(logs_container(&who.ours, bytes)) {
        eprintln!("note: cannot make the logs container: {e}; engine logs skipped");
        return;
    }
    let id = format!("{ENGINE_CONTAINER}-{}m", bytes / MIB);
    let url = format!("http://localhost/v1.41/containers/{id}/logs?stdout=1&stderr=1");
    // The command-line tool beside curl, when `cargo xtask bench` built it.
    let cli = std::env::var("CONTAJNERS_BENCH_CLI").ok();
    if let Some(cli) = &cli {
        // Timed, the command writes to /dev/null as curl does; its output is
        // checked once here.
        let n = cli_logs(cli, &sock, &id, true);
        assert_eq!(n, bytes, "the contajners command: bytes of {id}");
    }
    let contenders: Vec<Contender> = [
        "contajners",
        "contajners-task",
        "contajners-1thread",
        "contajners-cli",
        "bollard",
        "bollard-1thread",
        "curl",
        "raw-socket",
    ]
    .into_iter()
    .filter(|name| *name != "contajners-cli" || cli.is_some())
    .map(|name| Contender { name, iters: 1 })
    .collect();
    Interleaved::new(&group, env_samples("ENGINE", 5))
        .work(Work::Bytes(bytes))
        .run(&contenders, |name, _| {
            let (cpu0, child0) = (process_cpu(), children_cpu());
            let n = match name {
                "contajners" | "contajners-task" | "contajners-1thread" => {
                    let id = id.clone();
                    run.run(way_of(name), |who| async move {
                        logs_ours(&who.ours, &id).await
                    })
                }
                "bollard" | "bollard-1thread" => {
                    let id = id.clone();
                    run.run(way_of(name), |who| async move {
                        logs_bollard(&who.bollard, &id).await
                    })
                }
                "contajners-cli" => {
                    cli_logs(cli.as_deref().unwrap_or("contajners"), &sock, &id, false)
                }
                "raw-socket" => {
                    let target = url.trim_start_matches("http://localhost");
                    let wire = raw_get(&socket, target, RAW_BUF).expect("a raw read of the logs");
                    // Head and chunk framing on top of the frames.
                    assert!(
                        wire > bytes + bytes / 4096 * 8,
                        "raw-socket: {wire} bytes of {id}"
                    );
                    bytes
                }
                _ => curl(&["--unix-socket", &sock, &url]),
            };
            // curl counts the bytes on the wire, frame headers too; the
            // timed command counts nothing (its output was checked above).
            let expected = match name {
                "curl" => bytes + bytes / 4096 * 8,
                "contajners-cli" => 0,
                _ => bytes,
            };
            assert_eq!(n, expected, "{name}: bytes of {id}");
            Some(if name == "curl" || name == "contajners-cli" {
                children_cpu().saturating_sub(child0)
            } else {
                process_cpu().saturating_sub(cpu0)
            })
        });
}

/// The way a contender's name ends with (`contajners-task`).
fn way_of(name: &str) -> Way {
    [Way::Task, Way::OneThread]
        .into_iter()
        .find(|way| name.ends_with(way.suffix()))
        .unwrap_or(Way::BlockOn)
}

/// Whether `group` is selected by the first free argument (`cargo bench
/// --bench peers -- ping` runs the ping groups only, `-- 'peers/ping-seq$'`
/// that group only); all without one.
fn selected(group: &str) -> bool {
    match std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        // `peers/ping-seq$` is that group alone, not `peers/ping-seq-task`.
        Some(filter) => match filter.strip_suffix('$') {
            Some(exact) => group == exact,
            None => group.contains(&filter),
        },
        None => true,
    }
}

fn main() {
    in_process();
    real_engine();
}
