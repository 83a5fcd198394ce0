//! A symbol index of one parsed file: every declaration, every use of a
//! declared name, and where each was written. Editors navigate with it
//! (hover, go to definition, find references).
//!
//! The index is syntactic: it resolves nothing. A reference records the
//! name as written and the namespace it is looked up in (types, routes, or
//! the members of a named type); the caller matches names across the files
//! of one spec, which share one namespace. Names that stand for a generic
//! record's type parameters inside that record (`T` in `type Page<T> { data:
//! [T] }`) are local and are not references.

use crate::ast::{
    AuthSpec, ChangeKind, ChangeTarget, EnumDecl, EnumValue, ErrorDecl, Field, File, Ident, Item,
    Member, RawPayload, RouteClause, RouteDecl, Segment, ServiceDecl, Setting, SettingValue,
    TypeBody, TypeDecl, TypeExpr, TypeExprKind, UnionDecl, Variant,
};

/// What a [`Declaration`] declares, with the syntax it was declared by.
#[derive(Clone, Copy, Debug)]
pub enum Declared<'a> {
    /// `service name { … }`.
    Service(&'a ServiceDecl),
    /// `type Name …`: a record, an alias, a derived or a generic record.
    Type(&'a TypeDecl),
    /// `enum Name { … }`.
    Enum(&'a EnumDecl),
    /// `union Name { … }`.
    Union(&'a UnionDecl),
    /// `error Name STATUS { … }`.
    Error(&'a ErrorDecl),
    /// `route name METHOD /path …`.
    Route(&'a RouteDecl),
    /// A field of a record or of an error's payload.
    Field {
        /// The record or error that declares it.
        owner: &'a Ident,
        /// The field.
        field: &'a Field,
    },
    /// A value of an enum.
    EnumValue {
        /// The enum.
        owner: &'a Ident,
        /// The value.
        value: &'a EnumValue,
    },
    /// A variant of a union.
    Variant {
        /// The union.
        owner: &'a Ident,
        /// The variant.
        variant: &'a Variant,
    },
    /// A route's parameter, header or part (`query { … }`, `header …`, a
    /// multipart part, a response header).
    Parameter {
        /// The route.
        route: &'a Ident,
        /// The parameter, as a field.
        field: &'a Field,
    },
}

impl Declared<'_> {
    /// Whether the declaration is a top-level name in the namespace of
    /// types (records, aliases, enums, unions and errors).
    pub fn is_type(&self) -> bool {
        matches!(
            self,
            Declared::Type(_) | Declared::Enum(_) | Declared::Union(_) | Declared::Error(_)
        )
    }

    /// The name of the type that declares a member (a field, an enum value
    /// or a variant); `None` for anything else.
    pub fn owner(&self) -> Option<&Ident> {
        match self {
            Declared::Field { owner, .. }
            | Declared::EnumValue { owner, .. }
            | Declared::Variant { owner, .. } => Some(owner),
            _ => None,
        }
    }
}

/// A name that a file declares.
#[derive(Clone, Copy, Debug)]
pub struct Declaration<'a> {
    /// The name, where it is written in the declaration.
    pub name: &'a Ident,
    /// What it declares.
    pub declared: Declared<'a>,
}

impl Declaration<'_> {
    /// The name Timescape's change locations give the declaration: `Type`
    /// (records, aliases, enums, unions), `Type.member` (fields, enum
    /// values, variants), `route name`, `error Name`; `None` for the
    /// service and a route's parameters.
    pub fn location_key(&self) -> Option<String> {
        let name = &self.name.name;
        Some(match self.declared {
            Declared::Route(_) => format!("route {name}"),
            Declared::Error(_) => format!("error {name}"),
            Declared::Type(_) | Declared::Enum(_) | Declared::Union(_) => name.clone(),
            Declared::Field { owner, .. }
            | Declared::EnumValue { owner, .. }
            | Declared::Variant { owner, .. } => format!("{}.{name}", owner.name),
            Declared::Service(_) | Declared::Parameter { .. } => return None,
        })
    }
}

/// The namespace a [`Reference`] is looked up in.
#[derive(Clone, Copy, Debug)]
pub enum Namespace<'a> {
    /// A type, enum, union or error, with the type arguments written after
    /// it (`Page<Charge>`; empty for a plain name).
    Type {
        /// The type arguments.
        args: &'a [TypeExpr],
    },
    /// A route (`route name …` in a version's changes).
    Route,
    /// A member of the type `owner`: a field or an enum value, as in
    /// `Customer.tier added`, `without { id }` or `fallback active`.
    Member {
        /// The type the member belongs to, as written.
        owner: &'a Ident,
    },
}

/// A use of a declared name.
#[derive(Clone, Copy, Debug)]
pub struct Reference<'a> {
    /// The name as written.
    pub name: &'a Ident,
    /// Where the name is looked up.
    pub namespace: Namespace<'a>,
}

