//! Python identifiers: casing and keyword escaping (from `gatic_ir::ident`),
//! and the allocation of unique names within one Python scope.

use std::collections::BTreeSet;

use gatic_ir::ident;

/// A Python class name for a spec name: `PascalCase`, `_`-suffixed when it is
/// a keyword (`None_`).
pub fn class_name(name: &str) -> String {
    let cased = ident::pascal(name);
    let cased = if cased.is_empty() {
        "Type".to_string()
    } else {
        cased
    };
    escape(&digit_safe(&cased, "T"))
}

/// A Python attribute, function or parameter name for a spec name:
/// `snake_case`, `_`-suffixed when it is a keyword or a builtin generated code
/// must not shadow (`type_`, `self_`).
pub fn value_name(name: &str) -> String {
    let cased = ident::snake(name);
    let cased = if cased.is_empty() {
        "value".to_string()
    } else {
        cased
    };
    escape(&digit_safe(&cased, "v"))
}

/// An enum member name: `SCREAMING_SNAKE_CASE` (`TWO_FACTOR`).
pub fn member_name(value: &str) -> String {
    let cased = ident::screaming(value);
    let cased = if cased.is_empty() {
        "VALUE".to_string()
    } else {
        cased
    };
    escape(&digit_safe(&cased, "V"))
}

fn escape(name: &str) -> String {
    ident::escape_with_suffix(name, ident::PYTHON_KEYWORDS)
}

/// Python identifiers cannot start with a digit: `2fa` becomes `v_2fa`.
fn digit_safe(name: &str, prefix: &str) -> String {
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{prefix}_{name}")
    } else {
        name.to_string()
    }
}

/// The names taken in one Python scope. Claiming a taken name yields the
/// name with `_2`, `_3`… appended, so names that collide after casing or with
/// names the generated code uses itself stay distinct.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope in which `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Scope {
        Scope {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// `name`, or the first free `name_<n>`; either way taken afterwards.
    pub fn claim(&mut self, name: &str) -> String {
        let mut candidate = name.to_string();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{name}_{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_and_escapes() {
        assert_eq!(class_name("new_user"), "NewUser");
        assert_eq!(class_name("None"), "None_");
        assert_eq!(value_name("createdAt"), "created_at");
        assert_eq!(value_name("type"), "type_");
        assert_eq!(value_name("self"), "self_");
        assert_eq!(value_name("2fa"), "v_2fa");
        assert_eq!(member_name("two_factor"), "TWO_FACTOR");
        assert_eq!(member_name("none"), "NONE");
    }

    #[test]
    fn collisions_get_numbered() {
        let mut scope = Scope::with_reserved(&["from_json"]);
        assert_eq!(scope.claim("a"), "a");
        assert_eq!(scope.claim("a"), "a_2");
        assert_eq!(scope.claim("from_json"), "from_json_2");
    }
}
