//! `cargo xtask bench [--quick] [--no-engines] [--report-only]`: the benches
//! of `benches/`, and `benches/RESULTS.md` from their samples.
//!
//! Absolute numbers swing several-fold on shared machines, so the report
//! is about ratios measured side by side. The `transport` and `peers`
//! benches measure their contenders interleaved, one block each per
//! sample (`contajners_benches::Interleaved`), and write every block to
//! `target/contajners-bench/samples.jsonl`; a ratio is the median of the
//! per-sample ratios. The request-building and codec benches of `dispatch`
//! work on memory and run under criterion.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::SystemTime;

use crate::engines::{self, Layout};

mod report;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A short run (about 3 minutes): fewer samples, smaller streams,
    /// shorter criterion measurements. The full run takes about 10 minutes
    /// on 2 cores.
    #[arg(long)]
    quick: bool,
    /// Do not start the real engines; the real-engine benches run only if
    /// they are up already.
    #[arg(long)]
    no_engines: bool,
    /// Write the report from the samples of the last run, running nothing.
    #[arg(long)]
    report_only: bool,
}

/// How long criterion warms up and measures each contender, the samples
/// of the interleaved groups, and the sizes.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) quick: bool,
    pub(crate) warm_up: &'static str,
    pub(crate) measure: &'static str,
    /// Samples of the ping groups, the in-process streams, dockerd's logs.
    pub(crate) samples: [u64; 3],
    pub(crate) log_mib: u64,
    pub(crate) small_mib: u64,
    pub(crate) engine_mib: u64,
}

impl Plan {
    fn new(args: &Args) -> Plan {
        if args.quick {
            Plan {
                quick: true,
                warm_up: "0.5",
                measure: "1",
                samples: [15, 7, 3],
                log_mib: 256,
                small_mib: 64,
                engine_mib: 64,
            }
        } else {
            Plan {
                quick: false,
                warm_up: "1",
                measure: "2",
                samples: [60, 15, 6],
                log_mib: 1024,
                small_mib: 256,
                engine_mib: 256,
            }
        }
    }

