//! The checker's context: declarations and names, type resolution, records,
//! enums, unions and errors, and the driver that runs every stage.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::suggest as did_you_mean;
use gatic_ir::{self as ir, Primitive, Ty, TyKind, ident};
use gatic_syntax::ast::{self, Item, Member, TypeBody, TypeExprKind};
use gatic_syntax::{Diagnostic, FileId, SourceMap, Span, codes};

use crate::attrs::Place;

/// Names the language or the generated code uses itself.
const RESERVED_WORDS: &[&str] = &["null", "true", "false", "map"];
/// Type names the generated code declares (compared after PascalCase).
const RESERVED_TYPES: &[&str] = ident::rust_names::RESERVED_TYPES;
/// Route names the generated code uses for its own functions (compared after snake_case).
pub(crate) const RESERVED_ROUTES: &[&str] = ident::rust_names::RESERVED_ROUTES;

/// A declaration in the shared namespace of types, enums, unions and errors.
#[derive(Clone, Copy)]
pub(crate) enum DeclKind<'a> {
    Type(&'a ast::TypeDecl),
    Enum(&'a ast::EnumDecl),
    Union(&'a ast::UnionDecl),
    Error(&'a ast::ErrorDecl),
}

#[derive(Clone, Copy)]
pub(crate) struct Decl<'a> {
    pub name: &'a ast::Ident,
    pub kind: DeclKind<'a>,
}

impl Decl<'_> {
    /// "type", "enum", … for messages.
    pub fn what(&self) -> &'static str {
        match self.kind {
            DeclKind::Type(t) => match t.body {
                TypeBody::Alias(_) => "alias",
                _ => "record",
            },
            DeclKind::Enum(_) => "enum",
            DeclKind::Union(_) => "union",
            DeclKind::Error(_) => "error",
        }
    }

    pub fn is_record(&self) -> bool {
        matches!(self.kind, DeclKind::Type(t) if !matches!(t.body, TypeBody::Alias(_)))
    }

    pub fn alias(&self) -> Option<&ast::TypeExpr> {
        match self.kind {
            DeclKind::Type(ast::TypeDecl {
                body: TypeBody::Alias(e),
                ..
            }) => Some(e),
            _ => None,
        }
    }
}

/// A target-language casing: its name and the function applying it.
pub(crate) type Casing = (&'static str, fn(&str) -> String);

/// A read-only field found in a request type: its record, name and where it is declared.
type Found = (String, String, Span);

/// Field, parameter and route names in one language's casings.
pub(crate) const SNAKE_AND_CAMEL: &[Casing] =
    &[("snake_case", ident::snake), ("camelCase", ident::camel)];
/// Type, enum value and variant names.
pub(crate) const PASCAL: &[Casing] = &[("PascalCase", ident::pascal)];

/// The names of one scope seen so far, under each casing, so that each new
/// name is checked for collisions in logarithmic time.
pub(crate) struct Cased {
    cases: &'static [Casing],
    seen: Vec<BTreeMap<String, (String, Span)>>,
}

/// A name that collides with an earlier one after casing.
pub(crate) struct Collision {
    /// The casing's name (`snake_case`).
    pub case: &'static str,
    /// What both names become.
    pub cased: String,
    /// The earlier name.
    pub other: String,
    /// Where the earlier name stands.
    pub other_span: Span,
}

impl Cased {
    /// An empty scope checked under `cases`.
    pub fn new(cases: &'static [Casing]) -> Cased {
        Cased {
            cases,
            seen: vec![BTreeMap::new(); cases.len()],
        }
    }

    /// The earlier, different name `name` collides with, if any; records `name`.
    pub fn insert(&mut self, name: &str, span: Span) -> Option<Collision> {
        let mut collision = None;
        for ((case, f), seen) in self.cases.iter().zip(&mut self.seen) {
            let cased = f(name);
            match seen.get(&cased) {
                Some((other, other_span)) if other != name => {
                    if collision.is_none() {
                        collision = Some(Collision {
                            case,
                            cased,
                            other: other.clone(),
                            other_span: *other_span,
                        });
                    }
                }
                Some(_) => {}
                None => {
                    seen.insert(cased, (name.to_string(), span));
                }
            }
        }
        collision
    }
}

/// A lazily computed, memoized result.
#[derive(Clone)]
pub(crate) enum Memo<T> {
    NotStarted,
    InProgress,
    Done(T),
}

/// A record field being lowered, with where it came from.
#[derive(Clone, Debug)]
pub(crate) struct LField {
    pub field: ir::Field,
    /// Where the field appears in this record (its name, or the spread that brought it).
    pub span: Span,
    /// Where the field was declared.
    pub decl_span: Span,
}

/// What a type is once aliases are seen through.
#[derive(Clone, Debug)]
pub(crate) enum Base {
    Prim(Primitive),
    List(Ty),
    Map(Ty),
    Record(usize),
    Enum(usize),
    Union(usize),
    /// A constant field's one string.
    Const(String),
    /// Unresolved: an error was reported already; check nothing further.
    Unknown,
}

/// A type seen through its aliases.
pub(crate) struct Effective {
    pub base: Base,
    /// Refinements, the outermost winning.
    pub refs: ir::Refinements,
    pub nullable: bool,
}

pub(crate) struct Ctx<'a> {
    pub diags: Vec<Diagnostic>,
    pub decls: Vec<Decl<'a>>,
    pub names: BTreeMap<&'a str, usize>,
    alias_memo: Vec<Memo<Option<Ty>>>,
    record_memo: Vec<Memo<Option<Rc<Vec<LField>>>>>,
    /// The read-only fields reachable from each record, once known.
    readonly_memo: BTreeMap<usize, Rc<Vec<Found>>>,
    broken_alias: BTreeSet<usize>,
    /// Records derived from each record by spread or `without`, by name.
    pub derived: BTreeMap<String, Vec<String>>,
    /// Converters named by `changed from … via`, with the types they convert
    /// (old, new) and where they were first named.
    pub converters: Vec<(String, Ty, Ty, Span)>,
    /// Converters that compute a removed field's old value from its record
    /// (`removed via f`), by name, with where each is first named.
    pub computed: Vec<(String, Span)>,
    /// The records the version being lowered converts by hand (`type T
    /// changed via f`): their fields' changes need no defaults.
    pub converted_now: BTreeSet<String>,
    /// Routes a version removed, by name, with where their declaration names them.
    pub retired: Vec<(String, Span)>,
    /// Whether the spec has a `versions` block (so `?version=` and
    /// `Gati-Version` belong to version negotiation).
    pub versioned: bool,
    /// The header clients name the API version in, as the service block
    /// sets it (`Gati-Version` by default).
    pub version_header: String,
    /// Every `-> Principal` written after an `auth` scheme, in source order.
    pub principals: Vec<(String, Span)>,
    /// The service's `scopes [...]`, checked, and where they were written.
    pub service_scopes: Option<(Vec<String>, Span)>,
    /// Routes that require scopes, and where the scopes were written.
    pub scoped_routes: Vec<(String, Span)>,
    /// The `auth jwt { … }` settings, and where they were given.
    pub jwt: Option<(ir::Jwt, Span)>,
    /// Where `auth jwt` and `auth bearer` were written.
    pub jwt_uses: Vec<Span>,
    pub bearer_uses: Vec<Span>,
    /// Each alias's checked `@example(…)`, by its declaration's index.
    pub alias_examples: BTreeMap<usize, ir::Value>,
}

