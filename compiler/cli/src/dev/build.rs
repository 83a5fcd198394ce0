//! The two builds of a change: the spec checked and generated into `gen/`
//! (only files whose content changed are written, so cargo rebuilds only
//! what the change touched), and the handler crate built by cargo in debug.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gatic_syntax::render::{self, Format};

/// A spec that checked and was generated.
pub(super) struct Generated {
    /// Files created or changed in `gen/`.
    pub written: usize,
    /// Files already up to date.
    pub unchanged: usize,
    /// Stale generated files removed.
    pub removed: usize,
    /// How long checking, generating and writing took.
    pub took: Duration,
}

/// What checking and regenerating gave, and the spec's files either way
/// (the root and every file it `use`s, as far as they could be read), which
/// the watcher follows.
pub(super) struct Regenerated {
    /// The outcome; `None` when the spec has errors or could not be
    /// written, which was printed.
    pub outcome: Option<Generated>,
    /// The spec's files, absolute.
    pub sources: Vec<PathBuf>,
}

/// Checks `spec`, prints its diagnostics (the handler crate's missing
/// converters as warnings, as `gatic build` does), and when it has no error
/// generates every target into `out`.
pub(super) fn regenerate(spec: &Path, out: &Path) -> Regenerated {
    let started = Instant::now();
    let mut compiled = gatic::compile_path(spec);
    compiled.diagnostics.extend(
        gatic::handler_crate_diagnostics(&compiled, spec)
            .into_iter()
            .map(|d| gatic_syntax::Diagnostic {
                severity: gatic_syntax::Severity::Warning,
                ..d
            }),
    );
    let sources = compiled
        .sources
        .files()
        .map(|(_, file)| absolute(Path::new(&file.name)))
        .collect();
    eprint!(
        "{}",
        render::render(&compiled.sources, &compiled.diagnostics, Format::Human)
    );
    let Some(ir) = &compiled.spec else {
        return Regenerated {
            outcome: None,
            sources,
        };
    };
    let files = match gatic::generate_all(ir, &gatic::BuildConfig::default()) {
        Ok(files) => files,
        Err(errors) => {
            for error in errors {
                eprintln!("error: {error}");
            }
            return Regenerated {
                outcome: None,
                sources,
            };
        }
    };
    match gatic::write_outputs(out, &files) {
        Ok(stats) => Regenerated {
            outcome: Some(Generated {
                written: stats.written,
                unchanged: stats.unchanged,
                removed: stats.removed,
                took: started.elapsed(),
            }),
            sources,
        },
        Err(error) => {
            eprintln!("error: cannot write {}: {error}", out.display());
            Regenerated {
                outcome: None,
                sources,
            }
        }
    }
}

/// The path with symbolic links resolved when it exists (the watcher
/// reports paths under the folders it was given, which are resolved too),
/// else made absolute.
pub(super) fn absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// A built handler binary.
pub(super) struct Built {
    /// The executable cargo built (or found up to date).
    pub executable: PathBuf,
    /// Whether cargo found it up to date and built nothing.
    pub fresh: bool,
    /// How long the build took.
    pub took: Duration,
}

/// Why a build gave no binary.
pub(super) enum BuildFailed {
    /// Cargo failed; its diagnostics were printed.
    Failed(Duration),
    /// `gatic dev` was told to stop while cargo ran.
    Stopped,
    /// Anything else: cargo could not run, or built no binary to serve.
    Other(String),
}

