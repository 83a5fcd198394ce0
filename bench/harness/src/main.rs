//! The benchmark harness. `cargo run --release -p gatic-bench` builds the
//! generated service for `bench/service/bench.gati` and the hand-written
//! peers (raw hyper, axum, actix-web, Fastify, Express), checks that they
//! answer the same routes alike, loads each with wrk (server on core 0, wrk on
//! core 1, rounds interleaved), overloads the generated one, measures the
//! compiler, measures the generated one's authenticated POST under a slow
//! unauthenticated attack, and writes the results into `BENCHMARKS.md`
//! between its markers. `--smoke` does all of it in seconds (debug builds,
//! one short round, the smallest compiler spec) and writes to
//! `target/bench/` instead.

mod attack;
mod compiler;
mod http;
mod procs;
mod report;

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};

/// The benchmark harness; see `bench/README.md`.
#[derive(Parser, Debug, Clone)]
#[command(name = "gatic-bench")]
struct Opts {
    /// A run of seconds that checks the harness works: debug builds, one
    /// short round, the smallest compiler spec, no clean builds; results go
    /// to target/bench/BENCHMARKS.smoke.md unless --out says otherwise.
    #[arg(long)]
    smoke: bool,
    /// Seconds each measurement lasts.
    #[arg(long)]
    duration: Option<u64>,
    /// Seconds of load before each measurement, not counted.
    #[arg(long)]
    warmup: Option<u64>,
    /// Rounds: each server is measured this many times, interleaved.
    #[arg(long)]
    rounds: Option<usize>,
    /// Connections wrk keeps open.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Where to write the results (default: BENCHMARKS.md).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the Node peers.
    #[arg(long)]
    skip_node: bool,
    /// Skip the throughput rounds (checks, overload and compiler still run).
    #[arg(long)]
    skip_throughput: bool,
    /// Skip the compiler measurements.
    #[arg(long)]
    skip_compiler: bool,
    /// Skip the clean builds (minutes each).
    #[arg(long)]
    skip_clean_build: bool,
    /// Slow unauthenticated connections in the under-attack measurement
    /// (default 500; 50 with --smoke).
    #[arg(long)]
    attackers: Option<usize>,
    /// Run one part alone, on the generated server only; results go to
    /// target/bench/BENCHMARKS.<part>.md unless --out says otherwise.
    #[arg(long, value_enum)]
    only: Option<Only>,
    /// Internal: run the closed-loop load generator and print its result as JSON.
    #[arg(long, hide = true, num_args = 6, value_names = ["PORT", "CONNECTIONS", "RATE", "WARMUP_MS", "MEASURE_MS", "REQUEST_FILE"])]
    load: Option<Vec<String>>,
    /// Internal: run the under-attack measurement's attackers until standard
    /// input closes and print what they saw as JSON.
    #[arg(long, hide = true, num_args = 3, value_names = ["PORT", "ATTACKERS", "PATH"])]
    attack: Option<Vec<String>>,
}

/// A part of the benchmark that `--only` runs alone.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Only {
    /// The authenticated POST, clean and under a slow unauthenticated attack.
    UnderAttack,
}

impl Only {
    fn name(self) -> &'static str {
        match self {
            Only::UnderAttack => "under-attack",
        }
    }
}

/// The oldest version in bench.gati, which the old-version POST sends.
const OLDEST: &str = "2024-01-01";
/// The core servers run on; the load generator gets the other.
const SERVER_CORE: usize = 0;
const LOAD_CORE: usize = 1;

/// The validated POST body at the head version (about 200 bytes).
const PERSON: &str = r#"{"name":"Ada Lovelace","email":"ada.lovelace@example.com","age":36,"address":{"street":"12 St James's Square","city":"London","country":"GB"},"tags":["mathematics","poetry","analytical-engine"]}"#;
/// The same person as a client of the oldest version sends it.
const PERSON_OLDEST: &str = r#"{"full_name":"Ada Lovelace","mail":"ada.lovelace@example.com","age":36,"address":{"street":"12 St James's Square","city":"London","country":"GB"},"tags":["mathematics","poetry","analytical-engine"]}"#;
/// The bearer token the benchmark service accepts on `POST /people/secure`.
const TOKEN: &str = "bench-token";
/// A body that breaks refinements (age, email), which every server rejects.
const PERSON_INVALID: &str = r#"{"name":"Ada Lovelace","email":"not-an-email","age":300,"address":{"street":"12 St James's Square","city":"London","country":"GB"},"tags":[]}"#;

