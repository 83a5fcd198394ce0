//! The `gatic` command line: the only part of the compiler that does IO.

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
    /// Check a spec and report every problem; exit 1 when there is an error.
    Check {
        /// The root `.gati` file.
        spec: PathBuf,
        /// How to print diagnostics.
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
    /// Print the checked IR of a spec as JSON.
    Ir {
        /// The root `.gati` file.
        spec: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// rustc-style text.
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
        Command::Check { spec, format } => {
            let compiled = gatic::compile_path(&spec);
            report(&compiled, format.into());
            exit(compiled.spec.is_some())
        }
        Command::Build {
            spec,
            out,
            crate_name,
            environments,
            format,
        } => {
            let compiled = gatic::compile_path(&spec);
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
        } => match gatic_deploy::deploy(&out, &env, dry_run, image.as_deref()) {
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
