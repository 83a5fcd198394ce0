//! The parser: `.gati` text in, an AST and every syntax error out.
//!
//! Parsing never fails. The text is split into chunks that start at an item
//! keyword at the beginning of a line, outside any brackets; each chunk is
//! parsed on its own, so a broken item is reported and the items after it are
//! still read. Inside bodies the grammar's error productions (`bad_*` rules)
//! keep a broken line as text; it is re-parsed alone to say precisely what is
//! wrong, and skipped.

use crate::ast::*;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use pest::Parser as _;
use pest::iterators::Pair;

pub(crate) mod grammar {
    //! The pest parser generated from `gati.pest` (the formatter uses it
    //! too).
    // The derive generates a public `Rule` enum whose variants mirror the
    // grammar's rules; the grammar file documents them.
    #![allow(missing_docs)]

    #[derive(pest_derive::Parser)]
    #[grammar = "gati.pest"]
    pub struct GatiParser;
}
use grammar::{GatiParser, Rule};

/// Brackets may nest this deep; deeper input is rejected before parsing.
pub const MAX_NESTING: usize = 64;

/// The result of parsing one file.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// Everything that parsed.
    pub file: File,
    /// Every syntax error, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses the text of one file.
pub fn parse(file: FileId, text: &str) -> Parsed {
    pest::set_error_detail(true);
    let mut parser = Builder {
        file,
        text,
        offset: 0,
        diagnostics: Vec::new(),
    };
    let mut out = File::default();
    for chunk in split_chunks(text) {
        if let Some(deep) = chunk.too_deep_at {
            parser.diagnostics.push(
                Diagnostic::error(
                    codes::NESTING_TOO_DEEP,
                    Span::new(file, deep, deep + 1),
                    format!("brackets nest deeper than {MAX_NESTING} levels"),
                )
                .with_label("too deep here")
                .with_note("the item containing this is skipped"),
            );
            continue;
        }
        parser.offset = chunk.start;
        let chunk_text = &text[chunk.start..chunk.end];
        match GatiParser::parse(Rule::chunk, chunk_text) {
            Ok(mut pairs) => {
                if let Some(chunk_pair) = pairs.next() {
                    parser.chunk(chunk_pair, &mut out);
                }
            }
            Err(error) => {
                let d = parser.syntax_error(&error, chunk_text, false);
                // An item that ends inside an open bracket is best explained
                // by pointing at that bracket.
                let at_end = d.span.start as usize >= chunk.start + chunk_text.trim_end().len();
                let d = match unclosed_bracket(chunk_text) {
                    Some(open) if at_end => Diagnostic::error(
                        codes::SYNTAX,
                        Span::new(file, chunk.start + open, chunk.start + open + 1),
                        format!("this `{}` is never closed", &chunk_text[open..=open]),
                    )
                    .with_label("unclosed")
                    .with_secondary(d.span, "the item ends here"),
                    _ => d,
                };
                parser.diagnostics.push(d);
            }
        }
    }
    parser
        .diagnostics
        .sort_by_key(|d| (d.span.start, d.span.end));
    Parsed {
        file: out,
        diagnostics: parser.diagnostics,
    }
}

/// A byte range of the text that starts at an item keyword (or the file's start).
struct Chunk {
    start: usize,
    end: usize,
    too_deep_at: Option<usize>,
}

const ITEM_KEYWORDS: [&str; 8] = [
    "use", "service", "type", "enum", "union", "error", "route", "versions",
];

/// Splits `text` at item keywords that start a line outside any brackets,
/// taking the doc comments right above a keyword along with it.
fn split_chunks(text: &str) -> Vec<Chunk> {
    let bytes = text.as_bytes();
    let mut starts = vec![0usize];
    let mut deep = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let mut line_start = true;
    // The start of the run of `///` lines just above the current line, if any.
    let mut doc_run: Option<usize> = None;
    let mut line_begin = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if line_start && b != b' ' && b != b'\t' && b != b'\r' && b != b'\n' {
            line_start = false;
            let rest = &text[i..];
            if rest.starts_with("///") && !rest.starts_with("////") {
                doc_run.get_or_insert(line_begin);
            } else {
                // Unbalanced brackets must not swallow the rest of the file,
                // so an item keyword at column 0 starts an item at any depth.
                let at_column_0 = i == line_begin;
                if (depth == 0 || at_column_0) && starts_with_keyword(rest) {
                    let at = doc_run.unwrap_or(line_begin);
                    if at > 0 && starts.last() != Some(&at) {
                        starts.push(at);
                    }
                    depth = 0;
                }
                doc_run = None;
            }
        }
        match b {
            b'\n' => {
                line_start = true;
                line_begin = i + 1;
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    deep.push(i);
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    let mut chunks = Vec::with_capacity(starts.len());
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(text.len());
        let too_deep_at = deep.iter().copied().find(|&d| d >= start && d < end);
        chunks.push(Chunk {
            start,
            end,
            too_deep_at,
        });
    }
    chunks
}

/// Whether `rest` starts with an item keyword followed by what an item puts
/// after it (a name, a string or a brace), so that a field named `type:` is
/// not taken for an item.
fn starts_with_keyword(rest: &str) -> bool {
    ITEM_KEYWORDS.iter().any(|kw| {
        let Some(after) = rest.strip_prefix(kw) else {
            return false;
        };
        let trimmed = after.trim_start_matches([' ', '\t']);
        trimmed.len() < after.len()
            && trimmed
                .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '"' || c == '{')
    })
}

