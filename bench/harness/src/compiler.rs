//! The compiler's cost: generated specs of growing size through `gatic
//! check` and `gatic build`, and the clean build of a generated crate against
//! the equivalent axum project.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One `gatic` command on one spec size.
#[derive(Clone, Debug)]
pub struct Cost {
    /// Routes (and record types) in the spec.
    pub routes: usize,
    /// Size of the spec, bytes.
    pub spec_bytes: usize,
    /// `gatic check`: median wall time (s) and peak RSS (KiB, 0 if unknown).
    pub check: (f64, u64),
    /// `gatic build` (every target): median wall time (s) and peak RSS (KiB).
    pub build: (f64, u64),
    /// Files `gatic build` wrote.
    pub files: usize,
}

/// A spec with `n` routes and `n` record types: chains of ten records that
/// refer to the previous one, half GET routes with a path parameter, half POSTs
/// with a validated body.
pub fn spec(n: usize) -> String {
    let mut s = format!(
        "//! A generated spec with {n} routes and {n} types, for the compiler benchmark.\n\n\
         /// The compiler benchmark's service.\nservice scale {{\n  title \"Scale\"\n}}\n\n\
         /// No such item.\nerror NotFound 404 {{ id: int64 }}\n\n"
    );
    for i in 0..n {
        s.push_str(&format!("/// Record number {i}.\ntype Item{i} {{\n"));
        s.push_str("  /// Assigned by the server.\n  id: int64\n");
        s.push_str("  /// A name.\n  name: string @len(1..=100)\n");
        s.push_str("  /// A count.\n  count: int32 @range(0..=1000) = 0\n");
        s.push_str("  /// Labels.\n  tags: [string @len(1..=20)] @items(..=5) = []\n");
        // Chains of ten records: deep enough to exercise reference checks,
        // bounded as in real models (a 5,000-deep chain makes the checker's
        // reachability walks quadratic; see BENCHMARKS.md).
        if i % 10 != 0 {
            s.push_str(&format!(
                "  /// The previous record.\n  previous?: Item{}\n",
                i - 1
            ));
        }
        s.push_str("}\n\n");
        if i % 2 == 0 {
            s.push_str(&format!(
                "/// Fetch item {i}.\nroute get_item{i} GET /items{i}/{{id: int64}} -> Item{i} | NotFound\n\n"
            ));
        } else {
            s.push_str(&format!(
                "/// Input of route {i}.\ntype NewItem{i} = Item{i} without {{ id }}\n\n\
                 /// Create item {i}.\nroute create_item{i} POST /items{i} {{\n  body NewItem{i}\n  returns 201 Item{i}\n}}\n\n"
            ));
        }
    }
    s
}

/// Runs `command`, returning wall seconds and peak RSS in KiB (through GNU
/// time when it is installed, else 0).
fn timed(mut command: Command, use_time: bool) -> io::Result<(f64, u64)> {
    let report = std::env::temp_dir().join(format!("gatic-bench-time-{}", std::process::id()));
    if use_time {
        let program = command.get_program().to_owned();
        let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
        let mut wrapped = Command::new("/usr/bin/time");
        wrapped
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(program)
            .args(args);
        if let Some(dir) = command.get_current_dir() {
            wrapped.current_dir(dir);
        }
        command = wrapped;
    }
    let start = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    let wall = start.elapsed().as_secs_f64();
    if !status.status.success() {
        return Err(io::Error::other(format!(
            "{:?} failed: {}",
            command.get_args().collect::<Vec<_>>(),
            String::from_utf8_lossy(&status.stderr)
        )));
    }
    let rss = if use_time {
        std::fs::read_to_string(&report)
            .ok()
            .and_then(|t| t.lines().last()?.trim().parse().ok())
            .unwrap_or(0)
    } else {
        0
    };
    let _ = std::fs::remove_file(&report);
    Ok((wall, rss))
}

fn median_of(mut runs: Vec<(f64, u64)>) -> (f64, u64) {
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let wall = runs[runs.len() / 2].0;
    let rss = runs.iter().map(|r| r.1).max().unwrap_or(0);
    (wall, rss)
}

/// Measures `gatic check` and `gatic build` on generated specs of each size.
pub fn measure(
    gatic: &Path,
    work: &Path,
    sizes: &[usize],
    repeats: usize,
) -> io::Result<Vec<Cost>> {
    let use_time = Path::new("/usr/bin/time").exists();
    let mut out = Vec::new();
    for &n in sizes {
        let dir = work.join(format!("scale-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let spec_path = dir.join("scale.gati");
        let text = spec(n);
        std::fs::write(&spec_path, &text)?;
        let gen_dir = dir.join("gen");
        let repeats = if n >= 5000 { 1 } else { repeats };
        let mut check = Vec::new();
        let mut build = Vec::new();
        for _ in 0..repeats {
            let mut c = Command::new(gatic);
            c.arg("check").arg(&spec_path);
            check.push(timed(c, use_time)?);
            // A fresh output folder each time, so every run writes every file.
            let _ = std::fs::remove_dir_all(&gen_dir);
            let mut b = Command::new(gatic);
            b.arg("build").arg(&spec_path).arg("--out").arg(&gen_dir);
            build.push(timed(b, use_time)?);
        }
        out.push(Cost {
            routes: n,
            spec_bytes: text.len(),
            check: median_of(check),
            build: median_of(build),
            files: count_files(&gen_dir),
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(out)
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() { count_files(&path) } else { 1 }
        })
        .sum()
}

/// A clean build: wall seconds and how many crates cargo compiled.
#[derive(Clone, Debug)]
pub struct CleanBuild {
    /// What was built.
    pub what: String,
    /// Wall seconds.
    pub seconds: f64,
    /// Crates compiled.
    pub crates: usize,
}

/// Builds `args` (a `cargo build --release …` command line) into a fresh,
/// empty target folder `target_dir`, which is removed afterwards.
pub fn clean_build(
    root: &Path,
    what: &str,
    args: &[&str],
    target_dir: PathBuf,
) -> io::Result<CleanBuild> {
    let _ = std::fs::remove_dir_all(&target_dir);
    let start = Instant::now();
    let output = Command::new("cargo")
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    let seconds = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&target_dir);
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "clean build of {what} failed:\n{log}"
        )));
    }
    Ok(CleanBuild {
        what: what.to_owned(),
        seconds,
        crates: log
            .lines()
            .filter(|l| l.trim_start().starts_with("Compiling "))
            .count(),
    })
}
