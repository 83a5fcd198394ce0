//! TypeScript identifiers: casing, reserved words and collision handling.
//!
//! Casing and the keyword list come from `gatic_ir::ident`; this module adds
//! the names the SDK itself exports (so a spec type called `ApiError` does not
//! clash with the SDK's class) and hands out names first come, first served,
//! appending `_` until a name is free.

use gatic_ir::ident;
use std::collections::BTreeSet;

/// Names every generated SDK exports from `index.ts` besides the spec's own.
pub const SDK_EXPORTS: &[&str] = &[
    "Answer",
    "EventStream",
    "ApiError",
    "RequestTimeoutError",
    "Problem",
    "Violation",
    "ClientOptions",
    "RequestOptions",
    "API_VERSION",
    "Int64",
    "Decimal",
];

/// Hands out unique names in one namespace.
#[derive(Clone, Debug, Default)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// A namer in which `reserved` are already taken.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Namer {
        Namer {
            taken: reserved.into_iter().map(str::to_string).collect(),
        }
    }

    /// Takes `wanted` (escaped if it is a keyword), or the first free name
    /// made by appending `_`.
    pub fn take(&mut self, wanted: &str) -> String {
        self.take_free(escape(wanted))
    }

    /// Takes `wanted` as a member name: reserved words are valid there
    /// (`client.delete()`), so only collisions are resolved.
    pub fn take_member(&mut self, wanted: &str) -> String {
        let name = if wanted.starts_with(|c: char| c.is_ascii_digit()) {
            format!("_{wanted}")
        } else {
            wanted.to_string()
        };
        self.take_free(name)
    }

    fn take_free(&mut self, mut name: String) -> String {
        while self.taken.contains(&name) {
            name.push('_');
        }
        self.taken.insert(name.clone());
        name
    }
}

/// `name` with `_` appended when it is a TypeScript reserved word, and `_`
/// prepended when it starts with a digit.
pub fn escape(name: &str) -> String {
    let name = if name.is_empty() {
        "_".to_string()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name.to_string()
    };
    ident::escape_with_suffix(&name, ident::TS_KEYWORDS)
}

/// The PascalCase form of a spec name, for types and classes.
pub fn pascal(name: &str) -> String {
    let p = ident::pascal(name);
    if p.is_empty() { "_".to_string() } else { p }
}

/// The camelCase form of a spec name, for methods and arguments.
pub fn camel(name: &str) -> String {
    let c = ident::camel(name);
    if c.is_empty() { "_".to_string() } else { c }
}

/// Whether `name` can be written as a bare property name (`a.b`, `{ b: 1 }`).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A property key as written in a type or object literal: bare when it is an
/// identifier (keywords are allowed there), quoted otherwise.
pub fn property(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        string(name)
    }
}

/// A property read on `object`: `object.name` or `object["na-me"]`.
pub fn access(object: &str, name: &str) -> String {
    if is_identifier(name) {
        format!("{object}.{name}")
    } else {
        format!("{object}[{}]", string(name))
    }
}

/// A double-quoted JavaScript string literal.
pub fn string(text: &str) -> String {
    serde_json::Value::String(text.to_string())
        .to_string()
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_keywords_and_collisions() {
        assert_eq!(escape("class"), "class_");
        assert_eq!(escape("2fa"), "_2fa");
        let mut n = Namer::with_reserved(SDK_EXPORTS.iter().copied());
        assert_eq!(n.take("ApiError"), "ApiError_");
        assert_eq!(n.take("User"), "User");
        assert_eq!(n.take("User"), "User_");
        assert_eq!(property("type"), "type");
        assert_eq!(property("x-y"), "\"x-y\"");
        assert_eq!(access("p", "x-y"), "p[\"x-y\"]");
    }
}
