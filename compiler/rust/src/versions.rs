//! Timescape in the generated crate: `versions.rs` (the version table, the
//! hand-written converters' trait, and one module per old version holding the
//! types that differ from the next version with typed `forward` / `backward`
//! conversions), and the per-version facts the router needs.
//!
//! A type *differs* at version `j` when its definition (docs aside) is not the
//! one at version `j + 1`, or when it refers to a type that differs. Only
//! those get new Rust types; every other name of version `j` is re-exported
//! from the next version's module (the head's live in `crate::types`), so
//! `crate::versions::v<date>::Name` names every type of that version.
//!
//! Every type that differs gets `forward` (to the next version, for
//! requests) and `backward` (from the next version, for responses). Where a
//! direction cannot be derived (a field added without a default, an enum
//! value added without a fallback) the conversion returns a
//! `runtime::ConvertError` for the values concerned, which the router turns
//! into a 422 or 500 problem; the checker's rules keep that off the paths
//! clients use.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use gatic_ir::{Api, Change, ErrorDef, Field, Route, Spec, Ty, TyKind, TypeDef, TypeDefKind};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::context::{Context, Scope, type_ident, value_ident};
use crate::types::default_value;
use crate::validate::Checks;

/// Which way a conversion goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Dir {
    /// From a version to the next: requests, on their way to the handler.
    Forward,
    /// From a version to the one before: responses, on their way to the client.
    Backward,
}

/// What a hand-written converter converts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ConverterKind {
    /// A field's value, one pair each way (`T.f changed from … via …`).
    Field,
    /// A whole record, one pair each way (`type T changed via …`).
    Record,
    /// A removed field's old value from its record (`removed via …`): one
    /// method, from `&new`; `old` is the field's type, `new` the record's.
    Computed,
}

/// A hand-written conversion the history needs.
struct Converter {
    via: String,
    kind: ConverterKind,
    /// `Owner.field`, for docs.
    place: String,
    /// The version that made the change.
    date: String,
    old_text: String,
    new_text: String,
    old: TokenStream,
    new: TokenStream,
}

/// One step of a conversion: between versions `j` and `j + 1`, in `dir`,
/// calling conversion functions with the turbofish `generic`.
#[derive(Clone, Copy)]
struct Step<'g> {
    j: usize,
    dir: Dir,
    generic: &'g TokenStream,
}

/// The conversion of type `name` one step: the body of its `forward` or
/// `backward`, whose other side is `next` (the type's path at `j + 1`).
struct Conversion<'c> {
    step: Step<'c>,
    name: &'c str,
    next: &'c TokenStream,
}

impl Conversion<'_> {
    /// The value being converted: `self` forward, `next` backward.
    fn input(&self) -> TokenStream {
        match self.step.dir {
            Dir::Forward => quote!(self),
            Dir::Backward => quote!(next),
        }
    }
}

/// A record's conversion, with the record's fields at version `j` (`old`)
/// and at `j + 1` (`new`).
struct RecordConversion<'r> {
    conversion: &'r Conversion<'r>,
    old: &'r [Field],
    new: &'r [Field],
}

/// The version history as the generator sees it.
pub(crate) struct History<'c, 'a> {
    head: &'c Context<'a>,
    spec: &'a Spec,
    /// Contexts of the old versions, oldest first (the head's is `head`).
    old: Vec<Context<'a>>,
    /// Routes a version removed, with the index of the version that removed
    /// each (see [`Spec::retired_routes`]).
    retired: Vec<(usize, &'a Route)>,
    /// Per old version `j`: the types and errors that differ from version `j + 1`.
    differs: Vec<BTreeSet<String>>,
    converters: Vec<Converter>,
    /// Conversions the generated code calls: (version, type, direction).
    needed: RefCell<BTreeSet<(usize, String, Dir)>>,
    /// Set while generating a conversion that fills an absent value with a
    /// default in a `match` (which clippy would have written `unwrap_or`).
    fills: std::cell::Cell<bool>,
}

impl<'c, 'a> History<'c, 'a> {
    pub fn new(head: &'c Context<'a>) -> History<'c, 'a> {
        let spec = head.spec;
        let n = spec.versions.len();
        let mut old = Vec::new();
        for v in spec.versions.iter().take(n.saturating_sub(1)) {
            let module = module_ident(&v.date);
            old.push(head.at(&v.api, quote!(crate::versions::#module)));
        }
        let mut history = History {
            head,
            spec,
            old,
            retired: spec.retired_routes(),
            differs: Vec::new(),
            converters: Vec::new(),
            needed: RefCell::new(BTreeSet::new()),
            fills: std::cell::Cell::new(false),
        };
        for j in 0..history.old.len() {
            // A record converted by hand differs even with the same shape
            // (its meaning changed: cents became dollars).
            let converted: Vec<String> = spec.versions[j + 1]
                .changes
                .iter()
                .filter_map(|c| c.record_converter().map(|(owner, _)| owner.to_string()))
                .collect();
            let d = differs(history.api(j), history.api(j + 1), &converted);
            history.differs.push(d);
        }
        history.converters = history.collect_converters();
        history
    }

    /// Whether the spec has a `versions` block.
    pub fn versioned(&self) -> bool {
        !self.spec.versions.is_empty()
    }

    /// The head's index in the version table.
    pub fn head_index(&self) -> usize {
        self.old.len()
    }

    /// Indices of the old versions, oldest first.
    pub fn old_versions(&self) -> std::ops::Range<usize> {
        0..self.old.len()
    }

    /// The API at version `j`.
    pub fn api(&self, j: usize) -> &'a Api {
        match self.old.get(j) {
            Some(cx) => cx.api,
            None => self.head.api,
        }
    }

    /// The context of version `j`.
    pub fn cx(&self, j: usize) -> &Context<'a> {
        self.old.get(j).unwrap_or(self.head)
    }

    /// The date of version `j`.
    pub fn date(&self, j: usize) -> &'a str {
        self.spec.versions.get(j).map_or("", |v| v.date.as_str())
    }

    /// Whether the spec has hand-written converters (so `Api` extends `Converters`).
    pub fn has_converters(&self) -> bool {
        !self.converters.is_empty()
    }

    /// The routes that a version removed, each with the index of the version
    /// that removed it; the server still serves them at earlier versions.
    pub fn retired(&self) -> &[(usize, &'a Route)] {
        &self.retired
    }

    /// The index of the version that removed `route`, when it is a removed route.
    fn removal(&self, route: &Route) -> Option<usize> {
        self.retired
            .iter()
            .find(|(_, r)| r.name == route.name)
            .map(|(j, _)| *j)
    }

    /// `route`'s definition at version `k`, following renames back in time;
    /// `None` when the route did not exist yet, or (for a removed route) no
    /// longer. `route` is a head route or one of [`History::retired`].
    pub fn route_at(&self, k: usize, route: &Route) -> Option<&'a Route> {
        let newest = match self.removal(route) {
            Some(removed) if k >= removed => return None,
            Some(removed) => removed.checked_sub(1)?,
            None => self.head_index(),
        };
        let mut name = route.name.as_str();
        for j in (k + 1..=newest).rev() {
            for change in &self.spec.versions[j].changes {
                if let Change::RouteRenamed { from, to } = change
                    && to == name
                {
                    name = from;
                }
            }
        }
        self.api(k).route(name)
    }

