//! Constant values: defaults checked against their type and refinements, and
//! settings turned into IR values.

use crate::suggest as did_you_mean;
use gatic_ir::{self as ir, Bounds, Primitive, Ty, Value};
use gatic_syntax::ast::{self, LiteralKind};
use gatic_syntax::{Diagnostic, Span, codes};

use crate::check::{Base, Ctx, DeclKind, show_ty};

/// Why a value does not fit.
pub(crate) struct Bad(Box<BadInner>);

impl Bad {
    fn new(inner: BadInner) -> Bad {
        Bad(Box::new(inner))
    }
}

pub(crate) struct BadInner {
    code: &'static str,
    span: Span,
    message: String,
    label: String,
    suggestion: Option<(String, String)>,
}

fn mismatch(lit: &ast::Literal, ty: &Ty, expected: &str) -> Bad {
    Bad::new(BadInner {
        code: codes::TYPE_MISMATCH,
        span: lit.span,
        message: format!(
            "expected {expected} for type `{}`, found {}",
            show_ty(ty),
            describe(lit)
        ),
        label: format!("this is {}", describe(lit)),
        suggestion: None,
    })
}

fn describe(lit: &ast::Literal) -> String {
    match &lit.kind {
        LiteralKind::String(s) => format!("the string {s:?}"),
        LiteralKind::Number(ast::Number::Int(i)) => format!("the integer `{i}`"),
        LiteralKind::Number(ast::Number::Float(f)) => format!("the number `{f}`"),
        LiteralKind::Bool(b) => format!("`{b}`"),
        LiteralKind::Null => "`null`".to_string(),
        LiteralKind::Word(w) => format!("the word `{w}`"),
        LiteralKind::Size(_) => "a size".to_string(),
        LiteralKind::Duration(_) => "a duration".to_string(),
        LiteralKind::Date(d) => format!("the date `{d}`"),
        LiteralKind::List(_) => "a list".to_string(),
        LiteralKind::Object(_) => "an object".to_string(),
    }
}

