//! Attributes: `@len(…)`, `@readonly`, `@name("…")` and friends, classified
//! into refinements (on the type) and flags (on the declaration).

use crate::suggest as did_you_mean;
use gatic_ir::{self as ir, Bounds, Primitive, Ty};
use gatic_syntax::ast::{self, AttrArg, LiteralKind};
use gatic_syntax::{Diagnostic, Span, codes};

use crate::check::{Base, Ctx};

/// Where attributes are written; decides which are allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// A record or error field.
    Field,
    /// A query parameter.
    Query,
    /// A header or cookie parameter (also takes `@name`).
    Wire,
    /// A path parameter.
    PathParam,
    /// After an alias's type.
    Alias,
    /// After a route's `body` type.
    Body,
    /// Inside `[T @attrs]` or `map<K, V @attrs>`.
    Items,
    /// After a record's name.
    Record,
    /// After an enum's name.
    Enum,
    /// After an enum value.
    EnumValue,
    /// After a union's name.
    Union,
    /// After a route's path.
    Route,
    /// In `refined from @attrs`.
    Refined,
    /// The old type of `changed from T @attrs via f`.
    Retyped,
}

impl Place {
    fn allowed(self) -> &'static [&'static str] {
        const REFS: &[&str] = &["len", "range", "items", "pattern", "format"];
        match self {
            Place::Field => &[
                "len",
                "range",
                "items",
                "pattern",
                "format",
                "readonly",
                "write_only",
                "deprecated",
                "example",
            ],
            Place::Query | Place::PathParam => {
                &["len", "range", "items", "pattern", "format", "deprecated"]
            }
            Place::Wire => &[
                "len",
                "range",
                "items",
                "pattern",
                "format",
                "deprecated",
                "name",
            ],
            Place::Alias => &[
                "len",
                "range",
                "items",
                "pattern",
                "format",
                "deprecated",
                "example",
            ],
            Place::Body => &["len", "range", "items", "pattern", "format"],
            Place::Items | Place::Refined | Place::Retyped => REFS,
            Place::Record => &["deprecated", "unknown_fields"],
            Place::Enum | Place::EnumValue | Place::Route => &["deprecated"],
            Place::Union => &["tag", "deprecated"],
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Place::Field => "a field",
            Place::Query => "a query parameter",
            Place::Wire => "a header or cookie",
            Place::PathParam => "a path parameter",
            Place::Alias => "an alias",
            Place::Body => "a route's body",
            Place::Items => "list items or map values",
            Place::Record => "a record",
            Place::Enum => "an enum",
            Place::EnumValue => "an enum value",
            Place::Union => "a union",
            Place::Route => "a route",
            Place::Refined => "`refined from`",
            Place::Retyped => "`changed from`",
        }
    }
}

/// Every attribute the language knows.
const KNOWN: &[&str] = &[
    "len",
    "range",
    "items",
    "pattern",
    "format",
    "readonly",
    "write_only",
    "deprecated",
    "name",
    "tag",
    "unknown_fields",
    "example",
];

/// The flags found among a declaration's attributes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Flags {
    pub readonly: Option<Span>,
    pub write_only: Option<Span>,
    pub deprecated: bool,
    /// `@name("Wire-Name")`.
    pub wire_name: Option<String>,
    /// `@tag(field)` and where it was written.
    pub tag: Option<(String, Span)>,
    /// A record's `@unknown_fields(reject)` or `(ignore)`, and where it was written.
    pub unknown_fields: Option<(ir::UnknownFields, Span)>,
    /// `@example(value)`: the value as written, which the caller checks
    /// against the declaration's type once its refinements are known.
    pub example: Option<ast::Literal>,
}

impl Flags {
    /// Flags read without any checking (the attributes are checked elsewhere).
    pub fn scan(attrs: &[ast::Attr]) -> Flags {
        Flags {
            deprecated: attrs.iter().any(|a| a.name.name == "deprecated"),
            ..Flags::default()
        }
    }
}