    /// The shape of `route`'s values at version `k`: its definition there,
    /// or for a removed route at or after its removal, the definition it had
    /// last (its types' names stand for their versions at `k`). The types a
    /// removed route's handler sees are those of the head.
    pub fn route_shape_at(&self, k: usize, route: &Route) -> Option<&'a Route> {
        self.route_at(k, route).or_else(|| {
            let removed = self.removal(route).filter(|removed| k >= *removed)?;
            self.retired
                .iter()
                .find(|(j, r)| *j == removed && r.name == route.name)
                .map(|(_, r)| *r)
        })
    }

    /// Whether route `head` is served at version `k` exactly as at the head
    /// (same parameters, body, response and errors, no type in them differing
    /// on the way), so the head's handler serves it.
    pub fn route_same(&self, k: usize, head: &Route) -> bool {
        for j in k..self.head_index() {
            let (Some(a), Some(b)) = (self.route_at(j, head), self.route_at(j + 1, head)) else {
                return false;
            };
            let strip = |r: &Route| {
                let mut r = r.clone();
                r.doc = None;
                r.deprecated = false;
                r.name.clear();
                r.method = gatic_ir::Method::Get;
                r.path.clear();
                for p in &mut r.params {
                    p.doc = None;
                    p.deprecated = false;
                }
                r
            };
            if strip(a) != strip(b) {
                return false;
            }
            let mut names = BTreeSet::new();
            for ty in a
                .params
                .iter()
                .map(|p| &p.ty)
                .chain(&a.body)
                .chain(&a.returns)
            {
                names.extend(gatic_ir::walk::named(ty).map(str::to_string));
            }
            names.extend(a.errors.iter().cloned());
            if names.iter().any(|n| self.differs[j].contains(n)) {
                return false;
            }
        }
        true
    }