impl Ctx<'_> {
    /// Checks a default against its type; reports and returns `None` when it does not fit.
    pub fn default_value(&mut self, lit: &ast::Literal, ty: &Ty) -> Option<Value> {
        self.checked_value(lit, ty, "default")
    }

    /// Checks an `@example(…)` against its type and refinements as a default
    /// is checked (with the same codes); reports and returns `None` when it
    /// does not fit.
    pub fn example_value(&mut self, lit: &ast::Literal, ty: &Ty) -> Option<Value> {
        self.checked_value(lit, ty, "example")
    }

    /// The value of `lit` as a `ty`, reported as `what` ("default",
    /// "example") when it does not fit.
    fn checked_value(&mut self, lit: &ast::Literal, ty: &Ty, what: &str) -> Option<Value> {
        match self.value(lit, ty, what) {
            Ok(v) => Some(v),
            Err(Bad(bad)) => {
                let mut d =
                    Diagnostic::error(bad.code, bad.span, bad.message).with_label(bad.label);
                if let Some((msg, replacement)) = bad.suggestion {
                    d = d.with_suggestion(msg, bad.span, replacement);
                }
                self.push(d);
                None
            }
        }
    }

    /// The value of `lit` as a `ty`, or why it is not one; a refinement it
    /// violates is reported as the `what`'s ("default", "example").
    fn value(&mut self, lit: &ast::Literal, ty: &Ty, what: &str) -> Result<Value, Bad> {
        let eff = self.effective(ty);
        if let LiteralKind::Null = lit.kind {
            return if eff.nullable || matches!(eff.base, Base::Prim(Primitive::Any) | Base::Unknown)
            {
                Ok(Value::Null)
            } else {
                Err(Bad::new(BadInner {
                    code: codes::TYPE_MISMATCH,
                    span: lit.span,
                    message: format!("`null` is not a value of `{}`", show_ty(ty)),
                    label: "the type is not nullable".to_string(),
                    suggestion: None,
                }))
            };
        }
        let v = match &eff.base {
            Base::Unknown | Base::Prim(Primitive::Any) | Base::Union(_) => generic(lit),
            Base::Prim(p) => prim_value(*p, lit, ty)?,
            Base::Const(text) => match &lit.kind {
                LiteralKind::String(s) if s == text => ir::Value::String(s.clone()),
                _ => return Err(mismatch(lit, ty, "the constant itself")),
            },
            Base::Enum(idx) => {
                let DeclKind::Enum(e) = self.decls[*idx].kind else {
                    return Ok(generic(lit));
                };
                let (LiteralKind::Word(w) | LiteralKind::String(w)) = &lit.kind else {
                    return Err(mismatch(lit, ty, "a value of the enum"));
                };
                if e.values.iter().any(|v| v.name.name == *w) {
                    Value::Enum(w.clone())
                } else {
                    let names: Vec<&str> = e.values.iter().map(|v| v.name.name.as_str()).collect();
                    return Err(Bad::new(BadInner {
                        code: codes::TYPE_MISMATCH,
                        span: lit.span,
                        message: format!("`{w}` is not a value of enum `{}`", e.name.name),
                        label: format!("values: {}", names.join(", ")),
                        suggestion: did_you_mean(w, names)
                            .map(|b| (format!("did you mean `{b}`?"), b.to_string())),
                    }));
                }
            }
            Base::List(elem) => {
                let LiteralKind::List(items) = &lit.kind else {
                    return Err(mismatch(lit, ty, "a list"));
                };
                let mut out = Vec::new();
                for item in items {
                    out.push(self.value(item, elem, what)?);
                }
                Value::List(out)
            }
            Base::Map(elem) => {
                let LiteralKind::Object(pairs) = &lit.kind else {
                    return Err(mismatch(lit, ty, "an object `{ key: value }`"));
                };
                let mut out = Vec::new();
                for (k, v) in pairs {
                    out.push((k.name.clone(), self.value(v, elem, what)?));
                }
                Value::Object(out)
            }
            Base::Record(idx) => {
                let LiteralKind::Object(pairs) = &lit.kind else {
                    return Err(mismatch(lit, ty, "an object `{ field: value }`"));
                };
                let Some(fields) = self.record_fields(*idx, None) else {
                    return Ok(generic(lit));
                };
                let mut out = Vec::new();
                for (k, v) in pairs {
                    let Some(f) = fields.iter().find(|f| f.field.name == k.name) else {
                        let names: Vec<&str> =
                            fields.iter().map(|f| f.field.name.as_str()).collect();
                        return Err(Bad::new(BadInner {
                            code: codes::TYPE_MISMATCH,
                            span: k.span,
                            message: format!("`{}` has no field `{}`", show_ty(ty), k.name),
                            label: "unknown field".to_string(),
                            suggestion: did_you_mean(&k.name, names)
                                .map(|b| (format!("did you mean `{b}`?"), b.to_string())),
                        }));
                    };
                    out.push((k.name.clone(), self.value(v, &f.field.ty, what)?));
                }
                for f in fields.iter() {
                    let required = !f.field.optional
                        && f.field.default.is_none()
                        && !self.effective(&f.field.ty).nullable;
                    if required && !pairs.iter().any(|(k, _)| k.name == f.field.name) {
                        return Err(Bad::new(BadInner {
                            code: codes::TYPE_MISMATCH,
                            span: lit.span,
                            message: format!(
                                "the object lacks the required field `{}`",
                                f.field.name
                            ),
                            label: format!("`{}` missing", f.field.name),
                            suggestion: None,
                        }));
                    }
                }
                Value::Object(out)
            }
        };
        check_refinements(&v, &eff.refs, lit.span, what)?;
        Ok(v)
    }
}

