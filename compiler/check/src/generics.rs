//! Generic records, instantiated before checking.
//!
//! `type Page<T> { data: [T], has_more: bool }` is a template. Each use with
//! type arguments (`Page<Charge>`) becomes a record declaration of its own,
//! its fields the template's with every parameter replaced by its argument,
//! and the use becomes a plain reference to it. So the checker, the IR and
//! every target see ordinary records; nothing downstream knows generics.
//!
//! An instantiation is named by the alias that is exactly it (`type
//! Charges = Page<Charge>`), else after its arguments and the template
//! (`ChargePage`; `Page<Page<Charge>>` is `ChargePagePage`). That name is a
//! declaration like any other, so change lines and Timescape's suggestions
//! can name it. A change line that names the template (`Page.url added`)
//! applies to every instantiation.
//!
//! Nothing here resolves names beyond telling templates from the rest: an
//! argument that names no type is reported where the instantiated record is
//! checked, like any other field type.

use std::collections::{BTreeMap, BTreeSet};

use gatic_ir::ident;
use gatic_syntax::ast::{
    self, ChangeKind, ChangeTarget, Item, Member, RouteClause, Segment, TypeBody, TypeExpr,
    TypeExprKind,
};
use gatic_syntax::{Diagnostic, FileId, codes};

/// More instantiations than this means a template instantiates itself with
/// ever larger arguments (`type Nest<T> { inner: Nest<[T]> }`).
const MAX_INSTANCES: usize = 1000;

/// A longer instantiation (as text) means the same, when each step doubles
/// the argument (`type Nest<T> { inner: Nest<Pair<T, T>> }`).
const MAX_KEY_LEN: usize = 400;

/// The files with every generic record instantiated, and what each
/// instantiation is (for the IR's [`gatic_ir::Instance`]).
pub(crate) struct Expanded {
    /// The files: templates removed, instantiations declared, uses replaced.
    pub files: Vec<(FileId, ast::File)>,
    /// Each instantiation's name, with its template's name and its arguments.
    pub instances: Vec<(String, String, Vec<TypeExpr>)>,
    /// What went wrong.
    pub diagnostics: Vec<Diagnostic>,
}

/// A generic record as declared.
struct Template {
    decl: ast::TypeDecl,
    /// Index of the file that declares it.
    file: usize,
}

/// One instantiation, pending declaration.
struct Instance {
    name: String,
    template: String,
    args: Vec<TypeExpr>,
    decl: ast::TypeDecl,
}

struct Expander {
    templates: BTreeMap<String, Template>,
    /// Names declared by anything but a template.
    declared: BTreeSet<String>,
    /// The alias that names an instantiation (its name and doc), by the
    /// instantiation's key.
    aliases: BTreeMap<String, (ast::Ident, ast::Doc)>,
    /// Instantiations so far: key → name.
    by_key: BTreeMap<String, String>,
    /// Names given so far: name → key.
    by_name: BTreeMap<String, String>,
    /// Instantiations not yet placed in a file, in order of first use.
    pending: Vec<Instance>,
    /// Instantiations whose fields are not yet expanded themselves.
    queue: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
    gave_up: bool,
}

