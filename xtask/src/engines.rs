//! `cargo xtask engines up | down | env`: real, isolated engines for tests.
//!
//! `up` starts a containerd and a dockerd (unix socket and mutual-TLS TCP), two
//! podman API services (unix socket and plain TCP), a docker registry with
//! htpasswd auth, and an OpenSSH server for the `ssh://` tests, all with their state under `<workspace>/.engines`; then puts
//! the test image `busybox:musl` into both engines and the registry, and
//! writes the variables the tests read to `<workspace>/.engines/env`.
//! `down` stops exactly the processes `up` started (by recorded pid) and what
//! those engines spawned, unmounts what they mounted under the state and
//! removes the state. Nothing outside the state is touched: no system socket,
//! no `/var/lib/docker`, no `/var/lib/containers`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

mod containerd;
mod docker;
mod http;
mod image;
mod layout;
pub(crate) mod lock;
mod outside;
mod packages;
mod podman;
mod proc;
mod registry;
mod ssh;
mod tls;
mod vars;

pub(crate) use layout::Layout;
pub(crate) use vars::Vars;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Start the engines (idempotent; recovers from a killed earlier run) and
    /// write their variables to `.engines/env`.
    Up,
    /// Stop the engines started by `up`, unmount and remove their state.
    Down,
    /// Print the variables of the running engines as `export NAME='value'`.
    Env,
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let layout = Layout::new(&crate::workspace_root())?;
    let _lock = match args.action {
        Action::Up | Action::Down => Some(lock::acquire(&layout, &|| false)?),
        Action::Env => None,
    };
    match args.action {
        Action::Up => {
            let vars = up(&layout)?;
            eprintln!(
                "engines up; variables in {} (`cargo xtask engines env` prints them)",
                layout.env_file().display()
            );
            print!(
                "{}{}",
                vars.to_exports(),
                ssh::env_lines(&layout.env_file())
            );
        }
        Action::Down => down(&layout)?,
        Action::Env => print!(
            "{}{}",
            env(&layout)?.to_exports(),
            ssh::env_lines(&layout.env_file())
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// The variables of the running engines, read from the env file.
pub(crate) fn env(layout: &Layout) -> Result<Vars, String> {
    Vars::read(&layout.env_file())
        .map_err(|why| format!("the engines are not up ({why}); run `cargo xtask engines up`"))
}

/// Whether `up` found the engines running or started them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Up {
    AlreadyRunning,
    Started,
}

/// Starts the engines unless they are already up and answering; returns
/// their variables.
pub(crate) fn up(layout: &Layout) -> Result<Vars, String> {
    up_reporting(layout).map(|(vars, _)| vars)
}

/// [`up`], also saying whether this call started the engines.
pub(crate) fn up_reporting(layout: &Layout) -> Result<(Vars, Up), String> {
    let started = Instant::now();
    if let Ok(vars) = Vars::read(&layout.env_file()) {
        match verify_running(layout, &vars) {
            Ok(()) => {
                if let Err(why) = ssh::check(&layout.env_file()) {
                    // Engines of an older run, or an sshd that died: add
                    // one without disturbing the engines' users.
                    eprintln!("engines up, but no sshd ({why}); starting one");
                    packages::ensure()?;
                    start_ssh(layout)?;
                }
                eprintln!("engines already up (re-verified every endpoint)");
                return Ok((vars, Up::AlreadyRunning));
            }
            Err(why) => {
                eprintln!("engines from an earlier run are not healthy ({why}); restarting")
            }
        }
    }
    if layout.state().exists() || layout.sockets().exists() {
        eprintln!(
            "cleaning up what an earlier run left in {}",
            layout.state().display()
        );
        down(layout)?;
    }
    packages::ensure()?;
    match start(layout) {
        Ok((vars, ssh_files)) => {
            vars.write(&layout.env_file())?;
            ssh::append_env(&layout.env_file(), &ssh_files)?;
            eprintln!("engines up in {:.1}s", started.elapsed().as_secs_f64());
            Ok((vars, Up::Started))
        }
        Err(why) => {
            let logs = proc::log_tails(layout);
            // A half-started set of engines is worse than none: stop it so
            // the next `up` starts clean and nothing is left running.
            if let Err(cleanup) = down(layout) {
                eprintln!("also failed to clean up: {cleanup}");
            }
            Err(format!("engines up failed: {why}\n{logs}"))
        }
    }
}

/// Stops everything `up` started, unmounts and removes the state.
pub(crate) fn down(layout: &Layout) -> Result<(), String> {
    proc::stop_all(layout)?;
    proc::unmount_all(layout)?;
    proc::remove_cgroups(layout);
    outside::remove_created(layout);
    for dir in [layout.sockets(), layout.state()] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .map_err(|e| format!("could not remove {}: {e}", dir.display()))?;
        }
    }
    eprintln!("engines down");
    Ok(())
}

