//! Hover, go to definition and find references: the name under the cursor
//! looked up across the files of its spec with the symbol index, and
//! declarations described as the spec resolves them (a record's fields,
//! spreads and derivations expanded; a generic record's fields with its
//! type arguments in place).

use gatic_check::uses;
use gatic_syntax::FileId;
use gatic_syntax::ast::{Attr, Field, Item, Member, TypeBody, TypeDecl, TypeExpr, TypeExprKind};
use gatic_syntax::symbols::{self, Declaration, Declared, Namespace, Reference, Symbols};
use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location,
    MarkupContent, MarkupKind, Position, Range, ReferenceParams, Uri,
};

use super::text;
use super::workspace::{Analysis, Workspace};

/// How deep spreads, derivations and aliases are followed: a cycle (which
/// the checker reports) ends here.
const MAX_DEPTH: usize = 16;

/// The primitive types, with what each holds on the wire (from the
/// language reference's table).
pub const PRIMITIVES: &[(&str, &str)] = &[
    ("string", "UTF-8 text"),
    ("bool", "`true` or `false`"),
    ("int32", "a 32-bit signed integer"),
    ("int64", "a 64-bit signed integer"),
    ("float64", "an IEEE 754 double"),
    (
        "decimal",
        "an exact decimal number, sent as a string such as `\"12.50\"`",
    ),
    ("uuid", "a hyphenated UUID, sent as a string"),
    ("email", "an email address: a string with `@format(email)`"),
    ("url", "an absolute URL: a string with `@format(url)`"),
    ("date", "a calendar date, `YYYY-MM-DD`"),
    (
        "datetime",
        "an RFC 3339 timestamp, such as `2025-01-01T12:00:00Z`",
    ),
    ("duration", "an ISO 8601 duration, such as `PT1H30M`"),
    ("bytes", "bytes, sent as base64"),
    ("any", "any JSON value, not checked"),
];

/// The symbol index of every file of one spec.
pub struct Index<'a> {
    /// The spec.
    pub analysis: &'a Analysis,
    /// Each file's symbols.
    pub files: Vec<(FileId, Symbols<'a>)>,
}