/// Instantiates every generic record of `files`.
pub(crate) fn expand(files: &[(FileId, ast::File)]) -> Expanded {
    let mut files: Vec<(FileId, ast::File)> = files.to_vec();
    let mut x = Expander {
        templates: BTreeMap::new(),
        declared: BTreeSet::new(),
        aliases: BTreeMap::new(),
        by_key: BTreeMap::new(),
        by_name: BTreeMap::new(),
        pending: Vec::new(),
        queue: Vec::new(),
        diagnostics: Vec::new(),
        gave_up: false,
    };
    x.collect(&mut files);
    if x.templates.is_empty() {
        // Without templates, any `Name<…>` is an error the checker reports
        // where it stands; the files stay as they are.
        for (_, file) in &mut files {
            for item in &mut file.items {
                each_type_expr(item, &mut |e| x.not_generic(e));
            }
        }
        return Expanded {
            files,
            instances: Vec::new(),
            diagnostics: x.diagnostics,
        };
    }
    for (_, file) in &mut files {
        for item in &mut file.items {
            if let Item::Versions(v) = item {
                x.spread_template_changes(v);
            }
            each_type_expr(item, &mut |e| x.rewrite(e));
        }
    }
    // Instantiations' own fields may use templates too.
    while let Some(i) = x.queue.pop() {
        let mut decl = x.pending[i].decl.clone();
        if let TypeBody::Record(members) = &mut decl.body {
            for m in members {
                if let Member::Field(f) = m {
                    x.rewrite(&mut f.ty);
                }
            }
        }
        x.pending[i].decl = decl;
    }
    // Each instantiation is declared where its alias stood, else beside its
    // template, in order of first use.
    let mut instances = Vec::new();
    let mut beside: BTreeMap<String, Vec<ast::TypeDecl>> = BTreeMap::new();
    let mut in_place: BTreeMap<String, ast::TypeDecl> = BTreeMap::new();
    for inst in std::mem::take(&mut x.pending) {
        instances.push((inst.name.clone(), inst.template.clone(), inst.args));
        if x.aliases.values().any(|(a, _)| a.name == inst.name) {
            in_place.insert(inst.name, inst.decl);
        } else {
            beside.entry(inst.template).or_default().push(inst.decl);
        }
    }
    for (i, (_, file)) in files.iter_mut().enumerate() {
        let items = std::mem::take(&mut file.items);
        for item in items {
            match item {
                Item::Type(t) if !t.params.is_empty() => {
                    let is_this = x
                        .templates
                        .get(&t.name.name)
                        .is_some_and(|tpl| tpl.file == i && tpl.decl.span == t.span);
                    if is_this {
                        for decl in beside.remove(&t.name.name).unwrap_or_default() {
                            file.items.push(Item::Type(decl));
                        }
                    }
                }
                Item::Type(t) if in_place.contains_key(&t.name.name) => {
                    if let Some(decl) = in_place.remove(&t.name.name) {
                        file.items.push(Item::Type(decl));
                    }
                }
                other => file.items.push(other),
            }
        }
    }
    for t in x.templates.values() {
        if !instances
            .iter()
            .any(|(_, template, _)| *template == t.decl.name.name)
        {
            x.diagnostics.push(
                Diagnostic::warning(
                    codes::UNUSED,
                    t.decl.name.span,
                    format!("generic record `{}` is never used", t.decl.name.name),
                )
                .with_label("nothing instantiates it"),
            );
        }
    }
    let params: BTreeMap<String, Vec<String>> = x
        .templates
        .iter()
        .map(|(name, t)| {
            (
                name.clone(),
                t.decl.params.iter().map(|p| p.name.clone()).collect(),
            )
        })
        .collect();
    let mut expanded = Expanded {
        files,
        instances,
        diagnostics: x.diagnostics,
    };
    finish_changes(&mut expanded, &params);
    expanded
}

