//! Identifiers across target languages: casing, reserved words and escaping.
//!
//! All naming decisions live here, so the checker can reject names that would
//! collide in any target before a generator ever meets them.

/// Splits a name into lowercase words at `_`, `-`, spaces and case changes
/// (`userID2Name` → `user`, `id2`, `name`).
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && !current.is_empty()
            && (prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(char::is_uppercase) && next.is_some_and(char::is_lowercase)));
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `snake_case`.
pub fn snake(name: &str) -> String {
    words(name).join("_")
}

/// `SCREAMING_SNAKE_CASE`.
pub fn screaming(name: &str) -> String {
    snake(name).to_uppercase()
}

/// `PascalCase`.
pub fn pascal(name: &str) -> String {
    words(name).iter().map(|w| capitalize(w)).collect()
}

/// `camelCase`.
pub fn camel(name: &str) -> String {
    let words = words(name);
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i == 0 {
            out.push_str(w);
        } else {
            out.push_str(&capitalize(w));
        }
    }
    out
}

/// `kebab-case`.
pub fn kebab(name: &str) -> String {
    words(name).join("-")
}

/// The names the generated Rust crate gives its own items: the one table
/// the checker (which rejects spec names that would collide) and the Rust
/// target (which re-exports around the names a spec may shadow) share.
pub mod rust_names {
    /// Type names a spec may not declare (compared after PascalCase): the
    /// generated crate declares them beside the spec's types.
    pub const RESERVED_TYPES: &[&str] = &[
        "Api", "Router", "Config", "Ctx", "Request", "Response", "Problem",
    ];
    /// Route names a spec may not use (compared after snake_case): the
    /// router's own functions.
    pub const RESERVED_ROUTES: &[&str] = &["serve", "routes", "resolve", "call", "authenticate"];
    /// What the crate root re-exports besides the spec's names: the handler
    /// trait, the runtime's configuration, context and reply. A spec type
    /// may be called `Reply` (the root then does not re-export it; it stays
    /// at `types::Reply`); `Api`, `Config` and `Ctx` it may not, being
    /// reserved above.
    pub const ROOT_EXPORTS: &[&str] = &["Api", "Config", "Ctx", "Reply"];
    /// Re-exported at the root too when a version needs hand-written
    /// converters: their trait.
    pub const CONVERTERS: &str = "Converters";
}

/// Rust keywords, strict and reserved, of every edition.
pub const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Rust keywords that cannot be raw identifiers (`r#self` is invalid).
const RUST_NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// A Rust identifier for `name` (already cased): raw (`r#type`) for keywords,
/// suffixed with `_` where a raw identifier is not allowed (`Self_`).
pub fn rust_escape(name: &str) -> String {
    if RUST_NOT_RAW.contains(&name) {
        format!("{name}_")
    } else if RUST_KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name.to_string()
    }
}

/// A Rust type name for a spec name: PascalCase, escaped.
pub fn rust_type(name: &str) -> String {
    rust_escape(&pascal(name))
}

/// A Rust field, method or module name for a spec name: snake_case, escaped.
pub fn rust_value(name: &str) -> String {
    rust_escape(&snake(name))
}

/// TypeScript and JavaScript reserved words.
pub const TS_KEYWORDS: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "as",
    "implements",
    "interface",
    "let",
    "package",
    "private",
    "protected",
    "public",
    "static",
    "yield",
    "any",
    "boolean",
    "number",
    "string",
    "symbol",
    "type",
    "from",
    "of",
    "await",
    "async",
    "never",
    "unknown",
    "object",
    "undefined",
];

/// Python keywords and soft keywords, plus builtins generated code must not shadow.
pub const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "match", "case", "type", "list", "dict", "str", "int", "float", "bool",
    "bytes", "object", "self",
];

/// Go keywords and predeclared identifiers.
pub const GO_KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
    "any",
    "bool",
    "byte",
    "error",
    "string",
    "int",
    "int32",
    "int64",
    "float64",
    "nil",
    "true",
    "false",
    "len",
    "new",
    "make",
];

/// A name with `_` appended when it is a reserved word of `keywords`.
pub fn escape_with_suffix(name: &str, keywords: &[&str]) -> String {
    if keywords.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_at_case_changes_and_separators() {
        assert_eq!(words("userIDName"), ["user", "id", "name"]);
        assert_eq!(words("HTTPServer"), ["http", "server"]);
        assert_eq!(words("created_at"), ["created", "at"]);
        assert_eq!(words("v2Api"), ["v2", "api"]);
        assert_eq!(words("__x__"), ["x"]);
    }

    #[test]
    fn cases_and_escapes() {
        assert_eq!(pascal("new_user"), "NewUser");
        assert_eq!(camel("created_at"), "createdAt");
        assert_eq!(snake("CreatedAt"), "created_at");
        assert_eq!(kebab("idempotency_key"), "idempotency-key");
        assert_eq!(rust_value("type"), "r#type");
        assert_eq!(rust_type("Self"), "Self_");
        assert_eq!(rust_type("self"), "Self_");
        assert_eq!(rust_value("self"), "self_");
        assert_eq!(rust_type("Box"), "Box");
    }
}
