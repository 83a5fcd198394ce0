//! Timescape's IO: reading an older spec from a path or a git revision,
//! reading and writing the frozen versions in `.gati/versions/`, and turning
//! drift from a frozen version into diagnostics. The logic is in the
//! `gatic-timescape` crate; this module only feeds it.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use gatic_check::{Compiled, Loader};
use gatic_syntax::{Diagnostic, FileId, SourceMap, Span, codes};
use gatic_timescape as ts;

/// Reads files as they were at a git revision, with `git show REV:path`:
/// no checkout, the working tree is never touched.
pub struct GitLoader {
    rev: String,
    /// The repository's top folder, canonical.
    top: PathBuf,
    /// The folder relative paths start from, canonical.
    cwd: PathBuf,
}

impl GitLoader {
    /// A loader for revision `rev` of the repository holding `near` (a file
    /// or folder that need not exist at the current revision).
    pub fn new(rev: &str, near: &Path) -> Result<GitLoader, String> {
        if rev.is_empty() || rev.starts_with('-') {
            return Err(format!("`{rev}` is not a git revision"));
        }
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .map_err(|e| format!("cannot read the current folder: {e}"))?;
        let mut dir = canonical(&absolute(&cwd, near));
        while !dir.is_dir() && dir.pop() {}
        let top = git(&dir, &["rev-parse", "--show-toplevel"])
            .map_err(|e| format!("`{rev}` is neither a file nor a git revision: {e}"))?;
        let top = PathBuf::from(String::from_utf8_lossy(&top).trim())
            .canonicalize()
            .map_err(|e| e.to_string())?;
        git(
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )
        .map_err(|_| format!("`{rev}` is neither a file nor a git revision"))?;
        Ok(GitLoader {
            rev: rev.to_string(),
            top,
            cwd,
        })
    }
}

impl Loader for GitLoader {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        let full = canonical(&absolute(&self.cwd, Path::new(path)));
        let rel = full
            .strip_prefix(&self.top)
            .map_err(|_| "outside the git repository".to_string())?;
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        git(&self.top, &["show", &format!("{}:{rel}", self.rev)])
            .map_err(|_| format!("not found at revision {}", self.rev))
    }
}