impl Expander {
    /// Finds the templates and the names declared otherwise, and the
    /// aliases that name an instantiation.
    fn collect(&mut self, files: &mut [(FileId, ast::File)]) {
        for (i, (_, file)) in files.iter().enumerate() {
            for item in &file.items {
                let (name, generic) = match item {
                    Item::Type(t) => (&t.name, !t.params.is_empty()),
                    Item::Enum(e) => (&e.name, false),
                    Item::Union(u) => (&u.name, false),
                    Item::Error(e) => (&e.name, false),
                    _ => continue,
                };
                let Item::Type(t) = item else {
                    self.declared.insert(name.name.clone());
                    continue;
                };
                if !generic {
                    self.declared.insert(name.name.clone());
                    continue;
                }
                if !matches!(t.body, TypeBody::Record(_)) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::BAD_GENERIC,
                            t.name.span,
                            format!("`{}` has type parameters but is not a record", t.name.name),
                        )
                        .with_label("only records can be generic")
                        .with_note("write it as a record: `type Page<T> { data: [T] }`"),
                    );
                    continue;
                }
                let mut seen = BTreeSet::new();
                for p in &t.params {
                    if !seen.insert(p.name.as_str()) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::DUPLICATE_NAME,
                                p.span,
                                format!("type parameter `{}` is declared twice", p.name),
                            )
                            .with_label("second declaration"),
                        );
                    }
                }
                if let Some(first) = self.templates.get(&t.name.name) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::DUPLICATE_NAME,
                            t.name.span,
                            format!("`{}` is declared twice", t.name.name),
                        )
                        .with_label("second declaration, as a generic record")
                        .with_secondary(first.decl.name.span, "first declared here"),
                    );
                    continue;
                }
                self.templates.insert(
                    t.name.name.clone(),
                    Template {
                        decl: t.clone(),
                        file: i,
                    },
                );
            }
        }
        let clashes: Vec<(ast::Ident, ast::Ident)> = self
            .templates
            .values()
            .filter(|t| self.declared.contains(&t.decl.name.name))
            .map(|t| (t.decl.name.clone(), t.decl.name.clone()))
            .collect();
        for (name, _) in clashes {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    name.span,
                    format!("`{}` is declared twice", name.name),
                )
                .with_label("also declared as a generic record here"),
            );
            self.templates.remove(&name.name);
        }
        // `type Charges = Page<Charge>` names that instantiation.
        for (_, file) in files.iter_mut() {
            for item in &mut file.items {
                let Item::Type(t) = item else { continue };
                if !t.params.is_empty() || !t.attrs.is_empty() {
                    continue;
                }
                let TypeBody::Alias(e) = &mut t.body else {
                    continue;
                };
                let TypeExprKind::Generic(g, _) = &e.kind else {
                    continue;
                };
                if !self.templates.contains_key(&g.name) {
                    continue;
                }
                let mut e = e.clone();
                self.rewrite_args(&mut e);
                if let Some(key) = self.key(&e)
                    && !self.aliases.contains_key(&key)
                {
                    self.aliases.insert(key, (t.name.clone(), t.doc.clone()));
                }
            }
        }
    }

    /// A `Name<…>` when no template exists at all.
    fn not_generic(&mut self, e: &mut TypeExpr) {
        if let TypeExprKind::Generic(id, _) = &e.kind {
            let d = self.not_a_template(id);
            self.diagnostics.push(d);
            *e = any(e.span);
        }
    }

    fn not_a_template(&self, id: &ast::Ident) -> Diagnostic {
        if self.declared.contains(&id.name) {
            Diagnostic::error(
                codes::BAD_GENERIC,
                id.span,
                format!("`{}` is not generic", id.name),
            )
            .with_label("it takes no type arguments")
        } else {
            let mut d = Diagnostic::error(
                codes::UNKNOWN_NAME,
                id.span,
                format!("unknown generic record `{}`", id.name),
            )
            .with_label("no generic record has this name");
            let names: Vec<&str> = self.templates.keys().map(String::as_str).collect();
            if let Some(best) = crate::suggest(&id.name, names) {
                d = d.with_suggestion(format!("did you mean `{best}`?"), id.span, best);
            }
            d
        }
    }

    /// Rewrites the arguments of every `Name<…>` inside `e` (not `e` itself).
    fn rewrite_args(&mut self, e: &mut TypeExpr) {
        if let TypeExprKind::Generic(_, args) = &mut e.kind {
            for a in args {
                self.rewrite(a);
            }
        }
    }

    /// Replaces every `Name<…>` in `e` by the instantiation's name, and a
    /// bare template name by an error.
    fn rewrite(&mut self, e: &mut TypeExpr) {
        match &mut e.kind {
            TypeExprKind::Named(id) => {
                if self.templates.contains_key(&id.name) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::BAD_GENERIC,
                            id.span,
                            format!("the generic record `{}` needs type arguments", id.name),
                        )
                        .with_label(format!(
                            "write `{}<…>` with {}",
                            id.name,
                            arguments(self.templates[&id.name].decl.params.len())
                        )),
                    );
                    *e = any(e.span);
                }
            }
            TypeExprKind::List(inner, _) | TypeExprKind::Nullable(inner) => self.rewrite(inner),
            TypeExprKind::Map(k, v, _) => {
                self.rewrite(k);
                self.rewrite(v);
            }
            TypeExprKind::Const(_) => {}
            TypeExprKind::Generic(..) => {
                self.rewrite_args(e);
                let span = e.span;
                let TypeExprKind::Generic(id, args) = &e.kind else {
                    return;
                };
                let id = id.clone();
                let args = args.clone();
                match self.instantiate(&id, args, span) {
                    Some(name) => {
                        e.kind = TypeExprKind::Named(ast::Ident {
                            name,
                            span: id.span,
                        });
                    }
                    None => *e = any(span),
                }
            }
        }
    }

    /// The name of `Template<args>`, declaring it on first use; `None`
    /// when it cannot be instantiated (reported).
    fn instantiate(
        &mut self,
        id: &ast::Ident,
        args: Vec<TypeExpr>,
        span: gatic_syntax::Span,
    ) -> Option<String> {
        let params = self.template_params(id, args.len(), span)?;
        let whole = TypeExpr {
            kind: TypeExprKind::Generic(id.clone(), args.clone()),
            span,
        };
        let Some(key) = self.key(&whole) else {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::BAD_GENERIC,
                    span,
                    "a type argument cannot carry attributes or be a constant",
                )
                .with_label("refine the field inside the generic record instead")
                .with_note("or declare a refined alias and pass its name"),
            );
            return None;
        };
        if let Some(name) = self.by_key.get(&key) {
            return Some(name.clone());
        }
        if self.gave_up || self.runs_away(&key, span) {
            return None;
        }
        let name = self.instance_name(id, &args, &key, span)?;
        let decl = self.instance_decl(id, &name, &key, &params, &args);
        self.by_key.insert(key.clone(), name.clone());
        self.by_name.insert(name.clone(), key);
        self.pending.push(Instance {
            name: name.clone(),
            template: id.name.clone(),
            args,
            decl,
        });
        self.queue.push(self.pending.len() - 1);
        Some(name)
    }

    /// The type parameters of the template `id` names, when it is one and
    /// `given` arguments are as many as it takes; otherwise reports why
    /// not and gives `None`.
    fn template_params(
        &mut self,
        id: &ast::Ident,
        given: usize,
        span: gatic_syntax::Span,
    ) -> Option<Vec<ast::Ident>> {
        let Some(template) = self.templates.get(&id.name) else {
            let d = self.not_a_template(id);
            self.diagnostics.push(d);
            return None;
        };
        let params = template.decl.params.clone();
        if params.len() != given {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::BAD_GENERIC,
                    span,
                    format!(
                        "`{}` takes {}, not {}",
                        id.name,
                        arguments(params.len()),
                        given
                    ),
                )
                .with_label("wrong number of type arguments")
                .with_secondary(template.decl.name.span, "declared here"),
            );
            return None;
        }
        Some(params)
    }

    /// Whether instantiating `key` would pass the limits that tell an
    /// instantiation that never ends; if so, reports it once and gives up
    /// on every later instantiation.
    fn runs_away(&mut self, key: &str, span: gatic_syntax::Span) -> bool {
        if self.by_key.len() < MAX_INSTANCES && key.len() <= MAX_KEY_LEN {
            return false;
        }
        self.gave_up = true;
        self.diagnostics.push(
            Diagnostic::error(
                codes::BAD_GENERIC,
                span,
                format!(
                    "instantiating generic records does not end (past {MAX_INSTANCES} \
                     records or {MAX_KEY_LEN} characters of arguments)"
                ),
            )
            .with_label("instantiating this never ends")
            .with_note("a generic record probably uses itself with a larger argument"),
        );
        true
    }

    /// The name the instantiation `key` gets: the alias that is exactly
    /// it, else one made from its arguments and template. `None` (reported)
    /// when no name can be made, when the made name is declared already,
    /// or when another instantiation has the name.
    fn instance_name(
        &mut self,
        id: &ast::Ident,
        args: &[TypeExpr],
        key: &str,
        span: gatic_syntax::Span,
    ) -> Option<String> {
        let name = match self.aliases.get(key) {
            Some((alias, _)) => alias.name.clone(),
            None => {
                let Some(name) = auto_name(&id.name, args) else {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::BAD_GENERIC,
                            span,
                            format!("`{key}` needs a name"),
                        )
                        .with_label("its arguments are not all names")
                        .with_note(format!("name it with an alias: `type Name = {key}`")),
                    );
                    return None;
                };
                if self.declared.contains(&name) || self.templates.contains_key(&name) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::BAD_GENERIC,
                            span,
                            format!("`{key}` would be named `{name}`, which is declared already"),
                        )
                        .with_label("the generated name is taken")
                        .with_note(format!("name it with an alias: `type Other = {key}`")),
                    );
                    return None;
                }
                name
            }
        };
        if let Some(other) = self.by_name.get(&name) {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::BAD_GENERIC,
                    span,
                    format!("`{key}` and `{other}` would both be named `{name}`"),
                )
                .with_label("two instantiations, one name")
                .with_note(format!(
                    "name one of them with an alias: `type Other = {key}`"
                )),
            );
            return None;
        }
        Some(name)
    }

    /// The record declaration of the instantiation `key` of template `id`:
    /// the template's, named `name` (or by its alias, whose doc it takes
    /// when the alias has one), with each parameter in `params` replaced by
    /// its argument in `args`, in field types and spreads.
    fn instance_decl(
        &self,
        id: &ast::Ident,
        name: &str,
        key: &str,
        params: &[ast::Ident],
        args: &[TypeExpr],
    ) -> ast::TypeDecl {
        let template = &self.templates[&id.name];
        let subst: BTreeMap<&str, &TypeExpr> = params
            .iter()
            .map(|p| p.name.as_str())
            .zip(args.iter())
            .collect();
        let mut decl = template.decl.clone();
        decl.params.clear();
        if let Some((alias, doc)) = self.aliases.get(key) {
            decl.name = alias.clone();
            if doc.is_some() {
                decl.doc = doc.clone();
            }
        } else {
            decl.name = ast::Ident {
                name: name.to_string(),
                span: id.span,
            };
        }
        if let TypeBody::Record(members) = &mut decl.body {
            for m in members {
                match m {
                    Member::Field(f) => substitute(&mut f.ty, &subst),
                    Member::Spread(s) => {
                        if let Some(TypeExpr {
                            kind: TypeExprKind::Named(arg),
                            ..
                        }) = subst.get(s.name.as_str())
                        {
                            s.name = arg.name.clone();
                        }
                    }
                }
            }
        }
        decl
    }

    /// A canonical text of a type expression whose generic arguments are
    /// already rewritten; `None` when it carries attributes or constants.
    fn key(&self, e: &TypeExpr) -> Option<String> {
        Some(match &e.kind {
            TypeExprKind::Named(id) => id.name.clone(),
            TypeExprKind::List(inner, attrs) if attrs.is_empty() => {
                format!("[{}]", self.key(inner)?)
            }
            TypeExprKind::Map(k, v, attrs) if attrs.is_empty() => {
                format!("map<{}, {}>", self.key(k)?, self.key(v)?)
            }
            TypeExprKind::Nullable(inner) => format!("{} | null", self.key(inner)?),
            TypeExprKind::Generic(id, args) => {
                let args: Option<Vec<String>> = args.iter().map(|a| self.key(a)).collect();
                format!("{}<{}>", id.name, args?.join(", "))
            }
            _ => return None,
        })
    }

    /// A change line naming a template's member is one line per
    /// instantiation. The instantiations are not known yet, so the line is
    /// kept and copied once they are ([`finish_changes`]); a converter
    /// cannot be shared by instantiations, so those lines are refused.
    fn spread_template_changes(&mut self, v: &mut ast::VersionsDecl) {
        for entry in &mut v.entries {
            let changes = std::mem::take(&mut entry.changes);
            for change in changes {
                let owner = match &change.target {
                    ChangeTarget::Member { owner, .. } => owner,
                    ChangeTarget::Type(owner) => owner,
                    ChangeTarget::Route(_) => {
                        entry.changes.push(change);
                        continue;
                    }
                };
                if !self.templates.contains_key(&owner.name) {
                    entry.changes.push(change);
                    continue;
                }
                let via = match &change.kind {
                    ChangeKind::Removed { via, .. } => via.as_ref(),
                    ChangeKind::Converted { via } => Some(via),
                    ChangeKind::Retyped { via, .. } => via.as_ref(),
                    _ => None,
                };
                if via.is_some() || matches!(change.target, ChangeTarget::Type(_)) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::BAD_GENERIC,
                            change.span,
                            format!(
                                "a converter cannot serve every instantiation of `{}`",
                                owner.name
                            ),
                        )
                        .with_label("name one instantiation instead (`ChargePage.…`)")
                        .with_note("each instantiation has types of its own, so each needs its own converter"),
                    );
                    continue;
                }
                // Instantiated by `finish_changes` below, after every use is known.
                entry.changes.push(change);
            }
        }
    }
}