/// Every declaration and reference of one file, in source order.
#[derive(Clone, Debug, Default)]
pub struct Symbols<'a> {
    /// The names the file declares (top-level items and their members).
    pub declarations: Vec<Declaration<'a>>,
    /// The names the file uses.
    pub references: Vec<Reference<'a>>,
}

impl<'a> Symbols<'a> {
    /// The declaration whose name covers byte `offset`, if any.
    pub fn declaration_at(&self, offset: usize) -> Option<&Declaration<'a>> {
        self.declarations.iter().find(|d| covers(d.name, offset))
    }

    /// The reference whose name covers byte `offset`, if any.
    pub fn reference_at(&self, offset: usize) -> Option<&Reference<'a>> {
        self.references.iter().find(|r| covers(r.name, offset))
    }
}

/// Whether `offset` falls on `ident` (its end included, so a cursor just
/// after a name is on it).
fn covers(ident: &Ident, offset: usize) -> bool {
    let range = ident.span.range();
    range.start <= offset && offset <= range.end && !ident.name.is_empty()
}

/// The symbols of `file`.
pub fn index(file: &File) -> Symbols<'_> {
    let mut out = Indexer {
        symbols: Symbols::default(),
        params: &[],
    };
    for item in &file.items {
        out.item(item);
    }
    out.symbols
}

struct Indexer<'a> {
    symbols: Symbols<'a>,
    /// The type parameters in scope: those of the generic record being walked.
    params: &'a [Ident],
}

impl<'a> Indexer<'a> {
    fn declare(&mut self, name: &'a Ident, declared: Declared<'a>) {
        self.symbols
            .declarations
            .push(Declaration { name, declared });
    }

    fn refer(&mut self, name: &'a Ident, namespace: Namespace<'a>) {
        if !name.name.is_empty() {
            self.symbols.references.push(Reference { name, namespace });
        }
    }

    fn item(&mut self, item: &'a Item) {
        match item {
            Item::Use(_) => {}
            Item::Service(s) => {
                self.declare(&s.name, Declared::Service(s));
                self.settings(&s.settings);
            }
            Item::Type(t) => {
                self.declare(&t.name, Declared::Type(t));
                self.params = &t.params;
                match &t.body {
                    TypeBody::Record(members) => self.members(&t.name, members),
                    TypeBody::Alias(ty) => self.ty(ty),
                    TypeBody::Without { base, fields } => {
                        self.refer(base, Namespace::Type { args: &[] });
                        for f in fields {
                            self.refer(f, Namespace::Member { owner: base });
                        }
                    }
                }
                self.params = &[];
            }
            Item::Enum(e) => {
                self.declare(&e.name, Declared::Enum(e));
                for value in &e.values {
                    self.declare(
                        &value.name,
                        Declared::EnumValue {
                            owner: &e.name,
                            value,
                        },
                    );
                }
            }
            Item::Union(u) => {
                self.declare(&u.name, Declared::Union(u));
                for variant in &u.variants {
                    self.declare(
                        &variant.name,
                        Declared::Variant {
                            owner: &u.name,
                            variant,
                        },
                    );
                    self.ty(&variant.ty);
                }
            }
            Item::Error(e) => {
                self.declare(&e.name, Declared::Error(e));
                self.members(&e.name, &e.members);
            }
            Item::Route(r) => {
                self.declare(&r.name, Declared::Route(r));
                self.route(r);
            }
            Item::Versions(v) => {
                for entry in &v.entries {
                    for change in &entry.changes {
                        self.change(&change.target, &change.kind);
                    }
                }
            }
        }
    }