fn prim_value(p: Primitive, lit: &ast::Literal, ty: &Ty) -> Result<Value, Bad> {
    let bad_format = |what: &str| {
        Bad::new(BadInner {
            code: codes::TYPE_MISMATCH,
            span: lit.span,
            message: format!("{} is not a valid {what}", describe(lit)),
            label: format!("expected {what}"),
            suggestion: None,
        })
    };
    Ok(match (p, &lit.kind) {
        (Primitive::Bool, LiteralKind::Bool(b)) => Value::Bool(*b),
        (Primitive::Int32, LiteralKind::Number(ast::Number::Int(i))) => {
            if i32::try_from(*i).is_err() {
                return Err(Bad::new(BadInner {
                    code: codes::TYPE_MISMATCH,
                    span: lit.span,
                    message: format!("`{i}` does not fit in `int32`"),
                    label: "out of range for a 32-bit integer".to_string(),
                    suggestion: None,
                }));
            }
            Value::Int(*i)
        }
        (Primitive::Int64, LiteralKind::Number(ast::Number::Int(i))) => Value::Int(*i),
        (Primitive::Float64, LiteralKind::Number(n)) => Value::Float(match n {
            ast::Number::Int(i) => *i as f64,
            ast::Number::Float(f) => *f,
        }),
        (Primitive::Decimal, LiteralKind::Number(n)) => Value::String(match n {
            ast::Number::Int(i) => i.to_string(),
            ast::Number::Float(f) => f.to_string(),
        }),
        (Primitive::Decimal, LiteralKind::String(s)) => {
            if s.parse::<f64>().is_err() {
                return Err(bad_format("decimal number"));
            }
            Value::String(s.clone())
        }
        (Primitive::Date, LiteralKind::Date(d)) => Value::String(d.to_string()),
        (Primitive::Date, LiteralKind::String(s)) => {
            if !valid_date(s) {
                return Err(bad_format("date (`YYYY-MM-DD`)"));
            }
            Value::String(s.clone())
        }
        (Primitive::Datetime, LiteralKind::String(s)) => {
            if !valid_datetime(s) {
                return Err(bad_format("RFC 3339 timestamp"));
            }
            Value::String(s.clone())
        }
        (Primitive::Uuid, LiteralKind::String(s)) => {
            if !valid_uuid(s) {
                return Err(bad_format("UUID"));
            }
            Value::String(s.clone())
        }
        (Primitive::Duration, LiteralKind::Duration(ms)) => Value::String(iso_duration(*ms)),
        (Primitive::Duration, LiteralKind::String(s)) => {
            if !s.starts_with('P') || s.len() < 3 {
                return Err(bad_format("ISO 8601 duration (`PT1H30M`)"));
            }
            Value::String(s.clone())
        }
        (
            Primitive::String | Primitive::Email | Primitive::Url | Primitive::Bytes,
            LiteralKind::String(s),
        ) => Value::String(s.clone()),
        _ => {
            let expected = match p {
                Primitive::Bool => "`true` or `false`",
                Primitive::Int32 | Primitive::Int64 => "an integer",
                Primitive::Float64 | Primitive::Decimal => "a number",
                Primitive::Date => "a date such as `2025-01-01`",
                Primitive::Duration => "a duration such as `30s`",
                _ => "a string",
            };
            let mut bad = mismatch(lit, ty, expected);
            if let (true, LiteralKind::Word(w)) = (p.is_string_like(), &lit.kind) {
                bad.0.suggestion = Some(("write it as a string".to_string(), format!("{w:?}")));
            }
            return Err(bad);
        }
    })
}

/// A literal as a value, unchecked.
pub(crate) fn generic(lit: &ast::Literal) -> Value {
    match &lit.kind {
        LiteralKind::String(s) | LiteralKind::Word(s) => Value::String(s.clone()),
        LiteralKind::Number(ast::Number::Int(i)) => Value::Int(*i),
        LiteralKind::Number(ast::Number::Float(f)) => Value::Float(*f),
        LiteralKind::Bool(b) => Value::Bool(*b),
        LiteralKind::Null => Value::Null,
        LiteralKind::Size(n) | LiteralKind::Duration(n) => {
            Value::Int(i64::try_from(*n).unwrap_or(i64::MAX))
        }
        LiteralKind::Date(d) => Value::String(d.to_string()),
        LiteralKind::List(items) => Value::List(items.iter().map(generic).collect()),
        LiteralKind::Object(pairs) => Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.name.clone(), generic(v)))
                .collect(),
        ),
    }
}

fn check_refinements(v: &Value, refs: &ir::Refinements, span: Span, what: &str) -> Result<(), Bad> {
    let fail = |what: String, label: String| {
        Err(Bad::new(BadInner {
            code: codes::DEFAULT_VIOLATES_REFINEMENT,
            span,
            message: what,
            label,
            suggestion: None,
        }))
    };
    if let (Some(b), Value::String(s)) = (&refs.len, v) {
        let n = s.chars().count();
        if !b.contains(n as f64) {
            return fail(
                format!(
                    "the {what} is {n} characters long, outside `@len({})`",
                    show_bounds(b)
                ),
                "violates the length refinement".to_string(),
            );
        }
    }
    if let Some(b) = &refs.range {
        let x = match v {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::String(s) => s.parse::<f64>().ok(),
            _ => None,
        };
        if let Some(x) = x
            && !b.contains(x)
        {
            return fail(
                format!("the {what} {x} is outside `@range({})`", show_bounds(b)),
                "violates the range refinement".to_string(),
            );
        }
    }
    if let Some(b) = &refs.items {
        let n = match v {
            Value::List(l) => Some(l.len()),
            Value::Object(o) => Some(o.len()),
            _ => None,
        };
        if let Some(n) = n
            && !b.contains(n as f64)
        {
            return fail(
                format!(
                    "the {what} has {n} items, outside `@items({})`",
                    show_bounds(b)
                ),
                "violates the item-count refinement".to_string(),
            );
        }
    }
    if let (Some(f), Value::String(s)) = (refs.format, v) {
        let ok = match f {
            ir::Format::Email => s
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.contains('@')),
            ir::Format::Uuid => valid_uuid(s),
            ir::Format::Url => s.split_once("://").is_some_and(|(scheme, rest)| {
                !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                    && !rest.is_empty()
            }),
            ir::Format::Hostname => {
                !s.is_empty()
                    && s.len() <= 253
                    && s.split('.').all(|l| {
                        !l.is_empty()
                            && l.len() <= 63
                            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    })
            }
            ir::Format::Ip => s.parse::<std::net::IpAddr>().is_ok(),
        };
        if !ok {
            let name = ir::Format::ALL
                .iter()
                .find(|(_, g)| *g == f)
                .map_or("", |(n, _)| n);
            return fail(
                format!("the {what} {s:?} is not a valid {name}"),
                format!("violates `@format({name})`"),
            );
        }
    }
    Ok(())
}

