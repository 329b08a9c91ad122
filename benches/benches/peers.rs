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
//!   and 64 in flight;
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
//! bollard and curl; the log stream records the client's CPU time per
//! block. It is read by both libraries under `block_on` on the
//! multi-thread runtime and on a current-thread one (`-1thread`), the way
//! a command-line tool like curl runs, and by contajners in a task spawned
//! on the multi-thread runtime (`-task`), the way a server built on tokio
//! runs it.
//!
//! Sizes: `CONTAJNERS_BENCH_LOG_MIB` (1024), `CONTAJNERS_BENCH_SMALL_MIB`
//! (256, the 128-byte frames), `CONTAJNERS_BENCH_ENGINE_MIB` (256). Samples:
//! `CONTAJNERS_BENCH_{PING,STREAM,ENGINE}_SAMPLES` (40, 15, 5). A free
//! argument selects the groups whose name contains it
//! (`cargo bench --bench peers -- ping`).

use std::time::Duration;

use bollard::query_parameters::LogsOptions;
use bollard::Docker;
use contajners::codec::Demuxer;
use contajners::{Client, Engine, Invocation, Streamed};
use contajners_benches::{
    docker_socket, env_samples, env_size, floor_client, floor_get, floor_logs, iters_for,
    process_cpu, raw_read, BenchServer, Contender, FloorClient, Interleaved, LogShape, RawPinger,
    Work,
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
    fn new(socket: &std::path::Path) -> Contenders {
        let uri = format!("unix://{}", socket.display());
        let ours = Client::builder(Engine::Docker, "v1.41")
            .uri(&uri)
            .build()
            .expect("a contajners client");
        let bollard = Docker::connect_with_unix(&uri, 600, bollard::API_DEFAULT_VERSION)
            .expect("a bollard client");
        Contenders {
            ours,
            bollard,
            floor: floor_client(socket),
            raw: None,
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

/// One block of a ping group: `iters` times `pings` requests in flight.
fn ping_block(rt: &Runtime, who: &Contenders, name: &str, iters: u64, pings: usize) {
    rt.block_on(async {
        for _ in 0..iters {
            // One at a time, each awaited directly: a join of one would
            // cost every client an allocation and a move of its future.
            match (name, pings) {
                ("contajners", 1) => ping_ours(&who.ours).await,
                ("contajners", _) => {
                    join_all((0..pings).map(|_| ping_ours(&who.ours))).await;
                }
                ("bollard", 1) => ping_bollard(&who.bollard).await,
                ("bollard", _) => {
                    join_all((0..pings).map(|_| ping_bollard(&who.bollard))).await;
                }
                ("raw-socket", _) => {
                    if let Some(raw) = &who.raw {
                        let mut raw = raw.lock().await;
                        for _ in 0..pings {
                            raw.ping().await.expect("raw ping");
                        }
                    }
                }
                (_, 1) => ping_floor(&who.floor).await,
                _ => {
                    join_all((0..pings).map(|_| ping_floor(&who.floor))).await;
                }
            }
        }
    })
}

/// `<prefix>/ping-seq` and `<prefix>/ping-64`; `curl`, when given, joins
/// the sequential group with a few calls per block (it starts a process
/// per call).
fn ping_groups(rt: &Runtime, who: &Contenders, prefix: &str, curl_socket: Option<&str>) {
    for pings in [1, IN_FLIGHT] {
        let group = if pings == 1 {
            format!("{prefix}/ping-seq")
        } else {
            format!("{prefix}/ping-{pings}")
        };
        if !selected(&group) {
            continue;
        }
        // Blocks of about 20 ms of contajners' time: long enough to hide the
        // clock, short enough that the host's phase does not change within
        // one sample.
        let iters = iters_for(Duration::from_millis(20), |n| {
            ping_block(rt, who, "contajners", n, pings)
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
        if let (Some(_), 1) = (curl_socket, pings) {
            contenders.push(Contender {
                name: "curl",
                iters: 3,
            });
        }
        if let (Some(_), 1) = (&who.raw, pings) {
            contenders.push(Contender {
                name: "raw-socket",
                iters,
            });
        }
        Interleaved::new(&group, env_samples("PING", 40))
            .work(Work::Elements(pings as u64))
            .run(&contenders, |name, iters| {
                match (name, curl_socket) {
                    ("curl", Some(sock)) => {
                        for _ in 0..iters {
                            curl(&["--unix-socket", sock, "http://localhost/v1.41/_ping"]);
                        }
                    }
                    _ => ping_block(rt, who, name, iters, pings),
                }
                None
            });
    }
}

fn log_groups(rt: &Runtime, server: &BenchServer, who: &Contenders) {
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
    let rt = Runtime::new().expect("the client runtime");
    let mut who = Contenders::new(server.path());
    let raw = rt.block_on(RawPinger::connect(server.path(), server.ping_answer_len()));
    who.raw = Some(tokio::sync::Mutex::new(raw.expect("a raw connection")));
    ping_groups(&rt, &who, "peers", None);
    log_groups(&rt, &server, &who);
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
    let rt = Runtime::new().expect("the client runtime");
    let who = Contenders::new(&socket);
    let sock = socket.display().to_string();
    if let Err(e) = rt.block_on(who.ours.invoke(Invocation::new("SystemPing"))) {
        eprintln!("note: dockerd at {sock} does not answer ({e}): real-engine benches skipped");
        return;
    }
    ping_groups(&rt, &who, "engine", Some(&sock));

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
    // The same clients on one thread, as a command-line tool runs them (and
    // as curl is): with `block_on` on the multi-thread runtime above, every
    // wait for dockerd's next write is a wake-up handed from the worker
    // thread that polls the socket to the thread that reads it.
    let rt1 = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    let bollard1 = Docker::connect_with_unix(&sock, 600, bollard::API_DEFAULT_VERSION)
        .expect("a bollard client");
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
                "contajners" => rt.block_on(logs_ours(&who.ours, &id)),
                "contajners-task" => rt.block_on(async {
                    let (client, id) = (who.ours.clone(), id.clone());
                    tokio::spawn(async move { logs_ours(&client, &id).await })
                        .await
                        .expect("the logs task")
                }),
                "contajners-1thread" => rt1.block_on(logs_ours(&who.ours, &id)),
                "bollard" => rt.block_on(logs_bollard(&who.bollard, &id)),
                "bollard-1thread" => rt1.block_on(logs_bollard(&bollard1, &id)),
                "contajners-cli" => {
                    cli_logs(cli.as_deref().unwrap_or("contajners"), &sock, &id, false)
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

/// Whether `group` is selected by the first free argument (`cargo bench
/// --bench peers -- ping` runs the ping groups only); all without one.
fn selected(group: &str) -> bool {
    match std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        Some(filter) => group.contains(&filter),
        None => true,
    }
}

fn main() {
    in_process();
    real_engine();
}