fn start(layout: &Layout) -> Result<(Vars, ssh::SshFiles), String> {
    layout.create_dirs()?;
    outside::record_absent(layout)?;
    let tls = tls::generate(layout)?;
    let ports = layout::free_ports::<4>()?;
    let [docker_port, podman_port, registry_port, ssh_port] = ports;
    let registry = registry::start(layout, registry_port)?;
    containerd::start(layout)?;
    podman::start(layout, podman_port, &registry.address)?;
    docker::start(layout, docker_port, &tls)?;
    let ssh_files = ssh::start(layout, ssh_port)?;
    let vars = Vars {
        docker_uri: format!("unix://{}", layout.docker_sock().display()),
        docker_tls_uri: format!("https://127.0.0.1:{docker_port}"),
        tls_ca: tls.client_ca.display().to_string(),
        tls_cert: tls.client_cert.display().to_string(),
        tls_key: tls.client_key.display().to_string(),
        podman_uri: format!("unix://{}", layout.podman_sock().display()),
        podman_tcp_uri: format!("tcp://127.0.0.1:{podman_port}"),
        registry: registry.address,
        registry_user: registry.user,
        registry_password: registry.password,
        image: image::NAME.to_string(),
    };
    wait_pings(layout, &vars)?;
    image::provision(layout, &vars)?;
    verify_running(layout, &vars)?;
    wait_ssh(layout, &ssh_files.uri)?;
    Ok((vars, ssh_files))
}

/// Starts the sshd alone (the engines already run) and records it in the
/// env file.
fn start_ssh(layout: &Layout) -> Result<(), String> {
    let [port] = layout::free_ports::<1>()?;
    let files = ssh::start(layout, port)?;
    wait_ssh(layout, &files.uri)?;
    ssh::append_env(&layout.env_file(), &files)
}

/// Waits until the sshd answers with its banner.
fn wait_ssh(layout: &Layout, uri: &str) -> Result<(), String> {
    let deadline = Instant::now() + std::time::Duration::from_secs(20);
    loop {
        proc::check_recorded_alive(layout)?;
        match ssh::ping(uri) {
            Ok(()) => return Ok(()),
            Err(why) if Instant::now() >= deadline => {
                return Err(format!("sshd did not answer within 20s: {why}"))
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
}

/// Waits until every endpoint answers its ping: the engines need a few
/// seconds to start.
fn wait_pings(layout: &Layout, vars: &Vars) -> Result<(), String> {
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    for endpoint in http::Endpoint::all(vars) {
        loop {
            // A daemon that exited will never answer: say so at once.
            proc::check_recorded_alive(layout)?;
            match endpoint.ping() {
                Ok(()) => {
                    eprintln!("  {} answers at {}", endpoint.name, endpoint.url());
                    break;
                }
                Err(why) if Instant::now() >= deadline => {
                    return Err(format!(
                        "{} did not answer within 60s: {why}",
                        endpoint.name
                    ))
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
            }
        }
    }
    Ok(())
}

/// Every recorded process alive, every endpoint answering, the image present.
fn verify_running(layout: &Layout, vars: &Vars) -> Result<(), String> {
    proc::check_recorded_alive(layout)?;
    for endpoint in http::Endpoint::all(vars) {
        endpoint.ping()?;
    }
    image::check_present(vars)
}

/// True when the variables point at engines that answer (used by `demo` to
/// reuse engines someone else started).
pub(crate) fn answering(vars: &Vars) -> bool {
    http::Endpoint::all(vars).iter().all(|e| e.ping().is_ok())
}

/// Whether `path` is `dir` or below it, by whole components.
fn is_under(path: &Path, dir: &Path) -> bool {
    path.starts_with(dir)
}