/// `1..=100`, `..254`, `0<..1`.
pub(crate) fn show_bounds(b: &Bounds) -> String {
    let show = |n: ir::Number| match n {
        ir::Number::Int(i) => i.to_string(),
        ir::Number::Float(f) => f.to_string(),
    };
    let mut s = String::new();
    if let Some(lo) = b.min {
        s.push_str(&show(lo));
        if b.min_exclusive {
            s.push('<');
        }
    }
    s.push_str(if b.max.is_some() && !b.max_exclusive {
        "..="
    } else {
        ".."
    });
    if let Some(hi) = b.max {
        s.push_str(&show(hi));
    }
    s
}

pub(crate) fn valid_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

pub(crate) fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|t| t.parse::<u32>().ok())
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

pub(crate) fn valid_datetime(s: &str) -> bool {
    let Some((date, rest)) = s.split_once(['T', 't', ' ']) else {
        return false;
    };
    if !valid_date(date) || rest.len() < 8 || !rest.is_char_boundary(8) {
        return false;
    }
    let (time, zone) = rest.split_at(8);
    let t = time.as_bytes();
    let two = |i: usize| -> Option<u32> { time.get(i..i + 2).and_then(|x| x.parse().ok()) };
    let time_ok = t[2] == b':'
        && t[5] == b':'
        && two(0).is_some_and(|h| h < 24)
        && two(3).is_some_and(|m| m < 60)
        && two(6).is_some_and(|s| s <= 60);
    let zone = match zone.strip_prefix('.') {
        Some(z) => {
            let digits = z.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return false;
            }
            &z[digits..]
        }
        None => zone,
    };
    let zone_ok = zone == "Z"
        || zone == "z"
        || (zone.len() == 6
            && (zone.starts_with('+') || zone.starts_with('-'))
            && zone.as_bytes()[3] == b':'
            && zone
                .get(1..3)
                .and_then(|h| h.parse::<u32>().ok())
                .is_some_and(|h| h < 24)
            && zone
                .get(4..6)
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| m < 60));
    time_ok && zone_ok
}

fn iso_duration(ms: u64) -> String {
    let (secs, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        format!("PT{secs}S")
    } else {
        format!("PT{secs}.{frac:03}S")
    }
}

/// A setting's literal as a value: sizes in bytes, durations in milliseconds.
/// A rate (only in a `limits` block nested in some other setting, since the
/// service's and routes' limits are checked instead) is an object of its
/// parts: `{requests, unit, burst, per}` as written.
pub(crate) fn setting_value(v: &ast::SettingValue) -> Value {
    match v {
        ast::SettingValue::Literal(l) => generic(l),
        ast::SettingValue::Words(ws) => Value::List(ws.iter().map(generic).collect()),
        ast::SettingValue::Auth(spec) => Value::List(spec.words.iter().map(generic).collect()),
        ast::SettingValue::Block(settings) => Value::Object(
            settings
                .iter()
                .map(|s| (s.key.name.clone(), setting_value(&s.value)))
                .collect(),
        ),
        ast::SettingValue::Rate(rate) => {
            let unit = rate
                .unit
                .as_ref()
                .map_or(Value::Null, |u| Value::String(u.name.clone()));
            let mut parts = vec![
                ("requests".to_string(), generic(&rate.requests)),
                ("unit".to_string(), unit),
            ];
            parts.extend(rate.options.iter().map(|(key, value)| {
                (
                    key.name.clone(),
                    value.as_ref().map_or(Value::Null, generic),
                )
            }));
            Value::Object(parts)
        }
    }
}
