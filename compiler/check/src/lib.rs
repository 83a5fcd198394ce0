//! Checking and lowering: from the parsed `.gati` files of one spec to the
//! IR, reporting every semantic error on the way.
//!
//! [`compile`] is the whole pipeline up to the IR: it loads the root file and
//! every file it `use`s through a [`Loader`] (the only door to IO), parses
//! them, resolves names across files, checks types, refinements, defaults,
//! routes and the version history, and lowers everything to
//! [`gatic_ir::Spec`]. It never panics and never stops at the first error.

mod attrs;
mod check;
mod generics;
mod load;
mod routes;
mod spans;
mod unions;
mod usage;
pub use spans::Spans;
pub mod uses;
mod values;
mod versions;

use std::collections::BTreeMap;

use gatic_syntax::{Diagnostic, SourceMap, codes};

/// Reads source files. The CLI reads the file system; tests use [`MemoryLoader`].
pub trait Loader {
    /// The bytes of the file at `path`: the root as given, or a `use` path
    /// resolved against the including file's directory (`/`-joined and
    /// normalized: no `./` or `a/../`).
    fn load(&self, path: &str) -> Result<Vec<u8>, String>;
}

/// Files held in memory, by path: for tests and editors.
#[derive(Clone, Debug, Default)]
pub struct MemoryLoader(pub BTreeMap<String, Vec<u8>>);

impl MemoryLoader {
    /// A loader holding `files` (path, text).
    pub fn new<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> MemoryLoader {
        MemoryLoader(
            files
                .into_iter()
                .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
                .collect(),
        )
    }
}

impl Loader for MemoryLoader {
    fn load(&self, path: &str) -> Result<Vec<u8>, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| "no such file".to_string())
    }
}

/// The closest candidate to `name`: within the edit distance of
/// [`did_you_mean`](gatic_syntax::diagnostic::did_you_mean), or one swap of
/// neighbouring letters away (`Emial` → `Email`), or equal ignoring case.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().filter(|c| *c != name).collect();
    if let Some(best) = gatic_syntax::diagnostic::did_you_mean(name, candidates.iter().copied()) {
        return Some(best);
    }
    let swapped = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let diff: Vec<usize> = (0..a.len().min(b.len()))
            .filter(|&i| a[i] != b[i])
            .collect();
        a.len() == b.len()
            && matches!(diff.as_slice(), [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i])
    };
    let lower = name.to_lowercase();
    candidates
        .iter()
        .find(|c| swapped(name, c))
        .or_else(|| {
            candidates
                .iter()
                .find(|c| c.to_lowercase() == lower || swapped(&lower, &c.to_lowercase()))
        })
        .copied()
}

/// The result of [`compile`].
#[derive(Debug)]
pub struct Compiled {
    /// Every file that was loaded, for rendering diagnostics.
    pub sources: SourceMap,
    /// The lowered spec; `Some` only when no diagnostic is an error.
    pub spec: Option<gatic_ir::Spec>,
    /// Every diagnostic (syntax and semantic), sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Where the spec declares what the IR names (routes, types, members,
    /// errors, converters), even when it does not compile.
    pub spans: Spans,
}

/// Loads `root` and every file it `use`s (transitively), parses, checks and
/// lowers them. Never panics. `spec` is `Some` only when there is no error
/// (warnings allowed). Diagnostics are sorted by (file, start).
pub fn compile(root: &str, loader: &dyn Loader) -> Compiled {
    let loaded = load::load(root, loader);
    let mut diagnostics = loaded.diagnostics;
    let expanded = generics::expand(&loaded.files);
    diagnostics.extend(expanded.diagnostics);
    let spans = Spans::of(&expanded.files);
    let (spec, more) = check::check(
        root,
        loaded.root,
        &expanded.files,
        &expanded.instances,
        &loaded.sources,
    );
    diagnostics.extend(more);
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
    let failed = diagnostics.iter().any(Diagnostic::is_error);
    if failed {
        // After an error a declaration may look unused, or a deprecated use
        // may be beside the point: usage warnings wait for a spec that compiles.
        diagnostics
            .retain(|d| d.is_error() || ![codes::UNUSED, codes::DEPRECATED_USE].contains(&d.code));
    }
    Compiled {
        sources: loaded.sources,
        spec: if failed { None } else { spec },
        diagnostics,
        spans,
    }
}
