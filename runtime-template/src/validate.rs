//! Refinement checks that collect every violation with its JSON pointer.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::problem::{Location, Violation, Violations};
use super::scalar;

/// A value whose refinements can be checked.
pub trait Validate {
    /// Pushes every violation found in `self`, at `at` and below.
    fn validate(&self, at: &Pointer<'_>, out: &mut Violations);
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, at: &Pointer<'_>, out: &mut Violations) {
        for (i, item) in self.iter().enumerate() {
            item.validate(&at.index(i), out);
        }
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, at: &Pointer<'_>, out: &mut Violations) {
        if let Some(value) = self {
            value.validate(at, out);
        }
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate(&self, at: &Pointer<'_>, out: &mut Violations) {
        (**self).validate(at, out);
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate(&self, at: &Pointer<'_>, out: &mut Violations) {
        for (key, value) in self {
            value.validate(&at.key(key), out);
        }
    }
}

/// Values with no refinements of their own.
macro_rules! no_refinements {
    ($($t:ty),* $(,)?) => {$(
        impl Validate for $t {
            fn validate(&self, _: &Pointer<'_>, _: &mut Violations) {}
        }
    )*};
}

no_refinements!(
    bool,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    String,
    serde_json::Value,
    scalar::Uuid,
    scalar::Date,
    scalar::DateTime,
    scalar::ExactDecimal,
    scalar::Duration,
    scalar::Base64,
);

/// Where a value sits in a document, as a chain of borrowed steps from the
/// root: taking a step costs nothing, and the RFC 6901 text (e.g.
/// `/items/0/a~1b`) is written only for a violation. Validation of a valid
/// body (the common case) therefore builds no strings at all.
#[derive(Clone, Copy, Debug)]
pub enum Pointer<'a> {
    /// The whole document.
    Root,
    /// An object member (a field or a map key) of the value at the parent.
    Key(&'a Pointer<'a>, &'a str),
    /// An array item of the value at the parent.
    Index(&'a Pointer<'a>, usize),
}

impl<'a> Pointer<'a> {
    /// The record field `name` of the value here (a key, by another name
    /// that reads better in generated checks).
    pub fn field(&'a self, name: &'a str) -> Pointer<'a> {
        self.key(name)
    }

    /// The map entry `key` of the value here.
    pub fn key(&'a self, key: &'a str) -> Pointer<'a> {
        Pointer::Key(self, key)
    }

    /// The list item `index` of the value here.
    pub fn index(&'a self, index: usize) -> Pointer<'a> {
        Pointer::Index(self, index)
    }

    /// The pointer's text: empty at the root, `~` written `~0` and `/`
    /// written `~1` in keys.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write_into(&mut out);
        out
    }

    fn write_into(&self, out: &mut String) {
        match self {
            Pointer::Root => {}
            Pointer::Key(parent, key) => {
                parent.write_into(out);
                push_key(out, key);
            }
            Pointer::Index(parent, index) => {
                parent.write_into(out);
                push_index(out, *index);
            }
        }
    }
}

/// Appends the pointer step to an object member `key`.
pub(super) fn push_key(out: &mut String, key: &str) {
    out.push('/');
    escape_into(out, key);
}

/// Appends the pointer step to array item `index`.
pub(super) fn push_index(out: &mut String, index: usize) {
    // Writing to a String cannot fail.
    let _ = write!(out, "/{index}");
}

/// Appends `token` to `out` with `~` and `/` escaped as RFC 6901 requires.
fn escape_into(out: &mut String, token: &str) {
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// A body violation at `at`.
pub fn violation(at: &Pointer<'_>, rule: &'static str, message: String) -> Violation {
    Violation {
        location: Location::Body,
        pointer: at.text(),
        rule,
        message,
    }
}

/// Checks a string's length in Unicode scalar values (as JSON Schema counts).
pub fn check_len(
    value: &str,
    min: Option<u64>,
    max: Option<u64>,
    at: &Pointer<'_>,
    out: &mut Violations,
) {
    if min.is_none() && max.is_none() {
        return;
    }
    // A string of n bytes has between n/4 (rounded up) and n characters, so
    // when both are within bounds nothing needs counting.
    let bytes = value.len() as u64;
    let within = |n: u64| min.is_none_or(|lo| n >= lo) && max.is_none_or(|hi| n <= hi);
    if within(bytes) && within(bytes.div_ceil(4)) {
        return;
    }
    let len = value.chars().count() as u64;
    if let Some(message) = bounds_message(len, min, max, "characters") {
        out.push(violation(at, "len", message));
    }
}

/// Checks the number of items in a list or map.
pub fn check_items(
    count: usize,
    min: Option<u64>,
    max: Option<u64>,
    at: &Pointer<'_>,
    out: &mut Violations,
) {
    if let Some(message) = bounds_message(count as u64, min, max, "items") {
        out.push(violation(at, "items", message));
    }
}

fn bounds_message(n: u64, min: Option<u64>, max: Option<u64>, what: &str) -> Option<String> {
    match (min, max) {
        (Some(lo), Some(hi)) if n < lo || n > hi => Some(if lo == hi {
            format!("must have exactly {lo} {what}")
        } else {
            format!("must have {lo} to {hi} {what}")
        }),
        (Some(lo), None) if n < lo => Some(format!("must have at least {lo} {what}")),
        (None, Some(hi)) if n > hi => Some(format!("must have at most {hi} {what}")),
        _ => None,
    }
}

/// Checks an integer against inclusive bounds.
pub fn check_range_i64(
    value: i64,
    min: Option<i64>,
    max: Option<i64>,
    at: &Pointer<'_>,
    out: &mut Violations,
) {
    let message = match (min, max) {
        (Some(lo), _) if value < lo => format!("must be at least {lo}"),
        (_, Some(hi)) if value > hi => format!("must be at most {hi}"),
        _ => return,
    };
    out.push(violation(at, "range", message));
}

/// Checks a decimal against bounds written as decimal text (`"0.01"`), each
/// inclusive unless marked exclusive, compared exactly (never through a
/// float). A bound the type cannot hold (beyond `rust_decimal`'s range) lies
/// beyond every value on its side.
pub fn check_range_decimal<D: Ord + std::str::FromStr>(
    value: &D,
    min: Option<&str>,
    min_exclusive: bool,
    max: Option<&str>,
    max_exclusive: bool,
    at: &Pointer<'_>,
    out: &mut Violations,
) {
    use std::cmp::Ordering;
    // How `value` compares with `bound`: a bound that does not parse is far
    // below every value when negative, else far above.
    let compare = |bound: &str| match bound.parse::<D>() {
        Ok(bound) => value.cmp(&bound),
        Err(_) if bound.starts_with('-') => Ordering::Greater,
        Err(_) => Ordering::Less,
    };
    if let Some(lo) = min {
        let order = compare(lo);
        if order == Ordering::Less || (min_exclusive && order == Ordering::Equal) {
            let message = if min_exclusive {
                format!("must be more than {lo}")
            } else {
                format!("must be at least {lo}")
            };
            out.push(violation(at, "range", message));
            return;
        }
    }
    if let Some(hi) = max {
        let order = compare(hi);
        if order == Ordering::Greater || (max_exclusive && order == Ordering::Equal) {
            let message = if max_exclusive {
                format!("must be less than {hi}")
            } else {
                format!("must be at most {hi}")
            };
            out.push(violation(at, "range", message));
        }
    }
}

/// Checks a number against bounds, each inclusive unless marked exclusive.
/// NaN is outside every bound.
pub fn check_range_f64(
    value: f64,
    min: Option<f64>,
    min_exclusive: bool,
    max: Option<f64>,
    max_exclusive: bool,
    at: &Pointer<'_>,
    out: &mut Violations,
) {
    // Written so that NaN fails every comparison, and so every bound.
    let above = |lo: f64| {
        if min_exclusive {
            value > lo
        } else {
            value >= lo
        }
    };
    let below = |hi: f64| {
        if max_exclusive {
            value < hi
        } else {
            value <= hi
        }
    };
    let message = match (min, max) {
        (Some(lo), _) if !above(lo) => {
            if min_exclusive {
                format!("must be greater than {lo}")
            } else {
                format!("must be at least {lo}")
            }
        }
        (_, Some(hi)) if !below(hi) => {
            if max_exclusive {
                format!("must be less than {hi}")
            } else {
                format!("must be at most {hi}")
            }
        }
        _ => return,
    };
    out.push(violation(at, "range", message));
}

/// A string format checked by [`check_format`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// An address such as `ada@example.com` (a pragmatic subset of RFC 5321).
    Email,
    /// A hyphenated UUID.
    Uuid,
    /// An absolute URL with a scheme, such as `https://example.com/a?b`.
    Url,
    /// An RFC 1123 host name.
    Hostname,
    /// An IPv4 or IPv6 address.
    Ip,
}

impl Format {
    /// Whether `value` has this format.
    pub fn matches(self, value: &str) -> bool {
        match self {
            Format::Email => is_email(value),
            Format::Uuid => value.parse::<scalar::Uuid>().is_ok(),
            Format::Url => is_url(value),
            Format::Hostname => is_hostname(value),
            Format::Ip => value.parse::<std::net::IpAddr>().is_ok(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Email => "an email address",
            Format::Uuid => "a UUID",
            Format::Url => "an absolute URL",
            Format::Hostname => "a host name",
            Format::Ip => "an IP address",
        }
    }
}

/// Checks that a string has a format.
pub fn check_format(value: &str, format: Format, at: &Pointer<'_>, out: &mut Violations) {
    if !format.matches(value) {
        out.push(violation(
            at,
            "format",
            format!("must be {}", format.name()),
        ));
    }
}

/// Runs `checks` on a map's key, at the key's pointer (`at` is the map's):
/// the violations they find are pushed with "key " before their message,
/// so they are told apart from the value's at the same pointer.
pub fn check_key(
    key: &str,
    at: &Pointer<'_>,
    out: &mut Violations,
    checks: impl FnOnce(&str, &Pointer<'_>, &mut Violations),
) {
    let at = at.key(key);
    // Empty until a check fails: a valid key costs no allocation.
    let mut found = Violations::new();
    checks(key, &at, &mut found);
    for violation in found.kept() {
        out.push(Violation {
            message: format!("key {}", violation.message),
            ..violation.clone()
        });
    }
}

fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    local_ok && domain.contains('.') && is_hostname(domain) && !domain.ends_with('.')
}

fn is_hostname(value: &str) -> bool {
    let name = value.strip_suffix('.').unwrap_or(value);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_url(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    let rest_ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b > b' ' && b != 0x7f && !b"\"<>\\^`{|}".contains(&b));
    let authority_ok = match rest.strip_prefix("//") {
        Some(after) => !after.split(['/', '?', '#']).next().unwrap_or("").is_empty(),
        None => true,
    };
    scheme_ok && rest_ok && authority_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escaping() {
        let root = Pointer::Root;
        assert_eq!(root.text(), "");
        let items = root.field("items");
        let third = items.index(3);
        assert_eq!(third.key("a/b~c").text(), "/items/3/a~1b~0c");
        assert_eq!(third.text(), "/items/3");
        assert_eq!(items.key("").text(), "/items/");
        assert_eq!(root.key("~1").text(), "/~01");
    }

    struct Name(String);
    impl Validate for Name {
        fn validate(&self, at: &Pointer<'_>, out: &mut Violations) {
            check_len(&self.0, Some(1), Some(3), &at.field("name"), out);
        }
    }

    #[test]
    fn containers_recurse_with_paths() {
        let mut map = BTreeMap::new();
        map.insert("a/b".to_owned(), vec![Name("ok".into()), Name("".into())]);
        map.insert("c".to_owned(), vec![Name("toolong".into())]);
        let value = Some(Box::new(map));
        let mut out = Violations::new();
        value.validate(&Pointer::Root, &mut out);
        let got: Vec<_> = out
            .kept()
            .iter()
            .map(|v| (v.pointer.as_str(), v.rule, v.location))
            .collect();
        assert_eq!(
            got,
            [
                ("/a~1b/1/name", "len", Location::Body),
                ("/c/0/name", "len", Location::Body)
            ]
        );
        let mut out = Violations::new();
        None::<Name>.validate(&Pointer::Root, &mut out);
        5_i64.validate(&Pointer::Root, &mut out);
        "x".to_owned().validate(&Pointer::Root, &mut out);
        serde_json::Value::Null.validate(&Pointer::Root, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn bounds() {
        let at = Pointer::Root;
        let mut out;
        // (value, min, max, violated)
        let lens: &[(&str, Option<u64>, Option<u64>, bool)] = &[
            ("", Some(1), None, true),
            ("é", Some(1), Some(1), false),
            ("日本語", None, Some(2), true),
            ("abc", Some(3), Some(3), false),
            ("ab", Some(1), Some(1), true),
            ("abcd", Some(2), Some(4), false),
            ("😀😀", Some(2), Some(2), false),
            ("😀😀", Some(3), None, true),
            ("anything", None, None, false),
        ];
        for &(s, lo, hi, bad) in lens {
            out = Violations::new();
            check_len(s, lo, hi, &at, &mut out);
            assert_eq!(out.total() as usize, bad as usize, "{s:?}");
        }
        let items: &[(usize, Option<u64>, Option<u64>, bool)] = &[
            (0, Some(1), None, true),
            (2, Some(1), Some(2), false),
            (3, None, Some(2), true),
        ];
        for &(n, lo, hi, bad) in items {
            out = Violations::new();
            check_items(n, lo, hi, &at, &mut out);
            assert_eq!(
                out.kept().iter().map(|v| v.rule).collect::<Vec<_>>(),
                if bad { vec!["items"] } else { vec![] }
            );
        }
        let ints: &[(i64, Option<i64>, Option<i64>, bool)] = &[
            (i64::MIN, Some(0), None, true),
            (0, Some(0), Some(0), false),
            (101, None, Some(100), true),
            (i64::MAX, None, None, false),
        ];
        for &(n, lo, hi, bad) in ints {
            out = Violations::new();
            check_range_i64(n, lo, hi, &at, &mut out);
            assert_eq!(out.total() as usize, bad as usize, "{n}");
        }
        type F = (f64, Option<f64>, bool, Option<f64>, bool, bool);
        let floats: &[F] = &[
            (0.0, Some(0.0), false, None, false, false),
            (0.0, Some(0.0), true, None, false, true),
            (1.0, None, false, Some(1.0), true, true),
            (1.0, None, false, Some(1.0), false, false),
            (f64::NAN, Some(0.0), false, None, false, true),
            (f64::NAN, None, false, None, false, false),
            (-0.5, Some(-1.0), true, Some(1.0), true, false),
        ];
        for &(x, lo, lx, hi, hx, bad) in floats {
            out = Violations::new();
            check_range_f64(x, lo, lx, hi, hx, &at, &mut out);
            assert_eq!(
                out.total() as usize,
                bad as usize,
                "{x} {lo:?} {lx} {hi:?} {hx}"
            );
        }
    }

    #[test]
    fn formats() {
        let cases: &[(Format, &str, bool)] = &[
            (Format::Email, "ada@example.com", true),
            (Format::Email, "a.b+tag@sub.example.co", true),
            (Format::Email, "ada@localhost", false),
            (Format::Email, "@example.com", false),
            (Format::Email, "ada@", false),
            (Format::Email, "a..b@example.com", false),
            (Format::Email, "a b@example.com", false),
            (Format::Email, "ada@exa_mple.com", false),
            (Format::Email, "ada@@example.com", false),
            (Format::Uuid, "123e4567-e89b-12d3-a456-426614174000", true),
            (Format::Uuid, "123e4567e89b12d3a456426614174000", false),
            (Format::Url, "https://example.com/a?b=c#d", true),
            (Format::Url, "mailto:ada@example.com", true),
            (Format::Url, "urn:isbn:0451450523", true),
            (Format::Url, "/relative/path", false),
            (Format::Url, "https://", false),
            (Format::Url, "http://exa mple.com", false),
            (Format::Url, "1http://x", false),
            (Format::Url, "", false),
            (Format::Hostname, "example.com", true),
            (Format::Hostname, "example.com.", true),
            (Format::Hostname, "a-b.c", true),
            (Format::Hostname, "-a.com", false),
            (Format::Hostname, "a..com", false),
            (Format::Hostname, "", false),
            (Format::Hostname, &"a".repeat(64), false),
            (Format::Ip, "127.0.0.1", true),
            (Format::Ip, "::1", true),
            (Format::Ip, "2001:db8::8a2e:370:7334", true),
            (Format::Ip, "256.0.0.1", false),
            (Format::Ip, "1.2.3", false),
        ];
        for &(format, value, ok) in cases {
            let mut out = Violations::new();
            check_format(value, format, &Pointer::Root, &mut out);
            assert_eq!(out.is_empty(), ok, "{format:?} {value:?}");
            assert!(out.kept().iter().all(|v| v.rule == "format"));
        }
    }

    #[test]
    fn key_checks() {
        let root = Pointer::Root;
        let labels = root.field("labels");
        let mut out = Violations::new();
        for key in ["ok", "", "a/b~c-too-long"] {
            check_key(key, &labels, &mut out, |key, at, out| {
                check_len(key, Some(1), Some(5), at, out);
                check_format(key, Format::Hostname, at, out);
            });
        }
        let found: Vec<_> = out
            .kept()
            .iter()
            .map(|v| (v.pointer.as_str(), v.rule, v.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("/labels/", "len", "key must have 1 to 5 characters"),
                ("/labels/", "format", "key must be a host name"),
                (
                    "/labels/a~1b~0c-too-long",
                    "len",
                    "key must have 1 to 5 characters"
                ),
                (
                    "/labels/a~1b~0c-too-long",
                    "format",
                    "key must be a host name"
                ),
            ]
        );
        assert_eq!(out.total(), 4);
    }
}