/// Copies every change line that names a template once per instantiation of
/// it, with the template's parameters replaced in the line's type. Lines
/// naming a template that nothing instantiates are dropped with a warning.
fn finish_changes(expanded: &mut Expanded, templates: &BTreeMap<String, Vec<String>>) {
    let mut instances_of: BTreeMap<&str, Vec<(&str, &[TypeExpr])>> = BTreeMap::new();
    for (name, template, args) in &expanded.instances {
        instances_of
            .entry(template.as_str())
            .or_default()
            .push((name.as_str(), args.as_slice()));
    }
    let mut diagnostics = Vec::new();
    for (_, file) in &mut expanded.files {
        for item in &mut file.items {
            let Item::Versions(v) = item else { continue };
            for entry in &mut v.entries {
                let changes = std::mem::take(&mut entry.changes);
                for change in changes {
                    let ChangeTarget::Member { owner, .. } = &change.target else {
                        entry.changes.push(change);
                        continue;
                    };
                    let Some(params) = templates.get(&owner.name) else {
                        entry.changes.push(change);
                        continue;
                    };
                    let uses = instances_of
                        .get(owner.name.as_str())
                        .cloned()
                        .unwrap_or_default();
                    if uses.is_empty() {
                        diagnostics.push(
                            Diagnostic::warning(
                                codes::UNUSED,
                                change.span,
                                format!(
                                    "nothing instantiates `{}`, so this line changes nothing",
                                    owner.name
                                ),
                            )
                            .with_label("no `Page<…>`-style use of the generic record"),
                        );
                        continue;
                    }
                    for (name, args) in uses {
                        let subst: BTreeMap<&str, &TypeExpr> =
                            params.iter().map(String::as_str).zip(args.iter()).collect();
                        let mut copy = change.clone();
                        if let ChangeTarget::Member { owner, ty, .. } = &mut copy.target {
                            owner.name = name.to_string();
                            if let Some(ty) = ty {
                                substitute(ty, &subst);
                            }
                        }
                        if let ChangeKind::Retyped { from, .. } = &mut copy.kind {
                            substitute(from, &subst);
                        }
                        entry.changes.push(copy);
                    }
                }
            }
        }
    }
    expanded.diagnostics.extend(diagnostics);
}