/// `path` made absolute against `cwd`, with `.` and `..` removed lexically.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `path` with its nearest existing ancestor canonicalized (symbolic links
/// resolved) and the rest, which need not exist, appended.
fn canonical(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(mut c) = existing.canonicalize() {
            c.extend(rest.iter().rev());
            return c;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Runs git in `dir`; its stdout, or its stderr as the error.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The spec `what` names, relative to the spec being checked (`spec`): a
/// file when one exists there, else a git revision of `spec`; or, written
/// `REV:path`, the file `path` at revision `REV`.
pub fn compile_other(what: &str, spec: &Path) -> Result<(Compiled, String), String> {
    if Path::new(what).is_file() {
        return Ok((gatic::compile_path(Path::new(what)), what.to_string()));
    }
    let (rev, path) = match what.split_once(':') {
        Some((rev, path)) if !path.is_empty() && !rev.is_empty() => (rev, PathBuf::from(path)),
        _ => (what, spec.to_path_buf()),
    };
    let loader = GitLoader::new(rev, &path)?;
    let root = path.to_string_lossy().replace('\\', "/");
    let mut compiled = gatic_check::compile(&root, &loader);
    if let Some(s) = &mut compiled.spec {
        s.source = path
            .file_name()
            .map_or_else(|| root.clone(), |n| n.to_string_lossy().into_owned());
    }
    Ok((compiled, format!("{rev}:{root}")))
}

/// The folder of frozen versions beside `spec`.
pub fn frozen_dir(spec: &Path) -> PathBuf {
    spec.parent().unwrap_or(Path::new(".")).join(ts::DIR)
}

/// Every file in the frozen-versions folder (name, text), sorted by name;
/// nothing when the folder does not exist.
fn read_frozen(spec: &Path) -> io::Result<Vec<(String, String)>> {
    let dir = frozen_dir(spec);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read(entry.path())?;
        out.push((name, String::from_utf8_lossy(&text).into_owned()));
    }
    out.sort();
    Ok(out)
}

/// The span of the root file's `versions` keyword, or its first byte.
fn versions_span(sources: &SourceMap) -> Span {
    let file = FileId(0);
    let text = &sources.get(file).text;
    let found = text.match_indices("versions").find(|(at, _)| {
        let line_start = text[..*at]
            .rsplit('\n')
            .next()
            .is_some_and(|l| l.trim().is_empty());
        line_start && text[at + "versions".len()..].trim_start().starts_with('{')
    });
    match found {
        Some((at, _)) => Span::new(file, at, at + "versions".len()),
        None => Span::new(file, 0, 0),
    }
}

/// What the frozen check found: errors for the versions whose rebuild
/// breaks their pinned clients (or whose files are wrong), and a note for
/// each version that differs only compatibly, so that nothing is silent.
pub struct FrozenCheck {
    /// `E0402` diagnostics on the `versions` block.
    pub diagnostics: Vec<Diagnostic>,
    /// One paragraph per version with compatible differences only; they do
    /// not fail the check.
    pub notes: Vec<String>,
}

/// Compares every frozen version beside `spec` with the one its history
/// rebuilds: breaking differences as `E0402` diagnostics on the `versions`
/// block, compatible ones as notes.
pub fn frozen_check(compiled: &Compiled, spec: &Path) -> FrozenCheck {
    let mut out = FrozenCheck {
        diagnostics: Vec::new(),
        notes: Vec::new(),
    };
    let Some(ir) = &compiled.spec else {
        return out;
    };
    let span = versions_span(&compiled.sources);
    let files = match read_frozen(spec) {
        Ok(f) => f,
        Err(e) => {
            out.diagnostics.push(Diagnostic::error(
                codes::BAD_CHANGE,
                span,
                format!("cannot read {}: {e}", frozen_dir(spec).display()),
            ));
            return out;
        }
    };
    let origins = ts::Origins::from_sources(&compiled.sources);
    for drift in ts::verify(ir, &files, &origins) {
        if drift.breaks() {
            out.diagnostics.push(drift_diagnostic(&drift, span));
        } else {
            out.notes.push(compatible_note(&drift));
        }
    }
    out
}

/// `rule location: message`, one finding.
fn finding_line(f: &ts::Finding) -> String {
    format!("{} {}: {}", f.rule.id, f.location, f.message)
}

/// `E0402` for a frozen version the history no longer rebuilds as its
/// pinned clients know it: the breaking differences as notes, the
/// compatible ones after them, and the version entry that would explain the
/// breaks.
fn drift_diagnostic(drift: &ts::Drift, span: Span) -> Diagnostic {
    let file = format!("{}/{}", ts::DIR, drift.file);
    if let Some(problem) = &drift.problem {
        return Diagnostic::error(codes::BAD_CHANGE, span, format!("{file}: {problem}"))
            .with_label("in this history");
    }
    let n = drift.findings.len();
    let mut d = Diagnostic::error(
        codes::BAD_CHANGE,
        span,
        format!(
            "the history no longer rebuilds version {} as it was released ({file})",
            drift.date
        ),
    )
    .with_label(format!(
        "{n} difference{} no version explains, breaking clients pinned to {}",
        if n == 1 { "" } else { "s" },
        drift.date
    ));
    for f in &drift.findings {
        d = d.with_note(finding_line(f));
    }
    if !drift.compatible.is_empty() {
        d = d.with_note(format!(
            "compatible, needing no entry: {}",
            drift
                .compatible
                .iter()
                .map(|f| format!("{} {}", f.rule.id, f.location))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let suggestions = drift.suggestions();
    if suggestions.is_empty() {
        d = d.with_note("the history cannot express these changes: restore the released shape");
    } else {
        d = d.with_note(format!(
            "record them in a new version at the end of the `versions` block:\n{}",
            ts::suggested_entry(&suggestions)
        ));
    }
    d
}

/// The note for a frozen version that differs from its rebuild only in
/// ways its pinned clients accept.
fn compatible_note(drift: &ts::Drift) -> String {
    let file = format!("{}/{}", ts::DIR, drift.file);
    let n = drift.compatible.len();
    let mut out = if n == 0 {
        format!(
            "version {} differs from its release ({file}) only outside the contract (docs, titles, types no route reaches)",
            drift.date
        )
    } else {
        format!(
            "version {} has {n} compatible difference{} from its release ({file}); {} every version and need{} no version entry:",
            drift.date,
            if n == 1 { "" } else { "s" },
            if n == 1 {
                "it applies to"
            } else {
                "they apply to"
            },
            if n == 1 { "s" } else { "" },
        )
    };
    for f in &drift.compatible {
        out.push_str("\n  ");
        out.push_str(&finding_line(f));
    }
    out.push_str("\n`gatic release --refresh` records ");
    out.push_str(if n == 1 { "it" } else { "them" });
    out.push_str(" in the snapshot");
    out
}

/// What `gatic release` did.
pub enum Released {
    /// The snapshot was written.
    Written(PathBuf),
    /// The snapshot already held exactly this.
    Unchanged(PathBuf),
}

/// Freezes the head of `compiled` beside `spec`. A different snapshot under
/// the same date is refused unless `force`: a released version is frozen.
pub fn release(compiled: &Compiled, spec: &Path, force: bool) -> Result<Released, String> {
    let Some(ir) = &compiled.spec else {
        return Err("the spec has errors".to_string());
    };
    let file = ts::freeze(ir)?;
    let path = spec.parent().unwrap_or(Path::new(".")).join(&file.path);
    if let Ok(old) = std::fs::read_to_string(&path) {
        if old == file.contents {
            return Ok(Released::Unchanged(path));
        }
        if !force {
            let (detail, compatible) = match ts::parse(&old) {
                Ok(frozen) => {
                    let findings = ts::diff_api(&frozen.api, &ir.head);
                    let compatible = findings
                        .iter()
                        .all(|f| f.rule.severity == ts::Severity::Info);
                    let lines = findings
                        .iter()
                        .map(|f| format!("\n  {}", finding_line(f)))
                        .collect::<String>();
                    (lines, compatible)
                }
                Err(e) => (format!("\n  {e}"), false),
            };
            let advice = if compatible {
                "every difference is compatible: `gatic release --refresh` records them"
            } else {
                "add a new version for the changes, or pass --force to overwrite it"
            };
            return Err(format!(
                "{} already holds a different release of this date; {advice}{detail}",
                path.display()
            ));
        }
    }
    write(&path, &file.contents)?;
    Ok(Released::Written(path))
}

/// Writes `contents` to `path`, creating its folder.
fn write(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Why `gatic release --refresh` wrote nothing.
pub enum RefreshRefused {
    /// Some frozen version breaks its pinned clients (or its file or the
    /// history has a problem): the `E0402` diagnostics that say so.
    Breaks(Vec<Diagnostic>),
    /// The frozen versions could not be read, or a snapshot not written.
    Io(String),
}

/// `gatic release --refresh`: rewrites every frozen version beside `spec`
/// (the head's too, when it was released) with what the history rebuilds
/// now, where every difference is compatible, and returns the files
/// written (only those whose bytes change). Any breaking difference refuses
/// the whole refresh before anything is written. Versions that were never
/// released are not frozen: that is `gatic release`.
pub fn refresh(compiled: &Compiled, spec: &Path) -> Result<Vec<PathBuf>, RefreshRefused> {
    let Some(ir) = &compiled.spec else {
        return Err(RefreshRefused::Io("the spec has errors".to_string()));
    };
    let files = read_frozen(spec).map_err(|e| {
        RefreshRefused::Io(format!("cannot read {}: {e}", frozen_dir(spec).display()))
    })?;
    let origins = ts::Origins::from_sources(&compiled.sources);
    let span = versions_span(&compiled.sources);
    let outputs = ts::refresh(ir, &files, &origins).map_err(|broken| {
        RefreshRefused::Breaks(broken.iter().map(|d| drift_diagnostic(d, span)).collect())
    })?;
    let dir = spec.parent().unwrap_or(Path::new("."));
    let mut written = Vec::new();
    for file in outputs {
        let path = dir.join(&file.path);
        write(&path, &file.contents).map_err(RefreshRefused::Io)?;
        written.push(path);
    }
    Ok(written)
}
