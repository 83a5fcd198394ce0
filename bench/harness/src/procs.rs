//! Child processes and what /proc says about them: starting pinned to a core,
//! process trees, resident memory, CPU time, and the machine's load.

use std::collections::HashMap;
use std::io;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// CPU seconds (user + system) of every child this process has waited
/// for so far: wait for one child between two calls to get its CPU time.
pub fn waited_children_cpu_s() -> f64 {
    read_stat(std::process::id())
        .map(|f| f.children_ticks as f64 / clock_ticks())
        .unwrap_or(0.0)
}

/// Clock ticks per second in /proc: USER_HZ, which Linux fixes at 100 on
/// every architecture we run on (reading it needs `sysconf`, i.e. unsafe).
pub fn clock_ticks() -> f64 {
    100.0
}

struct Stat {
    ppid: u32,
    ticks: u64,
    children_ticks: u64,
}

fn read_stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses: fields start after
    // the last ')'. Field 3 (state) is index 0 here.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(Stat {
        ppid: num(1)? as u32,
        ticks: num(11)? + num(12)?,
        children_ticks: num(13)? + num(14)?,
    })
}

/// `root` and every process descended from it.
pub fn tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(stat) = read_stat(pid) {
                children.entry(stat.ppid).or_default().push(pid);
            }
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(kids) = children.get(&out[i]) {
            out.extend(kids);
        }
        i += 1;
    }
    out
}

/// Summed resident set of `pids`, in KiB.
pub fn rss_kb(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum()
}

/// Summed user + system CPU time of `pids`, in seconds.
pub fn cpu_s(pids: &[u32]) -> f64 {
    let ticks: u64 = pids
        .iter()
        .filter_map(|&pid| read_stat(pid))
        .map(|s| s.ticks)
        .sum();
    ticks as f64 / clock_ticks()
}

/// CPU seconds the whole machine has spent busy (all cores), from /proc/stat.
pub fn machine_busy_s() -> f64 {
    let Ok(text) = std::fs::read_to_string("/proc/stat") else {
        return 0.0;
    };
    let Some(line) = text.lines().next() else {
        return 0.0;
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle) as f64 / clock_ticks()
}

/// The 1-minute load average.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// A command run on `core` with `taskset`, or unpinned where there is none
/// (the smoke run; the full run requires it).
pub fn pinned(core: usize, program: &str) -> Command {
    static TASKSET: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let have = *TASKSET.get_or_init(|| {
        Command::new("taskset")
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !have {
        return Command::new(program);
    }
    let mut command = Command::new("taskset");
    command.arg("-c").arg(core.to_string()).arg(program);
    command
}

/// [`pinned`] at the lowest priority (`nice -n 19`): a second load
/// generator that shares wrk's core takes only the time wrk leaves, so the
/// two do not compete for the core and the measurement shows the server.
pub fn pinned_low(core: usize, program: &str) -> Command {
    let pinned = pinned(core, program);
    let mut command = Command::new("nice");
    command
        .args(["-n", "19"])
        .arg(pinned.get_program())
        .args(pinned.get_args());
    command
}

/// Sends `signal` to `pid`.
pub fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

/// Stops `child` and its descendants: SIGTERM, then SIGKILL after `grace`.
pub fn stop(child: &mut Child, grace: Duration) {
    let pids = tree(child.id());
    signal(child.id(), "TERM");
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if !matches!(child.try_wait(), Ok(Some(_))) {
        let _ = child.kill();
        let _ = child.wait();
    }
    // Workers the primary did not take down with it.
    for pid in pids.into_iter().skip(1) {
        if std::path::Path::new(&format!("/proc/{pid}")).exists() {
            signal(pid, "KILL");
        }
    }
}

/// A free loopback port.
pub fn free_port() -> io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
