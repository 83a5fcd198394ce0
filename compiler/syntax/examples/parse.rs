//! Prints a file's item count and its syntax errors, rendered (a debugging aid).
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut sources = gatic_syntax::SourceMap::new();
    let id = sources.add(gatic_syntax::SourceFile::new(path.clone(), text.clone()));
    let parsed = gatic_syntax::parse(id, &text);
    println!("{} items", parsed.file.items.len());
    print!(
        "{}",
        gatic_syntax::render::render(
            &sources,
            &parsed.diagnostics,
            gatic_syntax::render::Format::Human
        )
    );
}