/// A record's own `@unknown_fields(…)`: the record's name, its policy and
/// where the attribute is written.
type OwnPolicy = (String, ir::UnknownFields, Span);

/// The items of the parsed files that are not declarations of the shared
/// namespace, each in declaration order.
struct Items<'a> {
    routes: Vec<&'a ast::RouteDecl>,
    services: Vec<(FileId, &'a ast::ServiceDecl)>,
    versions: Vec<(FileId, &'a ast::VersionsDecl)>,
}

/// Checks and lowers the parsed files (in declaration order).
pub(crate) fn check(
    root_name: &str,
    root: FileId,
    files: &[(FileId, ast::File)],
    instances: &[(String, String, Vec<ast::TypeExpr>)],
    sources: &SourceMap,
) -> (Option<ir::Spec>, Vec<Diagnostic>) {
    let mut cx = Ctx::new();
    let items = cx.declare_items(files);
    cx.note_derived_records();
    cx.alias_memo = vec![Memo::NotStarted; cx.decls.len()];
    cx.record_memo = vec![Memo::NotStarted; cx.decls.len()];
    cx.check_casing_of_decls();
    cx.find_alias_cycles();

    let mut api = ir::Api::default();
    let own_policies = cx.lower_decls(&mut api);
    cx.mark_instances(&mut api, instances);

    cx.versioned = !items.versions.is_empty();
    let mut service = cx.service(root_name, root, &items.services);
    apply_unknown_fields(&mut api, &own_policies, service.unknown_fields);
    api.routes = cx.routes(&items.routes, &service);
    service.principal = cx.check_principal(&api);
    service.jwt = cx.check_jwt();
    cx.check_readonly_in_requests(&items.routes, &api);

    let versions = cx.versions(root, &items.versions, &api, &service);
    cx.check_retired_names(&api);
    cx.check_unused(&api, &versions, &items.routes, service.principal.as_deref());
    cx.check_deprecated_uses(&items.routes);
    cx.check_unknown_fields_reach(&api, &versions, &own_policies);
    let spec = ir::Spec {
        source: root_name.to_string(),
        service,
        head: api,
        versions,
    };
    let mut diags = cx.diags;
    trim_diagnostics(&mut diags, sources);
    (Some(spec), diags)
}

/// Sets the unknown-fields policy of every record in `api`: the record's
/// own policy (from `own`) when it has one, else the service's.
fn apply_unknown_fields(api: &mut ir::Api, own: &[OwnPolicy], service: ir::UnknownFields) {
    for def in &mut api.types {
        if matches!(def.kind, ir::TypeDefKind::Record { .. }) {
            def.unknown_fields = own
                .iter()
                .find(|(name, _, _)| *name == def.name)
                .map_or(service, |(_, policy, _)| *policy);
        }
    }
}

/// Trims the trailing whitespace off every span of `diags`: their own,
/// their labels' and their suggestions'.
fn trim_diagnostics(diags: &mut [Diagnostic], sources: &SourceMap) {
    for d in diags {
        d.span = trim(sources, d.span);
        for l in &mut d.labels {
            l.span = trim(sources, l.span);
        }
        if let Some(s) = &mut d.suggestion {
            s.span = trim(sources, s.span);
        }
    }
}

impl<'a> Ctx<'a> {
    /// A context that has seen nothing yet.
    fn new() -> Ctx<'a> {
        Ctx {
            diags: Vec::new(),
            decls: Vec::new(),
            names: BTreeMap::new(),
            alias_memo: Vec::new(),
            record_memo: Vec::new(),
            readonly_memo: BTreeMap::new(),
            broken_alias: BTreeSet::new(),
            derived: BTreeMap::new(),
            converters: Vec::new(),
            computed: Vec::new(),
            converted_now: BTreeSet::new(),
            retired: Vec::new(),
            versioned: false,
            version_header: ir::DEFAULT_VERSION_HEADER.to_string(),
            principals: Vec::new(),
            service_scopes: None,
            scoped_routes: Vec::new(),
            jwt: None,
            jwt_uses: Vec::new(),
            bearer_uses: Vec::new(),
            alias_examples: BTreeMap::new(),
        }
    }

    /// Declares every type, enum, union and error of `files` in the shared
    /// namespace, and sets the other items aside: routes, service blocks
    /// and versions blocks. `use` lines were followed when loading.
    fn declare_items(&mut self, files: &'a [(FileId, ast::File)]) -> Items<'a> {
        let mut items = Items {
            routes: Vec::new(),
            services: Vec::new(),
            versions: Vec::new(),
        };
        for (file, parsed) in files {
            for item in &parsed.items {
                let decl = match item {
                    Item::Type(t) => Decl {
                        name: &t.name,
                        kind: DeclKind::Type(t),
                    },
                    Item::Enum(e) => Decl {
                        name: &e.name,
                        kind: DeclKind::Enum(e),
                    },
                    Item::Union(u) => Decl {
                        name: &u.name,
                        kind: DeclKind::Union(u),
                    },
                    Item::Error(e) => Decl {
                        name: &e.name,
                        kind: DeclKind::Error(e),
                    },
                    Item::Route(r) => {
                        items.routes.push(r);
                        continue;
                    }
                    Item::Service(s) => {
                        items.services.push((*file, s));
                        continue;
                    }
                    Item::Versions(v) => {
                        items.versions.push((*file, v));
                        continue;
                    }
                    Item::Use(_) => continue,
                };
                self.declare(decl);
            }
        }
        items
    }

    /// Records, for each record, the records derived from it by spread
    /// or `without` ([`Ctx::derived`]).
    fn note_derived_records(&mut self) {
        for d in &self.decls {
            let DeclKind::Type(t) = d.kind else { continue };
            let bases: Vec<&ast::Ident> = match &t.body {
                TypeBody::Without { base, .. } => vec![base],
                TypeBody::Record(members) => members
                    .iter()
                    .filter_map(|m| match m {
                        Member::Spread(id) => Some(id),
                        Member::Field(_) => None,
                    })
                    .collect(),
                TypeBody::Alias(_) => Vec::new(),
            };
            for b in bases {
                self.derived
                    .entry(b.name.clone())
                    .or_default()
                    .push(t.name.name.clone());
            }
        }
    }

    /// Lowers every declaration into `api`'s types and errors (a name
    /// declared twice, reported already, only its first time), then
    /// reports records that contain themselves without end. Gives each
    /// record's own `@unknown_fields(…)`, to resolve against the
    /// service's once the service block is lowered.
    fn lower_decls(&mut self, api: &mut ir::Api) -> Vec<OwnPolicy> {
        let mut record_ids = Vec::new();
        let mut own_policies: Vec<OwnPolicy> = Vec::new();
        for idx in 0..self.decls.len() {
            let decl = self.decls[idx];
            if self.names.get(decl.name.name.as_str()) != Some(&idx) {
                continue; // A duplicate, reported already.
            }
            match decl.kind {
                DeclKind::Type(t) => {
                    if !matches!(t.body, TypeBody::Alias(_)) {
                        record_ids.push(idx);
                    }
                    let (def, policy) = self.lower_type(idx, t);
                    if let Some((policy, span)) = policy {
                        own_policies.push((t.name.name.clone(), policy, span));
                    }
                    api.types.push(def);
                }
                DeclKind::Enum(e) => api.types.push(self.lower_enum(e)),
                DeclKind::Union(u) => api.types.push(self.lower_union(u)),
                DeclKind::Error(e) => {
                    if let Some(err) = self.lower_error(e) {
                        api.errors.push(err);
                    }
                }
            }
        }
        self.find_infinite_records(&record_ids);
        own_policies
    }

    /// Lowers the type declaration `t` (declaration `idx`): an alias to
    /// its target, anything else to a record of its fields. Gives its own
    /// `@unknown_fields(…)` policy too, when it has one.
    fn lower_type(
        &mut self,
        idx: usize,
        t: &ast::TypeDecl,
    ) -> (ir::TypeDef, Option<(ir::UnknownFields, Span)>) {
        let flags = match &t.body {
            TypeBody::Alias(_) => crate::attrs::Flags::scan(&t.attrs),
            _ => self.attrs(&t.attrs, Place::Record, None),
        };
        let kind = match &t.body {
            TypeBody::Alias(_) => {
                let target = self.alias_target(idx).unwrap_or_else(any);
                ir::TypeDefKind::Alias { target }
            }
            _ => {
                let fields = self.record_fields(idx, None).unwrap_or_default();
                ir::TypeDefKind::Record {
                    fields: fields.iter().map(|f| f.field.clone()).collect(),
                }
            }
        };
        let def = ir::TypeDef {
            instance: None,
            name: t.name.name.clone(),
            doc: t.doc.clone(),
            deprecated: flags.deprecated,
            unknown_fields: ir::UnknownFields::Ignore,
            example: self.alias_examples.get(&idx).cloned(),
            kind,
        };
        (def, flags.unknown_fields)
    }

    /// Marks each instantiated generic record of `api` with the template
    /// and arguments it comes from. Its arguments were checked where the
    /// instantiation's fields use them, so resolving them here reports
    /// nothing.
    fn mark_instances(
        &mut self,
        api: &mut ir::Api,
        instances: &[(String, String, Vec<ast::TypeExpr>)],
    ) {
        for (name, generic, args) in instances {
            let quiet = self.diags.len();
            let args: Vec<Ty> = args
                .iter()
                .map(|a| self.resolve_ty(a).unwrap_or_else(any))
                .collect();
            self.diags.truncate(quiet);
            if let Some(def) = api.types.iter_mut().find(|t| t.name == *name) {
                def.instance = Some(ir::Instance {
                    generic: generic.clone(),
                    args,
                });
            }
        }
    }
}

/// `span` without trailing whitespace (syntax nodes may include the
/// whitespace the grammar skipped after them).
fn trim(sources: &SourceMap, span: Span) -> Span {
    let Some((_, file)) = sources.files().find(|(id, _)| *id == span.file) else {
        return span;
    };
    let Some(text) = file.text.get(span.range()) else {
        return span;
    };
    let kept = text.trim_end().len();
    Span::new(span.file, span.start as usize, span.start as usize + kept)
}

/// The placeholder type for something that failed to resolve.
pub(crate) fn any() -> Ty {
    prim(Primitive::Any)
}

pub(crate) fn prim(p: Primitive) -> Ty {
    let mut refinements = ir::Refinements::default();
    match p {
        Primitive::Email => refinements.format = Some(ir::Format::Email),
        Primitive::Url => refinements.format = Some(ir::Format::Url),
        _ => {}
    }
    Ty {
        kind: TyKind::Primitive(p),
        nullable: false,
        refinements,
    }
}

impl<'a> Ctx<'a> {
    pub fn error(
        &mut self,
        code: &'static str,
        span: Span,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, span, msg));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    // ---- Names ------------------------------------------------------------

    fn declare(&mut self, decl: Decl<'a>) {
        let name = decl.name.name.as_str();
        if name.is_empty() {
            return;
        }
        let idx = self.decls.len();
        self.decls.push(decl);
        if Primitive::from_name(name).is_some() || RESERVED_WORDS.contains(&name) {
            self.push(
                Diagnostic::error(
                    codes::RESERVED_NAME,
                    decl.name.span,
                    format!("`{name}` is a reserved name"),
                )
                .with_label("reserved by the language"),
            );
        } else if let Some(r) = RESERVED_TYPES.iter().find(|r| **r == ident::pascal(name)) {
            self.push(
                Diagnostic::error(
                    codes::RESERVED_NAME,
                    decl.name.span,
                    format!("`{name}` is reserved: the generated code declares `{r}` itself"),
                )
                .with_label("reserved by the generated code"),
            );
        }
        match self.names.get(name) {
            Some(&first) => {
                let first = self.decls[first];
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        decl.name.span,
                        format!("`{name}` is declared twice"),
                    )
                    .with_label(format!("second declaration, as {}", article(decl.what())))
                    .with_secondary(
                        first.name.span,
                        format!("first declared here, as {}", article(first.what())),
                    ),
                );
            }
            None => {
                self.names.insert(name, idx);
            }
        }
    }

    fn check_casing_of_decls(&mut self) {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let ids: Vec<usize> = self.names.values().copied().collect();
        let mut ids = ids;
        ids.sort_unstable();
        for idx in ids {
            let decl = self.decls[idx];
            let cased = ident::pascal(&decl.name.name);
            match seen.get(&cased) {
                Some(&first) => {
                    let first = self.decls[first];
                    self.push(
                        Diagnostic::error(
                            codes::CASE_COLLISION,
                            decl.name.span,
                            format!(
                                "`{}` and `{}` are both `{cased}` in PascalCase",
                                decl.name.name, first.name.name
                            ),
                        )
                        .with_label("collides after casing")
                        .with_secondary(first.name.span, "with this declaration"),
                    );
                }
                None => {
                    seen.insert(cased, idx);
                }
            }
        }
    }

    /// The declaration called `name`.
    pub fn lookup(&self, name: &str) -> Option<usize> {
        self.names.get(name).copied()
    }

    /// Names of declarations that can be used as types, and the primitives.
    pub fn type_names(&self) -> Vec<&'a str> {
        let mut out: Vec<&str> = Primitive::ALL.iter().map(|(n, _)| *n).collect();
        for (name, idx) in &self.names {
            if !matches!(self.decls[*idx].kind, DeclKind::Error(_)) {
                out.push(name);
            }
        }
        out
    }

    pub fn error_names(&self) -> Vec<&'a str> {
        self.names
            .iter()
            .filter(|(_, idx)| matches!(self.decls[**idx].kind, DeclKind::Error(_)))
            .map(|(n, _)| *n)
            .collect()
    }

    /// Reports an unknown name, with a suggestion from `candidates`.
    pub fn unknown(&mut self, what: &str, id: &ast::Ident, candidates: &[&str]) {
        let mut d = Diagnostic::error(
            codes::UNKNOWN_NAME,
            id.span,
            format!("unknown {what} `{}`", id.name),
        )
        .with_label(format!("no {what} has this name"));
        if let Some(best) = did_you_mean(&id.name, candidates.iter().copied()) {
            d = d.with_suggestion(format!("did you mean `{best}`?"), id.span, best);
        }
        self.push(d);
    }

    // ---- Types ------------------------------------------------------------

    /// Resolves a type expression; `None` when it does not resolve (reported).
    pub fn resolve_ty(&mut self, e: &ast::TypeExpr) -> Option<Ty> {
        match &e.kind {
            TypeExprKind::Named(id) => {
                if id.name.is_empty() {
                    return None;
                }
                if let Some(p) = Primitive::from_name(&id.name) {
                    return Some(prim(p));
                }
                match self.lookup(&id.name) {
                    Some(idx) => {
                        if let DeclKind::Error(_) = self.decls[idx].kind {
                            self.push(
                                Diagnostic::error(
                                    codes::UNKNOWN_TYPE_USE,
                                    id.span,
                                    format!("`{}` is an error, not a type", id.name),
                                )
                                .with_label("errors cannot be used as types")
                                .with_secondary(self.decls[idx].name.span, "declared as an error here")
                                .with_note("list errors after the success type (`-> T | E`) or in an `errors` clause"),
                            );
                            return None;
                        }
                        Some(Ty {
                            kind: TyKind::Named(id.name.clone()),
                            nullable: false,
                            refinements: ir::Refinements::default(),
                        })
                    }
                    None => {
                        let names = self.type_names();
                        self.unknown("type", id, &names);
                        None
                    }
                }
            }
            TypeExprKind::List(inner, attrs) => {
                let mut item = self.resolve_ty(inner)?;
                self.attrs(attrs, Place::Items, Some(&mut item));
                Some(Ty {
                    kind: TyKind::List(Box::new(item)),
                    nullable: false,
                    refinements: ir::Refinements::default(),
                })
            }
            TypeExprKind::Map(key, value, attrs) => {
                let k = self.resolve_ty(key);
                let v = self.resolve_ty(value);
                // The key's refinements (an alias of `string` with `@len`,
                // `@pattern` or `@format`) constrain the map's keys. The IR's
                // map has no key type, so they are the map's own `len`,
                // `pattern` and `format`, which no attribute can set on a map.
                let mut keys = ir::Refinements::default();
                if let Some(k) = &k {
                    let eff = self.effective(k);
                    let ok = matches!(eff.base, Base::Prim(Primitive::String) | Base::Unknown)
                        && !eff.nullable;
                    if ok {
                        keys.len = eff.refs.len;
                        keys.pattern = eff.refs.pattern;
                        keys.format = eff.refs.format;
                    } else {
                        self.push(
                            Diagnostic::error(
                                codes::BAD_MAP_KEY,
                                key.span,
                                format!("map keys must be `string`, not `{}`", show_ty(k)),
                            )
                            .with_label("JSON object keys are strings")
                            .with_suggestion(
                                "use `string` keys",
                                key.span,
                                "string",
                            ),
                        );
                    }
                }
                let mut v = v?;
                self.attrs(attrs, Place::Items, Some(&mut v));
                Some(Ty {
                    kind: TyKind::Map(Box::new(v)),
                    nullable: false,
                    refinements: keys,
                })
            }
            TypeExprKind::Nullable(inner) => {
                let mut t = self.resolve_ty(inner)?;
                t.nullable = true;
                Some(t)
            }
            TypeExprKind::Const(text) => {
                self.push(
                    Diagnostic::error(
                        codes::BAD_CONSTANT,
                        e.span,
                        format!(
                            "the constant {} can only be a field's whole type",
                            quote(text)
                        ),
                    )
                    .with_label("a constant is not allowed here")
                    .with_note(
                        "write it as a record field (`object: \"charge\"`); it is not nullable, \
                         and lists, maps, parameters, headers and bodies hold real types",
                    ),
                );
                None
            }
            // Every use of a generic record is instantiated before the
            // checker runs (`generics.rs`), so one left here is in a place
            // that instantiation does not reach.
            TypeExprKind::Generic(id, _) => {
                self.push(
                    Diagnostic::error(
                        codes::BAD_GENERIC,
                        e.span,
                        format!("the generic record `{}` cannot be used here", id.name),
                    )
                    .with_label("not instantiated in this place"),
                );
                None
            }
        }
    }

    /// A field's type as a change line writes it: any type, or a constant
    /// (`Charge.object: "charge" removed`, `changed from "card"`).
    pub fn resolve_field_ty(&mut self, e: &ast::TypeExpr) -> Option<Ty> {
        match &e.kind {
            TypeExprKind::Const(text) => Some(Ty {
                kind: TyKind::Const(text.clone()),
                nullable: false,
                refinements: ir::Refinements::default(),
            }),
            _ => self.resolve_ty(e),
        }
    }

    /// The aliased type of alias declaration `idx`, refinements applied.
    pub fn alias_target(&mut self, idx: usize) -> Option<Ty> {
        if self.broken_alias.contains(&idx) {
            return None;
        }
        match &self.alias_memo[idx] {
            Memo::Done(t) => return t.clone(),
            Memo::InProgress => return None,
            Memo::NotStarted => {}
        }
        let decl = self.decls[idx];
        let DeclKind::Type(t) = decl.kind else {
            return None;
        };
        let TypeBody::Alias(expr) = &t.body else {
            return None;
        };
        self.alias_memo[idx] = Memo::InProgress;
        let mut ty = self.resolve_ty(expr);
        let flags = match &mut ty {
            Some(ty) => self.attrs(&t.attrs, Place::Alias, Some(ty)),
            // Still report unknown attributes.
            None => self.attrs(&t.attrs, Place::Alias, None),
        };
        self.alias_memo[idx] = Memo::Done(ty.clone());
        // Checked once the alias is known, against its type and refinements.
        if let (Some(lit), Some(target)) = (&flags.example, &ty)
            && let Some(example) = self.example_value(lit, target)
        {
            self.alias_examples.insert(idx, example);
        }
        ty
    }

    /// `ty` seen through its aliases.
    pub fn effective(&mut self, ty: &Ty) -> Effective {
        let mut refs = ty.refinements.clone();
        let mut nullable = ty.nullable;
        let mut cur = ty.clone();
        for _ in 0..64 {
            let base = match &cur.kind {
                TyKind::Primitive(p) => Base::Prim(*p),
                TyKind::List(t) => Base::List((**t).clone()),
                TyKind::Map(t) => Base::Map((**t).clone()),
                TyKind::Const(c) => Base::Const(c.clone()),
                TyKind::Named(n) => match self.lookup(n) {
                    None => Base::Unknown,
                    Some(idx) => match self.decls[idx].kind {
                        DeclKind::Type(t) => match t.body {
                            TypeBody::Alias(_) => match self.alias_target(idx) {
                                Some(next) => {
                                    merge_refinements(&mut refs, &next.refinements);
                                    nullable |= next.nullable;
                                    cur = next;
                                    continue;
                                }
                                None => Base::Unknown,
                            },
                            _ => Base::Record(idx),
                        },
                        DeclKind::Enum(_) => Base::Enum(idx),
                        DeclKind::Union(_) => Base::Union(idx),
                        DeclKind::Error(_) => Base::Unknown,
                    },
                },
            };
            return Effective {
                base,
                refs,
                nullable,
            };
        }
        Effective {
            base: Base::Unknown,
            refs,
            nullable,
        }
    }

    /// Describes a base type for messages.
    pub fn describe(&self, base: &Base) -> String {
        match base {
            Base::Prim(p) => format!("`{}`", p.name()),
            Base::List(_) => "a list".to_string(),
            Base::Map(_) => "a map".to_string(),
            Base::Const(c) => format!("the constant {}", quote(c)),
            Base::Record(i) | Base::Enum(i) | Base::Union(i) => {
                let d = self.decls[*i];
                format!("{} `{}`", d.what(), d.name.name)
            }
            Base::Unknown => "an unknown type".to_string(),
        }
    }

    fn find_alias_cycles(&mut self) {
        let aliases: Vec<usize> = (0..self.decls.len())
            .filter(|i| {
                self.decls[*i].alias().is_some()
                    && self.lookup(&self.decls[*i].name.name) == Some(*i)
            })
            .collect();
        let edges = |cx: &Ctx<'a>, i: usize| -> Vec<usize> {
            let mut names = Vec::new();
            if let Some(e) = cx.decls[i].alias() {
                type_expr_names(e, &mut names);
            }
            names
                .iter()
                .filter_map(|n| cx.lookup(&n.name))
                .filter(|j| cx.decls[*j].alias().is_some())
                .collect()
        };
        for &start in &aliases {
            if self.broken_alias.contains(&start) {
                continue;
            }
            if let Some(cycle) = find_cycle(start, |i| edges(self, i)) {
                let names: Vec<String> = cycle
                    .iter()
                    .chain([&start])
                    .map(|i| format!("`{}`", self.decls[*i].name.name))
                    .collect();
                let mut d = Diagnostic::error(
                    codes::RECURSIVE_ALIAS,
                    self.decls[start].name.span,
                    format!(
                        "alias `{}` refers to itself: {}",
                        self.decls[start].name.name,
                        names.join(" → ")
                    ),
                )
                .with_label("this alias never reaches a real type")
                .with_note(
                    "recursive records are fine; make one of these a record (`type X { … }`)",
                );
                for &i in cycle.iter().skip(1) {
                    d = d.with_secondary(self.decls[i].name.span, "part of the cycle");
                }
                self.push(d);
                self.broken_alias.extend(cycle);
            }
        }
    }

    // ---- Records ----------------------------------------------------------

    /// The expanded fields of record declaration `idx` (spreads and `without`
    /// applied). `via` is the spread or `without` that asks, for cycles.
    pub fn record_fields(&mut self, idx: usize, via: Option<Span>) -> Option<Rc<Vec<LField>>> {
        match &self.record_memo[idx] {
            Memo::Done(f) => return f.clone(),
            Memo::InProgress => {
                if let Some(span) = via {
                    let name = self.decls[idx].name;
                    self.push(
                        Diagnostic::error(
                            codes::RECURSIVE_ALIAS,
                            span,
                            format!("`{}` is derived from itself", name.name),
                        )
                        .with_label(
                            "this spread or `without` leads back to the record being defined",
                        )
                        .with_secondary(name.span, "the record"),
                    );
                }
                return None;
            }
            Memo::NotStarted => {}
        }
        let decl = self.decls[idx];
        let DeclKind::Type(t) = decl.kind else {
            return None;
        };
        self.record_memo[idx] = Memo::InProgress;
        let fields = match &t.body {
            TypeBody::Record(members) => Some(self.members(members)),
            TypeBody::Without { base, fields } => self.without(base, fields),
            TypeBody::Alias(_) => None,
        };
        let fields = fields.map(Rc::new);
        self.record_memo[idx] = Memo::Done(fields.clone());
        fields
    }

    fn without(&mut self, base: &ast::Ident, removed: &[ast::Ident]) -> Option<Vec<LField>> {
        let fields = self.spread_source(base)?;
        let mut out: Vec<LField> = fields.to_vec();
        let mut seen = BTreeSet::new();
        for r in removed {
            if r.name.is_empty() {
                continue;
            }
            if !seen.insert(r.name.as_str()) {
                self.error(
                    codes::DUPLICATE_NAME,
                    r.span,
                    format!("`{}` is listed twice", r.name),
                );
                continue;
            }
            match out.iter().position(|f| f.field.name == r.name) {
                Some(i) => {
                    out.remove(i);
                }
                None => {
                    let names: Vec<&str> = fields.iter().map(|f| f.field.name.as_str()).collect();
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_FIELD,
                        r.span,
                        format!("`{}` has no field `{}`", base.name, r.name),
                    )
                    .with_label("not a field of the base record");
                    if let Some(best) = did_you_mean(&r.name, names) {
                        d = d.with_suggestion(format!("did you mean `{best}`?"), r.span, best);
                    }
                    self.push(d);
                }
            }
        }
        let at = base.span;
        for f in &mut out {
            f.span = at;
        }
        Some(out)
    }

    /// The fields of the record named by a spread or `without` base.
    fn spread_source(&mut self, base: &ast::Ident) -> Option<Rc<Vec<LField>>> {
        if base.name.is_empty() {
            return None;
        }
        let Some(idx) = self.lookup(&base.name) else {
            let names = self.type_names();
            self.unknown("type", base, &names);
            return None;
        };
        let decl = self.decls[idx];
        if !decl.is_record() {
            self.push(
                Diagnostic::error(
                    codes::NOT_A_RECORD,
                    base.span,
                    format!("`{}` is {}, not a record", base.name, article(decl.what())),
                )
                .with_label("a record is needed here")
                .with_secondary(decl.name.span, "declared here"),
            );
            return None;
        }
        self.record_fields(idx, Some(base.span))
    }

    /// Lowers record members (fields and spreads) and checks their names.
    pub fn members(&mut self, members: &[Member]) -> Vec<LField> {
        let mut out: Vec<LField> = Vec::new();
        for m in members {
            match m {
                Member::Field(f) => {
                    if let Some(f) = self.field(f, Place::Field) {
                        out.push(f);
                    }
                }
                Member::Spread(id) => {
                    if let Some(fields) = self.spread_source(id) {
                        out.extend(fields.iter().cloned().map(|mut f| {
                            f.span = id.span;
                            f
                        }));
                    }
                }
            }
        }
        self.unique_fields(out, "field")
    }

    /// Drops repeated names (E0102) and reports names that collide after casing (E0103).
    pub fn unique_fields(&mut self, fields: Vec<LField>, what: &str) -> Vec<LField> {
        let mut out: Vec<LField> = Vec::new();
        let mut cased = Cased::new(SNAKE_AND_CAMEL);
        for f in fields {
            if let Some(first) = out.iter().find(|g| g.field.name == f.field.name) {
                let d = Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    f.span,
                    format!("{what} `{}` is declared twice", f.field.name),
                )
                .with_label("second declaration")
                .with_secondary(first.span, "first declared here");
                self.push(d);
                continue;
            }
            self.casing(&mut cased, &f.field.name, f.span);
            out.push(f);
        }
        out
    }

    /// Reports `name` if it collides after casing with a name `seen` already
    /// holds, then records it there.
    pub fn casing(&mut self, seen: &mut Cased, name: &str, span: Span) {
        if let Some(collision) = seen.insert(name, span) {
            self.push(
                Diagnostic::error(
                    codes::CASE_COLLISION,
                    span,
                    format!(
                        "`{name}` and `{}` are both `{}` in {}",
                        collision.other, collision.cased, collision.case
                    ),
                )
                .with_label("collides after casing")
                .with_secondary(collision.other_span, "with this one"),
            );
        }
    }

    /// Lowers one field: its type, attributes and default.
    pub fn field(&mut self, f: &ast::Field, place: Place) -> Option<LField> {
        if f.name.name.is_empty() {
            return None;
        }
        let constant = match &f.ty.kind {
            TypeExprKind::Const(text) => Some(text.clone()),
            _ => None,
        };
        let mut ty = match &constant {
            // A constant where none may be is reported, and the member
            // dropped, so nothing else is said about it.
            Some(text) => Some(self.constant_field(f, place, text)?),
            None => self.resolve_ty(&f.ty),
        };
        let flags = self.attrs(&f.attrs, place, ty.as_mut());
        if let (Some(r), Some(w)) = (flags.readonly, flags.write_only) {
            let (first, second) = if r.start < w.start { (r, w) } else { (w, r) };
            self.push(
                Diagnostic::error(
                    codes::CONFLICTING_FLAGS,
                    second,
                    format!(
                        "field `{}` cannot be both `@readonly` and `@write_only`",
                        f.name.name
                    ),
                )
                .with_label("conflicts with the other flag")
                .with_secondary(first, "set here"),
            );
        }
        let mut default = None;
        if let Some(lit) = &f.default {
            if f.optional {
                self.push(
                    Diagnostic::error(
                        codes::CONFLICTING_FLAGS,
                        lit.span,
                        format!("field `{}` is optional and has a default", f.name.name),
                    )
                    .with_label("a field with a default may already be left out")
                    .with_note("remove the `?` or the default"),
                );
            }
            if let Some(ty) = &ty
                && constant.is_none()
            {
                default = self.default_value(lit, ty);
            }
        }
        if let Some(text) = constant {
            default = Some(ir::Value::String(text));
        }
        // Checked against the type with its refinements, as a default is.
        let example = match (&flags.example, &ty) {
            (Some(lit), Some(ty)) => self.example_value(lit, ty),
            _ => None,
        };
        Some(LField {
            field: ir::Field {
                name: f.name.name.clone(),
                doc: f.doc.clone(),
                ty: ty.unwrap_or_else(any),
                optional: f.optional,
                default,
                readonly: flags.readonly.is_some(),
                write_only: flags.write_only.is_some(),
                deprecated: flags.deprecated,
                example,
            },
            span: f.name.span,
            decl_span: f.name.span,
        })
    }

    /// The type of a constant field (`object: "charge"`), after checking that
    /// nothing else is said of it: it is a record's or an error's field, is
    /// always there, and its value is its default (set by the caller).
    fn constant_field(&mut self, f: &ast::Field, place: Place, text: &str) -> Option<Ty> {
        let shown = quote(text);
        if place != Place::Field {
            self.push(
                Diagnostic::error(
                    codes::BAD_CONSTANT,
                    f.ty.span,
                    format!("{} cannot be the constant {shown}", place.describe()),
                )
                .with_label("only record and error fields may be constants"),
            );
            return None;
        }
        if f.optional {
            self.push(
                Diagnostic::error(
                    codes::BAD_CONSTANT,
                    f.name.span,
                    format!("the constant field `{}` cannot be optional", f.name.name),
                )
                .with_label("remove the `?`")
                .with_note(
                    "every response carries a constant field, and a request may already leave it out",
                ),
            );
        }
        if let Some(lit) = &f.default {
            self.push(
                Diagnostic::error(
                    codes::BAD_CONSTANT,
                    lit.span,
                    format!("the constant field `{}` cannot have a default", f.name.name),
                )
                .with_label("remove the default")
                .with_note(format!(
                    "a request that leaves the field out gets {shown} already"
                )),
            );
        }
        Some(Ty {
            kind: TyKind::Const(text.to_string()),
            nullable: false,
            refinements: ir::Refinements::default(),
        })
    }

    fn find_infinite_records(&mut self, records: &[usize]) {
        let mut edges: BTreeMap<usize, Vec<(usize, Span)>> = BTreeMap::new();
        for &r in records {
            let fields = self.record_fields(r, None).unwrap_or_default();
            let mut out = Vec::new();
            for f in fields.iter() {
                if f.field.optional {
                    continue;
                }
                let eff = self.effective(&f.field.ty);
                if let (Base::Record(j), false) = (eff.base, eff.nullable) {
                    out.push((j, f.decl_span));
                }
            }
            edges.insert(r, out);
        }
        let mut reported = BTreeSet::new();
        for &r in records {
            if reported.contains(&r) {
                continue;
            }
            let next = |i: usize| {
                edges
                    .get(&i)
                    .map(|v| v.iter().map(|e| e.0).collect())
                    .unwrap_or_default()
            };
            if let Some(cycle) = find_cycle(r, next) {
                let decl = self.decls[r];
                let mut d = Diagnostic::error(
                    codes::INFINITE_TYPE,
                    decl.name.span,
                    format!("record `{}` contains itself through required fields, so no finite value has this type", decl.name.name),
                )
                .with_label("infinitely large")
                .with_note("make one field in the loop optional (`name?:`), nullable (`T | null`) or a list");
                for (k, &i) in cycle.iter().enumerate() {
                    let to = cycle.get(k + 1).copied().unwrap_or(r);
                    if let Some((_, span)) =
                        edges.get(&i).and_then(|v| v.iter().find(|e| e.0 == to))
                    {
                        d = d.with_secondary(
                            *span,
                            format!("required field of type `{}`", self.decls[to].name.name),
                        );
                    }
                }
                self.push(d);
                reported.extend(cycle);
            }
        }
    }

    // ---- Enums, unions, errors ---------------------------------------------

    fn lower_enum(&mut self, e: &ast::EnumDecl) -> ir::TypeDef {
        let flags = self.attrs(&e.attrs, Place::Enum, None);
        let mut values: Vec<(ir::EnumValue, Span)> = Vec::new();
        let mut cased = Cased::new(PASCAL);
        for v in &e.values {
            if v.name.name.is_empty() {
                continue;
            }
            let vflags = self.attrs(&v.attrs, Place::EnumValue, None);
            if let Some((_, first)) = values.iter().find(|(x, _)| x.name == v.name.name) {
                let first = *first;
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        v.name.span,
                        format!("value `{}` is listed twice", v.name.name),
                    )
                    .with_label("second time")
                    .with_secondary(first, "first listed here"),
                );
                continue;
            }
            self.casing(&mut cased, &v.name.name, v.name.span);
            values.push((
                ir::EnumValue {
                    name: v.name.name.clone(),
                    doc: v.doc.clone(),
                    deprecated: vflags.deprecated,
                },
                v.name.span,
            ));
        }
        if values.is_empty()
            && e.values.iter().all(|v| v.name.name.is_empty())
            && !e.name.name.is_empty()
        {
            self.push(
                Diagnostic::error(
                    codes::EMPTY_ENUM,
                    e.name.span,
                    format!("enum `{}` has no values", e.name.name),
                )
                .with_label("needs at least one value"),
            );
        }
        ir::TypeDef {
            instance: None,
            name: e.name.name.clone(),
            doc: e.doc.clone(),
            deprecated: flags.deprecated,
            unknown_fields: ir::UnknownFields::Ignore,
            example: None,
            kind: ir::TypeDefKind::Enum {
                values: values.into_iter().map(|(v, _)| v).collect(),
            },
        }
    }

    fn lower_union(&mut self, u: &ast::UnionDecl) -> ir::TypeDef {
        let flags = self.attrs(&u.attrs, Place::Union, None);
        let tag = flags.tag.clone();
        let mut variants: Vec<(ir::Variant, Span)> = Vec::new();
        // The variants whose types resolved, for the order check of untagged unions.
        let mut resolved: Vec<(String, Ty, Span)> = Vec::new();
        let mut cased = Cased::new(PASCAL);
        for v in &u.variants {
            if v.name.name.is_empty() {
                continue;
            }
            let ty = self.resolve_ty(&v.ty);
            if let Some((_, first)) = variants.iter().find(|(x, _)| x.name == v.name.name) {
                let first = *first;
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        v.name.span,
                        format!("variant `{}` is listed twice", v.name.name),
                    )
                    .with_label("second time")
                    .with_secondary(first, "first listed here"),
                );
                continue;
            }
            self.casing(&mut cased, &v.name.name, v.name.span);
            if let (Some((tag, tag_span)), Some(ty)) = (&tag, &ty) {
                let eff = self.effective(ty);
                match eff.base {
                    Base::Record(idx) => {
                        let fields = self.record_fields(idx, None).unwrap_or_default();
                        if let Some(clash) = fields.iter().find(|f| f.field.name == *tag) {
                            self.push(
                                Diagnostic::error(
                                    codes::BAD_UNION,
                                    v.ty.span,
                                    format!("variant `{}`'s record already has a field named `{tag}`, the union's tag", v.name.name),
                                )
                                .with_label("the tag field would clash with this record's own field")
                                .with_secondary(clash.decl_span, "the field")
                                .with_secondary(*tag_span, "the tag"),
                            );
                        }
                        if eff.nullable {
                            self.error(
                                codes::NOT_A_RECORD,
                                v.ty.span,
                                "variants of a tagged union cannot be nullable",
                            );
                        }
                    }
                    Base::Unknown => {}
                    other => {
                        let what = self.describe(&other);
                        self.push(
                            Diagnostic::error(
                                codes::NOT_A_RECORD,
                                v.ty.span,
                                format!("variants of a tagged union must be records, not {what}"),
                            )
                            .with_label("not a record")
                            .with_note("wrap the value in a record: `type X { value: … }`"),
                        );
                    }
                }
            }
            if let Some(ty) = &ty {
                resolved.push((v.name.name.clone(), ty.clone(), v.ty.span));
            }
            variants.push((
                ir::Variant {
                    name: v.name.name.clone(),
                    doc: v.doc.clone(),
                    ty: ty.unwrap_or_else(any),
                },
                v.name.span,
            ));
        }
        if tag.is_none() {
            self.check_untagged_order(&resolved);
        }
        if u.variants.iter().all(|v| v.name.name.is_empty()) && !u.name.name.is_empty() {
            self.push(
                Diagnostic::error(
                    codes::BAD_UNION,
                    u.name.span,
                    format!("union `{}` has no variants", u.name.name),
                )
                .with_label("needs at least one variant"),
            );
        }
        ir::TypeDef {
            instance: None,
            name: u.name.name.clone(),
            doc: u.doc.clone(),
            deprecated: flags.deprecated,
            unknown_fields: ir::UnknownFields::Ignore,
            example: None,
            kind: ir::TypeDefKind::Union {
                tag: tag.map(|(t, _)| t),
                variants: variants.into_iter().map(|(v, _)| v).collect(),
            },
        }
    }

    fn lower_error(&mut self, e: &ast::ErrorDecl) -> Option<ir::ErrorDef> {
        let status = match &e.status.kind {
            ast::LiteralKind::Number(ast::Number::Int(n)) if (400..=599).contains(n) => *n as u16,
            _ => {
                self.push(
                    Diagnostic::error(
                        codes::BAD_STATUS,
                        e.status.span,
                        format!("error `{}` needs a 4xx or 5xx status", e.name.name),
                    )
                    .with_label("not a 4xx or 5xx status"),
                );
                500
            }
        };
        let fields = self.members(&e.members);
        Some(ir::ErrorDef {
            name: e.name.name.clone(),
            doc: e.doc.clone(),
            status,
            fields: fields.into_iter().map(|f| f.field).collect(),
        })
    }

    // ---- Requests -----------------------------------------------------------

    fn check_readonly_in_requests(&mut self, routes: &[&ast::RouteDecl], api: &ir::Api) {
        let mut seen = BTreeSet::new();
        for r in routes {
            if !seen.insert(r.name.name.as_str()) {
                continue; // A duplicate route, reported already.
            }
            let Some(body) = r.clauses.iter().find_map(|c| match c {
                ast::RouteClause::Body { ty, .. } => Some(ty),
                _ => None,
            }) else {
                continue;
            };
            let Some(route) = api.route(&r.name.name) else {
                continue;
            };
            let Some(ty) = &route.body else {
                continue;
            };
            let (mut found, _) = self.readonly_reach(ty, &mut Vec::new());
            let mut seen = BTreeSet::new();
            found.retain(|(o, f, _)| seen.insert((o.clone(), f.clone())));
            if found.is_empty() {
                continue;
            }
            let list: Vec<String> = found.iter().map(|(o, f, _)| format!("`{o}.{f}`")).collect();
            let mut d = Diagnostic::error(
                codes::READONLY_IN_REQUEST,
                body.span,
                format!(
                    "the body of `{}` contains read-only field{} {}",
                    r.name.name,
                    if found.len() == 1 { "" } else { "s" },
                    list.join(", ")
                ),
            )
            .with_label("clients cannot send read-only fields");
            for (_, f, span) in &found {
                d = d.with_secondary(*span, format!("`{f}` is `@readonly`"));
            }
            if let TyKind::Named(n) = &ty.kind {
                let direct: Vec<&str> = found
                    .iter()
                    .filter(|(o, _, _)| o == n)
                    .map(|(_, f, _)| f.as_str())
                    .collect();
                if !direct.is_empty() {
                    let new = format!("New{}", ident::pascal(n));
                    d = d.with_note(format!(
                        "derive a request type without them: `type {new} = {n} without {{ {} }}`, then `body {new}`",
                        direct.join(", ")
                    ));
                }
            }
            self.push(d);
        }
    }

    /// The read-only fields a request of type `ty` could carry. Results are
    /// memoized per record, so routes sharing types (or long chains of
    /// records) are walked once; a record whose walk was cut short by a
    /// cycle is not memoized, since its list may be incomplete.
    fn readonly_reach(&mut self, ty: &Ty, active: &mut Vec<usize>) -> (Vec<Found>, bool) {
        let eff = self.effective(ty);
        match eff.base {
            Base::List(t) | Base::Map(t) => self.readonly_reach(&t, active),
            Base::Record(i) => {
                let (found, complete) = self.readonly_of_record(i, active);
                (found.to_vec(), complete)
            }
            Base::Union(i) => {
                let mut out = Vec::new();
                let mut complete = true;
                if let DeclKind::Union(u) = self.decls[i].kind {
                    for v in &u.variants {
                        let TypeExprKind::Named(name) = &v.ty.kind else {
                            continue;
                        };
                        let t = Ty {
                            kind: TyKind::Named(name.name.clone()),
                            nullable: false,
                            refinements: ir::Refinements::default(),
                        };
                        let (found, c) = self.readonly_reach(&t, active);
                        out.extend(found);
                        complete &= c;
                    }
                }
                (out, complete)
            }
            _ => (Vec::new(), true),
        }
    }

    fn readonly_of_record(
        &mut self,
        idx: usize,
        active: &mut Vec<usize>,
    ) -> (Rc<Vec<Found>>, bool) {
        if let Some(found) = self.readonly_memo.get(&idx) {
            return (found.clone(), true);
        }
        if active.contains(&idx) {
            return (Rc::new(Vec::new()), false);
        }
        active.push(idx);
        let owner = self.decls[idx].name.name.clone();
        let fields = self.record_fields(idx, None).unwrap_or_default();
        let mut out: Vec<Found> = Vec::new();
        let mut complete = true;
        for f in fields.iter() {
            if f.field.readonly {
                out.push((owner.clone(), f.field.name.clone(), f.decl_span));
            } else {
                let (found, c) = self.readonly_reach(&f.field.ty, active);
                out.extend(found);
                complete &= c;
            }
        }
        active.pop();
        let mut seen = BTreeSet::new();
        out.retain(|(o, f, _)| seen.insert((o.clone(), f.clone())));
        let out = Rc::new(out);
        if complete {
            self.readonly_memo.insert(idx, out.clone());
        }
        (out, complete)
    }
}