    fn env(&self) -> Vec<(String, String)> {
        let [ping, stream, engine] = self.samples;
        [
            ("CONTAJNERS_BENCH_LOG_MIB", self.log_mib),
            ("CONTAJNERS_BENCH_BODY_MIB", self.log_mib),
            ("CONTAJNERS_BENCH_SMALL_MIB", self.small_mib),
            ("CONTAJNERS_BENCH_ENGINE_MIB", self.engine_mib),
            ("CONTAJNERS_BENCH_PING_SAMPLES", ping),
            ("CONTAJNERS_BENCH_STREAM_SAMPLES", stream),
            ("CONTAJNERS_BENCH_ENGINE_SAMPLES", engine),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}

/// Per-iteration times (ns) of one benchmark.
#[derive(Debug, Clone, Default)]
pub(crate) struct Figure {
    pub(crate) times_ns: Vec<f64>,
    /// For an interleaved group, the sample each time belongs to (parallel
    /// to `times_ns`), so contenders can be compared sample by sample;
    /// empty for criterion's figures.
    pub(crate) samples: Vec<u64>,
    /// Bytes or elements per iteration, from criterion's throughput.
    pub(crate) bytes: Option<u64>,
    pub(crate) elements: Option<u64>,
}

/// group -> function -> figure.
pub(crate) type Figures = BTreeMap<String, BTreeMap<String, Figure>>;

/// Client CPU per id (`group/function`): (cpu ns, bytes).
pub(crate) type Cpu = BTreeMap<String, (u64, u64)>;

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let root = crate::workspace_root();
    let plan = Plan::new(&args);
    let criterion_dir = root.join("target").join("criterion");
    let data = root.join("target").join("contajners-bench");
    std::fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let criterion_file = data.join("criterion.json");
    let blocks_file = data.join("samples.jsonl");
    let plan_file = data.join("plan.json");

    if !args.report_only {
        let mut env = if args.no_engines {
            Vec::new()
        } else {
            engines_up(&root)
        };
        let _ = std::fs::remove_file(&blocks_file);
        let plan_json = serde_json::json!({"quick": plan.quick, "samples": plan.samples,
            "log_mib": plan.log_mib, "small_mib": plan.small_mib, "engine_mib": plan.engine_mib});
        std::fs::write(&plan_file, plan_json.to_string())
            .map_err(|e| format!("cannot write {}: {e}", plan_file.display()))?;

        let mut figures = Figures::new();
        let since = SystemTime::now();
        cargo_bench(&root, "dispatch", &plan, &[])?;
        collect(&criterion_dir, since, &mut figures)?;
        save(&criterion_file, &figures)?;
        env.extend(plan.env());
        env.push((
            "CONTAJNERS_BENCH_SAMPLES_LOG".into(),
            blocks_file.display().to_string(),
        ));
        // The command-line tool reads dockerd's logs beside curl.
        match crate::cargo::build_cli(&root, true) {
            Ok(cli) => env.push(("CONTAJNERS_BENCH_CLI".into(), cli.display().to_string())),
            Err(why) => eprintln!("note: {why}; the command is left out of the engine benches"),
        }
        // The transport's own targets (issue 4), then the peers (issue 7).
        // Every block is on disk as soon as it is measured: an interrupted
        // run still leaves a report.
        cargo_bench(&root, "transport", &plan, &env)?;
        cargo_bench(&root, "peers", &plan, &env)?;
    }

    let mut figures = load(&criterion_file)?;
    let cpu = read_blocks(&blocks_file, &mut figures);
    let plan = read_plan(&plan_file, plan);
    let out = root.join("benches").join("RESULTS.md");
    let kept = std::fs::read_to_string(&out).ok();
    let text = report::render(&root, &plan, &figures, &cpu, kept.as_deref());
    std::fs::write(&out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// The engines' variables for the bench: starts them unless they answer
/// already. Without engines the real-engine benches skip themselves.
fn engines_up(root: &Path) -> Vec<(String, String)> {
    let layout = match Layout::new(root) {
        Ok(l) => l,
        Err(why) => {
            eprintln!("note: no engines ({why}); real-engine benches skipped");
            return Vec::new();
        }
    };
    let vars = match engines::env(&layout) {
        Ok(vars) if engines::answering(&vars) => Ok(vars),
        _ => engines::lock::acquire(&layout, &|| false).and_then(|_lock| engines::up(&layout)),
    };
    match vars {
        Ok(vars) => vars
            .pairs()
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
        Err(why) => {
            eprintln!("note: engines did not come up ({why}); real-engine benches skipped");
            Vec::new()
        }
    }
}

fn cargo_bench(
    root: &Path,
    bench: &str,
    plan: &Plan,
    env: &[(String, String)],
) -> Result<(), String> {
    let cargo = crate::cargo::cargo();
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(root)
        .args(["bench", "-p", "contajners-benches", "--bench", bench]);
    if bench == "dispatch" {
        cmd.args(["--", "--warm-up-time", plan.warm_up])
            .args(["--measurement-time", plan.measure])
            .arg("--noplot");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    eprintln!("running: cargo bench -p contajners-benches --bench {bench}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cargo} bench: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo bench --bench {bench} failed: {status}"))
    }
}

/// The criterion groups of the `dispatch` bench.
const OURS_GROUPS: [&str; 3] = ["codec/", "demux/", "build_request"];

/// Adds the samples criterion wrote since `since` to `figures`.
fn collect(dir: &Path, since: SystemTime, figures: &mut Figures) -> Result<(), String> {
    for bench in benchmark_dirs(dir) {
        let sample = bench.join("sample.json");
        let fresh = std::fs::metadata(&sample)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= since);
        if !fresh {
            continue;
        }
        let read = |p: &Path| -> Result<serde_json::Value, String> {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{} is no JSON: {e}", p.display()))
        };
        let meta = read(&bench.join("benchmark.json"))?;
        let samples = read(&sample)?;
        let group = meta["group_id"].as_str().unwrap_or("?").to_string();
        // Other benches may run at the same time on a shared machine.
        if !OURS_GROUPS.iter().any(|p| group.starts_with(p)) {
            continue;
        }
        let function = meta["function_id"].as_str().unwrap_or("?").to_string();
        let figure = figures
            .entry(group)
            .or_default()
            .entry(function)
            .or_default();
        figure.bytes = meta["throughput"]["Bytes"].as_u64().or(figure.bytes);
        figure.elements = meta["throughput"]["Elements"].as_u64().or(figure.elements);
        let iters = samples["iters"].as_array().cloned().unwrap_or_default();
        let times = samples["times"].as_array().cloned().unwrap_or_default();
        for (i, t) in iters.iter().zip(&times) {
            if let (Some(i), Some(t)) = (i.as_f64(), t.as_f64()) {
                if i > 0.0 {
                    figure.times_ns.push(t / i);
                }
            }
        }
    }
    Ok(())
}

/// Every `<group>/<function>/new` directory under criterion's output.
fn benchmark_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(groups) = std::fs::read_dir(dir) else {
        return out;
    };
    for group in groups.flatten() {
        let Ok(functions) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for function in functions.flatten() {
            let new = function.path().join("new");
            if new.join("benchmark.json").is_file() {
                out.push(new);
            }
        }
    }
    out
}

