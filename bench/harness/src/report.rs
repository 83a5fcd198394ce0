//! The report: Markdown tables of a run, written into BENCHMARKS.md between
//! marker comments so that everything around them (findings, a Timescape
//! section written by hand) is preserved.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use crate::attack::AttackResult;
use crate::http::LoadResult;
use crate::{Results, Sample, Settings};

/// The line before the harness's part of BENCHMARKS.md.
pub const BEGIN: &str = "<!-- gatic-bench:begin (written by `cargo run --release -p gatic-bench`; edits here are overwritten) -->";
/// The line after it.
pub const END: &str = "<!-- gatic-bench:end -->";

/// One server under one overload scenario.
#[derive(Debug)]
pub struct Overload {
    /// The server's label.
    pub server: String,
    /// What the scenario does.
    pub scenario: String,
    /// Environment the server ran with.
    pub settings: String,
    /// The baseline run, then the overloaded one.
    pub runs: Vec<OverloadRun>,
}

/// One load level of an overload scenario.
#[derive(Debug)]
pub struct OverloadRun {
    /// Connections.
    pub connections: usize,
    /// Constant offered rate, requests per second; 0 for a closed loop.
    pub rate: f64,
    /// What the load generator saw.
    pub result: LoadResult,
    /// The server's resident set, sampled every 250 ms after the warm-up, KiB.
    pub rss_kb: Vec<u64>,
}

/// The authenticated POST, clean and under a slow unauthenticated attack.
#[derive(Debug)]
pub struct UnderAttack {
    /// The route's label.
    pub route: String,
    /// Slow unauthenticated connections.
    pub attackers: usize,
    /// Environment the server ran with (empty: the defaults).
    pub settings: String,
    /// wrk alone, one sample per round.
    pub clean: Vec<Sample>,
    /// wrk while the attackers ran, one sample per round.
    pub attacked: Vec<Sample>,
    /// What the attackers saw, one per round.
    pub attacks: Vec<AttackResult>,
}

