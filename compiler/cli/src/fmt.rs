//! `gatic fmt`: rewrites `.gati` files in the canonical layout, or with
//! `--check` says which would change and how, writing nothing.
//!
//! Every file is formatted in memory before any is written, so a file that
//! does not parse leaves all of them as they were.

use gatic_syntax::fmt::{FormatError, format};
use gatic_syntax::render::{self, Format};
use gatic_syntax::{SourceFile, SourceMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Lines of context around each change in a diff.
const CONTEXT: usize = 3;

/// Runs `gatic fmt`: exit 1 when a file does not parse or, with `check`,
/// would change; 2 when a file cannot be read or written.
pub fn run(files: &[PathBuf], check: bool) -> ExitCode {
    let files = if files.is_empty() {
        match default_files(Path::new(".")) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        let mut unique: Vec<PathBuf> = Vec::new();
        for f in files {
            if !unique.contains(f) {
                unique.push(f.clone());
            }
        }
        unique
    };
    let mut unreadable = false;
    let mut failed = false;
    let mut changed = Vec::new();
    for path in &files {
        let name = path.to_string_lossy().replace('\\', "/");
        let text = match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    eprintln!("error: {name} is not valid UTF-8; not formatted");
                    failed = true;
                    continue;
                }
            },
            Err(e) => {
                eprintln!("error: cannot read {name}: {e}");
                unreadable = true;
                continue;
            }
        };
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new(name.clone(), text.clone()));
        match format(id, &text) {
            Ok(out) if out == text => {}
            Ok(out) => changed.push((path, name, text, out)),
            Err(FormatError::Syntax(diagnostics)) => {
                eprint!("{}", render::render(&sources, &diagnostics, Format::Human));
                eprintln!("error: {name} does not parse; not formatted");
                failed = true;
            }
            Err(e) => {
                eprintln!("error: {name}: {e}");
                failed = true;
            }
        }
    }
    if check {
        let mut out = String::new();
        for (_, name, old, new) in &changed {
            out.push_str(&unified_diff(name, old, new));
            eprintln!("gatic: {name} is not formatted");
        }
        stdout(&out);
        return if unreadable {
            ExitCode::from(2)
        } else if failed || !changed.is_empty() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    if unreadable || failed {
        if !changed.is_empty() {
            eprintln!("error: no file was rewritten: fix the errors above first");
        }
        return ExitCode::from(if unreadable { 2 } else { 1 });
    }
    for (path, name, _, new) in &changed {
        if let Err(e) = std::fs::write(path, new) {
            eprintln!("error: cannot write {name}: {e}");
            return ExitCode::from(2);
        }
        eprintln!("gatic: formatted {name}");
    }
    ExitCode::SUCCESS
}

/// The spec in `dir` and every file it `use`s: the folder's only `.gati`
/// file, or its `main.gati` when there are several.
fn default_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut specs: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the current folder: {e}"))?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".gati"))
        .collect();
    specs.sort();
    let root = match specs.as_slice() {
        [] => return Err("no .gati file in the current folder: name the files to format".into()),
        [only] => only.clone(),
        _ if specs.iter().any(|s| s == "main.gati") => "main.gati".to_string(),
        _ => {
            return Err(format!(
                "several .gati files in the current folder ({}): name the files to format",
                specs.join(", ")
            ));
        }
    };
    let root = dir.join(root).to_string_lossy().replace('\\', "/");
    let root = root.strip_prefix("./").unwrap_or(&root).to_string();
    // The checker's loader finds the used files exactly as `gatic check` does.
    let compiled = gatic_check::compile(&root, &gatic::FsLoader);
    Ok(compiled
        .sources
        .files()
        .map(|(_, f)| PathBuf::from(&f.name))
        .filter(|p| p.is_file())
        .collect())
}

/// Prints to stdout; a closed pipe is not an error.
fn stdout(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// One line of an edit script: kept, removed from the old text, or added.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Keep(usize, usize),
    Remove(usize),
    Add(usize),
}

/// The difference between two texts as a unified diff with a few lines of
/// context, `name` in the header.
fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = edit_script(&a, &b);
    let changes: Vec<usize> = (0..ops.len())
        .filter(|&i| !matches!(ops[i], Op::Keep(..)))
        .collect();
    let mut out = format!("--- {name}\n+++ {name} (formatted)\n");
    let mut i = 0;
    while i < changes.len() {
        // A hunk runs from the first change's context to the last change
        // whose context touches the next.
        let mut last = changes[i];
        let mut j = i + 1;
        while j < changes.len() && changes[j] - last <= 2 * CONTEXT + 1 {
            last = changes[j];
            j += 1;
        }
        let from = changes[i].saturating_sub(CONTEXT);
        let to = (last + CONTEXT + 1).min(ops.len());
        let hunk = &ops[from..to];
        let (mut a_start, mut b_start) = position(&ops[..from]);
        let a_len = hunk.iter().filter(|o| !matches!(o, Op::Add(_))).count();
        let b_len = hunk.iter().filter(|o| !matches!(o, Op::Remove(_))).count();
        // A side with no lines names the line before the hunk.
        if a_len > 0 {
            a_start += 1;
        }
        if b_len > 0 {
            b_start += 1;
        }
        out.push_str(&format!("@@ -{a_start},{a_len} +{b_start},{b_len} @@\n"));
        for op in hunk {
            let (sign, line) = match *op {
                Op::Keep(x, _) => (' ', a[x]),
                Op::Remove(x) => ('-', a[x]),
                Op::Add(y) => ('+', b[y]),
            };
            out.push(sign);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
        i = j;
    }
    out
}

/// How many lines of each text `ops` covers.
fn position(ops: &[Op]) -> (usize, usize) {
    ops.iter().fold((0, 0), |(x, y), op| match op {
        Op::Keep(..) => (x + 1, y + 1),
        Op::Remove(_) => (x + 1, y),
        Op::Add(_) => (x, y + 1),
    })
}

/// A shortest edit script from `a` to `b` (a longest common subsequence of
/// the lines both keep); past a few million line pairs, the lines between
/// the common start and end are all removed and added instead.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Keep(i, i)).collect();
    let (n, m) = (mid_a.len(), mid_b.len());
    if n.saturating_mul(m) > 4_000_000 {
        ops.extend((0..n).map(|i| Op::Remove(prefix + i)));
        ops.extend((0..m).map(|j| Op::Add(prefix + j)));
    } else {
        // lcs[i][j]: the longest common subsequence of mid_a[i..] and mid_b[j..].
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if mid_a[i] == mid_b[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && mid_a[i] == mid_b[j] {
                ops.push(Op::Keep(prefix + i, prefix + j));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                // Removals come before additions, as in `diff -u`.
                ops.push(Op::Remove(prefix + i));
                i += 1;
            } else {
                ops.push(Op::Add(prefix + j));
                j += 1;
            }
        }
    }
    let (a_tail, b_tail) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|k| Op::Keep(a_tail + k, b_tail + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::unified_diff;

    #[test]
    fn a_diff_shows_each_change_with_its_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
        let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n";
        assert_eq!(
            unified_diff("x.gati", old, new),
            "--- x.gati\n+++ x.gati (formatted)\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -10,3 +10,4 @@\n j\n k\n l\n+m\n"
        );
    }

    #[test]
    fn a_missing_final_newline_is_shown() {
        assert_eq!(
            unified_diff("x.gati", "a", "a\n"),
            "--- x.gati\n+++ x.gati (formatted)\n@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+a\n"
        );
    }
}