/// Builds the handler crate in `dir` (package `package`) with cargo in
/// debug: rustc's diagnostics go to the terminal as cargo renders them
/// (with `quiet`, without cargo's progress lines), and the binary to serve
/// is read from cargo's JSON messages. Cargo is stopped when `stop` turns
/// true.
///
/// The packages in `line_tables` (the handler crate and the generated one:
/// the two every change rebuilds) get only line tables for debug info,
/// unless `CARGO_PROFILE_DEV_DEBUG` chooses for every package. Full debug
/// info is most of what rustc spends on them: a handler edit of the
/// starter rebuilds in about a quarter of the time. Backtraces keep their
/// files and lines; a debugger sees no variables in those two crates.
pub(super) fn cargo_build(
    dir: &Path,
    package: &str,
    line_tables: &[&str],
    quiet: bool,
    stop: &AtomicBool,
) -> Result<Built, BuildFailed> {
    let started = Instant::now();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--message-format=json-render-diagnostics"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if std::env::var_os("CARGO_PROFILE_DEV_DEBUG").is_none() {
        for name in line_tables {
            command.arg("--config").arg(format!(
                "profile.dev.package.\"{name}\".debug = \"line-tables-only\""
            ));
        }
    }
    if quiet {
        command.arg("--quiet");
    }
    let mut child = command
        .spawn()
        .map_err(|e| BuildFailed::Other(format!("cannot run cargo: {e}")))?;
    // Cargo's messages are read on a thread while this one watches for a
    // stop, so a full pipe never blocks cargo.
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| BuildFailed::Other("cargo's output is not readable".into()))?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let status = loop {
        if stop.load(Ordering::Relaxed) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(BuildFailed::Stopped);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(BuildFailed::Other(format!("cannot wait for cargo: {e}"))),
        }
    };
    let messages = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(BuildFailed::Failed(started.elapsed()));
    }
    let binaries = binaries(&messages);
    let chosen = binaries
        .iter()
        .find(|b| b.name == package)
        .or(match binaries.as_slice() {
            [only] => Some(only),
            _ => None,
        });
    match chosen {
        Some(binary) => Ok(Built {
            executable: binary.executable.clone(),
            fresh: binary.fresh,
            took: started.elapsed(),
        }),
        None if binaries.is_empty() => Err(BuildFailed::Other(format!(
            "the handler crate at {} builds no binary to serve",
            dir.display()
        ))),
        None => Err(BuildFailed::Other(format!(
            "the handler crate at {} builds several binaries ({}) and none is named `{package}`",
            dir.display(),
            binaries
                .iter()
                .map(|b| b.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A binary in cargo's messages.
struct Binary {
    name: String,
    executable: PathBuf,
    fresh: bool,
}

/// The binaries among cargo's `compiler-artifact` messages (one JSON
/// document a line).
fn binaries(messages: &str) -> Vec<Binary> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"))
        })
        .filter_map(|m| {
            Some(Binary {
                name: m["target"]["name"].as_str()?.to_string(),
                executable: PathBuf::from(m["executable"].as_str()?),
                fresh: m["fresh"].as_bool().unwrap_or(false),
            })
        })
        .collect()
}

/// The package name in the `[package]` table of `dir/Cargo.toml`.
pub(super) fn package_name(dir: &Path) -> Result<String, String> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        if let Some((key, value)) = line.split_once('=')
            && key.trim() == "name"
        {
            let name = value.trim().trim_matches('"').trim_matches('\'');
            if !name.is_empty() {
                return Ok(name.to_string());
            }
        }
    }
    Err(format!("{} names no package", manifest.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary comes from cargo's artifact messages; libraries and
    /// other messages are skipped.
    #[test]
    fn binaries_are_read_from_cargo_messages() {
        let messages = [
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"notes_api"},"executable":null,"fresh":true}"#,
            r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"name":"notes"},"executable":"/t/debug/notes","fresh":false}"#,
            r#"{"reason":"build-finished","success":true}"#,
            "not JSON",
        ]
        .join("\n");
        let found = binaries(&messages);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "notes");
        assert_eq!(found[0].executable, PathBuf::from("/t/debug/notes"));
        assert!(!found[0].fresh);
    }

    /// The package's name, not a dependency's.
    #[test]
    fn the_package_name_is_read_from_the_manifest() {
        let dir = std::env::temp_dir().join(format!("gatic-dev-manifest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder");
        std::fs::write(
            dir.join("Cargo.toml"),
            "[dependencies]\nname = \"x\"\n\n[package]\nversion = \"0.1.0\"\nname = \"notes\"\n",
        )
        .expect("write");
        let name = package_name(&dir);
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(name.as_deref(), Ok("notes"));
    }
}