impl UnderAttack {
    /// Requests per second under attack over requests per second clean,
    /// and the same for requests per CPU-second of the server (whose CPU
    /// time under attack includes answering the attackers); medians of the
    /// rounds.
    pub fn ratios(&self) -> Option<(f64, f64)> {
        let clean = summarize(&self.clean)?;
        let attacked = summarize(&self.attacked)?;
        Some((attacked.rps / clean.rps, clean.cpu_us / attacked.cpu_us))
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Medians of a server's samples on a route.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    rps: f64,
    p99_us: f64,
    rss_kb: f64,
    cpu_us: f64,
    spread: f64,
    errors: u64,
    loadgen_busy: f64,
}

fn summarize(samples: &[Sample]) -> Option<Summary> {
    if samples.is_empty() {
        return None;
    }
    let pick = |f: fn(&Sample) -> f64| median(samples.iter().map(f).collect());
    let rps = pick(|s| s.rps);
    let max = samples.iter().map(|s| s.rps).fold(f64::MIN, f64::max);
    let min = samples.iter().map(|s| s.rps).fold(f64::MAX, f64::min);
    Some(Summary {
        rps,
        p99_us: pick(|s| s.p99_us),
        rss_kb: pick(|s| s.rss_kb as f64),
        cpu_us: pick(|s| s.cpu_us),
        spread: (max - min) / rps,
        errors: samples.iter().map(|s| s.errors).sum(),
        loadgen_busy: samples.iter().map(|s| s.loadgen_busy).fold(0.0, f64::max),
    })
}

fn ms(us: f64) -> String {
    if us >= 10_000.0 {
        format!("{:.0}", us / 1000.0)
    } else {
        format!("{:.2}", us / 1000.0)
    }
}

fn mib(kb: f64) -> String {
    format!("{:.1}", kb / 1024.0)
}

/// The harness's part of BENCHMARKS.md.
pub fn render(r: &Results) -> String {
    let mut s = String::new();
    let Some(settings) = &r.settings else {
        return s;
    };
    let _ = writeln!(s, "## Results\n");
    if settings.smoke {
        let _ = writeln!(
            s,
            "**Smoke run** (debug builds, {} s per measurement): these numbers only show that the harness works.\n",
            settings.duration
        );
    }
    if r.samples.is_empty() {
        let _ = writeln!(s, "No throughput rounds in this run.\n");
    } else {
        throughput(&mut s, r, settings);
    }

    targets(&mut s, r);
    overload(&mut s, r);
    under_attack(&mut s, r);
    compiler(&mut s, r);
    machine(&mut s, r);
    s
}

/// The throughput table: every server on every route.
fn throughput(s: &mut String, r: &Results, settings: &Settings) {
    let summary = |server: &str, route: &str| summarize(r.get(server, route));
    let _ = writeln!(
        s,
        "Requests per second are the median of {} rounds; each round starts every server in turn \
         (A B C … A B C …) and loads each of its routes with wrk for {} s after {} s of warm-up, \
         {} connections, the server pinned to core 0 and wrk to core 1. *÷ gatic* is the server's \
         requests per second divided by the generated server's, and *per CPU ÷ gatic* the same \
         for requests per CPU-second of the server (1 / CPU time per request) — the fairer \
         measure where wrk, which has one core too, is the bottleneck (⚠wrk); p99, RSS (largest resident set \
         of all the server's processes during the run) and CPU time per request are medians too; \
         *spread* is (max − min) / median of the rounds' requests per second. The generated \
         server runs with its per-client caps off (`GATI_CLIENT_CONNECTIONS=0 \
         GATI_CLIENT_CONCURRENCY=0`) here and in the overload runs: the load generator's \
         connections, all from 127.0.0.1, stand for many clients.\n",
        settings.rounds, settings.duration, settings.warmup, settings.connections
    );
    let _ = writeln!(
        s,
        "| Route | Server | req/s | ÷ gatic | p99 ms | RSS MiB | CPU µs/req | per CPU ÷ gatic | spread |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut flags = Vec::new();
    for route in &r.routes {
        let base = if route.key == "post-oldest" {
            summary("gatic", "post")
        } else {
            summary("gatic", route.key)
        };
        for server in r
            .servers
            .iter()
            .filter(|sv| sv.generated || route.key != "post-oldest")
        {
            let Some(m) = summary(server.key, route.key) else {
                continue;
            };
            let ratio = base.map_or(f64::NAN, |b| m.rps / b.rps);
            let cpu_ratio = base.map_or(f64::NAN, |b| b.cpu_us / m.cpu_us);
            let (ratio, cpu_ratio) = if route.key == "post-oldest" {
                (
                    format!("{ratio:.2} of head"),
                    format!("{cpu_ratio:.2} of head"),
                )
            } else {
                (format!("{ratio:.2}"), format!("{cpu_ratio:.2}"))
            };
            let mut mark = String::new();
            if m.errors > 0 {
                mark.push_str(" ⚠errors");
                flags.push(format!(
                    "{} on {}: {} non-2xx responses or socket errors",
                    server.label, route.label, m.errors
                ));
            }
            if m.loadgen_busy > 0.95 {
                mark.push_str(" ⚠wrk");
                flags.push(format!(
                    "{} on {}: wrk used {:.0}% of its core and may have been the bottleneck",
                    server.label,
                    route.label,
                    m.loadgen_busy * 100.0
                ));
            }
            let name = if server.generated {
                format!("**{}**", server.label)
            } else {
                server.label.to_owned()
            };
            let _ = writeln!(
                s,
                "| {} | {}{} | {:.0} | {} | {} | {} | {:.1} | {} | {:.0}% |",
                route.label,
                name,
                mark,
                m.rps,
                ratio,
                ms(m.p99_us),
                mib(m.rss_kb),
                m.cpu_us,
                cpu_ratio,
                m.spread * 100.0
            );
        }
    }
    if !r.routes.iter().any(|x| x.key == "post-oldest") {
        let _ = writeln!(
            s,
            "| POST /people @ oldest version | **gatic (generated)** | pending | | | | | | |"
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "The generated `GET /plaintext` answers the JSON string `\"Hello, World!\"` (15 bytes, \
         `application/json`): the language has no text/plain responses; the peers send the \
         13 bytes as `text/plain`.\n"
    );
    for f in &flags {
        let _ = writeln!(s, "- ⚠ {f}");
    }
    if !flags.is_empty() {
        let _ = writeln!(s);
    }
}

fn worst_ratio(r: &Results, peer: &str, by_cpu: bool) -> Option<(f64, String)> {
    let mut worst: Option<(f64, String)> = None;
    for route in r.routes.iter().filter(|x| x.version.is_none()) {
        let (Some(g), Some(p)) = (
            summarize(r.get("gatic", route.key)),
            summarize(r.get(peer, route.key)),
        ) else {
            continue;
        };
        let ratio = if by_cpu {
            p.cpu_us / g.cpu_us
        } else {
            g.rps / p.rps
        };
        if worst.as_ref().is_none_or(|w| ratio < w.0) {
            worst = Some((ratio, route.label.to_owned()));
        }
    }
    worst
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

fn offered(run: &OverloadRun) -> String {
    if run.rate > 0.0 {
        format!("{:.0}/s constant", run.rate)
    } else {
        "closed loop".to_owned()
    }
}

fn targets(s: &mut String, r: &Results) {
    let _ = writeln!(s, "### Targets\n");
    let _ = writeln!(
        s,
        "Ratios are the worst route's: by requests per second, and by requests per CPU-second of the server.\n"
    );
    let _ = writeln!(s, "| Target | Measured in this run | |");
    let _ = writeln!(s, "|---|---|---|");
    if !r.samples.is_empty() {
        throughput_targets(s, r);
    }
    if let Some(c) = r.compiler.iter().find(|c| c.routes == 1000) {
        let _ = writeln!(
            s,
            "| `gatic build` of 1,000 routes < 1 s | {:.2} s | {} |",
            c.build.0,
            verdict(c.build.0 < 1.0)
        );
    }
    if let (Some(a), Some(b)) = (
        r.compiler.iter().find(|c| c.routes == 1000),
        r.compiler.iter().find(|c| c.routes == 5000),
    ) {
        let growth = b.build.0 / a.build.0;
        let _ = writeln!(
            s,
            "| `gatic build` grows roughly linearly | 5,000 routes take {growth:.1}× the time of 1,000 (linear: 5×) | {} |",
            verdict(growth <= 6.5)
        );
    }
    for o in r.overload.iter().filter(|o| o.server.contains("gatic")) {
        let Some(base) = o.runs.first() else {
            continue;
        };
        for over in o.runs.iter().skip(1) {
            let how = if over.rate > 0.0 {
                format!(
                    "{}, {:.0}/s offered over {} connections",
                    o.scenario, over.rate, over.connections
                )
            } else {
                format!(
                    "{}, closed loop over {} connections",
                    o.scenario, over.connections
                )
            };
            let goodput = (over.result.ok as f64 / over.result.seconds)
                / (base.result.ok.max(1) as f64 / base.result.seconds);
            let _ = writeln!(
                s,
                "| overload ({how}): goodput near peak | {goodput:.2}× the goodput at {} connections | {} |",
                base.connections,
                verdict(goodput >= 0.9)
            );
            if o.settings.contains("GATI_QUEUE_TIMEOUT_MS") {
                let p99 = over.result.ok_us[1] as f64 / 1000.0;
                let _ = writeln!(
                    s,
                    "| overload ({how}): admitted p99 bounded by the queue deadline | {p99:.1} ms (deadline 100 ms + 10 ms handler) | {} |",
                    verdict(p99 <= 110.0)
                );
            }
            let (first, last) = (
                over.rss_kb.first().copied().unwrap_or(0),
                over.rss_kb.last().copied().unwrap_or(0),
            );
            let flat = last as f64 <= first as f64 * 1.1 + 1024.0;
            let _ = writeln!(
                s,
                "| overload ({how}): memory flat | {} → {} MiB | {} |",
                mib(first as f64),
                mib(last as f64),
                verdict(flat)
            );
        }
    }
    if let Some(u) = &r.under_attack
        && let Some((ratio, cpu)) = u.ratios()
    {
        let _ = writeln!(
            s,
            "| under attack ({} slow unauthenticated connections): authenticated POST ≥ 0.90× clean | {ratio:.2}× by req/s; {cpu:.2}× per CPU-second | {} by req/s, {} per CPU |",
            u.attackers,
            verdict(ratio >= 0.9),
            verdict(cpu >= 0.9)
        );
    }
    let _ = writeln!(s);
}

/// The targets the throughput rounds measure.
fn throughput_targets(s: &mut String, r: &Results) {
    for (peer, label, goal) in [
        ("axum", "axum", 1.0),
        ("hyper", "raw hyper", 0.95),
        ("fastify", "Fastify (cluster, 2 workers)", 1.8),
        ("express", "Express", 5.0),
    ] {
        match (worst_ratio(r, peer, false), worst_ratio(r, peer, true)) {
            (Some((ratio, route)), Some((cpu, cpu_route))) => {
                let _ = writeln!(
                    s,
                    "| gatic ≥ {goal:.2}× {label} on every route | {ratio:.2}× by req/s ({route}); {cpu:.2}× per CPU-second ({cpu_route}) | {} by req/s, {} per CPU |",
                    verdict(ratio >= goal),
                    verdict(cpu >= goal)
                );
            }
            _ => {
                let _ = writeln!(
                    s,
                    "| gatic ≥ {goal:.2}× {label} on every route | not measured | |"
                );
            }
        }
    }
    let rss = r
        .routes
        .iter()
        .filter_map(|x| summarize(r.get("gatic", x.key)))
        .map(|m| m.rss_kb)
        .fold(f64::NAN, f64::max);
    if rss.is_nan() {
        let _ = writeln!(s, "| gatic RSS under load ≤ 10 MB | not measured | |");
    } else {
        let _ = writeln!(
            s,
            "| gatic RSS under load ≤ 10 MB | {} MiB at most | {} |",
            mib(rss),
            verdict(rss * 1024.0 <= 10e6)
        );
    }
    match (
        summarize(r.get("gatic", "post-oldest")),
        summarize(r.get("gatic", "post")),
    ) {
        (Some(old), Some(head)) => {
            let ratio = old.rps / head.rps;
            let _ = writeln!(
                s,
                "| oldest-version POST ≥ 0.85× head | {ratio:.2}× | {} |",
                verdict(ratio >= 0.85)
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "| oldest-version POST ≥ 0.85× head | pending: version negotiation not in the runtime yet | |"
            );
        }
    }
}

fn overload(s: &mut String, r: &Results) {
    if r.overload.is_empty() {
        return;
    }
    let _ = writeln!(s, "### Overload\n");
    let _ = writeln!(
        s,
        "A closed-loop load generator (`gatic-bench --load`, on core 1) keeps every connection \
         busy: each sends its next request as soon as the previous one is answered, so more \
         connections than the server admits means offered load above capacity. Unlike wrk it \
         keeps latencies apart by status. *Goodput* counts 2xx answers per second; RSS is \
         sampled every 250 ms after the warm-up (first → last, and the largest).\n"
    );
    let _ = writeln!(
        s,
        "| Server | Scenario | Connections | Offered | goodput/s | admitted p50 / p99 ms | 503 share | 503 p50 / p99 ms | other | RSS MiB first → last (max) |"
    );
    let _ = writeln!(s, "|---|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for o in &r.overload {
        for run in &o.runs {
            let x = &run.result;
            let total = (x.ok + x.shed + x.other).max(1) as f64;
            let shed = if x.shed > 0 {
                format!("{} / {}", ms(x.shed_us[0] as f64), ms(x.shed_us[1] as f64))
            } else {
                "–".to_owned()
            };
            let first = run.rss_kb.first().copied().unwrap_or(0) as f64;
            let last = run.rss_kb.last().copied().unwrap_or(0) as f64;
            let max = run.rss_kb.iter().copied().max().unwrap_or(0) as f64;
            let _ = writeln!(
                s,
                "| {} | {}{} | {} | {} | {:.0} | {} / {} | {:.1}% | {} | {} | {} → {} ({}) |",
                o.server,
                o.scenario,
                if o.settings.is_empty() {
                    String::new()
                } else {
                    format!(" (`{}`)", o.settings)
                },
                run.connections,
                offered(run),
                x.ok as f64 / x.seconds,
                ms(x.ok_us[0] as f64),
                ms(x.ok_us[1] as f64),
                x.shed as f64 * 100.0 / total,
                shed,
                x.other + x.errors,
                mib(first),
                mib(last),
                mib(max)
            );
        }
    }
    let _ = writeln!(s);
}

fn under_attack(s: &mut String, r: &Results) {
    let Some(u) = &r.under_attack else {
        return;
    };
    let (Some(clean), Some(attacked)) = (summarize(&u.clean), summarize(&u.attacked)) else {
        return;
    };
    let _ = writeln!(s, "### Under attack\n");
    let _ = writeln!(
        s,
        "wrk loads the validated POST behind `auth bearer` (`Authorization: Bearer bench-token`, \
         from 127.0.0.1, as above) alone (*clean*), then while {} attackers (`gatic-bench \
         --attack`, on core 1 beside wrk) each hold a connection from 127.0.0.2 that sends a POST \
         head declaring a 16,000-byte body and no credential, then one body byte a second, and \
         opens another (at most one a second) when the server closes it. Rounds alternate clean \
         and attacked runs; the figures are medians of {}. *per CPU ÷ clean* compares requests \
         per CPU-second of the server, whose CPU time under attack includes answering the \
         attackers: the steadier measure on a shared machine. The server runs with {}.\n",
        u.attackers,
        u.clean.len(),
        if u.settings.is_empty() {
            "its default per-client limits".to_owned()
        } else {
            format!("`{}`", u.settings)
        }
    );
    let _ = writeln!(
        s,
        "| Route | Run | req/s | ÷ clean | p99 ms | RSS MiB | CPU µs/req | per CPU ÷ clean | spread |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for (run, m) in [
        ("clean".to_owned(), clean),
        (
            format!("{} slow unauthenticated connections", u.attackers),
            attacked,
        ),
    ] {
        let mut mark = String::new();
        if m.errors > 0 {
            mark.push_str(" ⚠errors");
        }
        if m.loadgen_busy > 0.95 {
            mark.push_str(" ⚠wrk");
        }
        let _ = writeln!(
            s,
            "| {} | {run}{mark} | {:.0} | {:.2} | {} | {} | {:.1} | {:.2} | {:.0}% |",
            u.route,
            m.rps,
            m.rps / clean.rps,
            ms(m.p99_us),
            mib(m.rss_kb),
            m.cpu_us,
            clean.cpu_us / m.cpu_us,
            m.spread * 100.0
        );
    }
    let _ = writeln!(s);
    let sum = |f: fn(&AttackResult) -> u64| u.attacks.iter().map(f).sum::<u64>();
    let seconds: f64 = u.attacks.iter().map(|a| a.seconds).sum();
    let mut answered = std::collections::BTreeMap::<u16, u64>::new();
    for a in &u.attacks {
        for (status, n) in &a.answered {
            *answered.entry(*status).or_default() += n;
        }
    }
    let answered = if answered.is_empty() {
        "nothing".to_owned()
    } else {
        answered
            .iter()
            .map(|(status, n)| format!("{n} × {status}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let at_end = u
        .attacks
        .iter()
        .map(|a| a.open_at_end.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        s,
        "The attackers opened {} connections in {:.0} s ({:.0}/s) and trickled {} body bytes; \
         the server answered {answered}, closed {} connections after answering (each {:.1} s \
         after it opened, on average) and {} without an answer; {} connections could not be \
         opened. Open at the end of each attacked run: {at_end} of {} (at most {} at once). The \
         attackers' process used {:.0}% of a core.\n",
        sum(|a| a.opened),
        seconds,
        sum(|a| a.opened) as f64 / seconds.max(f64::MIN_POSITIVE),
        sum(|a| a.body_bytes),
        sum(|a| a.closed_after_answer),
        sum(|a| a.answered_held_ms) as f64 / 1000.0 / sum(|a| a.closed_after_answer).max(1) as f64,
        sum(|a| a.closed_unanswered),
        sum(|a| a.connect_errors),
        u.attackers,
        u.attacks.iter().map(|a| a.max_open).max().unwrap_or(0),
        u.attacks.iter().map(|a| a.cpu_s).sum::<f64>() * 100.0 / seconds.max(f64::MIN_POSITIVE)
    );
}

fn compiler(s: &mut String, r: &Results) {
    if r.compiler.is_empty() {
        return;
    }
    let _ = writeln!(s, "### Compiler\n");
    let _ = writeln!(
        s,
        "Generated specs with N routes and N record types (half GET with a path parameter, \
         half POST with a derived, refined body; records form chains of ten, each referring to the previous one), \
         through the release `gatic` binary. `build` runs every target into a fresh folder. \
         Wall time is the median of 3 runs (1 for 5,000); peak RSS from GNU time.\n"
    );
    let _ = writeln!(
        s,
        "| Routes + types | spec KiB | `gatic check` s | check MiB | `gatic build` s | build MiB | build µs/route | files |"
    );
    let _ = writeln!(s, "|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in &r.compiler {
        let _ = writeln!(
            s,
            "| {} | {:.0} | {:.3} | {} | {:.3} | {} | {:.0} | {} |",
            c.routes,
            c.spec_bytes as f64 / 1024.0,
            c.check.0,
            mib(c.check.1 as f64),
            c.build.0,
            mib(c.build.1 as f64),
            c.build.0 * 1e6 / c.routes as f64,
            c.files
        );
    }
    let _ = writeln!(s);
    if !r.clean.is_empty() {
        let _ = writeln!(
            s,
            "Clean release builds (an empty target folder; every dependency compiled, `-j2`):\n"
        );
        let _ = writeln!(s, "| What | seconds | crates compiled |");
        let _ = writeln!(s, "|---|---:|---:|");
        for c in &r.clean {
            let _ = writeln!(s, "| {} | {:.0} | {} |", c.what, c.seconds, c.crates);
        }
        let _ = writeln!(s);
    }
}

fn machine(s: &mut String, r: &Results) {
    let _ = writeln!(s, "### Machine and run\n");
    for (k, v) in &r.machine {
        let _ = writeln!(s, "- {k}: {v}");
    }
    let attack = r
        .under_attack
        .iter()
        .flat_map(|u| u.clean.iter().chain(&u.attacked));
    let samples: Vec<&Sample> = r
        .samples
        .iter()
        .flat_map(|(_, v)| v)
        .chain(attack)
        .collect();
    let others = median(samples.iter().map(|x| x.others).collect());
    let others_max = samples.iter().map(|x| x.others).fold(0.0, f64::max);
    let load_max = samples.iter().map(|x| x.load1).fold(0.0, f64::max);
    let _ = writeln!(
        s,
        "- Load average (1 min): {:.2} before the run, {:.2} after, {:.2} at most during the load runs (the benchmark itself accounts for about 2: one busy server core, one busy wrk core)",
        r.load.0, r.load.1, load_max
    );
    if !samples.is_empty() {
        let _ = writeln!(
            s,
            "- CPU used by processes outside the benchmark during the load runs: median {others:.2} cores, at most {others_max:.2}{}",
            if others_max > 0.25 {
                " — **the machine was busy; ratios are less reliable, rerun on a quiet machine**"
            } else {
                " (quiet)"
            }
        );
    }
    let _ = writeln!(s, "- Whole run: {:.0} s", r.wall);
    for n in &r.notes {
        let _ = writeln!(s, "- Note: {n}");
    }
    let _ = writeln!(
        s,
        "\nReproduce (after `apt-get install wrk` and with Node 20+ and npm):\n"
    );
    let _ = writeln!(s, "```sh\n{}\n```", r.command.trim_end());
}

/// Replaces the part between the markers of `path` with `text`, creating the
/// file (or the markers, at its end) when missing.
pub fn write(path: &Path, text: &str) -> io::Result<()> {
    let block = format!("{BEGIN}\n\n{}\n{END}\n", text.trim_end());
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            let after = old[e + END.len()..].trim_start_matches('\n');
            let gap = if after.is_empty() { "" } else { "\n" };
            format!("{}{block}{gap}{after}", &old[..b])
        }
        _ if old.is_empty() => format!(
            "# Benchmarks\n\nHow fast the generated service is against hand-written peers, and what \
             the compiler costs. `cargo run --release -p gatic-bench` measures it all and rewrites \
             the part between the markers below; the rest of this file is written by hand.\n\n{block}"
        ),
        _ => format!("{}\n\n{block}", old.trim_end()),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, new)
}

#[cfg(test)]
mod tests {
    use super::{BEGIN, END, write};

    #[test]
    fn write_keeps_what_is_around_the_markers() {
        let path =
            std::env::temp_dir().join(format!("gatic-bench-report-{}.md", std::process::id()));
        let before = format!("# B\n\nintro\n\n{BEGIN}\nold\n{END}\n\n## By hand\n\nkept\n");
        std::fs::write(&path, before).expect("write");
        write(&path, "new").expect("report");
        let after = std::fs::read_to_string(&path).expect("read");
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            after,
            format!("# B\n\nintro\n\n{BEGIN}\n\nnew\n{END}\n\n## By hand\n\nkept\n")
        );
    }
}