/// "1 type argument", "2 type arguments".
fn arguments(n: usize) -> String {
    if n == 1 {
        "1 type argument".to_string()
    } else {
        format!("{n} type arguments")
    }
}

/// Replaces each type parameter in `e` by its argument.
fn substitute(e: &mut TypeExpr, subst: &BTreeMap<&str, &TypeExpr>) {
    match &mut e.kind {
        TypeExprKind::Named(id) => {
            if let Some(arg) = subst.get(id.name.as_str()) {
                let span = e.span;
                *e = (*arg).clone();
                e.span = span;
            }
        }
        TypeExprKind::List(inner, _) | TypeExprKind::Nullable(inner) => substitute(inner, subst),
        TypeExprKind::Map(k, v, _) => {
            substitute(k, subst);
            substitute(v, subst);
        }
        TypeExprKind::Generic(_, args) => {
            for a in args {
                substitute(a, subst);
            }
        }
        TypeExprKind::Const(_) => {}
    }
}

/// `ChargePage` for `Page<Charge>`: the arguments' names, then the
/// template's, each in PascalCase. `None` when an argument is not a name.
fn auto_name(template: &str, args: &[TypeExpr]) -> Option<String> {
    let mut out = String::new();
    for a in args {
        let TypeExprKind::Named(id) = &a.kind else {
            return None;
        };
        out.push_str(&ident::pascal(&id.name));
    }
    out.push_str(&ident::pascal(template));
    Some(out)
}