/// A name's identity, for finding every use of it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key<'a> {
    /// A type, enum, union or error.
    Type(&'a str),
    /// A route.
    Route(&'a str),
    /// A field, enum value or variant of the type that declares it.
    Member { owner: &'a str, name: &'a str },
}

impl<'a> Index<'a> {
    /// Indexes every file of `analysis`.
    pub fn new(analysis: &'a Analysis) -> Index<'a> {
        Index {
            analysis,
            files: analysis
                .files
                .iter()
                .map(|(id, file)| (*id, symbols::index(file)))
                .collect(),
        }
    }

    /// Every declaration of the spec, with its file.
    pub fn declarations(&self) -> impl Iterator<Item = (FileId, &Declaration<'a>)> {
        self.files
            .iter()
            .flat_map(|(id, s)| s.declarations.iter().map(move |d| (*id, d)))
    }

    fn references(&self) -> impl Iterator<Item = (FileId, &Reference<'a>)> {
        self.files
            .iter()
            .flat_map(|(id, s)| s.references.iter().map(move |r| (*id, r)))
    }

    /// The first declaration of the type (record, alias, enum, union or
    /// error) named `name`.
    fn type_named(&self, name: &str) -> Option<(FileId, Declaration<'a>)> {
        self.declarations()
            .find(|(_, d)| d.declared.is_type() && d.name.name == name)
            .map(|(f, d)| (f, *d))
    }

    /// The declaration of member `name` of type `owner`: declared there, or
    /// in the record it spreads, derives from or names.
    fn member(&self, owner: &str, name: &str, depth: usize) -> Option<(FileId, Declaration<'a>)> {
        if depth > MAX_DEPTH {
            return None;
        }
        let direct = self.declarations().find(|(_, d)| {
            d.name.name == name && d.declared.owner().is_some_and(|o| o.name == owner)
        });
        if let Some((f, d)) = direct {
            return Some((f, *d));
        }
        let (_, decl) = self.type_named(owner)?;
        let next: Vec<&str> = match decl.declared {
            Declared::Type(t) => match &t.body {
                TypeBody::Record(members) => members
                    .iter()
                    .filter_map(|m| match m {
                        Member::Spread(s) => Some(s.name.as_str()),
                        Member::Field(_) => None,
                    })
                    .collect(),
                TypeBody::Without { base, .. } => vec![base.name.as_str()],
                TypeBody::Alias(ty) => match &ty.kind {
                    TypeExprKind::Named(n) | TypeExprKind::Generic(n, _) => vec![n.name.as_str()],
                    _ => Vec::new(),
                },
            },
            Declared::Error(e) => e
                .members
                .iter()
                .filter_map(|m| match m {
                    Member::Spread(s) => Some(s.name.as_str()),
                    Member::Field(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        next.into_iter()
            .find_map(|owner| self.member(owner, name, depth + 1))
    }

    /// The declarations `r` names.
    fn resolve(&self, r: &Reference<'a>) -> Vec<(FileId, Declaration<'a>)> {
        match r.namespace {
            Namespace::Type { .. } => self
                .declarations()
                .filter(|(_, d)| d.declared.is_type() && d.name.name == r.name.name)
                .map(|(f, d)| (f, *d))
                .collect(),
            Namespace::Route => self
                .declarations()
                .filter(|(_, d)| {
                    matches!(d.declared, Declared::Route(_)) && d.name.name == r.name.name
                })
                .map(|(f, d)| (f, *d))
                .collect(),
            Namespace::Member { owner } => self
                .member(&owner.name, &r.name.name, 0)
                .into_iter()
                .collect(),
        }
    }

    /// The identity of a declaration, if others can refer to it.
    fn declaration_key<'b>(declaration: &Declaration<'b>) -> Option<Key<'b>> {
        match declaration.declared {
            d if d.is_type() => Some(Key::Type(&declaration.name.name)),
            Declared::Route(_) => Some(Key::Route(&declaration.name.name)),
            Declared::Field { owner, .. }
            | Declared::EnumValue { owner, .. }
            | Declared::Variant { owner, .. } => Some(Key::Member {
                owner: &owner.name,
                name: &declaration.name.name,
            }),
            _ => None,
        }
    }

    /// The identity of what `r` names.
    fn reference_key(&self, r: &Reference<'a>) -> Key<'a> {
        match r.namespace {
            Namespace::Type { .. } => Key::Type(&r.name.name),
            Namespace::Route => Key::Route(&r.name.name),
            Namespace::Member { owner } => match self.member(&owner.name, &r.name.name, 0) {
                Some((_, d)) => Index::declaration_key(&d).unwrap_or(Key::Member {
                    owner: &owner.name,
                    name: &r.name.name,
                }),
                None => Key::Member {
                    owner: &owner.name,
                    name: &r.name.name,
                },
            },
        }
    }
}

/// What the cursor is on.
enum Found<'a> {
    /// A declared name.
    Declaration(FileId, Declaration<'a>),
    /// A use of a name.
    Reference(FileId, Reference<'a>),
    /// A `use "…"` item: the file it reads.
    Use(String),
}

/// The spec, file and byte offset of a document position.
pub fn locate<'w>(
    workspace: &'w Workspace,
    uri: &Uri,
    position: Position,
) -> Option<(&'w Analysis, FileId, usize)> {
    let (analysis, file) = workspace.analysis(&text::uri_to_path(uri))?;
    let offset = text::offset(analysis.text(file), position);
    Some((analysis, file, offset))
}

/// What is at `offset` in `file`.
fn find<'a>(index: &Index<'a>, file: FileId, offset: usize) -> Option<Found<'a>> {
    let (_, symbols) = index.files.iter().find(|(id, _)| *id == file)?;
    if let Some(r) = symbols.reference_at(offset) {
        return Some(Found::Reference(file, *r));
    }
    if let Some(d) = symbols.declaration_at(offset) {
        return Some(Found::Declaration(file, *d));
    }
    let ast = index.analysis.file(file)?;
    let path = &index.analysis.source(file)?.name;
    ast.items.iter().find_map(|item| match item {
        Item::Use(u) if u.span.range().contains(&offset) => {
            Some(Found::Use(uses::resolve(path, &u.path)))
        }
        _ => None,
    })
}

/// `textDocument/hover`: what the name under the cursor declares.
pub fn hover(workspace: &Workspace, params: HoverParams) -> Option<Hover> {
    let at = params.text_document_position_params;
    let (analysis, file, offset) = locate(workspace, &at.text_document.uri, at.position)?;
    let index = Index::new(analysis);
    let (value, span) = match find(&index, file, offset)? {
        Found::Declaration(f, d) => (describe(&index, f, &d, &[]), d.name.span),
        Found::Reference(f, r) => {
            let described = match index.resolve(&r).first() {
                Some((df, d)) => {
                    let args: Vec<String> = match r.namespace {
                        Namespace::Type { args } => args
                            .iter()
                            .map(|a| print_ty(analysis.text(f), a, &[]))
                            .collect(),
                        _ => Vec::new(),
                    };
                    describe(&index, *df, d, &args)
                }
                None => {
                    let (name, what) = PRIMITIVES.iter().find(|(p, _)| {
                        *p == r.name.name && matches!(r.namespace, Namespace::Type { .. })
                    })?;
                    format!("```gati\n{name}\n```\n\nA primitive type: {what}.")
                }
            };
            (described, r.name.span)
        }
        Found::Use(_) => return None,
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(analysis.range(span)),
    })
}

/// `textDocument/definition`: where the name under the cursor is declared
/// (a `use` item's file, for the item).
pub fn definition(
    workspace: &Workspace,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let at = params.text_document_position_params;
    let (analysis, file, offset) = locate(workspace, &at.text_document.uri, at.position)?;
    let index = Index::new(analysis);
    let targets: Vec<(FileId, Declaration<'_>)> = match find(&index, file, offset)? {
        Found::Declaration(f, d) => vec![(f, d)],
        Found::Reference(_, r) => index.resolve(&r),
        Found::Use(path) => {
            let uri = workspace.uri(&path)?;
            return Some(GotoDefinitionResponse::Scalar(Location {
                uri,
                range: Range::default(),
            }));
        }
    };
    let locations: Vec<Location> = targets
        .iter()
        .filter_map(|(f, d)| {
            Some(Location {
                uri: workspace.file_uri(analysis, *f)?,
                range: analysis.range(d.name.span),
            })
        })
        .collect();
    match locations.len() {
        0 => None,
        1 => locations
            .into_iter()
            .next()
            .map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    }
}

/// `textDocument/references`: every use of the name under the cursor in
/// its spec, and its declaration when the client asks for it.
pub fn references(workspace: &Workspace, params: ReferenceParams) -> Option<Vec<Location>> {
    let at = params.text_document_position;
    let (analysis, file, offset) = locate(workspace, &at.text_document.uri, at.position)?;
    let index = Index::new(analysis);
    let key = match find(&index, file, offset)? {
        Found::Declaration(_, d) => Index::declaration_key(&d)?,
        Found::Reference(_, r) => index.reference_key(&r),
        Found::Use(_) => return None,
    };
    let mut spans = Vec::new();
    if params.context.include_declaration {
        spans.extend(
            index
                .declarations()
                .filter(|(_, d)| Index::declaration_key(d) == Some(key))
                .map(|(f, d)| (f, d.name.span)),
        );
    }
    spans.extend(
        index
            .references()
            .filter(|(_, r)| index.reference_key(r) == key)
            .map(|(f, r)| (f, r.name.span)),
    );
    spans.sort_by_key(|(f, s)| (*f, s.start));
    spans.dedup();
    Some(
        spans
            .into_iter()
            .filter_map(|(f, span)| {
                Some(Location {
                    uri: workspace.file_uri(analysis, f)?,
                    range: analysis.range(span),
                })
            })
            .collect(),
    )
}

/// The hover text of a declaration in file `file`: its resolved shape in a
/// `gati` block, then its doc comment. `args` are the type arguments a
/// generic record is used with, printed.
fn describe(index: &Index<'_>, file: FileId, d: &Declaration<'_>, args: &[String]) -> String {
    let text = index.analysis.text(file);
    let (code, doc, extra): (String, Option<&str>, Option<String>) = match d.declared {
        Declared::Service(s) => (format!("service {}", s.name.name), s.doc.as_deref(), None),
        Declared::Type(t) => (describe_type(index, text, t, args), t.doc.as_deref(), None),
        Declared::Enum(e) => {
            let mut code = format!("enum {}{}", e.name.name, print_attrs(text, &e.attrs));
            code.push_str(" {\n");
            for v in &e.values {
                code.push_str(&format!(
                    "  {}{}\n",
                    v.name.name,
                    print_attrs(text, &v.attrs)
                ));
            }
            code.push('}');
            (code, e.doc.as_deref(), None)
        }
        Declared::Union(u) => {
            let mut code = format!("union {}{}", u.name.name, print_attrs(text, &u.attrs));
            code.push_str(" {\n");
            for v in &u.variants {
                code.push_str(&format!(
                    "  {}: {}\n",
                    v.name.name,
                    print_ty(text, &v.ty, &[])
                ));
            }
            code.push('}');
            (code, u.doc.as_deref(), None)
        }
        Declared::Error(e) => {
            let head = format!("error {} {}", e.name.name, slice(text, e.status.span));
            let fields = member_fields(index, text, &e.members, &[], 0);
            (with_fields(head, &fields), e.doc.as_deref(), None)
        }
        Declared::Route(r) => {
            let mut code = format!(
                "route {} {} {}",
                r.name.name,
                r.method.name,
                slice(text, r.path.span)
            );
            if let Some(arrow) = &r.arrow {
                let end = arrow.errors.last().map_or(arrow.success.span, |e| e.span);
                code.push_str(" -> ");
                code.push_str(slice(text, arrow.success.span.to(end)));
            }
            (code, r.doc.as_deref(), None)
        }
        Declared::Field { owner, field } => (
            format!("{}.{}", owner.name, field_line(text, field, &[])),
            field.doc.as_deref(),
            None,
        ),
        Declared::EnumValue { owner, value } => (
            format!(
                "{}.{}{}",
                owner.name,
                value.name.name,
                print_attrs(text, &value.attrs)
            ),
            value.doc.as_deref(),
            None,
        ),
        Declared::Variant { owner, variant } => (
            format!(
                "{}.{}: {}",
                owner.name,
                variant.name.name,
                print_ty(text, &variant.ty, &[])
            ),
            variant.doc.as_deref(),
            None,
        ),
        Declared::Parameter { route, field } => (
            field_line(text, field, &[]),
            field.doc.as_deref(),
            Some(format!("A parameter of route `{}`.", route.name)),
        ),
    };
    let mut out = format!("```gati\n{code}\n```");
    for part in [doc.map(str::to_string), extra].into_iter().flatten() {
        out.push_str("\n\n");
        out.push_str(&part);
    }
    out
}

/// A `type` declaration with its fields resolved: a record as declared
/// (spreads expanded), a generic record with `args` in place of its
/// parameters, a derived record or an alias of a record with its fields
/// under a comment naming the derivation, any other alias as written.
fn describe_type(index: &Index<'_>, text: &str, t: &TypeDecl, args: &[String]) -> String {
    let attrs = print_attrs(text, &t.attrs);
    match &t.body {
        TypeBody::Record(_) => {
            let shown: Vec<String> = if args.len() == t.params.len() && !args.is_empty() {
                args.to_vec()
            } else {
                t.params.iter().map(|p| p.name.clone()).collect()
            };
            let params = if shown.is_empty() {
                String::new()
            } else {
                format!("<{}>", shown.join(", "))
            };
            let fields = record_fields(index, &t.name.name, &shown, 0).unwrap_or_default();
            with_fields(format!("type {}{params}{attrs}", t.name.name), &fields)
        }
        TypeBody::Without { base, fields: left } => {
            let left: Vec<&str> = left.iter().map(|f| f.name.as_str()).collect();
            let fields = record_fields(index, &t.name.name, &[], 0).unwrap_or_default();
            format!(
                "// = {} without {{ {} }}\n{}",
                base.name,
                left.join(", "),
                with_fields(format!("type {}{attrs}", t.name.name), &fields)
            )
        }
        TypeBody::Alias(ty) => {
            let target = print_ty(text, ty, &[]);
            match record_fields(index, &t.name.name, &[], 0) {
                Some(fields) => format!(
                    "// = {target}\n{}",
                    with_fields(format!("type {}{attrs}", t.name.name), &fields)
                ),
                None => format!("type {} = {target}{attrs}", t.name.name),
            }
        }
    }
}

/// `head { fields }`, one field a line; `head {}` without fields.
fn with_fields(head: String, fields: &[(String, String)]) -> String {
    if fields.is_empty() {
        return format!("{head} {{}}");
    }
    let mut out = format!("{head} {{\n");
    for (_, line) in fields {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('}');
    out
}

/// The fields of the record-like type `name` (a record, a derived record,
/// an alias of one, a generic record used with `args`), each as its name
/// and its line; `None` when `name` is not a record.
fn record_fields(
    index: &Index<'_>,
    name: &str,
    args: &[String],
    depth: usize,
) -> Option<Vec<(String, String)>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (file, decl) = index.type_named(name)?;
    let text = index.analysis.text(file);
    let t = match decl.declared {
        Declared::Type(t) => t,
        _ => return None,
    };
    let subst: Vec<(&str, &str)> = t
        .params
        .iter()
        .map(|p| p.name.as_str())
        .zip(args.iter().map(String::as_str))
        .collect();
    match &t.body {
        TypeBody::Record(members) => Some(member_fields(index, text, members, &subst, depth)),
        TypeBody::Without { base, fields } => {
            let mut out = record_fields(index, &base.name, &[], depth + 1)?;
            out.retain(|(f, _)| !fields.iter().any(|left| left.name == *f));
            Some(out)
        }
        TypeBody::Alias(ty) => match &ty.kind {
            TypeExprKind::Named(n) => record_fields(index, &n.name, &[], depth + 1),
            TypeExprKind::Generic(n, generic_args) => {
                let printed: Vec<String> = generic_args
                    .iter()
                    .map(|a| print_ty(text, a, &subst))
                    .collect();
                record_fields(index, &n.name, &printed, depth + 1)
            }
            _ => None,
        },
    }
}

/// The fields of `members` (written in `text`), spreads expanded, with the
/// type parameters in `subst` replaced.
fn member_fields(
    index: &Index<'_>,
    text: &str,
    members: &[Member],
    subst: &[(&str, &str)],
    depth: usize,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for member in members {
        match member {
            Member::Field(f) => out.push((f.name.name.clone(), field_line(text, f, subst))),
            Member::Spread(s) => {
                out.extend(record_fields(index, &s.name, &[], depth + 1).unwrap_or_default());
            }
        }
    }
    out
}

/// `name?: type @attrs = default`, as the field is written in `text`.
fn field_line(text: &str, f: &Field, subst: &[(&str, &str)]) -> String {
    let mut out = format!(
        "{}{}: {}{}",
        f.name.name,
        if f.optional { "?" } else { "" },
        print_ty(text, &f.ty, subst),
        print_attrs(text, &f.attrs)
    );
    if let Some(default) = &f.default {
        out.push_str(" = ");
        out.push_str(slice(text, default.span));
    }
    out
}

/// A type as written in `text`, with the names in `subst` replaced.
fn print_ty(text: &str, ty: &TypeExpr, subst: &[(&str, &str)]) -> String {
    match &ty.kind {
        TypeExprKind::Named(n) => subst
            .iter()
            .find(|(p, _)| *p == n.name)
            .map_or_else(|| n.name.clone(), |(_, a)| (*a).to_string()),
        TypeExprKind::List(inner, attrs) => format!(
            "[{}{}]",
            print_ty(text, inner, subst),
            print_attrs(text, attrs)
        ),
        TypeExprKind::Map(key, value, attrs) => format!(
            "map<{}, {}{}>",
            print_ty(text, key, subst),
            print_ty(text, value, subst),
            print_attrs(text, attrs)
        ),
        TypeExprKind::Nullable(inner) => format!("{} | null", print_ty(text, inner, subst)),
        TypeExprKind::Generic(n, args) => format!(
            "{}<{}>",
            n.name,
            args.iter()
                .map(|a| print_ty(text, a, subst))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeExprKind::Const(value) => format!("{value:?}"),
    }
}

/// ` @a @b(…)`, each attribute as written in `text`.
fn print_attrs(text: &str, attrs: &[Attr]) -> String {
    attrs
        .iter()
        .map(|a| format!(" {}", slice(text, a.span)))
        .collect()
}

/// The text of `span` in `text`; empty when it does not fit.
fn slice(text: &str, span: gatic_syntax::Span) -> &str {
    text.get(span.range()).unwrap_or("")
}
