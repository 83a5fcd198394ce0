//! The under-attack measurement: the validated POST's throughput for an
//! authenticated client (wrk with a bearer token, from 127.0.0.1) while slow
//! unauthenticated connections from another address (127.0.0.2) press on the
//! same route, as a ratio to the same load without them.
//!
//! Each attacker sends a POST head that declares a 16,000-byte body and no
//! credential, then trickles one body byte a second, the way a slowloris
//! client holds a server's connections and buffers. When the server closes
//! its connection, the attacker opens another, at most one a second, so the
//! attack stays slow: a connection loop as fast as the server answers would
//! be a request flood, another attack, which would measure the load
//! generator's core as much as the server. `gatic-bench --attack` runs the
//! attackers in a process of their own (pinned beside wrk) and prints what
//! the server answered them when its standard input closes.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::report::UnderAttack;
use crate::{LOAD_CORE, Route, Server, Settings, procs};

/// The loopback address the attackers connect from: another client than
/// wrk's 127.0.0.1 for the server's per-address limits.
pub const ATTACKER_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// The body length each attacker declares.
pub const DECLARED: usize = 16_000;
/// How often an attacker sends a body byte, and opens a connection at most.
const TICK: Duration = Duration::from_secs(1);

/// What the attackers saw, from their first connection until standard
/// input closed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AttackResult {
    /// Attackers (connections the attack tries to keep open).
    pub attackers: usize,
    /// Seconds the attack ran.
    pub seconds: f64,
    /// Connections opened.
    pub opened: u64,
    /// Connections that could not be opened (refused, reset while connecting).
    pub connect_errors: u64,
    /// Responses the server sent, by status.
    pub answered: BTreeMap<u16, u64>,
    /// Connections the server closed after answering.
    pub closed_after_answer: u64,
    /// Milliseconds those connections were open, summed.
    pub answered_held_ms: u64,
    /// Connections the server closed (or reset) without answering.
    pub closed_unanswered: u64,
    /// Body bytes trickled, over all connections.
    pub body_bytes: u64,
    /// Connections open when standard input closed: the end of the load run.
    pub open_at_end: u64,
    /// The most connections open at once.
    pub max_open: u64,
    /// CPU seconds the attackers' process used (the harness fills it in).
    #[serde(default)]
    pub cpu_s: f64,
}

/// The attackers' counters. The runtime is single-threaded and stops
/// running them when standard input closes, so the counters read then are
/// the state at that moment.
#[derive(Default)]
struct Shared {
    opened: AtomicU64,
    connect_errors: AtomicU64,
    closed_after_answer: AtomicU64,
    answered_held_ms: AtomicU64,
    closed_unanswered: AtomicU64,
    body_bytes: AtomicU64,
    open: AtomicU64,
    max_open: AtomicU64,
    answered: Mutex<BTreeMap<u16, u64>>,
}

/// `gatic-bench --attack PORT ATTACKERS PATH`: runs `attackers` slow
/// unauthenticated connections to `POST path` on 127.0.0.1:`port` from
/// [`ATTACKER_ADDRESS`] until standard input closes, then prints an
/// [`AttackResult`] as JSON.
pub fn main(args: &[String]) -> io::Result<()> {
    let port: u16 = args[0].parse().map_err(io::Error::other)?;
    let attackers: usize = args[1].parse().map_err(io::Error::other)?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {DECLARED}\r\n\r\n",
        args[2]
    );
    let head: &'static [u8] = Box::leak(head.into_bytes().into_boxed_slice());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let shared = Arc::new(Shared::default());
    let started = Instant::now();
    runtime.block_on(async {
        let server = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        for i in 0..attackers {
            // Spread the first connections over one tick, as a ramp.
            let phase = TICK.mul_f64(i as f64 / attackers.max(1) as f64);
            tokio::spawn(attacker(server, head, phase, Arc::clone(&shared)));
        }
        // The harness closes our standard input when its load run ends.
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = io::stdin().read_to_end(&mut sink);
        })
        .await
        .map_err(io::Error::other)
    })?;
    let get = |n: &AtomicU64| n.load(Ordering::SeqCst);
    let answered = shared
        .answered
        .lock()
        .map_err(|_| io::Error::other("an attacker panicked"))?
        .clone();
    let result = AttackResult {
        attackers,
        seconds: started.elapsed().as_secs_f64(),
        opened: get(&shared.opened),
        connect_errors: get(&shared.connect_errors),
        answered,
        closed_after_answer: get(&shared.closed_after_answer),
        answered_held_ms: get(&shared.answered_held_ms),
        closed_unanswered: get(&shared.closed_unanswered),
        body_bytes: get(&shared.body_bytes),
        open_at_end: get(&shared.open),
        max_open: get(&shared.max_open),
        cpu_s: 0.0,
    };
    println!(
        "{}",
        serde_json::to_string(&result).map_err(io::Error::other)?
    );
    // The attackers' sockets close with the runtime.
    drop(runtime);
    Ok(())
}

