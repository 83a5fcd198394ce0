//! Helpers for doc comments as targets render them.

/// A doc comment on one line (every run of whitespace, line breaks
/// included, made one space), for places such as a `@returns` tag or a
/// docstring's `Args:` entry that take a single line.
pub fn one_line(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn joins_lines_and_collapses_spaces() {
        assert_eq!(
            super::one_line("  The user\n  as  stored. "),
            "The user as stored."
        );
        assert_eq!(super::one_line(""), "");
    }
}
