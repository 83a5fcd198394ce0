//! Go identifiers: exported and unexported names with Go's initialisms,
//! keyword escaping, and scopes that resolve names colliding after casing.
//!
//! Casing comes from [`gatic_ir::ident::words`] and keywords from
//! [`gatic_ir::ident::GO_KEYWORDS`]; this module only adds what is Go's own
//! (initialisms such as `ID` and `URL`, the SDK's reserved names).

use gatic_ir::ident::{GO_KEYWORDS, words};
use std::collections::BTreeSet;

/// Words Go spells in capitals (`userID`, `ImageURL`), after Go's lint list.
const INITIALISMS: &[&str] = &[
    "api", "cpu", "dns", "html", "http", "https", "id", "ip", "json", "sql", "tcp", "tls", "ttl",
    "udp", "uri", "url", "uuid", "xml",
];

/// Predeclared Go identifiers missing from [`GO_KEYWORDS`]; a parameter must
/// not shadow them either.
const GO_PREDECLARED: &[&str] = &[
    "append",
    "cap",
    "close",
    "comparable",
    "complex",
    "complex64",
    "complex128",
    "copy",
    "delete",
    "float32",
    "imag",
    "int8",
    "int16",
    "iota",
    "panic",
    "print",
    "println",
    "real",
    "recover",
    "rune",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
];

/// Names a generated method body uses: the receiver, locals, imported
/// packages and the unexported helpers it calls. Parameters never take them.
const METHOD_LOCALS: &[&str] = &[
    "c",
    "ctx",
    "req",
    "out",
    "err",
    "body",
    "params",
    "base64",
    "bytes",
    "context",
    "errors",
    "fmt",
    "http",
    "io",
    "json",
    "math",
    "reflect",
    "strconv",
    "strings",
    "time",
    "url",
    "pathParam",
    "formPart",
    "newCall",
    "authNone",
    "authBearer",
    "authAPIKey",
];

fn cased(word: &str, first: bool) -> String {
    // Plural initialisms keep a lowercase `s`: `ids` → `IDs`.
    if let Some(stem) = word.strip_suffix('s')
        && !first
        && INITIALISMS.contains(&stem)
    {
        return format!("{}s", stem.to_uppercase());
    }
    if INITIALISMS.contains(&word) {
        return if first {
            word.to_string()
        } else {
            word.to_uppercase()
        };
    }
    if first {
        return word.to_string();
    }
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An exported Go name: `created_at` → `CreatedAt`, `user_id` → `UserID`.
pub fn exported(name: &str) -> String {
    let out: String = words(name).iter().map(|w| cased(w, false)).collect();
    if out.is_empty() || !out.starts_with(|c: char| c.is_alphabetic()) {
        format!("X{out}")
    } else {
        out
    }
}

/// An unexported Go name for a parameter: `author_id` → `authorID`, escaped
/// with `_` when it is a keyword, a predeclared name or a name the method
/// body uses (`type` → `type_`, `url` → `url_`).
pub fn parameter(name: &str) -> String {
    let out: String = words(name)
        .iter()
        .enumerate()
        .map(|(i, w)| cased(w, i == 0))
        .collect();
    let out = if out.is_empty() || !out.starts_with(|c: char| c.is_alphabetic()) {
        format!("x{out}")
    } else {
        out
    };
    if GO_KEYWORDS.contains(&out.as_str())
        || GO_PREDECLARED.contains(&out.as_str())
        || METHOD_LOCALS.contains(&out.as_str())
    {
        format!("{out}_")
    } else {
        out
    }
}

/// The package name for a service: lowercase letters and digits only
/// (`kitchen_sink` → `kitchensinkclient`).
pub fn package(service: &str) -> String {
    let base: String = words(service).concat();
    let base = if base.starts_with(|c: char| c.is_ascii_lowercase()) {
        base
    } else {
        format!("x{base}")
    };
    format!("{base}client")
}

/// A set of names in one Go scope; a name already taken gets `_`, then
/// `_2`, `_3`… appended, so names colliding after casing stay distinct.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope where `reserved` are already taken.
    pub fn with(reserved: &[&str]) -> Scope {
        Scope {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Takes `want`, or the first free variant of it.
    pub fn claim(&mut self, want: &str) -> String {
        let mut name = want.to_string();
        let mut n = 1;
        while self.taken.contains(&name) {
            name = if n == 1 {
                format!("{want}_")
            } else {
                format!("{want}_{n}")
            };
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// Marks `name` as taken.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_with_initialisms() {
        assert_eq!(exported("user_id"), "UserID");
        assert_eq!(exported("image_url"), "ImageURL");
        assert_eq!(exported("createdAt"), "CreatedAt");
        assert_eq!(exported("None"), "None");
        assert_eq!(exported("2fa"), "X2fa");
        assert_eq!(exported("ids"), "IDs");
        assert_eq!(parameter("ids"), "ids");
        assert_eq!(parameter("author_id"), "authorID");
        assert_eq!(parameter("id"), "id");
        assert_eq!(parameter("type"), "type_");
        assert_eq!(parameter("url"), "url_");
        assert_eq!(parameter("body"), "body_");
        assert_eq!(package("kitchen_sink"), "kitchensinkclient");
    }

    #[test]
    fn scopes_resolve_collisions() {
        let mut scope = Scope::with(&["APIError"]);
        assert_eq!(scope.claim("APIError"), "APIError_");
        assert_eq!(scope.claim("User"), "User");
        assert_eq!(scope.claim("User"), "User_");
        assert_eq!(scope.claim("User"), "User_2");
    }
}
