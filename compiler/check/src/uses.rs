//! The files a spec reads, found without checking it: the `use` items of a
//! root and of every file it reaches, resolved as [`crate::compile`]
//! resolves them. Editors use this to know which spec an open file belongs
//! to before they check it.

use gatic_syntax::ast::{self, Item};
use gatic_syntax::{FileId, parse};

use crate::Loader;

/// Files larger than this are not read, as in [`crate::compile`].
const MAX_FILE_SIZE: usize = 16 << 20;

/// `rel`, written in a `use` of the file at `from`, resolved against that
/// file's folder: `/`-joined and normalized, the path [`Loader::load`] is
/// asked for.
pub fn resolve(from: &str, rel: &str) -> String {
    crate::load::resolve(from, rel)
}

/// The paths the `use` items of `file` (read from `path`) name, resolved,
/// in source order.
pub fn used_paths(path: &str, file: &ast::File) -> Vec<String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Use(u) => Some(resolve(path, &u.path)),
            _ => None,
        })
        .collect()
}

/// `root` and every file it uses, transitively, each once: the root first,
/// then depth first in `use` order. Each comes with its syntax tree, or
/// `None` when the loader cannot read it (or it is too large); such a file
/// is listed but not followed. Syntax errors are ignored.
pub fn closure(root: &str, loader: &dyn Loader) -> Vec<(String, Option<ast::File>)> {
    let mut out: Vec<(String, Option<ast::File>)> = Vec::new();
    let mut stack = vec![root.to_string()];
    while let Some(path) = stack.pop() {
        if out.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let file = loader
            .load(&path)
            .ok()
            .filter(|bytes| bytes.len() <= MAX_FILE_SIZE)
            .map(|bytes| parse(FileId(0), &String::from_utf8_lossy(&bytes)).file);
        if let Some(file) = &file {
            // Pushed in reverse so that the first `use` is visited first.
            stack.extend(used_paths(&path, file).into_iter().rev());
        }
        out.push((path, file));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryLoader;

    #[test]
    fn follows_uses_once_each_and_lists_missing_files() {
        let loader = MemoryLoader::new([
            (
                "api/main.gati",
                "use \"types.gati\"\nuse \"../shared/errors.gati\"\n",
            ),
            (
                "api/types.gati",
                "use \"../shared/errors.gati\"\nuse \"gone.gati\"\n",
            ),
            (
                "shared/errors.gati",
                "use \"../api/main.gati\"\nerror E 404\n",
            ),
        ]);
        let reached: Vec<(String, bool)> = closure("api/main.gati", &loader)
            .into_iter()
            .map(|(path, file)| (path, file.is_some()))
            .collect();
        assert_eq!(
            reached,
            [
                ("api/main.gati".to_string(), true),
                ("api/types.gati".to_string(), true),
                ("shared/errors.gati".to_string(), true),
                ("api/gone.gati".to_string(), false),
            ]
        );
    }
}
