//! Types and strings as `.gati` text, for messages, docs and suggestions:
//! the one printer every crate uses, so a type reads the same in a
//! diagnostic, an OpenAPI description and a generated doc comment.
//!
//! Refinements are left out here; `gatic-timescape` prints them too where
//! a suggestion must be pasteable.

use crate::{Ty, TyKind};

/// A string literal as a spec writes it: in double quotes, with `"`, `\`,
/// newlines, carriage returns and tabs escaped, and other control
/// characters as `\u{…}`.
pub fn string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A type's shape as a spec writes it, without refinements:
/// `[map<string, User>] | null`.
pub fn ty(ty: &Ty) -> String {
    let shape = match &ty.kind {
        TyKind::Primitive(p) => p.name().to_string(),
        TyKind::Named(name) => name.clone(),
        TyKind::List(item) => format!("[{}]", self::ty(item)),
        TyKind::Map(value) => format!("map<string, {}>", self::ty(value)),
        TyKind::Const(text) => string(text),
    };
    if ty.nullable {
        format!("{shape} | null")
    } else {
        shape
    }
}

#[cfg(test)]
mod tests {
    use crate::{Primitive, Refinements, Ty, TyKind};

    fn of(kind: TyKind, nullable: bool) -> Ty {
        Ty {
            kind,
            nullable,
            refinements: Refinements::default(),
        }
    }

    #[test]
    fn types_and_strings_print_as_gati() {
        let user = of(TyKind::Named("User".into()), false);
        let map = of(TyKind::Map(Box::new(user)), false);
        let list = of(TyKind::List(Box::new(map)), true);
        assert_eq!(super::ty(&list), "[map<string, User>] | null");
        let int = of(TyKind::Primitive(Primitive::Int64), false);
        assert_eq!(super::ty(&int), "int64");
        let constant = of(TyKind::Const("a\"b\n\u{1}".into()), false);
        assert_eq!(super::ty(&constant), "\"a\\\"b\\n\\u{1}\"");
    }
}
