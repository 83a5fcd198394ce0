//! Loading: the root file and every file it `use`s, each read and parsed once.

use gatic_syntax::ast::{self, Item};
use gatic_syntax::{Diagnostic, FileId, SourceFile, SourceMap, Span, codes};

use crate::Loader;

/// Files larger than this are not read (E0005).
const MAX_FILE_SIZE: usize = 16 << 20;

/// Every loaded file, parsed.
pub(crate) struct Loaded {
    /// The files' texts.
    pub sources: SourceMap,
    /// The root file's id.
    pub root: FileId,
    /// The parsed files in declaration order: `use`d files before the files
    /// that use them, in `use` order; the root last.
    pub files: Vec<(FileId, ast::File)>,
    /// Loading and syntax diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

struct State<'a> {
    loader: &'a dyn Loader,
    sources: SourceMap,
    files: Vec<(FileId, ast::File)>,
    /// Files being loaded, innermost last: a `use` of one of them is a cycle.
    stack: Vec<(FileId, String)>,
    diagnostics: Vec<Diagnostic>,
}

pub(crate) fn load(root: &str, loader: &dyn Loader) -> Loaded {
    let mut state = State {
        loader,
        sources: SourceMap::new(),
        files: Vec::new(),
        stack: Vec::new(),
        diagnostics: Vec::new(),
    };
    let root_id = state.visit(root.to_string(), None);
    Loaded {
        sources: state.sources,
        root: root_id,
        files: state.files,
        diagnostics: state.diagnostics,
    }
}

impl State<'_> {
    /// Loads `path` (named by the `use` at `from`, or the root) unless it was
    /// loaded already, then the files it uses.
    fn visit(&mut self, path: String, from: Option<Span>) -> FileId {
        if let Some(id) = self.sources.find(&path) {
            if let Some(pos) = self.stack.iter().position(|(f, _)| *f == id)
                && let Some(span) = from
            {
                let chain: Vec<String> = self.stack[pos..]
                    .iter()
                    .map(|(_, n)| format!("`{n}`"))
                    .chain([format!("`{path}`")])
                    .collect();
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::USE_CYCLE,
                        span,
                        format!("`use` cycle: {}", chain.join(" → ")),
                    )
                    .with_label("this `use` closes the cycle")
                    .with_note("each file is read once; move the shared declarations into a file of their own"),
                );
            }
            return id;
        }
        let bytes = match self.loader.load(&path) {
            Ok(bytes) => bytes,
            Err(why) => {
                let id = self.sources.add(SourceFile::new(path.clone(), ""));
                let span = from.unwrap_or(Span::new(id, 0, 0));
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::USE_NOT_FOUND,
                        span,
                        format!("cannot read `{path}`: {why}"),
                    )
                    .with_label("this file could not be read"),
                );
                return id;
            }
        };
        if bytes.len() > MAX_FILE_SIZE {
            let id = self.sources.add(SourceFile::new(path.clone(), ""));
            let mut d = Diagnostic::error(
                codes::FILE_TOO_LARGE,
                Span::new(id, 0, 0),
                format!(
                    "`{path}` is {} bytes; files may be at most 16 MiB",
                    bytes.len()
                ),
            );
            if let Some(span) = from {
                d = d.with_secondary(span, "used here");
            }
            self.diagnostics.push(d);
            return id;
        }
        let (text, bad_utf8) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                // The bad bytes become U+FFFD, three bytes long in the text kept.
                let len = '\u{FFFD}'.len_utf8();
                (
                    String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    Some((at, len)),
                )
            }
        };
        let id = self
            .sources
            .add(SourceFile::new(path.clone(), text.clone()));
        if let Some((at, len)) = bad_utf8 {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_UTF8,
                    Span::new(id, at, at + len),
                    format!("`{path}` is not valid UTF-8"),
                )
                .with_label("this byte sequence is not UTF-8")
                .with_note("invalid sequences were replaced by U+FFFD to keep checking"),
            );
        }
        let parsed = gatic_syntax::parse(id, &text);
        self.diagnostics.extend(parsed.diagnostics);
        self.stack.push((id, path.clone()));
        for item in &parsed.file.items {
            if let Item::Use(u) = item {
                let target = resolve(&path, &u.path);
                self.visit(target, Some(u.span));
            }
        }
        self.stack.pop();
        self.files.push((id, parsed.file));
        id
    }
}

/// `rel` resolved against the directory of `from`, `/`-joined and normalized.
pub(crate) fn resolve(from: &str, rel: &str) -> String {
    let absolute = rel.starts_with('/') || (rel.is_empty() && from.starts_with('/'));
    let mut parts: Vec<&str> = Vec::new();
    let base = if rel.starts_with('/') {
        ""
    } else {
        from.rsplit_once('/').map_or("", |(dir, _)| dir)
    };
    let from_abs = !rel.starts_with('/') && from.starts_with('/');
    for seg in base.split('/').chain(rel.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !(absolute || from_abs) {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if absolute || from_abs {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolves_relative_to_the_including_file() {
        assert_eq!(resolve("users.gati", "common.gati"), "common.gati");
        assert_eq!(
            resolve("specs/a/users.gati", "./common.gati"),
            "specs/a/common.gati"
        );
        assert_eq!(
            resolve("specs/a/users.gati", "../b/x.gati"),
            "specs/b/x.gati"
        );
        assert_eq!(resolve("a.gati", "../x.gati"), "../x.gati");
        assert_eq!(resolve("/s/a.gati", "b/../c.gati"), "/s/c.gati");
        assert_eq!(resolve("s/a.gati", "/abs/c.gati"), "/abs/c.gati");
    }
}