impl Ctx<'_> {
    /// Classifies `attrs` written at `place`; refinements go onto `ty` (when
    /// the type resolved), flags are returned.
    pub fn attrs(&mut self, attrs: &[ast::Attr], place: Place, mut ty: Option<&mut Ty>) -> Flags {
        let mut flags = Flags::default();
        let mut seen: Vec<(&str, Span)> = Vec::new();
        // The type before these attributes, to decide which refinements apply.
        let base = ty.as_deref().map(|t| {
            let mut plain = t.clone();
            plain.refinements = ir::Refinements::default();
            self.effective(&plain).base
        });
        for attr in attrs {
            let name = attr.name.name.as_str();
            if name.is_empty() {
                continue;
            }
            if !KNOWN.contains(&name) {
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_ATTRIBUTE,
                    attr.name.span,
                    format!("unknown attribute `@{name}`"),
                )
                .with_label("not an attribute the language knows");
                if let Some(best) = did_you_mean(name, place.allowed().iter().copied()) {
                    d = d.with_suggestion(format!("did you mean `@{best}`?"), attr.name.span, best);
                } else {
                    d = d.with_note(format!(
                        "{} takes {}",
                        place.describe(),
                        list(place.allowed())
                    ));
                }
                self.push(d);
                continue;
            }
            if !place.allowed().contains(&name) {
                self.push(
                    Diagnostic::error(
                        codes::UNKNOWN_ATTRIBUTE,
                        attr.span,
                        format!("`@{name}` is not allowed on {}", place.describe()),
                    )
                    .with_label("not valid here")
                    .with_note(format!(
                        "{} takes {}",
                        place.describe(),
                        list(place.allowed())
                    )),
                );
                continue;
            }
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                let first = *first;
                self.push(
                    Diagnostic::error(
                        codes::BAD_REFINEMENT,
                        attr.span,
                        format!("`@{name}` is given twice"),
                    )
                    .with_label("second time")
                    .with_secondary(first, "first given here"),
                );
                continue;
            }
            seen.push((name, attr.span));
            match name {
                "readonly" | "write_only" | "deprecated" => {
                    if !attr.args.is_empty() {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            format!("`@{name}` takes no arguments"),
                        )
                        .label = Some("remove the parentheses".to_string());
                    }
                    match name {
                        "readonly" => flags.readonly = Some(attr.span),
                        "write_only" => flags.write_only = Some(attr.span),
                        _ => flags.deprecated = true,
                    }
                }
                "name" => match one_string(attr) {
                    Some(s) if valid_header_name(&s) => flags.wire_name = Some(s),
                    Some(s) => {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            format!("`{s}` is not a valid header or cookie name"),
                        )
                        .label = Some("use letters, digits and `-`".to_string());
                    }
                    None => {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            "`@name` takes one string, such as `@name(\"X-Request-Id\")`",
                        );
                    }
                },
                "unknown_fields" => match one_word(attr) {
                    Some(word) => match crate::routes::unknown_fields_policy(&word) {
                        Some(policy) => flags.unknown_fields = Some((policy, attr.span)),
                        None => self.push(crate::routes::bad_unknown_fields(
                            codes::BAD_REFINEMENT,
                            &format!("`@unknown_fields({word})` is not a policy"),
                            &word,
                            attr.span,
                        )),
                    },
                    None => {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            "`@unknown_fields` takes `reject` or `ignore`, such as \
                             `@unknown_fields(reject)`",
                        );
                    }
                },
                "example" => match attr.args.as_slice() {
                    [AttrArg::Literal(lit)] => flags.example = Some(lit.clone()),
                    _ => {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            "`@example` takes one value of the type, such as `@example(\"ada\")`",
                        )
                        .label = Some("expected one value".to_string());
                    }
                },
                "tag" => match one_word(attr) {
                    Some(s) => flags.tag = Some((s, attr.span)),
                    None => {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            "`@tag` takes one field name, such as `@tag(kind)`",
                        );
                    }
                },
                _ => {
                    if let (Some(t), Some(base)) = (ty.as_deref_mut(), &base) {
                        self.refinement(attr, t, base);
                    }
                }
            }
        }
        flags
    }

    /// Applies one refinement attribute to `ty`, whose base type is `base`.
    fn refinement(&mut self, attr: &ast::Attr, ty: &mut Ty, base: &Base) {
        let name = attr.name.name.as_str();
        let applies = match (name, base) {
            (_, Base::Unknown) => return,
            // Only text is checked by length, pattern and format: a uuid,
            // date, date-time, duration, decimal or base64 value has a
            // fixed wire format, and its text is never refined.
            ("len" | "pattern" | "format", Base::Prim(p)) => {
                matches!(p, Primitive::String | Primitive::Email | Primitive::Url)
            }
            ("range", Base::Prim(p)) => p.is_number() || *p == Primitive::Decimal,
            ("items", Base::List(_) | Base::Map(_)) => true,
            _ => false,
        };
        if !applies {
            let what = self.describe(base);
            let fits = match name {
                "len" | "pattern" | "format" => "strings",
                "range" => "numbers",
                _ => "lists and maps",
            };
            let mut d = Diagnostic::error(
                codes::REFINEMENT_NOT_APPLICABLE,
                attr.span,
                format!("`@{name}` does not apply to {what}"),
            )
            .with_label(format!("`@{name}` applies to {fits}"));
            let hint = match (name, base) {
                ("len", Base::Prim(p)) if p.is_number() => Some("use `@range` to bound a number"),
                ("len", Base::List(_) | Base::Map(_)) => {
                    Some("use `@items` to bound the number of items")
                }
                (
                    "range",
                    Base::Prim(Primitive::Datetime | Primitive::Date | Primitive::Duration),
                ) => Some(
                    "the language has no bounds for dates and durations yet; check them in the handler",
                ),
                ("len" | "pattern" | "format", Base::Prim(Primitive::Bytes)) => {
                    Some("a body's size is bounded by the route's `limits { body … }`")
                }
                ("len" | "pattern" | "format", Base::Prim(p)) if p.is_string_like() => {
                    Some("its wire format is fixed; use `string` for free text")
                }
                ("range", Base::Prim(p)) if p.is_string_like() => {
                    Some("use `@len` to bound a string's length")
                }
                ("items", Base::Prim(p)) if p.is_string_like() => {
                    Some("use `@len` to bound a string's length")
                }
                _ => None,
            };
            if let Some(h) = hint {
                d = d.with_note(h);
            }
            self.push(d);
            return;
        }
        match name {
            "len" | "items" => {
                if let Some(b) = self.bounds(attr, true) {
                    if name == "len" {
                        ty.refinements.len = Some(b);
                    } else {
                        ty.refinements.items = Some(b);
                    }
                }
            }
            "range" => {
                if let Some(b) = self.bounds(attr, false) {
                    if let (Base::Prim(Primitive::Int32 | Primitive::Int64), true) = (
                        base,
                        [b.min, b.max]
                            .iter()
                            .flatten()
                            .any(|n| matches!(n, ir::Number::Float(_))),
                    ) {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            "an integer's range needs integer bounds",
                        );
                        return;
                    }
                    ty.refinements.range = Some(b);
                }
            }
            "pattern" => match one_string(attr) {
                Some(p) => match regex_syntax::Parser::new().parse(&p) {
                    Ok(_) => ty.refinements.pattern = Some(p),
                    Err(e) => {
                        let why = e.to_string();
                        let why = why.lines().last().unwrap_or("invalid").trim().to_string();
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            format!("invalid regular expression: {why}"),
                        )
                        .label = Some("this pattern does not parse".to_string());
                    }
                },
                None => {
                    self.error(
                        codes::BAD_REFINEMENT,
                        attr.span,
                        "`@pattern` takes one string, such as `@pattern(\"[a-z]+\")`",
                    );
                }
            },
            "format" => {
                let Some(word) = one_word(attr) else {
                    self.error(
                        codes::BAD_REFINEMENT,
                        attr.span,
                        "`@format` takes one format name, such as `@format(email)`",
                    );
                    return;
                };
                let Some(&(_, f)) = ir::Format::ALL.iter().find(|(n, _)| *n == word) else {
                    let names: Vec<&str> = ir::Format::ALL.iter().map(|(n, _)| *n).collect();
                    let arg_span = attr.args.first().map_or(attr.span, arg_span);
                    let mut d = Diagnostic::error(
                        codes::BAD_REFINEMENT,
                        arg_span,
                        format!("unknown format `{word}`"),
                    )
                    .with_label("not a known format")
                    .with_note(format!("formats: {}", list(&names)));
                    if let Some(best) = did_you_mean(&word, names) {
                        d = d.with_suggestion(format!("did you mean `{best}`?"), arg_span, best);
                    }
                    self.push(d);
                    return;
                };
                match ty.refinements.format {
                    Some(implied) if implied != f => {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            format!(
                                "`@format({word})` contradicts the format its type already implies"
                            ),
                        );
                    }
                    _ => ty.refinements.format = Some(f),
                }
            }
            _ => {}
        }
    }

    /// The bounds written in `@len(…)`, `@items(…)` or `@range(…)`.
    fn bounds(&mut self, attr: &ast::Attr, is_count: bool) -> Option<Bounds> {
        let name = &attr.name.name;
        let b = match attr.args.as_slice() {
            [AttrArg::Range(r)] => Bounds {
                min: r.lo.map(number),
                min_exclusive: r.lo_exclusive && r.lo.is_some(),
                max: r.hi.map(number),
                max_exclusive: !r.hi_inclusive && r.hi.is_some(),
            },
            [
                AttrArg::Literal(ast::Literal {
                    kind: LiteralKind::Number(n),
                    ..
                }),
            ] => Bounds {
                min: Some(number(*n)),
                max: Some(number(*n)),
                ..Bounds::default()
            },
            _ => {
                self.error(
                    codes::BAD_REFINEMENT,
                    attr.span,
                    format!("`@{name}` takes one range, such as `@{name}(1..=100)`"),
                )
                .label = Some("expected a range".to_string());
                return None;
            }
        };
        if is_count {
            for n in [b.min, b.max].into_iter().flatten() {
                match n {
                    ir::Number::Int(i) if i < 0 => {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            format!("`@{name}` counts cannot be negative"),
                        )
                        .label = Some(format!("`{i}` is negative"));
                        return None;
                    }
                    ir::Number::Float(_) => {
                        self.error(
                            codes::BAD_REFINEMENT,
                            attr.span,
                            format!("`@{name}` counts must be whole numbers"),
                        );
                        return None;
                    }
                    _ => {}
                }
            }
        }
        if let (Some(lo), Some(hi)) = (b.min, b.max) {
            let (lo, hi) = (lo.as_f64(), hi.as_f64());
            let empty = lo > hi || (lo == hi && (b.min_exclusive || b.max_exclusive));
            if empty {
                self.error(
                    codes::BAD_REFINEMENT,
                    attr.span,
                    format!("`@{name}` allows no value: the range is empty"),
                )
                .label = Some(if lo > hi {
                    "the lower bound is above the upper bound".to_string()
                } else {
                    "the bounds exclude each other".to_string()
                });
                return None;
            }
        }
        Some(b)
    }
}

fn number(n: ast::Number) -> ir::Number {
    match n {
        ast::Number::Int(i) => ir::Number::Int(i),
        ast::Number::Float(f) => ir::Number::Float(f),
    }
}

fn arg_span(a: &AttrArg) -> Span {
    match a {
        AttrArg::Literal(l) => l.span,
        AttrArg::Range(r) => r.span,
    }
}

fn one_string(attr: &ast::Attr) -> Option<String> {
    match attr.args.as_slice() {
        [
            AttrArg::Literal(ast::Literal {
                kind: LiteralKind::String(s),
                ..
            }),
        ] => Some(s.clone()),
        _ => None,
    }
}

fn one_word(attr: &ast::Attr) -> Option<String> {
    match attr.args.as_slice() {
        [
            AttrArg::Literal(ast::Literal {
                kind: LiteralKind::Word(s) | LiteralKind::String(s),
                ..
            }),
        ] if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// RFC 9110 token characters.
pub(crate) fn valid_header_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