    fn members(&mut self, owner: &'a Ident, members: &'a [Member]) {
        for member in members {
            match member {
                Member::Field(field) => {
                    self.declare(&field.name, Declared::Field { owner, field });
                    self.ty(&field.ty);
                }
                Member::Spread(name) => self.refer(name, Namespace::Type { args: &[] }),
            }
        }
    }

    fn ty(&mut self, ty: &'a TypeExpr) {
        match &ty.kind {
            TypeExprKind::Named(name) => {
                if !self.params.iter().any(|p| p.name == name.name) {
                    self.refer(name, Namespace::Type { args: &[] });
                }
            }
            TypeExprKind::List(inner, _) | TypeExprKind::Nullable(inner) => self.ty(inner),
            TypeExprKind::Map(key, value, _) => {
                self.ty(key);
                self.ty(value);
            }
            TypeExprKind::Generic(name, args) => {
                self.refer(name, Namespace::Type { args });
                for arg in args {
                    self.ty(arg);
                }
            }
            TypeExprKind::Const(_) => {}
        }
    }

    fn settings(&mut self, settings: &'a [Setting]) {
        for setting in settings {
            match &setting.value {
                SettingValue::Auth(auth) => self.auth(auth),
                SettingValue::Block(inner) => self.settings(inner),
                SettingValue::Literal(_) | SettingValue::Words(_) | SettingValue::Rate(_) => {}
            }
        }
    }

    fn auth(&mut self, auth: &'a AuthSpec) {
        if let Some(principal) = &auth.principal {
            self.refer(principal, Namespace::Type { args: &[] });
        }
    }

    fn parameters(&mut self, route: &'a Ident, fields: &'a [Field]) {
        for field in fields {
            self.declare(&field.name, Declared::Parameter { route, field });
            self.ty(&field.ty);
        }
    }

    fn raw(&mut self, route: &'a Ident, raw: &'a Option<RawPayload>) {
        if let Some(raw) = raw {
            self.parameters(route, &raw.parts);
            if let Some(event) = &raw.event {
                self.ty(event);
            }
        }
    }

    /// A route's types and parameters; also a removed route's declaration
    /// in a change line.
    fn route(&mut self, r: &'a RouteDecl) {
        for segment in &r.path.segments {
            if let Segment::Param { ty: Some(ty), .. } = segment {
                self.ty(ty);
            }
        }
        if let Some(arrow) = &r.arrow {
            self.ty(&arrow.success);
            for error in &arrow.errors {
                self.refer(error, Namespace::Type { args: &[] });
            }
        }
        for clause in &r.clauses {
            match clause {
                RouteClause::Body { ty, raw, .. } => {
                    // A raw body's type is the `bytes` or `string` it stands for.
                    if raw.is_none() {
                        self.ty(ty);
                    }
                    self.raw(&r.name, raw);
                }
                RouteClause::Path(fields, _)
                | RouteClause::Query(fields, _)
                | RouteClause::Header(fields, _)
                | RouteClause::Cookie(fields, _) => self.parameters(&r.name, fields),
                RouteClause::Returns {
                    ty, raw, headers, ..
                } => {
                    if let (Some(ty), None) = (ty, raw) {
                        self.ty(ty);
                    }
                    self.raw(&r.name, raw);
                    self.parameters(&r.name, headers);
                }
                RouteClause::Errors(errors, _) => {
                    for error in errors {
                        self.refer(error, Namespace::Type { args: &[] });
                    }
                }
                RouteClause::Limits(settings, _) => self.settings(settings),
                RouteClause::Auth(auth, _) => self.auth(auth),
            }
        }
    }