/// Opens a connection from [`ATTACKER_ADDRESS`].
async fn connect(server: SocketAddr) -> io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((ATTACKER_ADDRESS, 0)))?;
    socket.connect(server).await
}

/// One attacker: a connection at a time, each opened at most once a tick.
async fn attacker(server: SocketAddr, head: &'static [u8], phase: Duration, shared: Arc<Shared>) {
    let mut next = tokio::time::Instant::now() + phase;
    loop {
        tokio::time::sleep_until(next).await;
        next += TICK;
        let Ok(mut stream) = connect(server).await else {
            shared.connect_errors.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        shared.opened.fetch_add(1, Ordering::Relaxed);
        let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_open.fetch_max(open, Ordering::Relaxed);
        let opened = Instant::now();
        let answered = hold(&mut stream, head, &shared).await;
        shared.open.fetch_sub(1, Ordering::SeqCst);
        if answered {
            shared.closed_after_answer.fetch_add(1, Ordering::Relaxed);
            let held = opened.elapsed().as_millis().min(u128::from(u64::MAX)) as u64;
            shared.answered_held_ms.fetch_add(held, Ordering::Relaxed);
        } else {
            shared.closed_unanswered.fetch_add(1, Ordering::Relaxed);
        }
        // A connection that lasted longer than a tick may reconnect at once.
        next = next.max(tokio::time::Instant::now());
    }
}

/// Sends the head, then a body byte every tick, until the server closes the
/// connection; records the first response's status.
/// Returns whether the server answered before closing.
async fn hold(stream: &mut tokio::net::TcpStream, head: &[u8], shared: &Shared) -> bool {
    let mut answered = false;
    if stream.write_all(head).await.is_err() {
        return answered;
    }
    let mut buf = vec![0u8; 4096];
    let mut filled = 0;
    let mut sent = 0;
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if sent < DECLARED {
                    if stream.write_all(b" ").await.is_err() {
                        return answered;
                    }
                    sent += 1;
                    shared.body_bytes.fetch_add(1, Ordering::Relaxed);
                }
            }
            read = stream.read(&mut buf[filled..]) => {
                let n = match read {
                    Ok(n) if n > 0 => n,
                    // Closed or reset by the server.
                    _ => return answered,
                };
                if answered {
                    // The rest of the answer, or more: only the first status counts.
                    continue;
                }
                filled += n;
                if let Some(status) = status(&buf[..filled]) {
                    answered = true;
                    *shared
                        .answered
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .entry(status)
                        .or_default() += 1;
                    filled = 0;
                } else if filled == buf.len() {
                    // No status line in 4 KiB: not HTTP; stop reading it.
                    filled = 0;
                }
            }
        }
    }
}

/// The status of a response whose status line has arrived.
fn status(buf: &[u8]) -> Option<u16> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&buf[..end]).ok()?;
    line.split(' ').nth(1)?.parse().ok()
}