/// A route of the benchmark.
#[derive(Clone, Debug)]
pub struct Route {
    /// Short key.
    pub key: &'static str,
    /// What the table calls it.
    pub label: &'static str,
    method: &'static str,
    path: &'static str,
    body: &'static str,
    version: Option<&'static str>,
    /// A bearer token to send (`Authorization: Bearer <token>`).
    token: Option<&'static str>,
}

fn routes() -> Vec<Route> {
    vec![
        Route {
            key: "plaintext",
            label: "GET /plaintext",
            method: "GET",
            path: "/plaintext",
            body: "",
            version: None,
            token: None,
        },
        Route {
            key: "json",
            label: "GET /json",
            method: "GET",
            path: "/json",
            body: "",
            version: None,
            token: None,
        },
        Route {
            key: "post",
            label: "POST /people (validated)",
            method: "POST",
            path: "/people",
            body: PERSON,
            version: None,
            token: None,
        },
        Route {
            key: "get",
            label: "GET /people/{id}",
            method: "GET",
            path: "/people/42",
            body: "",
            version: None,
            token: None,
        },
        Route {
            key: "post-oldest",
            label: "POST /people @ oldest version",
            method: "POST",
            path: "/people",
            body: PERSON_OLDEST,
            version: Some(OLDEST),
            token: None,
        },
    ]
}

impl Route {
    fn raw(&self) -> Vec<u8> {
        let authorization = self.token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![];
        if !self.body.is_empty() {
            headers.push(("Content-Type", "application/json"));
        }
        if let Some(v) = self.version {
            headers.push(("Gati-Version", v));
        }
        if let Some(a) = &authorization {
            headers.push(("Authorization", a));
        }
        http::request(self.method, self.path, &headers, self.body)
    }