    fn change(&mut self, target: &'a ChangeTarget, kind: &'a ChangeKind) {
        let owner = match target {
            ChangeTarget::Member {
                owner, member, ty, ..
            } => {
                self.refer(owner, Namespace::Type { args: &[] });
                self.refer(member, Namespace::Member { owner });
                if let Some(ty) = ty {
                    self.ty(ty);
                }
                Some(owner)
            }
            ChangeTarget::Type(name) => {
                self.refer(name, Namespace::Type { args: &[] });
                None
            }
            ChangeTarget::Route(name) => {
                self.refer(name, Namespace::Route);
                None
            }
        };
        match kind {
            ChangeKind::Added {
                fallback: Some(value),
                ..
            }
            | ChangeKind::Removed {
                map: Some(value), ..
            } => {
                if let Some(owner) = owner {
                    self.refer(value, Namespace::Member { owner });
                }
            }
            _ => {}
        }
        match kind {
            ChangeKind::Removed {
                route: Some(route), ..
            } => self.route(route),
            ChangeKind::Retyped { from, .. } => self.ty(from),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn names<'a>(symbols: &'a Symbols<'a>) -> (Vec<&'a str>, Vec<&'a str>) {
        (
            symbols
                .declarations
                .iter()
                .map(|d| d.name.name.as_str())
                .collect(),
            symbols
                .references
                .iter()
                .map(|r| r.name.name.as_str())
                .collect(),
        )
    }

    #[test]
    fn indexes_declarations_and_references() {
        let text = r#"service s { auth bearer -> Caller }
type Caller { id: uuid, scopes: [string] }
type Page<T> { data: [T], next?: T | null }
enum Role { admin, member }
type User { id: uuid, role: Role, ...Base }
type Base { name: string }
type NewUser = User without { id }
error NotFound 404 { id: uuid }
route list GET /users -> Page<User> | NotFound {
  query { role?: Role }
}
versions {
  2024-01-01 "First"
  2025-01-01 "Second" {
    Role.member added fallback admin
    route list renamed from all
  }
}
"#;
        let parsed = crate::parse(FileId(0), text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let symbols = index(&parsed.file);
        let (declared, referenced) = names(&symbols);
        assert_eq!(
            declared,
            [
                "s", "Caller", "id", "scopes", "Page", "data", "next", "Role", "admin", "member",
                "User", "id", "role", "Base", "name", "NewUser", "NotFound", "id", "list", "role",
            ]
        );
        // `T` is Page's parameter, not a reference; `uuid` and `string` are
        // names like any other, which the caller finds undeclared.
        assert_eq!(
            referenced,
            [
                "Caller", "uuid", "string", "uuid", "Role", "Base", "string", "User", "id", "uuid",
                "Page", "User", "NotFound", "Role", "Role", "member", "admin", "list",
            ]
        );
        let at = text.find("User> |").expect("the generic use");
        let reference = symbols.reference_at(at + 2).expect("a reference");
        assert_eq!(reference.name.name, "User");
        let page = symbols
            .reference_at(text.find("Page<User>").expect("Page") + 1)
            .expect("Page");
        assert!(matches!(page.namespace, Namespace::Type { args } if args.len() == 1));
        let member = symbols
            .reference_at(text.find("id }").expect("without") + 1)
            .expect("a member");
        assert!(matches!(member.namespace, Namespace::Member { owner } if owner.name == "User"));
        assert!(
            symbols
                .declaration_at(text.find("Role {").expect("enum"))
                .is_some()
        );
    }
}