/// Measures `route` (authenticated) on the generated `server`: per round,
/// wrk alone, then wrk while `settings.attackers` attackers run. The server
/// runs with its default per-client limits: wrk (127.0.0.1) and the
/// attackers (127.0.0.2) are different clients, so the per-address caps
/// apply to the attackers without throttling wrk, whose connections share
/// one token and stay under the per-client default (a quarter of the
/// service-wide concurrency).
pub fn measure(
    server: &Server,
    route: &Route,
    script: &Path,
    settings: &Settings,
) -> io::Result<UnderAttack> {
    let server = Server {
        env: server
            .env
            .iter()
            .filter(|(k, _)| !k.starts_with("GATI_CLIENT_"))
            .cloned()
            .collect(),
        ..server.clone()
    };
    let running = server.start(&[])?;
    let mut out = UnderAttack {
        route: route.label.to_owned(),
        attackers: settings.attackers,
        settings: server
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        clean: Vec::new(),
        attacked: Vec::new(),
        attacks: Vec::new(),
    };
    // Both runs of a round have the attackers' process beside wrk (the
    // clean run's with no attacker), and the rounds alternate which run
    // comes first: on this two-core machine an idle second process on wrk's
    // core, or going second, costs wrk about 13 % by itself (measured with 0
    // attackers), which is the load generators' cost, not the server's.
    let exe = std::env::current_exe()?;
    let phase = |attackers: usize| -> io::Result<(crate::Sample, AttackResult)> {
        // At the lowest priority on wrk's core: the attackers take only the
        // time wrk leaves (they only need to hold connections and trickle).
        let mut command = procs::pinned_low(LOAD_CORE, &exe.to_string_lossy());
        command
            .arg("--attack")
            .arg(running.port.to_string())
            .arg(attackers.to_string())
            .arg(route.path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // Dropping the child (on an error below too) closes its standard
        // input, which ends the attack.
        let mut child = command.spawn()?;
        // The ramp: every attacker opens its first connection within a tick.
        std::thread::sleep(TICK + Duration::from_millis(250));
        let sample = crate::measure(&running, route, script, settings);
        let cpu = procs::cpu_s(&procs::tree(child.id()));
        drop(child.stdin.take());
        let output = child.wait_with_output()?;
        let sample = sample?;
        let mut seen: AttackResult = serde_json::from_slice(&output.stdout)
            .map_err(|e| io::Error::other(format!("attackers: {e}")))?;
        seen.cpu_s = cpu;
        Ok((sample, seen))
    };
    for round in 0..settings.rounds {
        let order: [bool; 2] = if round % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for attacked in order {
            let (sample, seen) = phase(if attacked { settings.attackers } else { 0 })?;
            if !attacked {
                eprintln!(
                    "  round {}/{} clean     {:>9.0} req/s  p99 {:>7.0} µs  cpu {:>5.1} µs/req  errors {}  wrk {:.0}%  others {:.2}",
                    round + 1,
                    settings.rounds,
                    sample.rps,
                    sample.p99_us,
                    sample.cpu_us,
                    sample.errors,
                    sample.loadgen_busy * 100.0,
                    sample.others
                );
                out.clean.push(sample);
                continue;
            }
            eprintln!(
                "  round {}/{} attacked  {:>9.0} req/s  p99 {:>7.0} µs  cpu {:>5.1} µs/req  errors {}  wrk {:.0}%  others {:.2}  attackers' cores {:.2}  attackers: {} opened, answered {:?}, {} open at the end",
                round + 1,
                settings.rounds,
                sample.rps,
                sample.p99_us,
                sample.cpu_us,
                sample.errors,
                sample.loadgen_busy * 100.0,
                sample.others,
                seen.cpu_s / seen.seconds,
                seen.opened,
                seen.answered,
                seen.open_at_end
            );
            out.attacked.push(sample);
            out.attacks.push(seen);
        }
    }
    running.stop();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::status;

    #[test]
    fn status_waits_for_the_whole_status_line() {
        assert_eq!(status(b"HTTP/1.1 40"), None);
        assert_eq!(
            status(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0"),
            Some(401)
        );
    }
}