    fn lua(&self) -> String {
        let mut s = format!("wrk.method = \"{}\"\n", self.method);
        if !self.body.is_empty() {
            s.push_str(&format!("wrk.body = [[{}]]\n", self.body));
            s.push_str("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
        }
        if let Some(v) = self.version {
            s.push_str(&format!("wrk.headers[\"Gati-Version\"] = \"{v}\"\n"));
        }
        if let Some(t) = self.token {
            s.push_str(&format!(
                "wrk.headers[\"Authorization\"] = \"Bearer {t}\"\n"
            ));
        }
        s.push_str(
            r#"done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\nRESULT {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"#,
        );
        s
    }
}

/// A server under test.
#[derive(Clone, Debug)]
pub struct Server {
    /// Short key.
    pub key: &'static str,
    /// What the table calls it.
    pub label: &'static str,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Whether this is the generated service.
    pub generated: bool,
}

struct Running {
    child: Child,
    port: u16,
}

impl Server {
    fn start(&self, extra_env: &[(&str, &str)]) -> io::Result<Running> {
        let port = procs::free_port()?;
        let mut command = procs::pinned(SERVER_CORE, &self.program.to_string_lossy());
        command
            .args(&self.args)
            .env("PORT", port.to_string())
            .env("GATI_HOST", "127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in &self.env {
            command.env(k, v);
        }
        for (k, v) in extra_env {
            command.env(k, v);
        }
        let mut child = command.spawn()?;
        let deadline = Instant::now() + Duration::from_secs(20);
        let probe = http::request("GET", "/json", &[], "");
        loop {
            if let Ok(reply) = http::exchange(port, &probe)
                && reply.status == 200
            {
                // Node cluster workers come up one by one: give them a moment.
                std::thread::sleep(Duration::from_millis(300));
                return Ok(Running { child, port });
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(io::Error::other(format!(
                    "{} exited at start: {status}",
                    self.key
                )));
            }
            if Instant::now() > deadline {
                procs::stop(&mut child, Duration::from_secs(2));
                return Err(io::Error::other(format!(
                    "{} did not answer within 20 s",
                    self.key
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether this server runs `route`.
    fn serves(&self, route: &Route) -> bool {
        (route.version.is_none() && route.token.is_none()) || self.generated
    }
}

impl Running {
    fn stop(mut self) {
        procs::stop(&mut self.child, Duration::from_secs(5));
    }
}

/// One measurement of one server on one route.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// Requests per second.
    pub rps: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
    /// Largest resident set of the server's processes during the run, KiB.
    pub rss_kb: u64,
    /// Server CPU time per request, µs.
    pub cpu_us: f64,
    /// Non-2xx responses and socket errors.
    pub errors: u64,
    /// Share of its core the load generator used (near 1.0: it may be the bottleneck).
    pub loadgen_busy: f64,
    /// Cores' worth of CPU that processes outside the benchmark used.
    pub others: f64,
    /// The 1-minute load average at the end.
    pub load1: f64,
}

#[derive(serde::Deserialize)]
struct WrkResult {
    requests: u64,
    duration_us: u64,
    status_errors: u64,
    socket_errors: u64,
    p99_us: f64,
}

fn wrk(
    port: u16,
    route: &Route,
    script: &Path,
    connections: usize,
    seconds: u64,
) -> io::Result<(WrkResult, f64)> {
    let mut command = procs::pinned(LOAD_CORE, "wrk");
    command
        .arg("-t1")
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("-s")
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}{}", route.path))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let cpu_before = procs::waited_children_cpu_s();
    let output = command.output()?;
    let cpu = procs::waited_children_cpu_s() - cpu_before;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or_else(|| {
            io::Error::other(format!(
                "wrk printed no result: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            ))
        })?;
    let result = serde_json::from_str(line).map_err(io::Error::other)?;
    Ok((result, cpu))
}

fn measure(running: &Running, route: &Route, script: &Path, opts: &Settings) -> io::Result<Sample> {
    if opts.warmup > 0 {
        wrk(running.port, route, script, opts.connections, opts.warmup)?;
    }
    let root = running.child.id();
    let cpu0 = procs::cpu_s(&procs::tree(root));
    let busy0 = procs::machine_busy_s();
    let start = Instant::now();
    let port = running.port;
    let (connections, duration) = (opts.connections, opts.duration);
    let (route2, script2) = (route.clone(), script.to_owned());
    let load = std::thread::spawn(move || wrk(port, &route2, &script2, connections, duration));
    let mut rss = 0;
    let mut pids = procs::tree(root);
    while !load.is_finished() {
        std::thread::sleep(Duration::from_millis(100));
        pids = procs::tree(root);
        rss = rss.max(procs::rss_kb(&pids));
    }
    let (result, wrk_cpu) = load
        .join()
        .map_err(|_| io::Error::other("wrk thread panicked"))??;
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = procs::cpu_s(&pids) - cpu0;
    let busy = procs::machine_busy_s() - busy0;
    let seconds = result.duration_us as f64 / 1e6;
    let requests = result.requests.max(1) as f64;
    Ok(Sample {
        rps: result.requests as f64 / seconds,
        p99_us: result.p99_us,
        rss_kb: rss,
        cpu_us: cpu * 1e6 / requests,
        errors: result.status_errors + result.socket_errors,
        loadgen_busy: wrk_cpu / seconds,
        others: ((busy - cpu - wrk_cpu) / elapsed).max(0.0),
        load1: procs::load_average(),
    })
}

/// The options a run uses, with the mode's defaults filled in.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Smoke mode.
    pub smoke: bool,
    /// Seconds per measurement.
    pub duration: u64,
    /// Seconds of warm-up.
    pub warmup: u64,
    /// Rounds.
    pub rounds: usize,
    /// wrk connections.
    pub connections: usize,
    /// Slow unauthenticated connections in the under-attack measurement.
    pub attackers: usize,
}

fn run(root: &Path, args: &[&str], env: &[(&str, &Path)]) -> io::Result<()> {
    let mut command = Command::new(args[0]);
    command.args(&args[1..]).current_dir(root);
    for (k, v) in env {
        command.env(k, v);
    }
    eprintln!("$ {}", args.join(" "));
    let status = command.status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "`{}` failed: {status}",
            args.join(" ")
        )))
    }
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn tool_version(program: &str, arg: &str) -> String {
    Command::new(program)
        .arg(arg)
        .output()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

/// What the correctness check found about one server.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// Problems found; empty when the server answers like the others.
    pub problems: Vec<String>,
    /// Whether the server negotiated the oldest version.
    pub versions: bool,
    /// What it answered instead, when it did not.
    pub version_reply: String,
}

/// Checks that `running` answers every route the way the benchmark expects.
fn check(server: &Server, running: &Running) -> Checked {
    let mut out = Checked::default();
    let mut expect = |what: &str,
                      method: &str,
                      path: &str,
                      headers: &[(&str, &str)],
                      body: &str,
                      status: &[u16],
                      contains: &[&str]|
     -> Option<http::Reply> {
        match http::exchange(running.port, &http::request(method, path, headers, body)) {
            Ok(reply) => {
                if !status.contains(&reply.status) {
                    out.problems.push(format!(
                        "{what}: status {} (expected {status:?}): {}",
                        reply.status, reply.body
                    ));
                } else if let Some(missing) = contains.iter().find(|c| !reply.body.contains(*c)) {
                    out.problems
                        .push(format!("{what}: body lacks {missing}: {}", reply.body));
                }
                Some(reply)
            }
            Err(e) => {
                out.problems.push(format!("{what}: {e}"));
                None
            }
        }
    };
    let json = [("Content-Type", "application/json")];
    expect(
        "plaintext",
        "GET",
        "/plaintext",
        &[],
        "",
        &[200],
        &["Hello, World!"],
    );
    expect(
        "json",
        "GET",
        "/json",
        &[],
        "",
        &[200],
        &[r#""message":"Hello, World!""#],
    );
    expect(
        "post",
        "POST",
        "/people",
        &json,
        PERSON,
        &[201],
        &[
            r#""id":"#,
            r#""name":"Ada Lovelace""#,
            "analytical-engine",
            r#""country":"GB""#,
        ],
    );
    expect(
        "invalid post",
        "POST",
        "/people",
        &json,
        PERSON_INVALID,
        &[400, 422],
        &[],
    );
    expect(
        "get",
        "GET",
        "/people/42",
        &[],
        "",
        &[200],
        &[r#""id":42"#, "person42@example.com"],
    );
    expect("get missing", "GET", "/people/999999", &[], "", &[404], &[]);
    if server.generated {
        let bearer = format!("Bearer {TOKEN}");
        let authorized = [
            ("Content-Type", "application/json"),
            ("Authorization", bearer.as_str()),
        ];
        expect(
            "secure post",
            "POST",
            "/people/secure",
            &authorized,
            PERSON,
            &[201],
            &[r#""id":"#, r#""name":"Ada Lovelace""#],
        );
        expect(
            "secure post without a credential",
            "POST",
            "/people/secure",
            &json,
            PERSON,
            &[401],
            &[],
        );
        let wrong = [
            ("Content-Type", "application/json"),
            ("Authorization", "Bearer not-the-token"),
        ];
        expect(
            "secure post with a wrong token",
            "POST",
            "/people/secure",
            &wrong,
            PERSON,
            &[401],
            &[],
        );
        let version = [
            ("Content-Type", "application/json"),
            ("Gati-Version", OLDEST),
        ];
        let reply = http::exchange(
            running.port,
            &http::request("POST", "/people", &version, PERSON_OLDEST),
        );
        match reply {
            Ok(r)
                if r.status == 201
                    && r.body.contains(r#""full_name":"Ada Lovelace""#)
                    && r.header("gati-version") == Some(OLDEST) =>
            {
                out.versions = true;
            }
            Ok(r) => {
                out.version_reply = format!(
                    "status {}, gati-version {:?}: {}",
                    r.status,
                    r.header("gati-version"),
                    r.body
                )
            }
            Err(e) => out.version_reply = e.to_string(),
        }
    }
    out
}

/// Everything a run measured, for the report.
#[derive(Debug, Default)]
pub struct Results {
    /// The run's settings.
    pub settings: Option<Settings>,
    /// Servers in table order.
    pub servers: Vec<Server>,
    /// Routes in table order.
    pub routes: Vec<Route>,
    /// Samples per (server key, route key).
    pub samples: Vec<((&'static str, &'static str), Vec<Sample>)>,
    /// Correctness check per server.
    pub checks: Vec<(&'static str, Checked)>,
    /// Overload runs.
    pub overload: Vec<report::Overload>,
    /// The authenticated POST, clean and under attack.
    pub under_attack: Option<report::UnderAttack>,
    /// Compiler costs.
    pub compiler: Vec<compiler::Cost>,
    /// Clean builds.
    pub clean: Vec<compiler::CleanBuild>,
    /// Notes on what was skipped and why.
    pub notes: Vec<String>,
    /// Machine description lines.
    pub machine: Vec<(String, String)>,
    /// Load average before and after the run.
    pub load: (f64, f64),
    /// Wall seconds of the whole run.
    pub wall: f64,
    /// The command that reproduces the run.
    pub command: String,
}

impl Results {
    fn push(&mut self, server: &'static str, route: &'static str, sample: Sample) {
        if let Some((_, v)) = self.samples.iter_mut().find(|(k, _)| *k == (server, route)) {
            v.push(sample);
        } else {
            self.samples.push(((server, route), vec![sample]));
        }
    }

    /// The samples of one server on one route.
    pub fn get(&self, server: &str, route: &str) -> &[Sample] {
        self.samples
            .iter()
            .find(|(k, _)| k.0 == server && k.1 == route)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

fn overload(
    server: &Server,
    label: &str,
    route: &Route,
    env: &[(&str, &str)],
    connections: [usize; 2],
    settings: &Settings,
) -> io::Result<report::Overload> {
    // The baseline (closed loop at the first count), a closed loop at the
    // second count (every shed client retries at once), and a constant offered
    // rate of twice the baseline's goodput over the second count.
    let plan = [
        (connections[0], None),
        (connections[1], None),
        (connections[1], Some(2.0)),
    ];
    let running = server.start(env)?;
    let dir = std::env::temp_dir().join(format!("gatic-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let request_file = dir.join(format!("{}.http", route.key));
    std::fs::write(&request_file, route.raw())?;
    let mut runs = Vec::new();
    for (c, times_peak) in plan {
        let rate = match (times_peak, runs.first()) {
            (Some(k), Some(base)) => {
                let base: &report::OverloadRun = base;
                k * base.result.ok as f64 / base.result.seconds
            }
            _ => 0.0,
        };
        let root = running.child.id();
        let exe = std::env::current_exe()?;
        let mut command = procs::pinned(LOAD_CORE, &exe.to_string_lossy());
        command
            .arg("--load")
            .arg(running.port.to_string())
            .arg(c.to_string())
            .arg(format!("{rate:.0}"))
            .arg((settings.warmup * 1000).to_string())
            .arg((settings.duration * 1000).to_string())
            .arg(&request_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let child = command.spawn()?;
        let started = Instant::now();
        let mut rss = Vec::new();
        let handle = std::thread::spawn(move || child.wait_with_output());
        while !handle.is_finished() {
            std::thread::sleep(Duration::from_millis(250));
            if started.elapsed().as_secs() >= settings.warmup {
                rss.push(procs::rss_kb(&procs::tree(root)));
            }
        }
        let output = handle
            .join()
            .map_err(|_| io::Error::other("load thread panicked"))??;
        let result: http::LoadResult = serde_json::from_slice(&output.stdout)
            .map_err(|e| io::Error::other(format!("load generator: {e}")))?;
        runs.push(report::OverloadRun {
            connections: c,
            rate,
            result,
            rss_kb: rss,
        });
    }
    running.stop();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(report::Overload {
        server: server.label.to_owned(),
        scenario: label.to_owned(),
        settings: env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        runs,
    })
}

fn main() {
    let opts = Opts::parse();
    if let Some(args) = &opts.load {
        match load_main(args) {
            Ok(()) => return,
            Err(e) => {
                eprintln!("gatic-bench --load: {e}");
                std::process::exit(1);
            }
        }
    }
    if let Some(args) = &opts.attack {
        match attack::main(args) {
            Ok(()) => return,
            Err(e) => {
                eprintln!("gatic-bench --attack: {e}");
                std::process::exit(1);
            }
        }
    }
    if let Err(e) = bench(opts) {
        eprintln!("gatic-bench: {e}");
        std::process::exit(1);
    }
}

fn load_main(args: &[String]) -> io::Result<()> {
    let num = |i: usize| -> io::Result<u64> { args[i].parse().map_err(io::Error::other) };
    let raw = std::fs::read(&args[5])?;
    let result = http::load(
        num(0)? as u16,
        raw,
        num(1)? as usize,
        num(2)? as f64,
        Duration::from_millis(num(3)?),
        Duration::from_millis(num(4)?),
    )?;
    println!(
        "{}",
        serde_json::to_string(&result).map_err(io::Error::other)?
    );
    Ok(())
}

fn bench(opts: Opts) -> io::Result<()> {
    let wall = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()?;
    let settings = Settings {
        smoke: opts.smoke,
        duration: opts.duration.unwrap_or(if opts.smoke { 1 } else { 8 }),
        warmup: opts.warmup.unwrap_or(if opts.smoke { 0 } else { 2 }),
        rounds: opts.rounds.unwrap_or(if opts.smoke { 1 } else { 3 }),
        connections: opts.connections,
        attackers: opts.attackers.unwrap_or(if opts.smoke { 50 } else { 500 }),
    };
    // `--only` measures the generated server alone.
    let all = opts.only.is_none();
    let mut results = Results {
        settings: Some(settings.clone()),
        command: {
            let args: Vec<String> = std::env::args().skip(1).collect();
            let release = if opts.smoke { "" } else { "--release " };
            if args.is_empty() {
                format!("cargo run {release}-p gatic-bench")
            } else {
                format!("cargo run {release}-p gatic-bench -- {}", args.join(" "))
            }
        },
        ..Results::default()
    };
    results.load.0 = procs::load_average();
    let out = opts.out.clone().unwrap_or_else(|| {
        if let Some(only) = opts.only {
            root.join(format!("target/bench/BENCHMARKS.{}.md", only.name()))
        } else if opts.smoke {
            root.join("target/bench/BENCHMARKS.smoke.md")
        } else {
            root.join("BENCHMARKS.md")
        }
    });

    // Tools. The full run needs them all; the smoke run skips what is missing.
    let taskset = have("taskset");
    let wrk_ok = have("wrk");
    let node_ok = all && !opts.skip_node && have("node") && have("npm");
    for (ok, what) in [
        (taskset, "taskset (util-linux)"),
        (wrk_ok, "wrk (apt-get install wrk)"),
        (node_ok || opts.skip_node || !all, "node and npm"),
    ] {
        if !ok {
            if opts.smoke {
                results
                    .notes
                    .push(format!("{what} is not installed: skipped what needs it"));
            } else {
                return Err(io::Error::other(format!(
                    "{what} is required for a full run (or pass --smoke)"
                )));
            }
        }
    }
    if opts.skip_node {
        results
            .notes
            .push("Node peers skipped (--skip-node)".to_owned());
    }

    // Build.
    let profile = if opts.smoke { "debug" } else { "release" };
    let release: &[&str] = if opts.smoke { &[] } else { &["--release"] };
    let mut cargo = vec!["cargo", "build", "--quiet"];
    cargo.extend(release);
    cargo.extend(["-p", "gatic"]);
    if all {
        cargo.extend(["-p", "bench-hyper", "-p", "bench-axum", "-p", "bench-actix"]);
    }
    run(&root, &cargo, &[])?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let gatic = target.join(profile).join("gatic");
    run(
        &root,
        &[
            &gatic.to_string_lossy(),
            "build",
            "bench/service/bench.gati",
        ],
        &[],
    )?;
    let service_target = std::env::var_os("GATIC_GENERATED_TARGET_DIR")
        .map_or_else(|| root.join("bench/service/target"), PathBuf::from);
    let mut cargo = vec!["cargo", "build", "--quiet"];
    cargo.extend(release);
    cargo.extend(["--manifest-path", "bench/service/Cargo.toml"]);
    run(&root, &cargo, &[("CARGO_TARGET_DIR", &service_target)])?;
    if node_ok && !root.join("bench/node/node_modules").exists() {
        run(
            &root.join("bench/node"),
            &["npm", "ci", "--no-audit", "--no-fund"],
            &[],
        )?;
    }

    let bin = |dir: &Path, name: &str| dir.join(profile).join(name);
    let mut servers = vec![
        Server {
            key: "gatic",
            label: "gatic (generated)",
            program: bin(&service_target, "bench-service"),
            args: vec![],
            // Per-client caps are off: wrk's 1,024 connections from one
            // address stand for many clients, and the overload targets
            // measure the service-wide admission gate, not a per-client cap.
            // The under-attack row runs with the defaults instead.
            env: vec![
                ("GATI_CLIENT_CONNECTIONS".to_owned(), "0".to_owned()),
                ("GATI_CLIENT_CONCURRENCY".to_owned(), "0".to_owned()),
            ],
            generated: true,
        },
        Server {
            key: "hyper",
            label: "hyper 1 (hand-written)",
            program: bin(&target, "bench-hyper"),
            args: vec![],
            env: vec![],
            generated: false,
        },
        Server {
            key: "axum",
            label: "axum 0.8",
            program: bin(&target, "bench-axum"),
            args: vec![],
            env: vec![],
            generated: false,
        },
        Server {
            key: "actix",
            label: "actix-web 4",
            program: bin(&target, "bench-actix"),
            args: vec![],
            env: vec![],
            generated: false,
        },
    ];
    if node_ok {
        for (key, label, file) in [
            ("fastify", "Fastify 5, cluster ×2", "fastify.js"),
            ("express", "Express 4, cluster ×2", "express.js"),
        ] {
            servers.push(Server {
                key,
                label,
                program: PathBuf::from("node"),
                args: vec![
                    root.join("bench/node")
                        .join(file)
                        .to_string_lossy()
                        .into_owned(),
                ],
                env: vec![
                    ("WORKERS".to_owned(), "2".to_owned()),
                    ("NODE_ENV".to_owned(), "production".to_owned()),
                ],
                generated: false,
            });
        }
    }
    if !all {
        servers.retain(|s| s.generated);
    }
    let mut routes = routes();
    results.machine = machine(&root);

    // Correctness: every server answers every route alike.
    let mut versions = false;
    let mut version_reply = String::new();
    for server in &servers {
        eprintln!("== check {}", server.key);
        let running = server.start(&[])?;
        let checked = check(server, &running);
        running.stop();
        if server.generated {
            versions = checked.versions;
            version_reply.clone_from(&checked.version_reply);
        }
        for p in &checked.problems {
            eprintln!("  {}: {p}", server.key);
        }
        results.checks.push((server.key, checked));
    }
    let failed: Vec<_> = results
        .checks
        .iter()
        .filter(|(_, c)| !c.problems.is_empty())
        .map(|(k, _)| *k)
        .collect();
    if !failed.is_empty() {
        return Err(io::Error::other(format!(
            "servers answered differently from the benchmark's expectations: {failed:?}"
        )));
    }
    if !versions {
        results.notes.push(format!(
            "The generated server did not negotiate `Gati-Version: {OLDEST}` (a 201 carrying `full_name` and a `Gati-Version` header; it answered {version_reply}): the oldest-version row is pending"
        ));
        routes.retain(|r| r.version.is_none());
    }

    // Throughput: rounds interleave the servers (A B C … A B C …).
    if wrk_ok {
        let scripts = target.join("bench/lua");
        std::fs::create_dir_all(&scripts)?;
        for route in &routes {
            std::fs::write(scripts.join(format!("{}.lua", route.key)), route.lua())?;
        }
        let rounds = if opts.skip_throughput || !all {
            0
        } else {
            settings.rounds
        };
        for round in 0..rounds {
            for server in &servers {
                eprintln!("== round {}/{}: {}", round + 1, settings.rounds, server.key);
                let running = server.start(&[])?;
                // The smoke run loads two routes (and the old version) to stay within seconds.
                let quick = |r: &&Route| {
                    !settings.smoke || matches!(r.key, "json" | "post" | "post-oldest")
                };
                for route in routes.iter().filter(|r| server.serves(r)).filter(quick) {
                    let sample = measure(
                        &running,
                        route,
                        &scripts.join(format!("{}.lua", route.key)),
                        &settings,
                    )?;
                    eprintln!(
                        "  {:<12} {:>9.0} req/s  p99 {:>7.0} µs  rss {:>6} KiB  cpu {:>5.1} µs/req  errors {}  wrk {:.0}%  others {:.2}",
                        route.key,
                        sample.rps,
                        sample.p99_us,
                        sample.rss_kb,
                        sample.cpu_us,
                        sample.errors,
                        sample.loadgen_busy * 100.0,
                        sample.others
                    );
                    results.push(server.key, route.key, sample);
                }
                running.stop();
            }
        }

        // Overload: the generated server, and axum for comparison on the CPU-bound case.
        let slow = Route {
            key: "slow",
            label: "GET /slow (10 ms await)",
            method: "GET",
            path: "/slow",
            body: "",
            version: None,
            token: None,
        };
        let post = &routes[2];
        let many = if settings.smoke { 256 } else { 1024 };
        let admission = [
            ("GATI_CONCURRENCY", "64"),
            ("GATI_QUEUE", "64"),
            ("GATI_QUEUE_TIMEOUT_MS", "100"),
        ];
        if all {
            eprintln!("== overload");
            results.overload.push(overload(
                &servers[0],
                "admission: a 10 ms handler, 64 in flight + 64 queued",
                &slow,
                &admission,
                [64, many],
                &settings,
            )?);
            results.overload.push(overload(
                &servers[0],
                "CPU: the validated POST, default limits",
                post,
                &[],
                [settings.connections, many],
                &settings,
            )?);
            if let Some(axum) = servers.iter().find(|s| s.key == "axum") {
                results.overload.push(overload(
                    axum,
                    "CPU: the validated POST",
                    post,
                    &[],
                    [settings.connections, many],
                    &settings,
                )?);
            }
        }

        // Under attack: the validated POST behind a bearer token, clean and
        // while slow unauthenticated connections press on it.
        let secure = Route {
            key: "post-secure",
            label: "POST /people/secure (validated, bearer token)",
            method: "POST",
            path: "/people/secure",
            body: PERSON,
            version: None,
            token: Some(TOKEN),
        };
        let script = scripts.join(format!("{}.lua", secure.key));
        std::fs::write(&script, secure.lua())?;
        eprintln!("== under attack");
        results.under_attack = Some(attack::measure(&servers[0], &secure, &script, &settings)?);
    }

    // The compiler.
    if all && !opts.skip_compiler {
        eprintln!("== compiler");
        let sizes: &[usize] = if opts.smoke {
            &[100]
        } else {
            &[100, 1000, 5000]
        };
        results.compiler = compiler::measure(
            &gatic,
            &target.join("bench/compiler"),
            sizes,
            if opts.smoke { 1 } else { 3 },
        )?;
        if !opts.smoke && !opts.skip_clean_build {
            eprintln!("== clean builds");
            results.clean.push(compiler::clean_build(
                &root,
                "generated crate + handlers (bench/service)",
                &[
                    "build",
                    "--release",
                    "--manifest-path",
                    "bench/service/Cargo.toml",
                ],
                target.join("bench/clean-generated"),
            )?);
            results.clean.push(compiler::clean_build(
                &root,
                "axum peer (bench/peers/axum)",
                &["build", "--release", "-p", "bench-axum"],
                target.join("bench/clean-axum"),
            )?);
        }
    }

    results.servers = servers;
    results.routes = routes;
    results.load.1 = procs::load_average();
    results.wall = wall.elapsed().as_secs_f64();
    let text = report::render(&results);
    report::write(&out, &text)?;
    eprintln!("== wrote {}", out.display());
    Ok(())
}

fn machine(root: &Path) -> Vec<(String, String)> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
                    / 1024
                    / 1024
            })
        })
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    vec![
        ("CPU".to_owned(), format!("{cpu}, {cores} cores")),
        ("Memory".to_owned(), format!("{mem} GiB")),
        ("Kernel".to_owned(), format!("Linux {kernel}")),
        ("rustc".to_owned(), tool_version("rustc", "--version")),
        ("node".to_owned(), tool_version("node", "--version")),
        ("wrk".to_owned(), tool_version("wrk", "--version")),
        (
            "gatic commit".to_owned(),
            format!("{commit} (plus uncommitted changes, if any)"),
        ),
    ]
}
