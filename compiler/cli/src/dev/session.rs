//! The `gatic dev` loop: bind the socket, build and start the first server,
//! then for every change check, regenerate, build and swap, printing the
//! time of each step, until SIGINT, SIGTERM or SIGHUP (a second one exits
//! at once).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::build::{self, BuildFailed};
use super::server::{Draining, Server, StartFailed};
use super::watch::{Changes, Watch};

/// How long `gatic dev` waits for its servers to drain when it stops.
const STOP_WAIT: Duration = Duration::from_secs(10);

/// Runs `gatic dev` until it is told to stop.
pub(super) fn run(spec: Option<&Path>, port: Option<u16>) -> Result<(), String> {
    let spec = match spec {
        Some(spec) => spec.to_path_buf(),
        None => find_spec(Path::new("."))?,
    };
    if !spec.is_file() {
        return Err(format!("cannot read {}: no such file", spec.display()));
    }
    let crate_dir = handler_crate(&spec).ok_or_else(|| {
        format!(
            "no handler crate beside {}: gatic dev serves the crate whose Cargo.toml is in the spec's folder or the one above (`gatic new` makes one)",
            spec.display()
        )
    })?;
    let package = build::package_name(&crate_dir)?;
    let out = spec.parent().unwrap_or(Path::new(".")).join("gen");
    let port = match port {
        Some(port) => port,
        None => match std::env::var("PORT") {
            Ok(text) if !text.trim().is_empty() => text
                .trim()
                .parse()
                .map_err(|_| format!("PORT={text:?} is not a port"))?,
            _ => 8080,
        },
    };
    let host = std::env::var("GATI_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let listener = TcpListener::bind((host.as_str(), port))
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;

    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        // The first signal stops the loop, which drains the servers; a
        // second one exits at once.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&stop)))
            .map_err(|e| format!("cannot watch signals: {e}"))?;
    }
    let runtime_dir = std::env::temp_dir().join(format!("gatic-dev-{}", std::process::id()));
    std::fs::create_dir_all(&runtime_dir)
        .map_err(|e| format!("cannot create {}: {e}", runtime_dir.display()))?;
    // The admin listener (probes, metrics, the control panel) is held here
    // too, so its address stays the same across swaps: `GATI_ADMIN_PORT`'s
    // port, else one the system picks.
    let admin_port = match std::env::var("GATI_ADMIN_PORT") {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse()
            .map_err(|_| format!("GATI_ADMIN_PORT={text:?} is not a port"))?,
        _ => 0,
    };
    let admin = TcpListener::bind((host.as_str(), admin_port))
        .map_err(|e| format!("cannot listen on {host}:{admin_port} (the admin listener): {e}"))?;
    let admin_address = admin
        .local_addr()
        .map_err(|e| format!("cannot read the admin listener's address: {e}"))?;
    let mut watch = Watch::new(&crate_dir)?;
    eprintln!(
        "gatic dev: serving {} on http://{address} (docs at http://{address}/docs, control panel at http://{admin_address}/_gati/); watching it and {}",
        spec.display(),
        display_dir(&crate_dir),
    );

    let mut session = Session {
        spec: spec.clone(),
        out,
        crate_dir,
        package,
        listener,
        admin,
        port: address.port(),
        stop: Arc::clone(&stop),
        runtime_dir: runtime_dir.clone(),
        server: None,
        executable: None,
        draining: Vec::new(),
        stale: true,
        builds: 0,
        started: 0,
    };
    let first = Changes {
        spec: [build::absolute(&spec)].into(),
        first_seen: Some(Instant::now()),
        ..Changes::default()
    };
    session.change(&first, &mut watch);
    while !stop.load(Ordering::Relaxed) {
        session.reap();
        if let Some(changes) = watch.next(Duration::from_millis(100)) {
            session.change(&changes, &mut watch);
        }
    }
    session.shutdown();
    let _ = std::fs::remove_dir_all(&runtime_dir);
    Ok(())
}

/// The state of a `gatic dev` run.
struct Session {
    /// The spec, as given.
    spec: PathBuf,
    /// Where `gen/` is.
    out: PathBuf,
    /// The handler crate's folder, resolved.
    crate_dir: PathBuf,
    /// Its package name, which names its binary.
    package: String,
    /// The API's listening socket, handed to every server.
    listener: TcpListener,
    /// The admin listener every server is handed.
    admin: TcpListener,
    /// Its port, which servers get as `PORT`.
    port: u16,
    /// Set by a signal: stop.
    stop: Arc<AtomicBool>,
    /// Where the servers' notify sockets live.
    runtime_dir: PathBuf,
    /// The server serving now.
    server: Option<Server>,
    /// The binary it runs.
    executable: Option<PathBuf>,
    /// Servers replaced and draining.
    draining: Vec<Draining>,
    /// Whether the files changed since the serving server was built.
    stale: bool,
    /// Builds that succeeded.
    builds: u32,
    /// Servers started, which numbers their notify sockets.
    started: u32,
}