/// Turns pest pairs into AST nodes, collecting diagnostics on the way.
struct Builder<'t> {
    file: FileId,
    text: &'t str,
    /// Where the chunk being built starts in the file.
    offset: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Builder<'_> {
    /// The pair's span without the whitespace pest's implicit skipping
    /// leaves at its end.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let start = pair.as_span().start();
        let end = start + pair.as_str().trim_end().len();
        Span::new(self.file, self.offset + start, self.offset + end)
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn chunk(&mut self, pair: Pair<'_, Rule>, out: &mut File) {
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::file_doc => {
                    let line = p.as_str().trim_start_matches("//!");
                    let line = line.strip_prefix(' ').unwrap_or(line).trim_end();
                    match &mut out.doc {
                        Some(doc) => {
                            doc.push('\n');
                            doc.push_str(line);
                        }
                        None => out.doc = Some(line.to_string()),
                    }
                }
                Rule::item => {
                    if let Some(item) = self.item(p) {
                        out.items.push(item);
                    }
                }
                _ => {}
            }
        }
    }

    fn docs(&self, pair: Pair<'_, Rule>) -> Doc {
        let lines: Vec<&str> = pair
            .into_inner()
            .map(|p| {
                let line = p.as_str().trim_start_matches("///");
                line.strip_prefix(' ').unwrap_or(line).trim_end()
            })
            .collect();
        if lines.is_empty() {
            None
        } else {
            Some(lines.join("\n"))
        }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let mut inner = pair.into_inner();
        let doc = self.docs(inner.next()?);
        let decl = inner.next()?;
        let span = self.span(&decl);
        Some(match decl.as_rule() {
            Rule::use_decl => {
                let string = decl.into_inner().nth(1)?;
                Item::Use(UseDecl {
                    path: self.string(&string),
                    span,
                })
            }
            Rule::service_decl => {
                let mut parts = decl.into_inner().skip(1);
                let name = self.ident(parts.next()?);
                let settings = self.settings(parts.next()?);
                Item::Service(ServiceDecl {
                    doc,
                    name,
                    settings,
                    span,
                })
            }
            Rule::type_decl => self.type_decl(doc, decl, span)?,
            Rule::enum_decl => {
                let mut parts = decl.into_inner().skip(1);
                let name = self.ident(parts.next()?);
                let mut attrs = Vec::new();
                let mut values = Vec::new();
                for p in parts {
                    match p.as_rule() {
                        Rule::attr => attrs.push(self.attr(p)),
                        Rule::enum_value => {
                            let mut v = p.into_inner();
                            let doc = v.next().and_then(|d| self.docs(d));
                            let Some(name) = v.next().map(|n| self.ident(n)) else {
                                continue;
                            };
                            let attrs = v.map(|a| self.attr(a)).collect();
                            values.push(EnumValue { doc, name, attrs });
                        }
                        Rule::bad_enum_value => self.explain_bad(&p, Rule::enum_value_only),
                        _ => {}
                    }
                }
                Item::Enum(EnumDecl {
                    doc,
                    name,
                    attrs,
                    values,
                    span,
                })
            }
            Rule::union_decl => {
                let mut parts = decl.into_inner().skip(1);
                let name = self.ident(parts.next()?);
                let mut attrs = Vec::new();
                let mut variants = Vec::new();
                for p in parts {
                    match p.as_rule() {
                        Rule::attr => attrs.push(self.attr(p)),
                        Rule::variant => {
                            let mut v = p.into_inner();
                            let doc = v.next().and_then(|d| self.docs(d));
                            let (Some(name), Some(ty)) = (v.next(), v.next()) else {
                                continue;
                            };
                            variants.push(Variant {
                                doc,
                                name: self.ident(name),
                                ty: self.type_expr(ty),
                            });
                        }
                        Rule::bad_variant => self.explain_bad(&p, Rule::variant_only),
                        _ => {}
                    }
                }
                Item::Union(UnionDecl {
                    doc,
                    name,
                    attrs,
                    variants,
                    span,
                })
            }
            Rule::error_decl => {
                let mut parts = decl.into_inner().skip(1);
                let name = self.ident(parts.next()?);
                let status = self.literal(parts.next()?);
                let members = parts.next().map(|b| self.members(b)).unwrap_or_default();
                Item::Error(ErrorDecl {
                    doc,
                    name,
                    status,
                    members,
                    span,
                })
            }
            Rule::route_decl => self.route(doc, decl, span)?,
            Rule::versions_decl => {
                let mut entries = Vec::new();
                for p in decl.into_inner().skip(1) {
                    match p.as_rule() {
                        Rule::version_entry => {
                            if let Some(e) = self.version_entry(p) {
                                entries.push(e);
                            }
                        }
                        Rule::bad_version => self.explain_bad(&p, Rule::version_only),
                        _ => {}
                    }
                }
                Item::Versions(VersionsDecl { entries, span })
            }
            _ => return None,
        })
    }

    fn type_decl(&mut self, doc: Doc, decl: Pair<'_, Rule>, span: Span) -> Option<Item> {
        let mut parts = decl.into_inner().skip(1);
        let name = self.ident(parts.next()?);
        let mut params = Vec::new();
        let mut attrs = Vec::new();
        let mut body = None;
        for p in parts {
            match p.as_rule() {
                Rule::type_params => params = p.into_inner().map(|i| self.ident(i)).collect(),
                Rule::attr => attrs.push(self.attr(p)),
                Rule::record_body => body = Some(TypeBody::Record(self.members(p))),
                Rule::type_rhs => {
                    let mut rhs = p.into_inner();
                    let first = rhs.next()?;
                    if first.as_rule() == Rule::without {
                        let mut w = first.into_inner();
                        let base = self.ident(w.next()?);
                        let fields = w.map(|f| self.ident(f)).collect();
                        body = Some(TypeBody::Without { base, fields });
                    } else {
                        body = Some(TypeBody::Alias(self.type_expr(first)));
                        attrs.extend(rhs.map(|a| self.attr(a)));
                    }
                }
                _ => {}
            }
        }
        Some(Item::Type(TypeDecl {
            doc,
            name,
            params,
            attrs,
            body: body?,
            span,
        }))
    }

    fn members(&mut self, pair: Pair<'_, Rule>) -> Vec<Member> {
        let mut members = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::member => {
                    if let Some(inner) = p.into_inner().next() {
                        match inner.as_rule() {
                            Rule::spread => {
                                if let Some(name) = inner.into_inner().nth(1) {
                                    members.push(Member::Spread(self.ident(name)));
                                }
                            }
                            _ => {
                                if let Some(f) = self.field(inner) {
                                    members.push(Member::Field(f));
                                }
                            }
                        }
                    }
                }
                Rule::field => {
                    if let Some(f) = self.field(p) {
                        members.push(Member::Field(f));
                    }
                }
                Rule::bad_member => self.explain_bad(&p, Rule::member_only),
                _ => {}
            }
        }
        members
    }

    fn fields(&mut self, pair: Pair<'_, Rule>) -> Vec<Field> {
        self.members(pair)
            .into_iter()
            .filter_map(|m| match m {
                Member::Field(f) => Some(f),
                Member::Spread(_) => None,
            })
            .collect()
    }

    fn field(&mut self, pair: Pair<'_, Rule>) -> Option<Field> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let doc = self.docs(parts.next()?);
        let name = self.ident(parts.next()?);
        let mut optional = false;
        let mut ty = None;
        let mut attrs = Vec::new();
        let mut default = None;
        for p in parts {
            match p.as_rule() {
                Rule::optional_mark => optional = true,
                Rule::type_expr => ty = Some(self.type_expr(p)),
                Rule::attr => attrs.push(self.attr(p)),
                Rule::literal => default = Some(self.literal(p)),
                _ => {}
            }
        }
        Some(Field {
            doc,
            name,
            optional,
            ty: ty?,
            attrs,
            default,
            span,
        })
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let atom = parts.next();
        let nullable = parts.next().is_some();
        let kind = match atom.and_then(|a| a.into_inner().next()) {
            Some(inner) => match inner.as_rule() {
                Rule::list_type => {
                    let inner_span = self.span(&inner);
                    let mut p = inner.into_inner();
                    let item = match p.next() {
                        Some(t) => self.type_expr(t),
                        None => error_type(inner_span),
                    };
                    let attrs = p.map(|a| self.attr(a)).collect();
                    TypeExprKind::List(Box::new(item), attrs)
                }
                Rule::map_type => {
                    let inner_span = self.span(&inner);
                    let mut p = inner.into_inner();
                    let key = match p.next() {
                        Some(t) => self.type_expr(t),
                        None => error_type(inner_span),
                    };
                    let value = match p.next() {
                        Some(t) => self.type_expr(t),
                        None => error_type(inner_span),
                    };
                    let attrs = p.map(|a| self.attr(a)).collect();
                    TypeExprKind::Map(Box::new(key), Box::new(value), attrs)
                }
                Rule::generic_type => {
                    let mut p = inner.into_inner();
                    let name = match p.next() {
                        Some(n) => self.ident(n),
                        None => return error_type(span),
                    };
                    let args = p.map(|a| self.type_expr(a)).collect();
                    TypeExprKind::Generic(name, args)
                }
                Rule::const_type => match inner.into_inner().next() {
                    Some(text) => TypeExprKind::Const(self.string(&text)),
                    None => return error_type(span),
                },
                _ => TypeExprKind::Named(self.ident(inner)),
            },
            None => return error_type(span),
        };
        if nullable {
            TypeExpr {
                kind: TypeExprKind::Nullable(Box::new(TypeExpr { kind, span })),
                span,
            }
        } else {
            TypeExpr { kind, span }
        }
    }

    fn attr(&mut self, pair: Pair<'_, Rule>) -> Attr {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let name = match parts.next() {
            Some(n) => self.ident(n),
            None => Ident {
                name: String::new(),
                span,
            },
        };
        let mut args = Vec::new();
        if let Some(arg_list) = parts.next() {
            for arg in arg_list.into_inner() {
                let Some(inner) = arg.into_inner().next() else {
                    continue;
                };
                match inner.as_rule() {
                    Rule::range => args.push(AttrArg::Range(self.range(inner))),
                    _ => args.push(AttrArg::Literal(self.literal(inner))),
                }
            }
        }
        Attr { name, args, span }
    }

    fn range(&mut self, pair: Pair<'_, Rule>) -> RangeLit {
        let span = self.span(&pair);
        let mut range = RangeLit {
            lo: None,
            lo_exclusive: false,
            hi: None,
            hi_inclusive: false,
            span,
        };
        let mut seen_dots = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::number => {
                    let n = self.number(&p);
                    if seen_dots {
                        range.hi = n;
                    } else {
                        range.lo = n;
                    }
                }
                Rule::lo_exclusive => range.lo_exclusive = true,
                Rule::range_incl => {
                    range.hi_inclusive = true;
                    seen_dots = true;
                }
                Rule::range_excl => seen_dots = true,
                _ => {}
            }
        }
        range
    }

    fn number(&mut self, pair: &Pair<'_, Rule>) -> Option<Number> {
        let text = pair.as_str();
        let parsed = if text.contains(['.', 'e', 'E']) {
            text.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Number::Float)
        } else {
            text.parse::<i64>().ok().map(Number::Int)
        };
        if parsed.is_none() {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::BAD_LITERAL,
                    self.span(pair),
                    format!("the number `{text}` is out of range"),
                )
                .with_label("does not fit a 64-bit integer or a finite float"),
            );
        }
        parsed
    }

    fn string(&mut self, pair: &Pair<'_, Rule>) -> String {
        let body = pair.as_str();
        let body = body
            .strip_prefix('"')
            .and_then(|b| b.strip_suffix('"'))
            .unwrap_or(body);
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices();
        while let Some((_, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 't')) => out.push('\t'),
                Some((_, '0')) => out.push('\0'),
                Some((at, 'u')) => {
                    let hex: String = body[at + 1..]
                        .trim_start_matches('{')
                        .chars()
                        .take_while(|c| *c != '}')
                        .collect();
                    for _ in 0..hex.len() + 2 {
                        chars.next();
                    }
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => self.diagnostics.push(Diagnostic::error(
                            codes::BAD_LITERAL,
                            self.span(pair),
                            format!("`\\u{{{hex}}}` is not a Unicode scalar value"),
                        )),
                    }
                }
                Some((_, other)) => out.push(other),
                None => {}
            }
        }
        out
    }

    fn literal(&mut self, pair: Pair<'_, Rule>) -> Literal {
        let span = self.span(&pair);
        let inner = if pair.as_rule() == Rule::literal {
            match pair.into_inner().next() {
                Some(i) => i,
                None => {
                    return Literal {
                        kind: LiteralKind::Null,
                        span,
                    };
                }
            }
        } else {
            pair
        };
        let text = inner.as_str();
        let kind = match inner.as_rule() {
            Rule::string => LiteralKind::String(self.string(&inner)),
            Rule::number => match self.number(&inner) {
                Some(n) => LiteralKind::Number(n),
                None => LiteralKind::Null,
            },
            Rule::boolean => LiteralKind::Bool(text == "true"),
            Rule::null => LiteralKind::Null,
            Rule::ident => LiteralKind::Word(text.to_string()),
            Rule::size => LiteralKind::Size(self.size(text, span)),
            Rule::duration => LiteralKind::Duration(self.duration(text, span)),
            Rule::date => LiteralKind::Date(self.date(text, span)),
            Rule::list_lit => {
                LiteralKind::List(inner.into_inner().map(|p| self.literal(p)).collect())
            }
            Rule::object_lit => LiteralKind::Object(
                inner
                    .into_inner()
                    .filter_map(|pair| {
                        let mut kv = pair.into_inner();
                        let key = self.ident(kv.next()?);
                        let value = self.literal(kv.next()?);
                        Some((key, value))
                    })
                    .collect(),
            ),
            _ => LiteralKind::Null,
        };
        Literal { kind, span }
    }

    fn size(&mut self, text: &str, span: Span) -> u64 {
        const UNITS: &[(&str, u64)] = &[
            ("KiB", 1 << 10),
            ("MiB", 1 << 20),
            ("GiB", 1 << 30),
            ("KB", 1_000),
            ("MB", 1_000_000),
            ("GB", 1_000_000_000),
        ];
        self.scaled(text, span, UNITS, "size")
    }

    fn duration(&mut self, text: &str, span: Span) -> u64 {
        const UNITS: &[(&str, u64)] = &[("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)];
        self.scaled(text, span, UNITS, "duration")
    }

    /// Digits followed by a unit (the grammar guarantees one of `units`, or
    /// none for a size in bytes), scaled to the unit; out of range is an error.
    fn scaled(&mut self, text: &str, span: Span, units: &[(&str, u64)], what: &str) -> u64 {
        let digits = text.chars().take_while(char::is_ascii_digit).count();
        let unit = &text[digits..];
        let factor = units
            .iter()
            .find(|(name, _)| *name == unit)
            .map_or(1, |(_, f)| *f);
        let value = text[..digits]
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(factor));
        value.unwrap_or_else(|| {
            self.diagnostics.push(Diagnostic::error(
                codes::BAD_LITERAL,
                span,
                format!("the {what} `{text}` is out of range"),
            ));
            0
        })
    }

    fn date(&mut self, text: &str, span: Span) -> Date {
        let year = text.get(0..4).and_then(|s| s.parse().ok()).unwrap_or(0);
        let month = text.get(5..7).and_then(|s| s.parse().ok()).unwrap_or(0);
        let day = text.get(8..10).and_then(|s| s.parse().ok()).unwrap_or(0);
        let date = Date { year, month, day };
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if day == 0 || day > days_in_month {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::BAD_LITERAL,
                    span,
                    format!("`{text}` is not a calendar date"),
                )
                .with_label("dates are written YYYY-MM-DD"),
            );
        }
        date
    }

    /// A `settings_block`, or a `limits_block` whose settings may be rates.
    fn settings(&mut self, pair: Pair<'_, Rule>) -> Vec<Setting> {
        let only = match pair.as_rule() {
            Rule::limits_block => Rule::limit_only,
            _ => Rule::setting_only,
        };
        let mut settings = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::setting | Rule::limit => {
                    if let Some(s) = self.setting(p) {
                        settings.push(s);
                    }
                }
                Rule::bad_setting => self.explain_bad(&p, only),
                _ => {}
            }
        }
        settings
    }

    /// A `setting`, or a `limit` (a rate or a setting).
    fn setting(&mut self, pair: Pair<'_, Rule>) -> Option<Setting> {
        if pair.as_rule() == Rule::limit {
            let inner = pair.into_inner().next()?;
            return match inner.as_rule() {
                Rule::rate_limit => self.rate_limit(inner),
                _ => self.setting(inner),
            };
        }
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let first = parts.next()?;
        if first.as_rule() == Rule::auth_setting {
            let key = Ident {
                name: "auth".to_string(),
                span: Span {
                    end: span.start + 4,
                    ..span
                },
            };
            let spec = self.auth_spec(
                first
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::auth_spec)?,
            );
            return Some(Setting {
                key,
                value: SettingValue::Auth(spec),
                span,
            });
        }
        if first.as_rule() == Rule::limits_setting {
            let mut parts = first.into_inner();
            let key = self.ident(parts.next()?);
            let block = parts.next()?;
            return Some(Setting {
                key,
                value: SettingValue::Block(self.settings(block)),
                span,
            });
        }
        let key = self.ident(first);
        let value = parts.next()?.into_inner().next()?;
        let value = match value.as_rule() {
            Rule::settings_block => SettingValue::Block(self.settings(value)),
            _ => SettingValue::Literal(self.literal(value)),
        };
        Some(Setting { key, value, span })
    }

    /// `rate N/UNIT` and its options, as a setting keyed `rate`.
    fn rate_limit(&mut self, pair: Pair<'_, Rule>) -> Option<Setting> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let key = self.ident(parts.next()?);
        let amount = parts.next()?;
        let amount_span = self.span(&amount);
        let mut amount = amount.into_inner();
        let requests = self.literal(amount.next()?);
        let unit = amount.next().map(|u| self.ident(u));
        let options = parts
            .filter_map(|option| {
                let mut words = option.into_inner();
                let keyword = self.ident(words.next()?);
                Some((keyword, words.next().map(|v| self.literal(v))))
            })
            .collect();
        Some(Setting {
            key,
            value: SettingValue::Rate(RateValue {
                requests,
                unit,
                amount_span,
                options,
            }),
            span,
        })
    }

    /// `bytes "image/png"`, `text`, `text "text/csv"`, `multipart { … }` or
    /// `stream Event`.
    fn raw_payload(&mut self, pair: Pair<'_, Rule>) -> RawPayload {
        let span = self.span(&pair);
        let mut kind = RawKind::Text;
        let mut media = None;
        let mut parts = Vec::new();
        let mut event = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::kw_bytes => kind = RawKind::Bytes,
                Rule::kw_text => kind = RawKind::Text,
                Rule::kw_multipart => kind = RawKind::Multipart,
                Rule::kw_stream => kind = RawKind::Stream,
                Rule::string => media = Some(self.literal(part)),
                Rule::fields_block => parts = self.fields(part),
                Rule::type_expr => event = Some(self.type_expr(part)),
                _ => {}
            }
        }
        RawPayload {
            kind,
            media,
            parts,
            event,
            span,
        }
    }

    fn auth_spec(&mut self, pair: Pair<'_, Rule>) -> AuthSpec {
        let mut spec = AuthSpec {
            words: Vec::new(),
            settings: None,
            principal: None,
            scopes: None,
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::jwt_block => {
                    let span = self.span(&part);
                    let mut settings = Vec::new();
                    for item in part.into_inner() {
                        if item.as_rule() == Rule::bad_setting {
                            self.explain_bad(&item, Rule::setting_only);
                            continue;
                        }
                        let Some(inner) = item.into_inner().next() else {
                            continue;
                        };
                        if inner.as_rule() == Rule::jwt_keys {
                            let span = self.span(&inner);
                            let mut words = inner.into_inner();
                            let (Some(keys), Some(env), Some(name)) =
                                (words.next(), words.next(), words.next())
                            else {
                                continue;
                            };
                            let key = self.ident(keys);
                            let env = Literal {
                                kind: LiteralKind::Word("env".to_string()),
                                span: self.span(&env),
                            };
                            let name = self.literal(name);
                            settings.push(Setting {
                                key,
                                value: SettingValue::Words(vec![env, name]),
                                span,
                            });
                        } else if let Some(setting) = self.setting(inner) {
                            settings.push(setting);
                        }
                    }
                    spec.settings = Some((settings, span));
                }
                Rule::auth_principal => {
                    spec.principal = part.into_inner().next().map(|name| self.ident(name));
                }
                Rule::auth_scopes => {
                    let span = self.span(&part);
                    let scopes = part
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::string)
                        .map(|p| self.literal(p))
                        .collect();
                    spec.scopes = Some((scopes, span));
                }
                _ => spec.words.push(self.literal(part)),
            }
        }
        spec
    }

    fn path(&mut self, pair: Pair<'_, Rule>) -> PathTemplate {
        let span = self.span(&pair);
        let mut segments = Vec::new();
        for seg in pair.into_inner() {
            let Some(inner) = seg.into_inner().next() else {
                continue;
            };
            match inner.as_rule() {
                Rule::path_literal => segments.push(Segment::Literal(self.ident(inner))),
                Rule::path_param => {
                    let pspan = self.span(&inner);
                    let mut parts = inner.into_inner();
                    let Some(name) = parts.next().map(|n| self.ident(n)) else {
                        continue;
                    };
                    let mut ty = None;
                    let mut attrs = Vec::new();
                    for p in parts {
                        match p.as_rule() {
                            Rule::type_expr => ty = Some(self.type_expr(p)),
                            Rule::attr => attrs.push(self.attr(p)),
                            _ => {}
                        }
                    }
                    segments.push(Segment::Param {
                        name,
                        ty,
                        attrs,
                        span: pspan,
                    });
                }
                _ => {}
            }
        }
        PathTemplate { segments, span }
    }

    fn route(&mut self, doc: Doc, decl: Pair<'_, Rule>, span: Span) -> Option<Item> {
        let mut parts = decl.into_inner().skip(1);
        let name = self.ident(parts.next()?);
        self.route_decl(doc, name, parts, span).map(Item::Route)
    }

    /// A route declaration from its parts after the name: the method, the
    /// path, attributes, the arrow and the block.
    fn route_decl<'i>(
        &mut self,
        doc: Doc,
        name: Ident,
        mut parts: impl Iterator<Item = Pair<'i, Rule>>,
        span: Span,
    ) -> Option<RouteDecl> {
        let method = self.ident(parts.next()?);
        let path = self.path(parts.next()?);
        let mut attrs = Vec::new();
        let mut arrow = None;
        let mut clauses = Vec::new();
        for p in parts {
            match p.as_rule() {
                Rule::attr => attrs.push(self.attr(p)),
                Rule::arrow => {
                    let mut a = p.into_inner();
                    let success = self.type_expr(a.next()?);
                    let errors = a.map(|e| self.ident(e)).collect();
                    arrow = Some(Arrow { success, errors });
                }
                Rule::route_block => {
                    for c in p.into_inner() {
                        match c.as_rule() {
                            Rule::route_clause => {
                                if let Some(clause) = self.clause(c) {
                                    clauses.push(clause);
                                }
                            }
                            Rule::bad_clause => self.explain_bad(&c, Rule::clause_only),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Some(RouteDecl {
            doc,
            name,
            method,
            path,
            attrs,
            arrow,
            clauses,
            span,
        })
    }

    fn clause(&mut self, pair: Pair<'_, Rule>) -> Option<RouteClause> {
        let mut inner = pair.into_inner();
        let docs = inner.next()?;
        let doc_span = self.span(&docs);
        let mut doc = self.docs(docs);
        let clause = inner.next()?;
        let span = self.span(&clause);
        let rule = clause.as_rule();
        let mut parts = clause.into_inner().peekable();
        // A doc comment above a clause documents the one thing it declares:
        // the body, the response, or a single header or cookie parameter.
        let single_field = matches!(rule, Rule::header_clause | Rule::cookie_clause)
            && parts
                .peek()
                .is_some_and(|p| p.as_rule() != Rule::fields_block);
        let documentable = single_field || matches!(rule, Rule::body_clause | Rule::returns_clause);
        if doc.is_some() && !documentable {
            let keyword = clause_keyword(rule);
            self.diagnostics.push(
                Diagnostic::error(
                    codes::SYNTAX,
                    doc_span,
                    format!("a doc comment above `{keyword}` documents nothing"),
                )
                .with_label("not allowed here")
                .with_note(
                    "doc comments go above a route's `body`, its `returns` clause, a single `header` or `cookie` parameter, or each field inside a block",
                ),
            );
            doc = None;
        }
        Some(match rule {
            Rule::body_clause => {
                let first = parts.next()?;
                let (ty, raw) = if first.as_rule() == Rule::raw_payload {
                    let raw = self.raw_payload(first);
                    (raw_type(&raw), Some(raw))
                } else {
                    (self.type_expr(first), None)
                };
                let attrs = parts
                    .filter(|p| p.as_rule() == Rule::attr)
                    .map(|p| self.attr(p))
                    .collect();
                RouteClause::Body {
                    ty,
                    raw,
                    attrs,
                    doc,
                    span,
                }
            }
            Rule::path_clause => RouteClause::Path(self.fields(parts.next()?), span),
            Rule::query_clause => RouteClause::Query(self.fields(parts.next()?), span),
            Rule::header_clause | Rule::cookie_clause => {
                let inner = parts.next()?;
                let fields = if inner.as_rule() == Rule::fields_block {
                    self.fields(inner)
                } else {
                    let mut field = self.field(inner);
                    if let Some(field) = &mut field {
                        // Docs above the keyword come first; any between the
                        // keyword and the name follow them.
                        field.doc = match (doc, field.doc.take()) {
                            (Some(above), Some(below)) => Some(format!("{above}\n{below}")),
                            (above, below) => above.or(below),
                        };
                    }
                    field.into_iter().collect()
                };
                if rule == Rule::header_clause {
                    RouteClause::Header(fields, span)
                } else {
                    RouteClause::Cookie(fields, span)
                }
            }
            Rule::returns_clause => {
                let mut status = None;
                let mut ty = None;
                let mut raw = None;
                let mut headers = Vec::new();
                for p in parts {
                    match p.as_rule() {
                        Rule::number => status = Some(self.literal(p)),
                        Rule::type_expr => ty = Some(self.type_expr(p)),
                        Rule::raw_payload => {
                            let payload = self.raw_payload(p);
                            ty = Some(raw_type(&payload));
                            raw = Some(payload);
                        }
                        Rule::returns_headers => {
                            if let Some(block) = p.into_inner().nth(1) {
                                headers = self.fields(block);
                            }
                        }
                        _ => {}
                    }
                }
                RouteClause::Returns {
                    status,
                    ty,
                    raw,
                    headers,
                    doc,
                    span,
                }
            }
            Rule::errors_clause => {
                RouteClause::Errors(parts.map(|p| self.ident(p)).collect(), span)
            }
            Rule::limits_clause => RouteClause::Limits(self.settings(parts.next()?), span),
            Rule::auth_clause => RouteClause::Auth(
                self.auth_spec(parts.find(|p| p.as_rule() == Rule::auth_spec)?),
                span,
            ),
            _ => return None,
        })
    }

    fn version_entry(&mut self, pair: Pair<'_, Rule>) -> Option<VersionEntry> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let doc = self.docs(parts.next()?);
        let date = self.literal(parts.next()?);
        let mut title = None;
        let mut modifiers = Vec::new();
        let mut changes = Vec::new();
        for p in parts {
            match p.as_rule() {
                Rule::string => title = Some(self.string(&p)),
                Rule::version_modifier => {
                    let mspan = self.span(&p);
                    let mut m = p.into_inner();
                    let kw = m.next()?;
                    let key = self.ident(kw);
                    let value = match m.find(|p| p.as_rule() != Rule::since_kw) {
                        Some(d) => SettingValue::Literal(self.literal(d)),
                        None => SettingValue::Literal(Literal {
                            kind: LiteralKind::Bool(true),
                            span: mspan,
                        }),
                    };
                    modifiers.push(Setting {
                        key,
                        value,
                        span: mspan,
                    });
                }
                Rule::changes_block => {
                    for c in p.into_inner() {
                        match c.as_rule() {
                            Rule::change => {
                                if let Some(change) = self.change(c) {
                                    changes.push(change);
                                }
                            }
                            Rule::bad_change => self.explain_bad(&c, Rule::change_only),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Some(VersionEntry {
            doc,
            date,
            title,
            modifiers,
            changes,
            span,
        })
    }

    fn change(&mut self, pair: Pair<'_, Rule>) -> Option<Change> {
        let mut parts = pair.into_inner();
        let docs = parts.next()?;
        let doc_span = self.span(&docs);
        let mut doc = self.docs(docs);
        let target = parts.next()?;
        // The change's span starts at the change itself, not at its doc.
        let start = self.span(&target);
        let target = target.into_inner().next()?;
        let target = match target.as_rule() {
            Rule::route_target => ChangeTarget::Route(self.ident(target.into_inner().nth(1)?)),
            Rule::type_target => ChangeTarget::Type(self.ident(target.into_inner().nth(1)?)),
            _ => {
                let mut t = target.into_inner();
                let owner = self.ident(t.next()?);
                let member = self.ident(t.next()?);
                let ty = t.next().map(|p| self.type_expr(p));
                let attrs = t.map(|p| self.attr(p)).collect();
                ChangeTarget::Member {
                    owner,
                    member,
                    ty,
                    attrs,
                }
            }
        };
        let kind = parts.next()?;
        let span = start.to(self.span(&kind));
        let kind = kind.into_inner().next()?;
        let rule = kind.as_rule();
        let mut default = None;
        let mut other: Option<Ident> = None;
        let mut via: Option<Ident> = None;
        let mut from_type = None;
        let mut path = None;
        let mut attrs = Vec::new();
        let mut idents = Vec::new();
        let mut retired = None;
        for p in kind.into_inner() {
            match p.as_rule() {
                Rule::retired_route => {
                    let name = match &target {
                        ChangeTarget::Route(name) => name.clone(),
                        ChangeTarget::Type(name) | ChangeTarget::Member { owner: name, .. } => {
                            name.clone()
                        }
                    };
                    let span = self.span(&p);
                    retired = self
                        .route_decl(doc.take(), name, p.into_inner(), span)
                        .map(Box::new);
                }
                Rule::default_clause => default = p.into_inner().next().map(|l| self.literal(l)),
                Rule::fallback_clause | Rule::map_clause => {
                    other = p.into_inner().next().map(|i| self.ident(i));
                }
                Rule::via_clause => via = p.into_inner().next().map(|i| self.ident(i)),
                Rule::ident => idents.push(self.ident(p)),
                Rule::type_expr => from_type = Some(self.type_expr(p)),
                Rule::path => path = Some(self.path(p)),
                Rule::attr => attrs.push(self.attr(p)),
                _ => {}
            }
        }
        let mut idents = idents.into_iter();
        let kind = match rule {
            Rule::added => ChangeKind::Added {
                default,
                fallback: other,
            },
            Rule::removed => ChangeKind::Removed {
                default,
                map: other,
                via,
                route: retired,
            },
            Rule::renamed => ChangeKind::Renamed {
                from: idents.next()?,
            },
            Rule::moved => ChangeKind::Moved {
                method: idents.next()?,
                path: path?,
            },
            Rule::made_optional => ChangeKind::MadeOptional { default },
            Rule::made_required => ChangeKind::MadeRequired { default },
            Rule::refined => ChangeKind::Refined { from: attrs },
            Rule::converted => ChangeKind::Converted {
                via: idents.next()?,
            },
            Rule::retyped => ChangeKind::Retyped {
                from: from_type?,
                attrs,
                via: idents.next(),
            },
            _ => return None,
        };
        // Only what a version removed has a doc that the change line must
        // keep: everything else is documented where the head declares it.
        let keeps_doc = matches!(kind, ChangeKind::Removed { .. })
            && matches!(&target, ChangeTarget::Member { .. });
        if doc.is_some() && !keeps_doc {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::SYNTAX,
                    doc_span,
                    "a doc comment above this change documents nothing",
                )
                .with_label("not allowed here")
                .with_note(
                    "doc comments go above a removed route (`route r removed GET /path …`), field (`T.f: string removed …`) or enum value: they document it at the versions that still have it; anything else is documented where the head declares it",
                ),
            );
            doc = None;
        }
        Some(Change {
            doc,
            target,
            kind,
            span,
        })
    }

    /// Re-parses an error production's text alone with `rule` to report
    /// precisely what is wrong with it.
    fn explain_bad(&mut self, pair: &Pair<'_, Rule>, rule: Rule) {
        let text = pair.as_str();
        let start = self.offset + pair.as_span().start();
        // The doc comments a broken line carries along: brackets and `=` in
        // them are prose, not the line's syntax.
        let docs_end: usize = text
            .split_inclusive('\n')
            .take_while(|l| {
                let l = l.trim();
                l.is_empty() || l.starts_with("///")
            })
            .map(str::len)
            .sum();
        if text[docs_end..].trim().is_empty() {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::SYNTAX,
                    Span::new(self.file, start, start + text.trim_end().len()),
                    "this doc comment documents nothing",
                )
                .with_label("nothing follows it")
                .with_note("a doc comment goes right above what it documents"),
            );
            return;
        }
        let saved = self.offset;
        self.offset = start;
        let trimmed = text.trim_end();
        let diagnostic = if let Some(at) = (rule == Rule::change_only)
            .then(|| missing_default(&text[docs_end..]))
            .flatten()
            .map(|at| docs_end + at)
        {
            Diagnostic::error(
                codes::SYNTAX,
                Span::new(self.file, start + at, start + at + "default".len()),
                "this `default` needs a value: write the value old clients get, such as `default \"\"`",
            )
            .with_label("the value is missing")
            .with_note("a suggested change writes `…` where only you know the value")
        } else if let Some(eq) = trimmed.strip_suffix('=').map(str::len) {
            Diagnostic::error(
                codes::SYNTAX,
                Span::new(self.file, start + eq, start + eq + 1),
                "expected a default value after `=`",
            )
            .with_label("nothing follows")
        } else if let Some(open) = unclosed_bracket(&text[docs_end..]).map(|at| docs_end + at) {
            Diagnostic::error(
                codes::SYNTAX,
                Span::new(self.file, start + open, start + open + 1),
                format!("this `{}` is never closed", &text[open..=open]),
            )
            .with_label("unclosed")
        } else {
            match GatiParser::parse(rule, text) {
                Err(error) => self.syntax_error(&error, text, true),
                // Alone it parses: the problem is what came before it on the line.
                Ok(_) => Diagnostic::error(
                    codes::SYNTAX,
                    Span::new(self.file, start, start + text.len()),
                    "unexpected text",
                )
                .with_label("this does not fit here"),
            }
        };
        self.offset = saved;
        self.diagnostics.push(diagnostic);
    }

    /// A diagnostic for a pest error in `text`, which starts at `self.offset`.
    /// `line` says the text is one line cut out of a body, so its end is the
    /// end of a line rather than of an item.
    fn syntax_error(&self, error: &pest::error::Error<Rule>, text: &str, line: bool) -> Diagnostic {
        let mut pos = match error.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        if let pest::error::ErrorVariant::CustomError { message } = &error.variant
            && message.contains("limit")
        {
            let span = Span::new(self.file, self.offset + pos, self.offset + pos + 1);
            return Diagnostic::error(codes::SYNTAX, span, "this item is too complex to parse")
                .with_note("simplify the item; the parser stops after a fixed amount of work");
        }
        let mut rules: Vec<&'static str> = Vec::new();
        if let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant {
            for rule in positives {
                if let Some(name) = describe(*rule)
                    && !rules.contains(&name)
                {
                    rules.push(name);
                }
            }
        }
        let mut tokens: Vec<String> = Vec::new();
        if let Some(attempts) = error.parse_attempts() {
            // The furthest point any alternative reached explains the error
            // better than where the last alternative gave up.
            if attempts.max_position > pos {
                pos = attempts.max_position;
                rules.clear();
            }
            for token in attempts.expected_tokens() {
                // `ParsingToken` is not exported; its Display form is the token.
                let token = token.to_string();
                let is_char_range = token.chars().count() == 4 && token.get(1..3) == Some("..");
                let is_trivia = matches!(
                    token.as_str(),
                    " " | "\t"
                        | "\r"
                        | "\n"
                        | "\u{FEFF}"
                        | "//"
                        | "////"
                        | "/*"
                        | "///"
                        | "//!"
                        | "BUILTIN_RULE"
                );
                let implied = (token == "_" && rules.contains(&"a name"))
                    || (token == "@" && rules.contains(&"an attribute"))
                    || (token == "\"" && rules.contains(&"a string"))
                    || (ITEM_KEYWORDS.contains(&token.as_str())
                        && rules.iter().any(|r| r.starts_with("an item")));
                if !is_char_range && !is_trivia && !implied {
                    push_unique(&mut tokens, format!("`{token}`"));
                }
            }
        }
        if rules.iter().any(|r| r.starts_with("an item")) {
            rules.retain(|r| *r != "the end of the item");
        }
        // Tokens that only start a literal read better as "a value".
        const LITERAL_STARTS: [&str; 6] = ["`\"`", "`[`", "`-`", "`true`", "`false`", "`null`"];
        if LITERAL_STARTS.iter().all(|t| tokens.iter().any(|x| x == t)) {
            tokens.retain(|t| !LITERAL_STARTS.contains(&t.as_str()) && t != "`{`");
            rules.insert(0, "a value");
        }
        // `_` is one way a name starts; say "a name" instead.
        if tokens.iter().any(|t| t == "`_`") {
            tokens.retain(|t| t != "`_`");
            if rules.is_empty() && tokens.is_empty() {
                rules.push("a name");
            }
        }
        let expected: Vec<String> = rules.iter().map(|r| r.to_string()).chain(tokens).collect();
        let found = found_at(text, pos);
        if found.is_empty() || found == "\n" {
            // Point just after the last token, not at the next item's line.
            pos = text[..pos.min(text.len())].trim_end().len();
        }
        let at = self.offset + pos;
        let end = at + found.len().max(1);
        let span = Span::new(self.file, at, end.min(self.text.len().max(at)));
        let found_text = if found.is_empty() || found == "\n" {
            if line {
                "the end of the line"
            } else {
                "the end of the item"
            }
            .to_string()
        } else {
            format!("`{found}`")
        };
        let message = match expected.split_last() {
            None => format!("unexpected {found_text}"),
            Some((only, [])) => format!("expected {only}, found {found_text}"),
            Some((last, rest)) => {
                format!("expected {} or {last}, found {found_text}", rest.join(", "))
            }
        };
        Diagnostic::error(codes::SYNTAX, span, message).with_label("unexpected here")
    }
}

/// The offset of the last bracket in `text` (outside strings) that is never closed.
fn unclosed_bracket(text: &str) -> Option<usize> {
    let mut open = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => open.push(i),
            ')' | ']' | '}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The token at `pos` in `text`: a word, a newline, one character, or nothing at the end.
fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let mut chars = rest.chars();
    match chars.next() {
        None => String::new(),
        Some(c) if c.is_alphanumeric() || c == '_' => rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect(),
        Some(c) => c.to_string(),
    }
}

/// How a grammar rule is named in "expected …" messages; `None` to leave it out.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident => "a name",
        Rule::string | Rule::string_body => "a string",
        Rule::number => "a number",
        Rule::date => "a date (YYYY-MM-DD)",
        Rule::literal => "a value",
        Rule::type_expr | Rule::type_atom => "a type",
        Rule::attr => "an attribute",
        Rule::item => {
            "an item (`type`, `enum`, `union`, `error`, `route`, `service`, `use`, `versions`)"
        }
        Rule::path => "a path starting with `/`",
        Rule::path_segment | Rule::path_literal => "a path segment",
        Rule::field | Rule::member => "a field",
        Rule::route_clause => "a route clause (`body`, `query`, `header`, `returns`, `errors`, …)",
        Rule::change | Rule::change_target => "a change",
        Rule::version_entry => "a version date",
        Rule::setting | Rule::limit => "a setting",
        Rule::enum_value => "an enum value",
        Rule::variant => "a variant",
        Rule::range => "a range",
        Rule::auth_spec => "an auth scheme",
        Rule::EOI => "the end of the item",
        _ => return None,
    })
}

/// The keyword a route clause starts with.
fn clause_keyword(rule: Rule) -> &'static str {
    match rule {
        Rule::body_clause => "body",
        Rule::path_clause => "path",
        Rule::query_clause => "query",
        Rule::header_clause => "header",
        Rule::cookie_clause => "cookie",
        Rule::returns_clause => "returns",
        Rule::errors_clause => "errors",
        Rule::limits_clause => "limits",
        Rule::auth_clause => "auth",
        _ => "this clause",
    }
}

fn error_type(span: Span) -> TypeExpr {
    TypeExpr {
        kind: TypeExprKind::Named(Ident {
            name: String::new(),
            span,
        }),
        span,
    }
}

/// Where a change line's `default` keyword stands when no value follows it
/// (the end of the line, or the `…` a suggested change leaves to fill in).
fn missing_default(line: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = line[from..].find("default").map(|i| from + i) {
        let after = line[i + "default".len()..].trim_start();
        let word = i == 0 || line[..i].ends_with(char::is_whitespace);
        if word && (after.is_empty() || after.starts_with('…') || after.starts_with("...")) {
            return Some(i);
        }
        from = i + "default".len();
    }
    None
}

/// The type a raw payload stands for: `bytes`, `string` for text, or a
/// stream's event type.
fn raw_type(raw: &RawPayload) -> TypeExpr {
    if let Some(event) = &raw.event {
        return event.clone();
    }
    let name = match raw.kind {
        RawKind::Bytes | RawKind::Multipart | RawKind::Stream => "bytes",
        RawKind::Text => "string",
    };
    TypeExpr {
        kind: TypeExprKind::Named(Ident {
            name: name.to_string(),
            span: raw.span,
        }),
        span: raw.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_without_a_value_says_the_value_is_missing() {
        for line in ["T.a added default …", "T.a made required default"] {
            let text = format!("versions {{\n  2025-01-01 \"B\" {{\n    {line}\n  }}\n}}\n");
            let parsed = parse(FileId(0), &text);
            let d = parsed
                .diagnostics
                .iter()
                .find(|d| d.message.contains("needs a value"))
                .unwrap_or_else(|| panic!("{line}: {:#?}", parsed.diagnostics));
            assert_eq!(
                &text[d.span.start as usize..d.span.end as usize],
                "default",
                "{line}"
            );
        }
    }
}