/// The placeholder for a use that could not be instantiated (reported), so
/// that nothing else is reported about it.
fn any(span: gatic_syntax::Span) -> TypeExpr {
    TypeExpr {
        kind: TypeExprKind::Named(ast::Ident {
            name: "any".to_string(),
            span,
        }),
        span,
    }
}

/// Calls `f` on every type expression an item holds at its top level (a
/// field's type, a body, a variant; not the types nested inside those).
pub(crate) fn each_type_expr(item: &mut Item, f: &mut dyn FnMut(&mut TypeExpr)) {
    fn fields(fs: &mut [ast::Field], f: &mut dyn FnMut(&mut TypeExpr)) {
        for field in fs {
            f(&mut field.ty);
        }
    }
    fn members(ms: &mut [Member], f: &mut dyn FnMut(&mut TypeExpr)) {
        for m in ms {
            if let Member::Field(field) = m {
                f(&mut field.ty);
            }
        }
    }
    fn raw(r: &mut Option<ast::RawPayload>, f: &mut dyn FnMut(&mut TypeExpr)) {
        if let Some(r) = r {
            fields(&mut r.parts, f);
            if let Some(e) = &mut r.event {
                f(e);
            }
        }
    }
    fn route(r: &mut ast::RouteDecl, f: &mut dyn FnMut(&mut TypeExpr)) {
        if let Some(a) = &mut r.arrow {
            f(&mut a.success);
        }
        for s in &mut r.path.segments {
            if let Segment::Param { ty: Some(t), .. } = s {
                f(t);
            }
        }
        for c in &mut r.clauses {
            match c {
                RouteClause::Body { ty, raw: r, .. } => {
                    f(ty);
                    raw(r, f);
                }
                RouteClause::Path(fs, _)
                | RouteClause::Query(fs, _)
                | RouteClause::Header(fs, _)
                | RouteClause::Cookie(fs, _) => fields(fs, f),
                RouteClause::Returns {
                    ty,
                    raw: r,
                    headers,
                    ..
                } => {
                    if let Some(t) = ty {
                        f(t);
                    }
                    raw(r, f);
                    fields(headers, f);
                }
                RouteClause::Errors(..) | RouteClause::Limits(..) | RouteClause::Auth(..) => {}
            }
        }
    }
    match item {
        Item::Type(t) => {
            if !t.params.is_empty() {
                return; // A template's fields are rewritten per instantiation.
            }
            match &mut t.body {
                TypeBody::Record(ms) => members(ms, f),
                TypeBody::Alias(e) => f(e),
                TypeBody::Without { .. } => {}
            }
        }
        Item::Union(u) => {
            for v in &mut u.variants {
                f(&mut v.ty);
            }
        }
        Item::Error(e) => members(&mut e.members, f),
        Item::Route(r) => route(r, f),
        Item::Versions(v) => {
            for entry in &mut v.entries {
                for change in &mut entry.changes {
                    if let ChangeTarget::Member { ty: Some(t), .. } = &mut change.target {
                        f(t);
                    }
                    match &mut change.kind {
                        ChangeKind::Retyped { from, .. } => f(from),
                        ChangeKind::Removed { route: Some(r), .. } => route(r, f),
                        _ => {}
                    }
                }
            }
        }
        Item::Use(_) | Item::Service(_) | Item::Enum(_) => {}
    }
}