impl Session {
    /// Takes a change: regenerates when the spec changed, then builds and
    /// swaps the server when anything it is built from did. Every failure
    /// keeps the serving server.
    fn change(&mut self, changes: &Changes, watch: &mut Watch) {
        let first_seen = changes.first_seen.unwrap_or_else(Instant::now);
        let starting = self.builds == 0 && self.server.is_none();
        if !starting {
            eprintln!("\ngatic dev: {} changed", self.describe(changes));
        }
        if !changes.spec.is_empty() {
            let regenerated = build::regenerate(&self.spec, &self.out);
            watch.follow(&regenerated.sources);
            let Some(generated) = regenerated.outcome else {
                eprintln!(
                    "gatic dev: {} has errors; {}",
                    self.spec.display(),
                    self.still_serving()
                );
                return;
            };
            let removed = match generated.removed {
                0 => String::new(),
                n => format!(", {n} removed"),
            };
            eprintln!(
                "gatic dev: checked and generated in {} ({} written, {} unchanged{removed})",
                duration(generated.took),
                generated.written,
                generated.unchanged,
            );
            if generated.written + generated.removed > 0 {
                self.stale = true;
            }
        }
        if !changes.handler.is_empty() {
            self.stale = true;
        }
        if !self.stale && self.server.is_some() {
            eprintln!("gatic dev: no generated file changed; the server is up to date");
            return;
        }
        if starting {
            eprintln!(
                "gatic dev: building the handler crate (the first build compiles its dependencies)"
            );
        }
        // The generated crate's package, as its manifest names it.
        let generated = build::package_name(&self.out.join("server")).ok();
        let line_tables: Vec<&str> = [Some(self.package.as_str()), generated.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let built = match build::cargo_build(
            &self.crate_dir,
            &self.package,
            &line_tables,
            !starting,
            &self.stop,
        ) {
            Ok(built) => built,
            Err(BuildFailed::Stopped) => return,
            Err(BuildFailed::Failed(took)) => {
                eprintln!(
                    "gatic dev: the build failed after {}; {}",
                    duration(took),
                    self.still_serving()
                );
                return;
            }
            Err(BuildFailed::Other(why)) => {
                eprintln!("gatic dev: {why}; {}", self.still_serving());
                return;
            }
        };
        self.builds += 1;
        eprintln!("gatic dev: built in {}", duration(built.took));
        if built.fresh
            && self.server.is_some()
            && self.executable.as_ref() == Some(&built.executable)
        {
            self.stale = false;
            eprintln!("gatic dev: the binary did not change; the server keeps serving");
            return;
        }
        self.started += 1;
        let notify_path = self
            .runtime_dir
            .join(format!("ready-{}.sock", self.started));
        let started = Server::start(
            &built.executable,
            &self.crate_dir,
            (&self.listener, &self.admin),
            self.port,
            notify_path,
            &self.stop,
        );
        let (server, ready_in) = match started {
            Ok(started) => started,
            Err(StartFailed::Stopped) => return,
            Err(StartFailed::Failed(why)) => {
                eprintln!("gatic dev: the new server {why}; {}", self.still_serving());
                return;
            }
        };
        let pid = server.pid();
        let replaced = match self.server.replace(server) {
            Some(old) => {
                // Only now that the new server accepts: the old one stops
                // accepting and finishes what it holds.
                old.terminate();
                let note = format!("; pid {} drains", old.pid());
                self.draining.push(Draining {
                    server: old,
                    since: Instant::now(),
                });
                note
            }
            None => String::new(),
        };
        self.executable = Some(built.executable);
        self.stale = false;
        let since = if starting { "start" } else { "change" };
        eprintln!(
            "gatic dev: serving with pid {pid} (ready {} after it started), {} after the {since}{replaced}",
            duration(ready_in),
            duration(first_seen.elapsed()),
        );
    }

    /// Notices a server that exited, and reaps drained ones (killing one
    /// that drains past the runtime's drain deadline and a margin).
    fn reap(&mut self) {
        if let Some(server) = &mut self.server
            && let Some(status) = server.exited()
        {
            eprintln!(
                "gatic dev: the server (pid {}) exited ({status}); the next change starts another",
                server.pid()
            );
            self.server = None;
            self.executable = None;
            self.stale = true;
        }
        let limit = drain_limit();
        self.draining.retain_mut(|draining| {
            if draining.server.exited().is_some() {
                return false;
            }
            if draining.since.elapsed() > limit {
                eprintln!(
                    "gatic dev: pid {} did not drain in {} s; killed",
                    draining.server.pid(),
                    limit.as_secs()
                );
                draining.server.kill();
                return false;
            }
            true
        });
    }

    /// Stops every server: SIGTERM, then SIGKILL for any still running
    /// after [`STOP_WAIT`].
    fn shutdown(&mut self) {
        eprintln!("\ngatic dev: stopping");
        if let Some(server) = self.server.take() {
            server.terminate();
            self.draining.push(Draining {
                server,
                since: Instant::now(),
            });
        }
        let deadline = Instant::now() + STOP_WAIT;
        while !self.draining.is_empty() && Instant::now() < deadline {
            self.draining.retain_mut(|d| d.server.exited().is_none());
            std::thread::sleep(Duration::from_millis(20));
        }
        for draining in &mut self.draining {
            draining.server.kill();
        }
        self.draining.clear();
    }

    /// What a failure leaves serving.
    fn still_serving(&self) -> String {
        match &self.server {
            Some(server) => format!("still serving the last good build (pid {})", server.pid()),
            None => "no server yet: waiting for a change".to_string(),
        }
    }

    /// The changed files, named relative to the handler crate.
    fn describe(&self, changes: &Changes) -> String {
        let names: Vec<String> = changes
            .spec
            .iter()
            .chain(&changes.handler)
            .map(|path| {
                path.strip_prefix(&self.crate_dir)
                    .unwrap_or(path)
                    .display()
                    .to_string()
            })
            .collect();
        match names.as_slice() {
            [] => "nothing".to_string(),
            [a] => a.clone(),
            [a, b] => format!("{a} and {b}"),
            [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
        }
    }
}

/// How long a replaced server may drain before it is killed: the runtime's
/// drain deadline (`GATI_DRAIN_TIMEOUT_MS`, 10 s by default) and 5 s.
fn drain_limit() -> Duration {
    let drain_ms = std::env::var("GATI_DRAIN_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.trim().parse::<u64>().ok())
        .unwrap_or(10_000);
    Duration::from_millis(drain_ms.saturating_add(5_000))
}

/// `12 ms`, or `1.24 s` from a second on.
fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// A folder as shown: relative to the current one when inside it.
fn display_dir(dir: &Path) -> String {
    let here = std::env::current_dir()
        .ok()
        .map(|d| build::absolute(&d))
        .unwrap_or_default();
    match dir.strip_prefix(&here) {
        Ok(rel) if rel.as_os_str().is_empty() => "the handler crate in .".to_string(),
        Ok(rel) => format!("the handler crate in {}", rel.display()),
        Err(_) => format!("the handler crate in {}", dir.display()),
    }
}

/// The spec in `dir`: its only `.gati` file, or `main.gati` when there are
/// several (as `gatic fmt` finds it).
fn find_spec(dir: &Path) -> Result<PathBuf, String> {
    let mut specs: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the current folder: {e}"))?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".gati"))
        .collect();
    specs.sort();
    match specs.as_slice() {
        [] => Err("no .gati file in the current folder: name the spec to serve".into()),
        [only] => Ok(PathBuf::from(only)),
        _ if specs.iter().any(|s| s == "main.gati") => Ok(PathBuf::from("main.gati")),
        _ => Err(format!(
            "several .gati files in the current folder ({}): name the spec to serve",
            specs.join(", ")
        )),
    }
}

/// The handler crate's folder (resolved): the first `Cargo.toml` with a
/// `[package]` in the spec's folder or the one above, as `gatic check`
/// finds it.
fn handler_crate(spec: &Path) -> Option<PathBuf> {
    let dir = build::absolute(spec.parent().unwrap_or(Path::new(".")));
    let dir = if dir.as_os_str().is_empty() {
        build::absolute(Path::new("."))
    } else {
        dir
    };
    [Some(dir.as_path()), dir.parent()]
        .into_iter()
        .flatten()
        .find(|d| {
            std::fs::read_to_string(d.join("Cargo.toml"))
                .is_ok_and(|text| text.lines().any(|l| l.trim() == "[package]"))
        })
        .map(Path::to_path_buf)
}
