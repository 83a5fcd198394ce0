//! The `gatic` command line: the only part of the compiler that does IO.

mod deploy;
mod dev;
mod fmt;
mod lsp;
mod mock;
mod sunset;
mod timescape;

use clap::{Parser, Subcommand, ValueEnum};
use gatic::write_outputs;
use gatic_syntax::render::{self, Format};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Compile `.gati` API specs into a Rust service, OpenAPI, SDKs and deploy files.
#[derive(Parser)]
#[command(name = "gatic", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a project in a new folder: a starter spec, the handler crate
    /// that serves it, and a `.gitignore`.
    New {
        /// The folder to create (or an empty one); its name names the
        /// service unless `--name` does.
        dir: PathBuf,
        /// The service's name: a letter, then letters, digits and `_`.
        #[arg(long)]
        name: Option<String>,
    },
    /// Check a spec and report every problem; exit 1 when there is an error.
    ///
    /// Also rebuilds every version frozen in `.gati/versions/` beside the
    /// spec and reports differences the history does not explain: errors
    /// where they break clients pinned to the version, notes where they are
    /// compatible (`gatic release --refresh` records those). With
    /// `--against`, lists every change since another revision of the spec
    /// and exits 1 when a breaking change is not covered by the history.
    Check {
        /// The root `.gati` file.
        spec: PathBuf,
        /// The revision to compare with: a file, a git revision of SPEC
        /// (`main`, `HEAD~1`, a tag), or `REV:path`.
        #[arg(long, value_name = "REF")]
        against: Option<String>,
        /// How to print diagnostics and the change list.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
    /// Freeze the head as the newest version's snapshot,
    /// `.gati/versions/<date>.json` beside the spec, to commit with it.
    ///
    /// Releasing again is a no-op; a different head under a released date
    /// is refused without `--force`. Compatible changes (an added route, an
    /// optional request field, a response field, limits, docs) apply to
    /// every version without a version entry: `gatic check` notes them and
    /// `--refresh` records them in the released snapshots.
    Release {
        /// The root `.gati` file.
        spec: PathBuf,
        /// Overwrite a snapshot of the same date that differs.
        #[arg(long, conflicts_with = "refresh")]
        force: bool,
        /// Rewrite the snapshots of released versions (the head's too, if
        /// it was released) with what the history rebuilds now, when every
        /// difference is compatible; refuse with E0402, writing nothing,
        /// when one breaks clients pinned to a version. Never freezes a
        /// version that was not released.
        #[arg(long)]
        refresh: bool,
    },
    /// Print every change between two specs, with its rule and verdict.
    Diff {
        /// The older spec: a file, or `REV:path` for a file at a git revision.
        old: String,
        /// The newer spec: a file, or `REV:path`.
        new: String,
        /// How to print the change list.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
    /// Check a spec and generate its outputs.
    Build {
        /// The root `.gati` file.
        spec: PathBuf,
        /// The output folder; `gen/` beside the spec by default.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The generated crate's package name; `<service>-api` by default.
        #[arg(long)]
        crate_name: Option<String>,
        /// Render deploy overlays for these environments instead of the spec's
        /// (repeat the flag for several).
        #[arg(long = "env", value_name = "ENV")]
        environments: Vec<String>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
    /// Render a deploy overlay and apply it with kubectl (after `gatic build`).
    Deploy {
        /// The environment: one of the overlays under `deploy/k8s/overlays/`.
        env: String,
        /// Print the rendered manifests instead of applying them.
        #[arg(long)]
        dry_run: bool,
        /// The image to run: a tag (`1.2.3`) or a full reference.
        #[arg(long)]
        image: Option<String>,
        /// The folder `gatic build` wrote.
        #[arg(long, default_value = "gen")]
        out: PathBuf,
    },
    /// Print the long explanation of a diagnostic code, such as E0101.
    Explain {
        /// The code; without one, every code is listed.
        code: Option<String>,
    },
    /// Rewrite `.gati` files in the canonical layout (comments kept); with
    /// `--check`, write nothing, print a diff of each file that would
    /// change, and exit 1 if any would.
    ///
    /// A file that does not parse is reported and nothing is written.
    /// Without FILES, formats the spec in the current folder (its only
    /// `.gati` file, or `main.gati`) and every file it `use`s.
    Fmt {
        /// Write nothing; exit 1 if a file is not formatted.
        #[arg(long)]
        check: bool,
        /// The files to format.
        files: Vec<PathBuf>,
    },
    /// Print the checked IR of a spec as JSON.
    Ir {
        /// The root `.gati` file.
        spec: PathBuf,
    },
    /// Serve the spec's handler crate and rebuild it on every change: the
    /// spec (and the files it `use`s) is re-checked and regenerated, the
    /// handler crate rebuilt in debug, and the new server takes over the
    /// listening socket while the old one drains. A spec error keeps the
    /// last good server running.
    Dev {
        /// The root `.gati` file; the spec in the current folder when absent.
        spec: Option<PathBuf>,
        /// The port to serve on (`PORT`, else 8080).
        #[arg(long)]
        port: Option<u16>,
    },
    /// Run the language server over stdin and stdout, for editors.
    Lsp,
    /// Report who still calls each API version but the head, and which
    /// routes, from the server's access log (`GATI_ACCESS_LOG=on`): whom to
    /// contact before a version is sunset.
    SunsetReport {
        /// The root `.gati` file (for its versions and their dates).
        spec: PathBuf,
        /// Access-log files (JSON lines); standard input when none is given.
        logs: Vec<PathBuf>,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
    /// Serve every route of a spec from the spec alone, with example values
    /// that satisfy its refinements; requests are validated like the real
    /// server's, at every version.
    Mock {
        /// The root `.gati` file.
        spec: PathBuf,
        /// The port to serve on (`PORT`, else 8080).
        #[arg(long)]
        port: Option<u16>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// rustc-style text.
    #[value(alias = "text")]
    Human,
    /// A JSON document.
    Json,
    /// GitHub Actions annotations.
    Github,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Human => Format::Human,
            OutputFormat::Json => Format::Json,
            OutputFormat::Github => Format::Github,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Dev { spec, port } => dev::run(spec.as_deref(), port),
        Command::Lsp => lsp::run(),
        Command::SunsetReport { spec, logs, format } => sunset_report(&spec, &logs, format),
        Command::Mock { spec, port } => mock::run(&spec, port),
        Command::New { dir, name } => match gatic::new_project::create(&dir, name.as_deref()) {
            Ok((spec, written)) => {
                for path in &written {
                    eprintln!("gatic: created {}", path.display());
                }
                let spec_name = spec.file_name().map_or_else(
                    || spec.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                eprintln!(
                    "\nNext:\n  cd {}\n  gatic build {spec_name}\n  cargo run\n\n`gatic build` writes the server crate, OpenAPI, SDKs and deploy files to gen/;\n`cargo run` serves the API on :8080 (PORT sets another port).",
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        },
        Command::Check {
            spec,
            against,
            format,
        } => check(&spec, against.as_deref(), format),
        Command::Release {
            spec,
            force,
            refresh,
        } => {
            let compiled = gatic::compile_path(&spec);
            report(&compiled, Format::Human);
            if compiled.spec.is_none() {
                return ExitCode::from(1);
            }
            if refresh {
                return refresh_snapshots(&compiled, &spec);
            }
            match timescape::release(&compiled, &spec, force) {
                Ok(timescape::Released::Written(path)) => {
                    eprintln!("gatic: froze {}", path.display());
                    ExitCode::SUCCESS
                }
                Ok(timescape::Released::Unchanged(path)) => {
                    eprintln!("gatic: {} is up to date", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Diff { old, new, format } => diff(&old, &new, format),
        Command::Build {
            spec,
            out,
            crate_name,
            environments,
            format,
        } => {
            let mut compiled = gatic::compile_path(&spec);
            // The crate is generated all the same: its `Converters` and `Api`
            // traits are what the missing methods are written against.
            compiled.diagnostics.extend(
                gatic::handler_crate_diagnostics(&compiled, &spec)
                    .into_iter()
                    .map(|d| gatic_syntax::Diagnostic {
                        severity: gatic_syntax::Severity::Warning,
                        ..d
                    }),
            );
            report(&compiled, format.into());
            let Some(ir) = &compiled.spec else {
                return ExitCode::from(1);
            };
            let out_named = out.is_some();
            let out = out.unwrap_or_else(|| default_out_dir(&spec));
            let config = gatic::BuildConfig {
                crate_name,
                environments: (!environments.is_empty()).then_some(environments),
                out_dir: out_named.then(|| out.to_string_lossy().replace('\\', "/")),
            };
            let files = match gatic::generate_all(ir, &config) {
                Ok(files) => files,
                Err(errors) => {
                    for e in errors {
                        eprintln!("error: {e}");
                    }
                    return ExitCode::from(1);
                }
            };
            match write_outputs(&out, &files) {
                Ok(stats) => {
                    eprintln!(
                        "gatic: {} written, {} unchanged, {} removed in {}",
                        stats.written,
                        stats.unchanged,
                        stats.removed,
                        out.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", out.display());
                    ExitCode::from(2)
                }
            }
        }
        Command::Deploy {
            env,
            dry_run,
            image,
            out,
        } => match deploy::deploy(&out, &env, dry_run, image.as_deref()) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        },
        Command::Explain { code } => explain(code.as_deref()),
        Command::Fmt { check, files } => fmt::run(&files, check),
        Command::Ir { spec } => {
            let compiled = gatic::compile_path(&spec);
            report(&compiled, Format::Human);
            match &compiled.spec {
                Some(ir) => {
                    println!("{}", serde_json::to_string_pretty(ir).unwrap_or_default());
                    ExitCode::SUCCESS
                }
                None => ExitCode::from(1),
            }
        }
    }
}

fn ts_format(f: OutputFormat) -> gatic_timescape::Format {
    match f {
        OutputFormat::Human => gatic_timescape::Format::Text,
        OutputFormat::Json => gatic_timescape::Format::Json,
        OutputFormat::Github => gatic_timescape::Format::Github,
    }
}

/// `gatic check`: the spec's diagnostics, drift from its frozen versions,
/// and with `against` the classified change list. Exit 1 on an error or an
/// uncovered break, 2 when `against` cannot be read.
fn check(spec: &Path, against: Option<&str>, format: OutputFormat) -> ExitCode {
    let mut compiled = gatic::compile_path(spec);
    let frozen = timescape::frozen_check(&compiled, spec);
    let mut drift = frozen.diagnostics;
    drift.extend(gatic::handler_crate_diagnostics(&compiled, spec));
    let ok = compiled.spec.is_some() && drift.is_empty();
    compiled.diagnostics.extend(drift);
    let file = spec.to_string_lossy().replace('\\', "/");
    // Compatible differences from a frozen version do not fail the check,
    // but are said, after the diagnostics.
    let report_all = |compiled: &gatic_check::Compiled| {
        report(compiled, format.into());
        frozen_notes(&frozen.notes, format, &file);
    };
    let Some(against) = against else {
        report_all(&compiled);
        return exit(ok);
    };
    let Some(new) = &compiled.spec else {
        report_all(&compiled);
        return ExitCode::from(1);
    };
    let (old, name) = match timescape::compile_other(against, spec) {
        Ok(o) => o,
        Err(e) => {
            report_all(&compiled);
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(old_spec) = &old.spec else {
        report_all(&compiled);
        eprintln!("error: the spec at {name} does not compile:");
        report(&old, Format::Human);
        return ExitCode::from(2);
    };
    // Suggestions name the record that declares a field, found in the new
    // spec's sources (not a record derived from it, where a pasted line
    // would not apply).
    let origins = gatic_timescape::Origins::from_sources(&compiled.sources);
    let changes = gatic_timescape::compare_with(old_spec, new, &origins);
    match format {
        OutputFormat::Json => {
            let diagnostics: serde_json::Value = serde_json::from_str(&render::render(
                &compiled.sources,
                &compiled.diagnostics,
                Format::Json,
            ))
            .unwrap_or(serde_json::Value::Null);
            let doc = serde_json::json!({
                "against": name,
                "diagnostics": diagnostics,
                "changes": gatic_timescape::to_json(&changes),
            });
            stdout(&format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            ));
            frozen_notes(&frozen.notes, format, &file);
        }
        _ => {
            report_all(&compiled);
            stdout(&gatic_timescape::render_at(
                &changes,
                ts_format(format),
                &file,
                &origins,
            ));
        }
    }
    exit(ok && !changes.failed())
}

/// Prints the frozen check's notes on compatible differences: on stderr as
/// `note:` paragraphs, or as `::notice` commands for GitHub. A JSON report
/// stays one document on stdout, so its notes go to stderr.
fn frozen_notes(notes: &[String], format: OutputFormat, file: &str) {
    for note in notes {
        match format {
            OutputFormat::Human | OutputFormat::Json => eprintln!("note: {note}"),
            OutputFormat::Github => {
                let escaped = note
                    .replace('%', "%25")
                    .replace('\r', "%0D")
                    .replace('\n', "%0A");
                let file = file
                    .replace('%', "%25")
                    .replace(':', "%3A")
                    .replace(',', "%2C");
                stdout(&format!(
                    "::notice file={file},title=compatible changes since a release::{escaped}\n"
                ));
            }
        }
    }
}

/// `gatic release --refresh`: rewrites the released snapshots with their
/// compatible changes, or refuses with `E0402` and writes nothing.
fn refresh_snapshots(compiled: &gatic_check::Compiled, spec: &Path) -> ExitCode {
    match timescape::refresh(compiled, spec) {
        Ok(written) if written.is_empty() => {
            eprintln!("gatic: every released snapshot is up to date");
            ExitCode::SUCCESS
        }
        Ok(written) => {
            for path in &written {
                eprintln!("gatic: refreshed {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(timescape::RefreshRefused::Breaks(diagnostics)) => {
            eprint!(
                "{}",
                render::render(&compiled.sources, &diagnostics, Format::Human)
            );
            eprintln!(
                "error: nothing was refreshed: only compatible changes are recorded in a released snapshot; record the breaking ones in a new version"
            );
            ExitCode::from(1)
        }
        Err(timescape::RefreshRefused::Io(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `gatic diff`: the classified change list between two specs; exit 1 only
/// when one of them does not compile, 2 when one cannot be read.
fn diff(old: &str, new: &str, format: OutputFormat) -> ExitCode {
    let mut specs = Vec::new();
    let mut origins = None;
    for what in [old, new] {
        let (compiled, name) = match timescape::compile_other(what, Path::new(what)) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        origins = Some(gatic_timescape::Origins::from_sources(&compiled.sources));
        match compiled.spec {
            Some(s) => specs.push(s),
            None => {
                eprintln!("error: {name} does not compile:");
                report(&compiled, Format::Human);
                return ExitCode::from(1);
            }
        }
    }
    let (Some(o), Some(n)) = (specs.first(), specs.get(1)) else {
        return ExitCode::from(2);
    };
    // The new spec's origins (the last compiled) name the declaring records.
    let changes = match &origins {
        Some(origins) => gatic_timescape::compare_with(o, n, origins),
        None => gatic_timescape::compare(o, n),
    };
    stdout(&gatic_timescape::render(&changes, ts_format(format), new));
    ExitCode::SUCCESS
}

/// Prints to stdout; a closed pipe (`gatic diff … | head`) is not an error.
fn stdout(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn default_out_dir(spec: &Path) -> PathBuf {
    spec.parent().unwrap_or(Path::new(".")).join("gen")
}

fn report(compiled: &gatic_check::Compiled, format: Format) {
    let text = render::render(&compiled.sources, &compiled.diagnostics, format);
    match format {
        // Machine formats go to stdout so tools can capture them cleanly.
        Format::Json | Format::Github => print!("{text}"),
        Format::Human => eprint!("{text}"),
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn explain(code: Option<&str>) -> ExitCode {
    use gatic_syntax::codes;
    match code {
        None => {
            for c in codes::ALL {
                println!("{}  {}", c.code, c.title);
            }
            ExitCode::SUCCESS
        }
        Some(code) => match codes::lookup(code) {
            Some(c) => {
                println!("{}: {}\n\n{}", c.code, c.title, c.explanation);
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no diagnostic code `{code}`; `gatic explain` lists them all");
                ExitCode::from(2)
            }
        },
    }
}

/// `gatic sunset-report`: reads every log (or standard input) and prints
/// the report.
fn sunset_report(spec_path: &Path, logs: &[PathBuf], format: OutputFormat) -> ExitCode {
    let compiled = gatic::compile_path(spec_path);
    report(&compiled, Format::Human);
    let Some(spec) = &compiled.spec else {
        return ExitCode::from(1);
    };
    let mut report = sunset::Report::new(spec);
    if logs.is_empty()
        && let Err(e) = report.read(std::io::stdin().lock())
    {
        eprintln!("error: reading standard input: {e}");
        return ExitCode::from(1);
    }
    for path in logs {
        let read =
            std::fs::File::open(path).and_then(|file| report.read(std::io::BufReader::new(file)));
        if let Err(e) = read {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    match format {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report.json(spec)).unwrap_or_default()
        ),
        OutputFormat::Human | OutputFormat::Github => print!("{}", report.human(spec)),
    }
    ExitCode::SUCCESS
}