    /// The closure body converting `value` (of the Rust type of `tys[0]` at
    /// version `k`) forward to the head, one version at a time; `tys[i]` is
    /// the same value's type at version `k + i`. `None` when no step changes
    /// the Rust type. The closure returns `Result<_, runtime::ConvertError>`.
    /// With `traced`, each step runs in a `convert` span of the request in
    /// `ctx` (a `&runtime::Ctx` in scope), from its older date to its newer.
    pub fn forward_chain(
        &self,
        k: usize,
        tys: &[Ty],
        value: TokenStream,
        generic: &TokenStream,
        traced: bool,
    ) -> Option<TokenStream> {
        let mut steps = Vec::new();
        let mut current = value;
        for j in k..self.head_index() {
            let (from, to) = (&tys[j - k], &tys[j + 1 - k]);
            if self.same(j, from, to) {
                continue;
            }
            let step = self.conv(
                Step {
                    j,
                    dir: Dir::Forward,
                    generic,
                },
                from,
                to,
                (false, false),
                current,
                0,
            );
            let step = self.traced(traced, j, Dir::Forward, step);
            steps.push(quote!(let value = #step;));
            current = quote!(value);
        }
        (!steps.is_empty()).then(|| {
            quote! {
                #(#steps)*
                ::std::result::Result::Ok(value)
            }
        })
    }

    /// Like [`History::forward_chain`], from the head back to version `k`
    /// (spans from each step's newer date to its older).
    pub fn backward_chain(
        &self,
        k: usize,
        tys: &[Ty],
        value: TokenStream,
        generic: &TokenStream,
        traced: bool,
    ) -> Option<TokenStream> {
        let mut steps = Vec::new();
        let mut current = value;
        for j in (k..self.head_index()).rev() {
            let (old, new) = (&tys[j - k], &tys[j + 1 - k]);
            if self.same(j, old, new) {
                continue;
            }
            let step = self.conv(
                Step {
                    j,
                    dir: Dir::Backward,
                    generic,
                },
                new,
                old,
                (false, false),
                current,
                0,
            );
            let step = self.traced(traced, j, Dir::Backward, step);
            steps.push(quote!(let value = #step;));
            current = quote!(value);
        }
        (!steps.is_empty()).then(|| {
            quote! {
                #(#steps)*
                ::std::result::Result::Ok(value)
            }
        })
    }

    /// `step` (between versions `j` and `j + 1`, in `dir`) inside a
    /// `convert` span of the request in `ctx`, when `traced`: the span ends
    /// with the block, `?` included.
    fn traced(&self, traced: bool, j: usize, dir: Dir, step: TokenStream) -> TokenStream {
        if !traced {
            return step;
        }
        let (from, to) = self.ends(j, dir);
        let (from, to) = (self.date(from), self.date(to));
        quote!({
            let _span = runtime::convert_span(ctx, #from, #to);
            #step
        })
    }

    /// Whether `a` at version `j` and `b` at `j + 1` have the same Rust type.
    fn same(&self, j: usize, a: &Ty, b: &Ty) -> bool {
        a.nullable == b.nullable
            && match (&a.kind, &b.kind) {
                (TyKind::Primitive(p), TyKind::Primitive(q)) => {
                    crate::context::primitive(*p).to_string()
                        == crate::context::primitive(*q).to_string()
                }
                (TyKind::Named(x), TyKind::Named(y)) => x == y && !self.differs[j].contains(x),
                (TyKind::List(x), TyKind::List(y)) | (TyKind::Map(x), TyKind::Map(y)) => {
                    self.same(j, x, y)
                }
                (TyKind::Const(x), TyKind::Const(y)) => x == y,
                _ => false,
            }
    }

    /// The version a conversion step of `dir` at `j` reads from and writes to.
    fn ends(&self, j: usize, dir: Dir) -> (usize, usize) {
        match dir {
            Dir::Forward => (j, j + 1),
            Dir::Backward => (j + 1, j),
        }
    }

    /// An expression converting `v` (of `from`'s Rust type) to `to`'s, one
    /// `step` between versions; it may use `?` on `runtime::ConvertError`.
    /// `boxes` says whether each side's named type is behind a `Box`.
    fn conv(
        &self,
        step: Step,
        from: &Ty,
        to: &Ty,
        boxes: (bool, bool),
        v: TokenStream,
        depth: usize,
    ) -> TokenStream {
        if from.nullable || to.nullable {
            return self.conv_nullable(step, from, to, boxes, v, depth);
        }
        if self.same(step.j, from, to) {
            return match boxes {
                (true, false) => quote!(*#v),
                (false, true) => quote!(::std::boxed::Box::new(#v)),
                _ => v,
            };
        }
        let x = format_ident!("x{depth}");
        let (src, dst) = self.ends(step.j, step.dir);
        match (&from.kind, &to.kind) {
            (TyKind::List(a), TyKind::List(b)) => {
                let items = format_ident!("items{depth}");
                let out = format_ident!("out{depth}");
                let inner = self.conv(step, a, b, (false, false), quote!(#x), depth + 1);
                let list = quote! {{
                    let #items = #v;
                    let mut #out = ::std::vec::Vec::with_capacity(#items.len());
                    for #x in #items {
                        #out.push(#inner);
                    }
                    #out
                }};
                rebox(list, boxes)
            }
            (TyKind::Map(a), TyKind::Map(b)) => {
                let key = format_ident!("key{depth}");
                let out = format_ident!("out{depth}");
                let inner = self.conv(step, a, b, (false, false), quote!(#x), depth + 1);
                let map = quote! {{
                    let mut #out = ::std::collections::BTreeMap::new();
                    for (#key, #x) in #v {
                        #out.insert(#key, #inner);
                    }
                    #out
                }};
                rebox(map, boxes)
            }
            // A constant becomes the other side's constant (records
            // convert constant fields themselves; this keeps any other
            // place exact), or its string.
            (_, TyKind::Const(value)) => {
                let constant = self.cx(dst).constant(value, Scope::Crate);
                quote!({
                    let _ = #v;
                    #constant
                })
            }
            (
                TyKind::Const(value),
                TyKind::Primitive(
                    gatic_ir::Primitive::String
                    | gatic_ir::Primitive::Email
                    | gatic_ir::Primitive::Url,
                ),
            ) => {
                let constant = self.cx(src).constant(value, Scope::Crate);
                quote!(::std::string::String::from(#constant::VALUE))
            }
            (TyKind::Named(a), TyKind::Named(b)) if a == b => {
                self.conv_named(step, a, boxes, v, depth)
            }
            _ => {
                let message = format!(
                    "a value of version {} has no counterpart at version {}",
                    self.date(src),
                    self.date(dst)
                );
                quote!(return ::std::result::Result::Err(crate::runtime::ConvertError::new(#message)))
            }
        }
    }

    /// [`History::conv`] where either side is nullable: both nullable maps
    /// the value inside (or keeps it, when the Rust types agree); only the
    /// target nullable wraps the converted value in `Some`; only the source
    /// nullable converts what is there and refuses a `null`, which the
    /// target cannot hold.
    fn conv_nullable(
        &self,
        step: Step,
        from: &Ty,
        to: &Ty,
        boxes: (bool, bool),
        v: TokenStream,
        depth: usize,
    ) -> TokenStream {
        let x = format_ident!("x{depth}");
        let mut inner_from = from.clone();
        let mut inner_to = to.clone();
        inner_from.nullable = false;
        inner_to.nullable = false;
        if from.nullable && to.nullable {
            if self.same(step.j, &inner_from, &inner_to) && boxes.0 == boxes.1 {
                return v;
            }
            let inner = self.conv(step, &inner_from, &inner_to, boxes, quote!(#x), depth + 1);
            return map_option(v, &x, inner);
        }
        if to.nullable {
            let inner = self.conv(step, &inner_from, &inner_to, boxes, v, depth + 1);
            return quote!(::std::option::Option::Some(#inner));
        }
        let inner = self.conv(step, &inner_from, &inner_to, boxes, quote!(#x), depth + 1);
        let message = format!(
            "a `null` has no counterpart at version {}",
            self.date(self.ends(step.j, step.dir).1)
        );
        quote! {
            match #v {
                ::std::option::Option::Some(#x) => #inner,
                ::std::option::Option::None => {
                    return ::std::result::Result::Err(crate::runtime::ConvertError::new(#message));
                }
            }
        }
    }

    /// [`History::conv`] between two versions of the named type `name`: an
    /// alias on both sides converts its targets; any other type calls its
    /// generated `forward` or `backward` (marking that conversion needed),
    /// unboxing and reboxing around the call as `boxes` says.
    fn conv_named(
        &self,
        step: Step,
        name: &str,
        boxes: (bool, bool),
        v: TokenStream,
        depth: usize,
    ) -> TokenStream {
        let (src, dst) = self.ends(step.j, step.dir);
        let targets = (
            alias_target(self.api(src), name),
            alias_target(self.api(dst), name),
        );
        if let (Some(ta), Some(tb)) = targets {
            return self.conv(step, ta, tb, boxes, v, depth);
        }
        self.need(step.j, name, step.dir);
        let module = module_ident(self.date(step.j));
        let id = type_ident(name);
        let generic = step.generic;
        let input = if boxes.0 { quote!(*#v) } else { v };
        let call = match step.dir {
            Dir::Forward => {
                quote!(crate::versions::#module::#id::forward #generic (#input)?)
            }
            Dir::Backward => {
                quote!(crate::versions::#module::#id::backward #generic (#input)?)
            }
        };
        if boxes.1 {
            quote!(::std::boxed::Box::new(#call))
        } else {
            call
        }
    }

    fn need(&self, j: usize, name: &str, dir: Dir) {
        self.needed.borrow_mut().insert((j, name.to_string(), dir));
    }

    /// The Rust path of type `name` at version `j`.
    fn path(&self, j: usize, name: &str) -> TokenStream {
        self.cx(j).named(name, Scope::Crate)
    }

    /// The generic parameter list of conversion functions.
    fn generic_decl(&self) -> TokenStream {
        if self.has_converters() {
            quote!(<C: crate::versions::Converters>)
        } else {
            TokenStream::new()
        }
    }

    /// The turbofish conversion functions are called with, inside `versions.rs`.
    fn generic_use(&self) -> TokenStream {
        if self.has_converters() {
            quote!(::<C>)
        } else {
            TokenStream::new()
        }
    }

    fn collect_converters(&self) -> Vec<Converter> {
        let mut out: Vec<Converter> = Vec::new();
        for j in self.old_versions() {
            for change in &self.spec.versions[j + 1].changes {
                if let Change::FieldRemoved {
                    owner,
                    field,
                    via: Some(via),
                } = change
                {
                    if !out.iter().any(|c| c.via == *via) {
                        out.push(Converter {
                            via: via.clone(),
                            kind: ConverterKind::Computed,
                            place: format!("{owner}.{}", field.name),
                            date: self.date(j + 1).to_string(),
                            old_text: gatic_ir::display::ty(&field.ty),
                            new_text: owner.clone(),
                            old: self.cx(j).ty(&field.ty, Scope::Crate),
                            new: self.path(j + 1, owner),
                        });
                    }
                    continue;
                }
                if let Change::RecordConverted { owner, via } = change {
                    if !out.iter().any(|c| c.via == *via) {
                        out.push(Converter {
                            via: via.clone(),
                            kind: ConverterKind::Record,
                            place: owner.clone(),
                            date: self.date(j + 1).to_string(),
                            old_text: owner.clone(),
                            new_text: owner.clone(),
                            old: self.path(j, owner),
                            new: self.path(j + 1, owner),
                        });
                    }
                    continue;
                }
                let Change::FieldRetyped {
                    owner,
                    field,
                    from,
                    via: Some(via),
                } = change
                else {
                    continue;
                };
                if out.iter().any(|c| c.via == *via) {
                    continue;
                }
                let Some(new) = fields_of(self.api(j + 1), owner)
                    .and_then(|fs| fs.iter().find(|f| f.name == *field))
                else {
                    continue;
                };
                out.push(Converter {
                    via: via.clone(),
                    kind: ConverterKind::Field,
                    place: format!("{owner}.{field}"),
                    date: self.date(j + 1).to_string(),
                    old_text: gatic_ir::display::ty(from),
                    new_text: gatic_ir::display::ty(&new.ty),
                    old: self.cx(j).ty(from, Scope::Crate),
                    new: self.cx(j + 1).ty(&new.ty, Scope::Crate),
                });
            }
        }
        out
    }

    /// The converter that computes removed field `field` of `owner` for
    /// version `j` from the record at `j + 1`.
    fn computed(&self, j: usize, owner: &str, field: &str) -> Option<&str> {
        self.spec.versions[j + 1]
            .changes
            .iter()
            .find_map(|c| match c.removed_field() {
                Some((o, f, Some(via))) if o == owner && f.name == field => Some(via),
                _ => None,
            })
    }

    /// The converter of the whole record `owner` between `j` and `j + 1`
    /// (`type T changed via f`), if the version has one.
    fn record_converter(&self, j: usize, owner: &str) -> Option<&str> {
        self.spec.versions[j + 1]
            .changes
            .iter()
            .find_map(|c| c.record_converter().filter(|(o, _)| *o == owner))
            .map(|(_, via)| via)
    }

    /// The converter for field `field` of `owner` between `j` and `j + 1`.
    fn converter(&self, j: usize, owner: &str, field: &str) -> Option<&str> {
        let mut found = None;
        for change in &self.spec.versions[j + 1].changes {
            if let Change::FieldRetyped {
                owner: o,
                field: f,
                via: Some(via),
                ..
            } = change
                && f == field
                && (o == owner || found.is_none())
            {
                found = Some(via.as_str());
            }
        }
        found
    }

    /// The items of `versions.rs`. Call after the router has asked for the
    /// conversions it uses.
    pub fn generate(&self) -> TokenStream {
        let table = self.table();
        let converters = self.converters_trait();
        // Both directions of every type that differs and exists on both
        // sides, whether or not a route needs them: users and tests call them
        // too. One that cannot be derived returns a `ConvertError`.
        for j in self.old_versions() {
            for name in &self.differs[j] {
                if kind_of(self.api(j), name).is_some() && kind_of(self.api(j + 1), name).is_some()
                {
                    self.need(j, name, Dir::Forward);
                    self.need(j, name, Dir::Backward);
                }
            }
        }
        // Conversions, generated until no new one is asked for.
        let mut done: BTreeMap<(usize, String, Dir), TokenStream> = BTreeMap::new();
        loop {
            let pending: Vec<(usize, String, Dir)> = self
                .needed
                .borrow()
                .iter()
                .filter(|k| !done.contains_key(*k))
                .cloned()
                .collect();
            if pending.is_empty() {
                break;
            }
            for key in pending {
                let tokens = self.conversion(key.0, &key.1, key.2);
                done.insert(key, tokens);
            }
        }
        let modules = self.old_versions().map(|j| self.module(j, &done));
        quote! {
            //! The API's versions: the version table the server negotiates
            //! against, and one module per old version with the types that
            //! differ from the next version and typed conversions between them.
            //! Handlers only ever see the head's types (`crate::types`).

            #table
            #converters
            #(#modules)*
        }
    }

    fn table(&self) -> TokenStream {
        let n = self.spec.versions.len();
        let count = proc_macro2::Literal::usize_unsuffixed(n);
        let entries = self.spec.versions.iter().enumerate().map(|(j, v)| {
            let date = &v.date;
            let deprecation = if v.deprecated {
                // Without `deprecated since DATE`, the version counts as
                // deprecated since its successor was released.
                let since = v
                    .deprecated_since
                    .as_deref()
                    .unwrap_or_else(|| self.spec.versions.get(j + 1).unwrap_or(v).date.as_str());
                let at = days(since).map_or(0, |d| d * 86_400);
                let text = format!("@{at}");
                quote!(::std::option::Option::Some(#text))
            } else {
                quote!(::std::option::Option::None)
            };
            let (sunset, sunset_at) = match v.sunset.as_deref().and_then(days) {
                Some(d) => {
                    let at = d * 86_400 + 86_399;
                    let text = http_date(d);
                    let at = crate::context::int_expr(at);
                    (
                        quote!(::std::option::Option::Some(#text)),
                        quote!(::std::option::Option::Some(#at)),
                    )
                }
                None => (
                    quote!(::std::option::Option::None),
                    quote!(::std::option::Option::None),
                ),
            };
            quote! {
                crate::runtime::VersionInfo {
                    date: #date,
                    deprecation: #deprecation,
                    sunset: #sunset,
                    sunset_at: #sunset_at,
                }
            }
        });
        quote! {
            /// Every version, oldest first; the last is the head. Requests choose
            /// one with `Gati-Version` (or `?version=`).
            pub static VERSIONS: [crate::runtime::VersionInfo; #count] = [#(#entries),*];
        }
    }

    /// Every method of the `Converters` trait with its exact signature.
    pub fn converter_methods(&self) -> Vec<crate::ConverterMethod> {
        let mut out = Vec::new();
        for c in &self.converters {
            let (old, new) = (&c.old, &c.new);
            let forward = value_ident(&c.via);
            let backward = value_ident(&format!("{}_backward", c.via));
            if c.kind == ConverterKind::Computed {
                out.push(crate::ConverterMethod {
                    via: c.via.clone(),
                    name: c.via.clone(),
                    signature: signature_text(&quote!(fn #forward(new: &#new) -> #old;)),
                });
                continue;
            }
            for (name, signature) in [
                (c.via.clone(), quote!(fn #forward(old: #old) -> #new;)),
                (
                    format!("{}_backward", c.via),
                    quote!(fn #backward(new: #new) -> #old;),
                ),
            ] {
                out.push(crate::ConverterMethod {
                    via: c.via.clone(),
                    name,
                    signature: signature_text(&signature),
                });
            }
        }
        out
    }

    fn converters_trait(&self) -> TokenStream {
        if self.converters.is_empty() {
            return TokenStream::new();
        }
        let methods = self.converters.iter().map(|c| {
            let forward = value_ident(&c.via);
            let backward = value_ident(&format!("{}_backward", c.via));
            let (old, new) = (&c.old, &c.new);
            if c.kind == ConverterKind::Computed {
                let doc = format!(
                    " `{}` (`{}`) was removed in {}: computes its value for a client on an older version from the `{}` the head answers with.",
                    c.place, c.old_text, c.date, c.new_text
                );
                return quote! {
                    #[doc = #doc]
                    fn #forward(new: &#new) -> #old;
                };
            }
            let (doc_f, doc_b) = if c.kind == ConverterKind::Record {
                (
                    format!(
                        " `{}` changed in {}: converts an old client's whole record for the next version.",
                        c.place, c.date
                    ),
                    format!(
                        " The reverse of `{}`: converts a whole `{}` for a client on a version before {}.",
                        c.via, c.place, c.date
                    ),
                )
            } else {
                (
                    format!(
                        " `{}` changed from `{}` to `{}` in {}: converts an old client's value for the head.",
                        c.place, c.old_text, c.new_text, c.date
                    ),
                    format!(
                        " The reverse of `{}`: converts a `{}` for a client on a version before {}.",
                        c.via, c.place, c.date
                    ),
                )
            };
            quote! {
                #[doc = #doc_f]
                fn #forward(old: #old) -> #new;
                #[doc = #doc_b]
                fn #backward(new: #new) -> #old;
            }
        });
        quote! {
            /// The conversions gatic cannot derive (`changed from … via …`,
            /// `removed via …`, `type T changed via …`):
            /// implement them for the type that implements `Api`, which
            /// requires this trait.
            pub trait Converters {
                #(#methods)*
            }
        }
    }

    fn module(&self, j: usize, done: &BTreeMap<(usize, String, Dir), TokenStream>) -> TokenStream {
        let cx = self.cx(j);
        let date = self.date(j);
        let next = self.date(j + 1);
        let id = module_ident(date);
        let differs = &self.differs[j];
        let keep = |name: &str| differs.contains(name);
        let types = crate::types::items(cx, keep);
        let checks = Checks::new(cx);
        let impls = checks.impls_for(keep);
        let uses = (!impls.is_empty()).then(|| {
            quote!(
                use crate::runtime;
            )
        });
        // Every other name of this version comes from the next one.
        let next_path = if j + 1 == self.head_index() {
            quote!(crate::types)
        } else {
            let m = module_ident(next);
            quote!(crate::versions::#m)
        };
        let reexports: Vec<Ident> = cx
            .api
            .types
            .iter()
            .map(|t| &t.name)
            .chain(cx.api.errors.iter().map(|e| &e.name))
            .filter(|n| !differs.contains(*n))
            .map(|n| type_ident(n))
            .collect();
        let reexport =
            (!reexports.is_empty()).then(|| quote!(pub use #next_path::{#(#reexports),*};));
        // In declaration order, forward before backward.
        let conversions: Vec<&TokenStream> = cx
            .api
            .types
            .iter()
            .map(|t| &t.name)
            .chain(cx.api.errors.iter().map(|e| &e.name))
            .flat_map(|n| {
                [Dir::Forward, Dir::Backward]
                    .into_iter()
                    .filter_map(move |d| done.get(&(j, n.clone(), d)))
            })
            .collect();
        let title = &self.spec.versions[j].title;
        let mut doc = vec![format!(" Version {date}")];
        if !title.is_empty() {
            doc[0].push_str(&format!(": {title}."));
        } else {
            doc[0].push('.');
        }
        doc.push(String::new());
        doc.push(format!(
            " The types that differ from version {next}, and their conversions to and from it;"
        ));
        doc.push(" every other type of this version is re-exported from the next.".to_string());
        quote! {
            #(#[doc = #doc])*
            pub mod #id {
                #uses
                #reexport
                #types
                #(#impls)*
                #(#conversions)*
            }
        }
    }

    /// The `impl` block with `forward` or `backward` of type `name` at version `j`.
    fn conversion(&self, j: usize, name: &str, dir: Dir) -> TokenStream {
        let id = type_ident(name);
        let old_api = self.api(j);
        let new_api = self.api(j + 1);
        let next = self.path(j + 1, name);
        let next_date = self.date(j + 1);
        let date = self.date(j);
        let decl = self.generic_decl();
        let turbofish = self.generic_use();
        let missing = |what: &str| {
            let message = format!("`{name}` {what}");
            quote!(::std::result::Result::Err(crate::runtime::ConvertError::new(#message)))
        };
        self.fills.set(false);
        let conversion = Conversion {
            step: Step {
                j,
                dir,
                generic: &turbofish,
            },
            name,
            next: &next,
        };
        let body = match (kind_of(old_api, name), kind_of(new_api, name)) {
            (Some(Kind::Record(old)), Some(Kind::Record(new))) => {
                self.record(&conversion, old, new)
            }
            (Some(Kind::Enum(old)), Some(Kind::Enum(new))) => {
                self.enumeration(&conversion, &old, &new)
            }
            (Some(Kind::Union(old)), Some(Kind::Union(new))) => self.union(&conversion, old, new),
            _ => match dir {
                Dir::Forward => missing(&format!("has no counterpart at version {next_date}")),
                Dir::Backward => missing(&format!("has no counterpart at version {date}")),
            },
        };
        // One `match` per field reads better next to the others than a mix
        // of `unwrap_or`, `unwrap_or_else` and `unwrap_or_default`.
        let allow = self.fills.get().then(|| {
            quote! {
                #[allow(
                    clippy::manual_unwrap_or,
                    clippy::manual_unwrap_or_default,
                    reason = "every field converts in a match of its own"
                )]
            }
        });
        match dir {
            Dir::Forward => {
                let doc = format!(
                    " Converts this value to version {next_date}: a request on its way to the handler."
                );
                quote! {
                    impl #id {
                        #[doc = #doc]
                        #allow
                        pub fn forward #decl (self) -> ::std::result::Result<#next, crate::runtime::ConvertError> {
                            #body
                        }
                    }
                }
            }
            Dir::Backward => {
                let doc = format!(
                    " Converts a value of version {next_date} to this version: a response on its way to the client."
                );
                let param = if mentions(&body, "next") {
                    quote!(next)
                } else {
                    quote!(_next)
                };
                quote! {
                    impl #id {
                        #[doc = #doc]
                        #allow
                        pub fn backward #decl (#param: #next) -> ::std::result::Result<Self, crate::runtime::ConvertError> {
                            #body
                        }
                    }
                }
            }
        }
    }

    /// The body of a record's conversion. A record the version converts by
    /// hand (`type T changed via f`) is all its converter's; any other is
    /// built field by field (see [`History::record_member`]), the values
    /// computed from the whole record first, before its fields move.
    fn record(&self, c: &Conversion, old: &[Field], new: &[Field]) -> TokenStream {
        let Step { j, dir, .. } = c.step;
        if let Some(via) = self.record_converter(j, c.name) {
            return match dir {
                Dir::Forward => {
                    let f = value_ident(via);
                    quote!(::std::result::Result::Ok(C::#f(self)))
                }
                Dir::Backward => {
                    let f = value_ident(&format!("{via}_backward"));
                    quote!(::std::result::Result::Ok(C::#f(next)))
                }
            };
        }
        let record = RecordConversion {
            conversion: c,
            old,
            new,
        };
        let mut members = Vec::new();
        let mut computed = Vec::new();
        for (target, from) in self.field_pairs(&record) {
            match self.record_member(&record, target, from, &mut computed) {
                Ok(member) => members.push(member),
                Err(refusal) => return refusal,
            }
        }
        let ty = match dir {
            Dir::Forward => c.next.clone(),
            Dir::Backward => quote!(Self),
        };
        if computed.is_empty() {
            quote!(::std::result::Result::Ok(#ty { #(#members),* }))
        } else {
            quote! {{
                #(#computed)*
                ::std::result::Result::Ok(#ty { #(#members),* })
            }}
        }
    }

    /// The fields of the converted record, each with the field of the input
    /// its value comes from (`None` when there is none): forward, each new
    /// field with its source; backward, each old field with the new field
    /// whose source it is.
    fn field_pairs<'r>(&self, r: &RecordConversion<'r>) -> Vec<(&'r Field, Option<&'r Field>)> {
        match r.conversion.step.dir {
            Dir::Forward => r.new.iter().map(|f| (f, self.source_field(r, f))).collect(),
            Dir::Backward => r
                .old
                .iter()
                .map(|o| {
                    (
                        o,
                        r.new
                            .iter()
                            .find(|n| self.source_field(r, n).is_some_and(|s| s.name == o.name)),
                    )
                })
                .collect(),
        }
    }

    /// The old field that new field `f` comes from: the one of the same
    /// name, or the one the version renamed to it (unless a new field
    /// still has the old name).
    fn source_field<'r>(&self, r: &RecordConversion<'r>, f: &Field) -> Option<&'r Field> {
        if let Some(o) = r.old.iter().find(|o| o.name == f.name) {
            return Some(o);
        }
        self.spec.versions[r.conversion.step.j + 1]
            .changes
            .iter()
            .filter_map(Change::field_rename)
            .find_map(|(_, from, to)| {
                (to == f.name && !r.new.iter().any(|n| n.name == from))
                    .then(|| r.old.iter().find(|o| o.name == from))
                    .flatten()
            })
    }

    /// What field `target` of the converted record gets when there is no
    /// value to convert: the default the version's change declares (an
    /// added or newly required field's, forward; a removed or newly
    /// optional field's, backward), else the field's own default, else
    /// `None` where the field may hold it. `None` when there is nothing.
    fn field_fallback(&self, r: &RecordConversion, target: &Field) -> Option<TokenStream> {
        let Step { j, dir, .. } = r.conversion.step;
        let changes = &self.spec.versions[j + 1].changes;
        let declared = match dir {
            Dir::Forward => changes
                .iter()
                .filter_map(Change::request_default)
                .find_map(|(field, default)| default.filter(|_| field == target.name).cloned()),
            Dir::Backward => changes
                .iter()
                .filter_map(Change::response_default)
                .find_map(|(field, default)| default.filter(|_| field == target.name).cloned()),
        }
        .or_else(|| target.default.clone());
        let target_wrapped = target.optional && target.default.is_none();
        match declared {
            Some(value) => {
                let to_cx = self.cx(self.ends(j, dir).1);
                let target_boxed = to_cx.boxed(r.conversion.name, &target.ty);
                let v = default_value(to_cx, &value, &target.ty, target_boxed, Scope::Crate);
                Some(if target_wrapped {
                    quote!(::std::option::Option::Some(#v))
                } else {
                    v
                })
            }
            None if target_wrapped || target.ty.nullable => {
                Some(quote!(::std::option::Option::None))
            }
            None => None,
        }
    }

    /// The member of the converted record for field `target`, whose value
    /// comes from field `from` of the input. A field a version removed
    /// with a converter (`removed via f`) is computed from the whole input,
    /// its `let` pushed onto `computed`; a field with no source takes its
    /// fallback. `Err` when it has neither: the whole conversion is then
    /// that refusal.
    fn record_member(
        &self,
        r: &RecordConversion,
        target: &Field,
        from: Option<&Field>,
        computed: &mut Vec<TokenStream>,
    ) -> Result<TokenStream, TokenStream> {
        let Step { j, dir, .. } = r.conversion.step;
        let name = r.conversion.name;
        let field = value_ident(&target.name);
        let fallback = self.field_fallback(r, target);
        if let (None, Dir::Backward, Some(via)) = (from, dir, self.computed(j, name, &target.name))
        {
            let target_boxed = self.cx(self.ends(j, dir).1).boxed(name, &target.ty);
            let local = format_ident!("computed_{}", gatic_ir::ident::snake(&target.name));
            let f = value_ident(via);
            let value = if target_boxed {
                quote!(::std::boxed::Box::new(C::#f(&next)))
            } else {
                quote!(C::#f(&next))
            };
            computed.push(quote!(let #local = #value;));
            return Ok(quote!(#field: #local));
        }
        let Some(from) = from else {
            return match fallback {
                Some(v) => Ok(quote!(#field: #v)),
                None => {
                    let at = match dir {
                        Dir::Forward => self.date(j + 1),
                        Dir::Backward => self.date(j),
                    };
                    let message = format!("`{name}.{}` has no value at version {at}", target.name);
                    Err(
                        quote!(::std::result::Result::Err(crate::runtime::ConvertError::new(#message))),
                    )
                }
            };
        };
        let expr = self.field_value(r, target, from, fallback);
        Ok(quote!(#field: #expr))
    }

    /// The value of field `target` converted from field `from` of the
    /// input. A constant target holds its constant, unless a hand-written
    /// converter of the field says otherwise; any other value goes through
    /// the field's converter (when its type changed) or [`History::conv`],
    /// inside or around the `Option`s of optional fields. An optional
    /// source for a required target takes `fallback` for `None` (or is
    /// refused without one).
    fn field_value(
        &self,
        r: &RecordConversion,
        target: &Field,
        from: &Field,
        fallback: Option<TokenStream>,
    ) -> TokenStream {
        let step = r.conversion.step;
        let name = r.conversion.name;
        let (src, dst) = self.ends(step.j, step.dir);
        let target_wrapped = target.optional && target.default.is_none();
        let target_boxed = self.cx(dst).boxed(name, &target.ty);
        let source_id = value_ident(&from.name);
        let from_wrapped = from.optional && from.default.is_none();
        let from_boxed = self.cx(src).boxed(name, &from.ty);
        let new_name = match step.dir {
            Dir::Forward => &target.name,
            Dir::Backward => &from.name,
        };
        let retyped = from.ty.kind != target.ty.kind || from.ty.nullable != target.ty.nullable;
        let via = self.converter(step.j, name, new_name).filter(|_| retyped);
        // A constant field's value is its type: whatever the other
        // version held there (the same constant, or a value a change
        // made constant), this side holds the constant.
        if let (TyKind::Const(value), None) = (&target.ty.kind, via) {
            return self.cx(dst).constant(value, Scope::Crate);
        }
        let x = format_ident!("x0");
        let convert = |v: TokenStream| -> TokenStream {
            match via {
                Some(via) => {
                    let f = match step.dir {
                        Dir::Forward => value_ident(via),
                        Dir::Backward => value_ident(&format!("{via}_backward")),
                    };
                    let v = if from_boxed { quote!(*#v) } else { v };
                    let call = quote!(C::#f(#v));
                    if target_boxed {
                        quote!(::std::boxed::Box::new(#call))
                    } else {
                        call
                    }
                }
                None => self.conv(step, &from.ty, &target.ty, (from_boxed, target_boxed), v, 1),
            }
        };
        let input = r.conversion.input();
        let value = quote!(#input.#source_id);
        match (from_wrapped, target_wrapped) {
            (false, false) => convert(value),
            (false, true) => {
                let c = convert(value);
                quote!(::std::option::Option::Some(#c))
            }
            (true, true) => {
                let c = convert(quote!(#x));
                if x == c.to_string() {
                    value
                } else {
                    map_option(value, &x, c)
                }
            }
            (true, false) => {
                let c = convert(quote!(#x));
                self.fills.set(true);
                let none = match fallback {
                    Some(v) => v,
                    None => {
                        let message = format!("`{name}.{}` is required", target.name);
                        quote!(return ::std::result::Result::Err(crate::runtime::ConvertError::new(#message)))
                    }
                };
                quote! {
                    match #value {
                        ::std::option::Option::Some(#x) => #c,
                        ::std::option::Option::None => #none,
                    }
                }
            }
        }
    }

    /// The body of an enum's conversion: each value to the value of the
    /// same name, or the one the version's changes say it becomes (a
    /// removed value's `map`, forward; an added value's `fallback`,
    /// backward; a renamed value's other name, both ways); a value with
    /// neither is refused.
    fn enumeration(&self, c: &Conversion, old: &[String], new: &[String]) -> TokenStream {
        let Step { j, dir, .. } = c.step;
        let (name, next) = (c.name, c.next);
        let changes = &self.spec.versions[j + 1].changes;
        let (sources, targets, from_path, to_path) = match dir {
            Dir::Forward => (old, new, quote!(Self), next.clone()),
            Dir::Backward => (new, old, next.clone(), quote!(Self)),
        };
        let arms = sources.iter().map(|v| {
            let variant = type_ident(v);
            let target = if targets.contains(v) {
                Some(v.as_str())
            } else {
                let forward = matches!(dir, Dir::Forward);
                changes
                    .iter()
                    .find_map(|change| change.enum_value_becomes(name, v, forward))
            };
            match target.filter(|t| targets.iter().any(|x| x == t)) {
                Some(t) => {
                    let t = type_ident(t);
                    quote!(#from_path::#variant => #to_path::#t,)
                }
                None => {
                    let at = match dir {
                        Dir::Forward => self.date(j + 1),
                        Dir::Backward => self.date(j),
                    };
                    let message = format!("`{name}` value `{v}` does not exist at version {at}");
                    quote! {
                        #from_path::#variant => {
                            return ::std::result::Result::Err(crate::runtime::ConvertError::new(#message));
                        }
                    }
                }
            }
        });
        let input = c.input();
        quote!(::std::result::Result::Ok(match #input { #(#arms)* }))
    }

    /// The body of a union's conversion: each variant's value converted to
    /// the variant of the same name; a variant the other side lacks is
    /// refused.
    fn union(
        &self,
        c: &Conversion,
        old: &[gatic_ir::Variant],
        new: &[gatic_ir::Variant],
    ) -> TokenStream {
        let Step { j, dir, .. } = c.step;
        let (name, next) = (c.name, c.next);
        let (src, dst) = self.ends(j, dir);
        let (sources, targets, from_path, to_path) = match dir {
            Dir::Forward => (old, new, quote!(Self), next.clone()),
            Dir::Backward => (new, old, next.clone(), quote!(Self)),
        };
        let arms = sources.iter().map(|v| {
            let variant = type_ident(&v.name);
            match targets.iter().find(|t| t.name == v.name) {
                Some(t) => {
                    let boxes = (self.cx(src).boxed(name, &v.ty), self.cx(dst).boxed(name, &t.ty));
                    let value = self.conv(c.step, &v.ty, &t.ty, boxes, quote!(value), 1);
                    quote!(#from_path::#variant(value) => #to_path::#variant(#value),)
                }
                None => {
                    let message = format!(
                        "`{name}` variant `{}` does not exist at version {}",
                        v.name,
                        self.date(dst)
                    );
                    quote! {
                        #from_path::#variant(_) => {
                            return ::std::result::Result::Err(crate::runtime::ConvertError::new(#message));
                        }
                    }
                }
            }
        });
        let input = c.input();
        quote!(::std::result::Result::Ok(match #input { #(#arms)* }))
    }
}

/// `v` (an `Option`) with `inner` (which reads `x`) applied inside: `map`
/// when `inner` cannot return early, else a `match` (so `?` still works).
pub(crate) fn map_option(v: TokenStream, x: &Ident, inner: TokenStream) -> TokenStream {
    if !returns_early(&inner) {
        let tokens: Vec<proc_macro2::TokenTree> = inner.clone().into_iter().collect();
        if let [path @ .., proc_macro2::TokenTree::Group(args)] = tokens.as_slice()
            && !path.is_empty()
            && args.delimiter() == proc_macro2::Delimiter::Parenthesis
            && *x == args.stream().to_string()
        {
            let path: TokenStream = path.iter().cloned().collect();
            return quote!(#v.map(#path));
        }
        return quote!(#v.map(|#x| #inner));
    }
    quote! {
        match #v {
            ::std::option::Option::Some(#x) => ::std::option::Option::Some(#inner),
            ::std::option::Option::None => ::std::option::Option::None,
        }
    }
}

/// Whether `tokens` hold a `?` or a `return`.
fn returns_early(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Punct(p) => p.as_char() == '?',
        proc_macro2::TokenTree::Ident(i) => i == "return",
        proc_macro2::TokenTree::Group(g) => returns_early(&g.stream()),
        proc_macro2::TokenTree::Literal(_) => false,
    })
}

/// Whether `tokens` use the identifier `name` anywhere.
fn mentions(tokens: &TokenStream, name: &str) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == name,
        proc_macro2::TokenTree::Group(g) => mentions(&g.stream(), name),
        _ => false,
    })
}

/// A `Box` around a converted list or map when the target is boxed.
fn rebox(value: TokenStream, boxes: (bool, bool)) -> TokenStream {
    if boxes.1 {
        quote!(::std::boxed::Box::new(#value))
    } else {
        value
    }
}

/// The module of version `date`: `v2025_01_01`.
pub(crate) fn module_ident(date: &str) -> Ident {
    format_ident!("v{}", date.replace('-', "_"))
}

/// What a named type is at one version.
enum Kind<'a> {
    Record(&'a [Field]),
    Enum(Vec<String>),
    Union(&'a [gatic_ir::Variant]),
}

fn kind_of<'a>(api: &'a Api, name: &str) -> Option<Kind<'a>> {
    if let Some(def) = api.ty(name) {
        return match &def.kind {
            TypeDefKind::Record { fields } => Some(Kind::Record(fields)),
            TypeDefKind::Enum { values } => {
                Some(Kind::Enum(values.iter().map(|v| v.name.clone()).collect()))
            }
            TypeDefKind::Union { variants, .. } => Some(Kind::Union(variants)),
            TypeDefKind::Alias { .. } => None,
        };
    }
    api.error(name).map(|e| Kind::Record(&e.fields))
}

fn alias_target<'a>(api: &'a Api, name: &str) -> Option<&'a Ty> {
    match api.ty(name).map(|t| &t.kind) {
        Some(TypeDefKind::Alias { target }) => Some(target),
        _ => None,
    }
}

fn fields_of<'a>(api: &'a Api, owner: &str) -> Option<&'a [Field]> {
    match api.ty(owner).map(|t| &t.kind) {
        Some(TypeDefKind::Record { fields }) => Some(fields),
        Some(_) => None,
        None => api.error(owner).map(|e| e.fields.as_slice()),
    }
}

/// The types and errors of `old` whose Rust type is not the one of the same
/// name in `next`: changed (docs aside), missing there, or holding one that is.
fn differs(old: &Api, next: &Api, converted: &[String]) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = converted.iter().cloned().collect();
    for t in &old.types {
        if next.ty(&t.name).map(strip_type) != Some(strip_type(t)) {
            out.insert(t.name.clone());
        }
    }
    for e in &old.errors {
        if next.error(&e.name).map(strip_error) != Some(strip_error(e)) {
            out.insert(e.name.clone());
        }
    }
    // Holding a type that differs makes a type differ.
    let mut refs: Vec<(String, BTreeSet<String>)> = Vec::new();
    let names = |tys: Vec<&Ty>| -> BTreeSet<String> {
        tys.into_iter()
            .filter_map(gatic_ir::walk::named)
            .map(str::to_string)
            .collect()
    };
    for t in &old.types {
        let held = match &t.kind {
            TypeDefKind::Record { fields } => fields.iter().map(|f| &f.ty).collect(),
            TypeDefKind::Union { variants, .. } => variants.iter().map(|v| &v.ty).collect(),
            TypeDefKind::Alias { target } => vec![target],
            TypeDefKind::Enum { .. } => Vec::new(),
        };
        refs.push((t.name.clone(), names(held)));
    }
    for e in &old.errors {
        refs.push((
            e.name.clone(),
            names(e.fields.iter().map(|f| &f.ty).collect()),
        ));
    }
    loop {
        let mut grew = false;
        for (name, names) in &refs {
            if !out.contains(name) && names.iter().any(|n| out.contains(n)) {
                out.insert(name.clone());
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    out
}

fn strip_fields(fields: &[Field]) -> Vec<Field> {
    fields
        .iter()
        .map(|f| Field {
            doc: None,
            deprecated: false,
            example: None,
            ..f.clone()
        })
        .collect()
}

fn strip_type(t: &TypeDef) -> TypeDef {
    let kind = match &t.kind {
        TypeDefKind::Record { fields } => TypeDefKind::Record {
            fields: strip_fields(fields),
        },
        TypeDefKind::Enum { values } => TypeDefKind::Enum {
            values: values
                .iter()
                .map(|v| gatic_ir::EnumValue {
                    doc: None,
                    deprecated: false,
                    ..v.clone()
                })
                .collect(),
        },
        TypeDefKind::Union { tag, variants } => TypeDefKind::Union {
            tag: tag.clone(),
            variants: variants
                .iter()
                .map(|v| gatic_ir::Variant {
                    doc: None,
                    ..v.clone()
                })
                .collect(),
        },
        TypeDefKind::Alias { target } => TypeDefKind::Alias {
            target: target.clone(),
        },
    };
    TypeDef {
        name: t.name.clone(),
        doc: None,
        deprecated: false,
        // Where an instantiated record comes from is docs too: its Rust
        // type is its fields'.
        instance: None,
        unknown_fields: t.unknown_fields,
        example: None,
        kind,
    }
}

fn strip_error(e: &ErrorDef) -> ErrorDef {
    ErrorDef {
        doc: None,
        fields: strip_fields(&e.fields),
        ..e.clone()
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub(crate) fn days(date: &str) -> Option<i64> {
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The HTTP-date (RFC 9110 IMF-fixdate) of the last second of day `days`.
pub(crate) fn http_date(days: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let weekday = WEEKDAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0)];
    format!("{weekday}, {d:02} {month} {y:04} 23:59:59 GMT")
}

/// A trait method's tokens as one line of Rust, formatted by prettyplease,
/// with the standard library's paths shortened the way people write them.
fn signature_text(method: &TokenStream) -> String {
    let wrapped = quote!(trait T { #method });
    syn::parse2::<syn::File>(wrapped)
        .map(|file| prettyplease::unparse(&file))
        .ok()
        .and_then(|text| {
            let body = text.split_once('{')?.1.rsplit_once('}')?.0;
            let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
            Some(
                line.replace("( ", "(")
                    .replace(", )", ")")
                    .replace("::std::vec::", "")
                    .replace("::std::string::", "")
                    .replace("::std::option::", "")
                    .replace("::std::boxed::", "")
                    .replace("::std::collections::", ""),
            )
        })
        .unwrap_or_else(|| method.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(days("1970-01-01"), Some(0));
        assert_eq!(days("2024-06-01"), Some(19_875));
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 23:59:59 GMT");
        assert_eq!(
            days("2025-12-31").map(http_date).as_deref(),
            Some("Wed, 31 Dec 2025 23:59:59 GMT")
        );
        assert_eq!(
            days("2000-02-29").map(http_date).as_deref(),
            Some("Tue, 29 Feb 2000 23:59:59 GMT")
        );
        assert_eq!(days("2025-13-01"), None);
    }
}