/// `a record`, `an enum`.
pub(crate) fn article(what: &str) -> String {
    if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {what}")
    } else {
        format!("a {what}")
    }
}

/// Fills the refinements `outer` leaves unset from `inner`.
pub(crate) fn merge_refinements(outer: &mut ir::Refinements, inner: &ir::Refinements) {
    if outer.len.is_none() {
        outer.len = inner.len;
    }
    if outer.range.is_none() {
        outer.range = inner.range;
    }
    if outer.items.is_none() {
        outer.items = inner.items;
    }
    if outer.pattern.is_none() {
        outer.pattern.clone_from(&inner.pattern);
    }
    if outer.format.is_none() {
        outer.format = inner.format;
    }
}

/// Every name a type expression mentions.
pub(crate) fn type_expr_names<'e>(e: &'e ast::TypeExpr, out: &mut Vec<&'e ast::Ident>) {
    match &e.kind {
        TypeExprKind::Named(id) => out.push(id),
        TypeExprKind::List(t, _) | TypeExprKind::Nullable(t) => type_expr_names(t, out),
        TypeExprKind::Map(k, v, _) => {
            type_expr_names(k, out);
            type_expr_names(v, out);
        }
        TypeExprKind::Generic(id, args) => {
            out.push(id);
            for a in args {
                type_expr_names(a, out);
            }
        }
        TypeExprKind::Const(_) => {}
    }
}

/// A string literal as a spec writes it.
pub(crate) fn quote(text: &str) -> String {
    gatic_ir::display::string(text)
}

/// A path from `start` back to itself in the graph `next`, `start` first.
pub(crate) fn find_cycle(start: usize, next: impl Fn(usize) -> Vec<usize>) -> Option<Vec<usize>> {
    let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut seen = BTreeSet::from([start]);
    while let Some(i) = queue.pop_front() {
        for j in next(i) {
            if j == start {
                let mut path = vec![i];
                let mut k = i;
                while k != start {
                    let Some(&p) = parent.get(&k) else { break };
                    k = p;
                    path.push(k);
                }
                path.reverse();
                return Some(path);
            }
            if seen.insert(j) {
                parent.insert(j, i);
                queue.push_back(j);
            }
        }
    }
    None
}

/// A type as the user would write it.
pub(crate) fn show_ty(ty: &Ty) -> String {
    gatic_ir::display::ty(ty)
}