fn save(path: &Path, figures: &Figures) -> Result<(), String> {
    let json: serde_json::Value = figures
        .iter()
        .map(|(g, fs)| {
            let fs: serde_json::Map<String, serde_json::Value> = fs
                .iter()
                .map(|(f, fig)| {
                    let v = serde_json::json!({"times_ns": fig.times_ns,
                        "bytes": fig.bytes, "elements": fig.elements});
                    (f.clone(), v)
                })
                .collect();
            (g.clone(), serde_json::Value::Object(fs))
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    std::fs::write(path, json.to_string())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn load(path: &Path) -> Result<Figures, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "no criterion samples in {} ({e}): run `cargo xtask bench` first",
            path.display()
        )
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is no JSON: {e}", path.display()))?;
    let mut figures = Figures::new();
    for (g, fs) in json.as_object().into_iter().flatten() {
        for (f, fig) in fs.as_object().into_iter().flatten() {
            let times_ns = fig["times_ns"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_f64)
                .collect();
            figures.entry(g.clone()).or_default().insert(
                f.clone(),
                Figure {
                    times_ns,
                    samples: Vec::new(),
                    bytes: fig["bytes"].as_u64(),
                    elements: fig["elements"].as_u64(),
                },
            );
        }
    }
    Ok(figures)
}

/// Adds the interleaved blocks in `path` (one JSON object per line, from
/// `contajners_benches::Interleaved`) to `figures`, and returns the client
/// CPU time of the blocks that measured it.
fn read_blocks(path: &Path, figures: &mut Figures) -> Cpu {
    let mut cpu = Cpu::new();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(group), Some(name), Some(sample), Some(iters), Some(wall)) = (
            v["group"].as_str(),
            v["contender"].as_str(),
            v["sample"].as_u64(),
            v["iters"].as_u64().filter(|&i| i > 0),
            v["wall_ns"].as_u64(),
        ) else {
            continue;
        };
        let figure = figures
            .entry(group.to_string())
            .or_default()
            .entry(name.to_string())
            .or_default();
        figure.times_ns.push(wall as f64 / iters as f64);
        figure.samples.push(sample);
        figure.bytes = v["bytes"].as_u64().or(figure.bytes);
        figure.elements = v["elements"].as_u64().or(figure.elements);
        if let (Some(ns), Some(bytes)) = (v["cpu_ns"].as_u64(), figure.bytes) {
            let entry = cpu.entry(format!("{group}/{name}")).or_default();
            entry.0 += ns;
            entry.1 += bytes * iters;
        }
    }
    cpu
}

fn read_plan(path: &Path, mut plan: Plan) -> Plan {
    let Ok(v) = std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()))
    else {
        return plan;
    };
    plan.quick = v["quick"].as_bool().unwrap_or(plan.quick);
    if let Some(samples) = v["samples"].as_array() {
        for (into, from) in plan.samples.iter_mut().zip(samples) {
            *into = from.as_u64().unwrap_or(*into);
        }
    }
    plan.log_mib = v["log_mib"].as_u64().unwrap_or(plan.log_mib);
    plan.small_mib = v["small_mib"].as_u64().unwrap_or(plan.small_mib);
    plan.engine_mib = v["engine_mib"].as_u64().unwrap_or(plan.engine_mib);
    plan
}
