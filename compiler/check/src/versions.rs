//! The version history: each version's changes are checked against the API
//! as it was at that version, then undone to rebuild the version before it.

use std::collections::BTreeSet;

use crate::suggest as did_you_mean;
use gatic_ir::{self as ir, Method, PathSegment, Ty, TyKind, TypeDefKind};
use gatic_syntax::ast::{self, ChangeKind, ChangeTarget, LiteralKind, Segment};
use gatic_syntax::{Diagnostic, FileId, Span, codes};

use crate::attrs::Place;
use crate::check::{Ctx, prim};
use crate::routes::normalized_path;

impl<'a> Ctx<'a> {
    /// `owner` and every record derived from it (by spread or `without`),
    /// transitively: a change to `owner`'s fields happened to them too.
    fn family(&self, owner: &str) -> Vec<String> {
        let mut out = vec![owner.to_string()];
        let mut i = 0;
        while let Some(t) = out.get(i) {
            for d in self.derived.get(t.as_str()).into_iter().flatten() {
                if !out.iter().any(|x| x == d) {
                    out.push(d.clone());
                }
            }
            i += 1;
        }
        out
    }

    pub(crate) fn versions(
        &mut self,
        _root: FileId,
        blocks: &[(FileId, &'a ast::VersionsDecl)],
        head: &ir::Api,
        service: &ir::Service,
    ) -> Vec<ir::Version> {
        let Some((_, block)) = blocks.first() else {
            return Vec::new();
        };
        for (_, extra) in blocks.iter().skip(1) {
            self.push(
                Diagnostic::error(
                    codes::DUPLICATE_VERSIONS,
                    extra.span,
                    "a spec has one `versions` block",
                )
                .with_label("second `versions` block")
                .with_secondary(block.span, "first block here")
                .with_note("list every version in one block, oldest first"),
            );
        }
        // Dates, strictly increasing.
        let mut entries: Vec<(&ast::VersionEntry, ast::Date)> = Vec::new();
        for e in &block.entries {
            let LiteralKind::Date(d) = e.date.kind else {
                continue;
            };
            if let Some((prev, pd)) = entries.last()
                && d <= *pd
            {
                self.push(
                    Diagnostic::error(
                        codes::BAD_VERSION_DATE,
                        e.date.span,
                        if d == *pd {
                            format!("version {d} is listed twice")
                        } else {
                            format!("version {d} is listed after the later version {pd}")
                        },
                    )
                    .with_label("not later than the version before it")
                    .with_secondary(prev.date.span, "the version before")
                    .with_note("list versions oldest first, each date later than the one before"),
                );
                continue;
            }
            entries.push((e, d));
        }
        let mut cur = head.clone();
        let mut out: Vec<ir::Version> = Vec::new();
        for (e, date) in entries.iter().rev() {
            let api = cur.clone();
            let changes = self.undo_version(e, &date.to_string(), &mut cur, service);
            let mut deprecated = false;
            let mut deprecated_since = None;
            let mut sunset = None;
            for m in &e.modifiers {
                match (m.key.name.as_str(), &m.value) {
                    (
                        "deprecated",
                        ast::SettingValue::Literal(ast::Literal {
                            kind: LiteralKind::Date(d),
                            ..
                        }),
                    ) => {
                        deprecated = true;
                        if d < date {
                            self.push(
                                Diagnostic::error(
                                    codes::BAD_VERSION_DATE,
                                    m.span,
                                    format!("version {date} cannot be deprecated since {d}, before it was released"),
                                )
                                .with_label("deprecated before the version's own date"),
                            );
                        }
                        deprecated_since = Some((d.to_string(), m.span));
                    }
                    ("deprecated", _) => deprecated = true,
                    (
                        "sunset",
                        ast::SettingValue::Literal(ast::Literal {
                            kind: LiteralKind::Date(d),
                            ..
                        }),
                    ) => {
                        if d <= date {
                            self.push(
                                Diagnostic::error(
                                    codes::BAD_VERSION_DATE,
                                    m.span,
                                    format!("version {date} cannot be sunset on {d}, before it was released"),
                                )
                                .with_label("sunset before the version's own date"),
                            );
                        }
                        sunset = Some(d.to_string());
                    }
                    _ => {}
                }
            }
            if let (Some((since, span)), Some(end)) = (&deprecated_since, &sunset)
                && since > end
            {
                self.push(
                    Diagnostic::error(
                        codes::BAD_VERSION_DATE,
                        *span,
                        format!(
                            "version {date} is deprecated since {since}, after its sunset on {end}"
                        ),
                    )
                    .with_label("deprecation after the sunset"),
                );
            }
            out.push(ir::Version {
                date: date.to_string(),
                title: e.title.clone().unwrap_or_default(),
                doc: e.doc.clone(),
                deprecated,
                deprecated_since: deprecated_since.map(|(d, _)| d),
                sunset,
                changes,
                api,
            });
        }
        out.reverse();
        out
    }

    /// Checks version `date`'s changes against `api` (the API at `date`), then
    /// undoes them, leaving the API of the version before.
    fn undo_version(
        &mut self,
        e: &'a ast::VersionEntry,
        date: &str,
        api: &mut ir::Api,
        service: &ir::Service,
    ) -> Vec<ir::Change> {
        let mut seen: Vec<(String, &ast::Change)> = Vec::new();
        for c in &e.changes {
            let key = match &c.target {
                ChangeTarget::Member { owner, member, .. } => {
                    format!("{}.{}", owner.name, member.name)
                }
                ChangeTarget::Type(t) => format!("type {}", t.name),
                ChangeTarget::Route(r) => format!("route {}", r.name),
            };
            let earlier: Vec<&ast::Change> = seen
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, c)| *c)
                .collect();
            // A route renamed and moved in the same version is one change
            // written as two lines, `renamed from` and `moved from`.
            let paired = matches!(c.target, ChangeTarget::Route(_))
                && (matches!(
                    (earlier.as_slice(), &c.kind),
                    ([first], ChangeKind::Moved { .. })
                        if matches!(first.kind, ChangeKind::Renamed { .. })
                ) || matches!(
                    (earlier.as_slice(), &c.kind),
                    ([first], ChangeKind::Renamed { .. })
                        if matches!(first.kind, ChangeKind::Moved { .. })
                ));
            match earlier.first() {
                Some(first) if !paired => self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_CHANGE,
                        c.span,
                        format!("`{key}` changes twice in version {date}"),
                    )
                    .with_label("second change")
                    .with_secondary(first.span, "first change")
                    .with_note("merge them into one change, or spread them over two versions"),
                ),
                Some(_) | None => seen.push((key, c)),
            }
        }
        let reach = Reach {
            requests: request_types(api),
            sent: ir::walk::reached(api, ir::walk::sent(api)),
            received: ir::walk::reached(api, ir::walk::received(api)),
        };
        // Undone last to first, except that a route's move is undone before
        // its rename in the same version, whichever line comes first.
        self.converted_now = e
            .changes
            .iter()
            .filter_map(|c| match (&c.target, &c.kind) {
                (ChangeTarget::Type(t), ChangeKind::Converted { .. }) => Some(t.name.clone()),
                _ => None,
            })
            .collect();
        let order = undo_order(&e.changes);
        let mut changes = Vec::new();
        for c in order {
            if let Some(change) = self.undo_change(c, date, api, &reach, service) {
                changes.push(change);
            }
        }
        changes.reverse();
        // Removed routes come back as they were just before this version:
        // check them against that API, with every change of the version undone.
        for c in &e.changes {
            if let (ChangeTarget::Route(name), ChangeKind::Removed { route: Some(decl), .. }) =
                (&c.target, &c.kind)
                && let Some(ir::Change::RouteRemoved { route }) = changes.iter().find(
                    |ch| matches!(ch, ir::Change::RouteRemoved { route } if route.name == name.name),
                )
            {
                self.check_retired_route(decl, route, date, api);
            }
        }
        changes
    }

    /// Whether every record of `owner`'s family is converted by hand in the
    /// version being lowered (so its fields' changes need no defaults).
    fn all_converted(&self, owner: &str) -> bool {
        !self.converted_now.is_empty()
            && self
                .family(owner)
                .iter()
                .all(|t| self.converted_now.contains(t))
    }

    /// Records `via` as a converter that computes a removed field's old
    /// value; a name is one converter, so one already used is refused.
    fn computed_converter(&mut self, via: &ast::Ident) {
        if !self.converter_named_twice(via) {
            self.computed.push((via.name.clone(), via.span));
        }
    }

    /// Whether `via` already names a converter (of any kind); if so, says
    /// so. A name is one converter with one signature.
    fn converter_named_twice(&mut self, via: &ast::Ident) -> bool {
        let first = self
            .converters
            .iter()
            .map(|(n, .., span)| (n, *span))
            .chain(self.computed.iter().map(|(n, span)| (n, *span)))
            .find(|(n, _)| **n == via.name)
            .map(|(_, span)| span);
        let Some(first) = first else {
            return false;
        };
        self.push(
            Diagnostic::error(
                codes::BAD_CHANGE,
                via.span,
                format!("the converter `{}` is named by two changes", via.name),
            )
            .with_label("named here")
            .with_secondary(first, "and here")
            .with_note("each `via` names a converter of its own"),
        );
        true
    }

    fn bad_change(&mut self, span: Span, msg: String, label: &str) -> Option<ir::Change> {
        self.push(Diagnostic::error(codes::BAD_CHANGE, span, msg).with_label(label));
        None
    }

    /// Checks change `c` against `api`, the API at version `date`, and
    /// undoes it there. Gives the change as the IR records it, or `None`
    /// when it is wrong (reported).
    fn undo_change(
        &mut self,
        c: &'a ast::Change,
        date: &str,
        api: &mut ir::Api,
        reach: &Reach,
        service: &ir::Service,
    ) -> Option<ir::Change> {
        if let (ChangeKind::Removed { route: Some(r), .. }, false) =
            (&c.kind, matches!(c.target, ChangeTarget::Route(_)))
        {
            return self.bad_change(
                r.method.span,
                "only a removed route is followed by a declaration".to_string(),
                "remove this",
            );
        }
        let change = match &c.target {
            ChangeTarget::Member {
                owner,
                member,
                ty,
                attrs,
            } => {
                if owner.name.is_empty() || member.name.is_empty() {
                    return None;
                }
                let is_enum = match api.types.iter().find(|t| t.name == owner.name) {
                    Some(t) => match &t.kind {
                        TypeDefKind::Enum { .. } => true,
                        TypeDefKind::Record { .. } => false,
                        _ => {
                            return self.bad_change(
                                owner.span,
                                format!("`{}` is not a record or an enum, so it has no members to change", owner.name),
                                "only record fields and enum values change",
                            );
                        }
                    },
                    None if api.error(&owner.name).is_some() => false,
                    None => {
                        let names: Vec<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
                        let mut d = Diagnostic::error(
                            codes::BAD_CHANGE,
                            owner.span,
                            format!("there is no type `{}` at version {date}", owner.name),
                        )
                        .with_label("unknown at this version");
                        if let Some(best) = did_you_mean(&owner.name, names) {
                            d = d.with_suggestion(
                                format!("did you mean `{best}`?"),
                                owner.span,
                                best,
                            );
                        }
                        self.push(d);
                        return None;
                    }
                };
                let mc = MemberChange {
                    change: c,
                    owner,
                    member,
                    date,
                };
                if is_enum {
                    self.lower_enum_change(&mc, api, reach)
                } else {
                    let old_ty = ty.as_ref().map(|t| (t, attrs.as_slice()));
                    self.lower_field_change(&mc, old_ty, api, &reach.requests)
                }
            }
            ChangeTarget::Type(name) => {
                if name.name.is_empty() {
                    return None;
                }
                self.lower_type_change(c, name, date, api)
            }
            ChangeTarget::Route(name) => {
                if name.name.is_empty() {
                    return None;
                }
                self.lower_route_change(c, name, date, api, service)
            }
        }?;
        let family = match &c.target {
            ChangeTarget::Member { owner, .. } => self.family(&owner.name),
            ChangeTarget::Type(_) | ChangeTarget::Route(_) => Vec::new(),
        };
        change.undo(api, &family);
        Some(change)
    }

    /// Checks and lowers change `c` to the whole type `name`: its addition,
    /// or its conversion by hand (`type T changed via f`), which only a
    /// record can have.
    fn lower_type_change(
        &mut self,
        c: &ast::Change,
        name: &ast::Ident,
        date: &str,
        api: &ir::Api,
    ) -> Option<ir::Change> {
        match &c.kind {
            ChangeKind::Added {
                default: None,
                fallback: None,
            } => {
                if api.ty(&name.name).is_none() && api.error(&name.name).is_none() {
                    return self.bad_change(
                        name.span,
                        format!("type `{}` was added in {date} but does not exist at that version", name.name),
                        "not declared at this version",
                    );
                }
                Some(ir::Change::TypeAdded {
                    name: name.name.clone(),
                })
            }
            ChangeKind::Added { .. } => self.bad_change(
                c.span,
                "`type X added` takes no `default` or `fallback`".to_string(),
                "remove this",
            ),
            ChangeKind::Converted { via } => {
                let is_record = api.types.iter().any(|t| {
                    t.name == name.name && matches!(t.kind, TypeDefKind::Record { .. })
                });
                if !is_record {
                    return self.bad_change(
                        name.span,
                        format!(
                            "`type {} changed via …` converts a record, and `{}` is not a record at version {date}",
                            name.name, name.name
                        ),
                        "not a record here",
                    );
                }
                if self.converter_named_twice(via) {
                    return None;
                }
                let record = Ty {
                    kind: TyKind::Named(name.name.clone()),
                    nullable: false,
                    refinements: ir::Refinements::default(),
                };
                self.converters
                    .push((via.name.clone(), record.clone(), record, via.span));
                Some(ir::Change::RecordConverted {
                    owner: name.name.clone(),
                    via: via.name.clone(),
                })
            }
            ChangeKind::Removed { .. }
            | ChangeKind::Renamed { .. }
            | ChangeKind::Moved { .. }
            | ChangeKind::MadeOptional { .. }
            | ChangeKind::MadeRequired { .. }
            | ChangeKind::Refined { .. }
            | ChangeKind::Retyped { .. } => self.bad_change(
                c.span,
                format!(
                    "only `type {} added` and `type {} changed via …` can be recorded for a whole type",
                    name.name, name.name
                ),
                "unsupported change for a type",
            ),
        }
    }

    /// Checks and lowers change `mc` to an enum's value: its addition, with
    /// the value older clients see instead, or its removal, with the value
    /// older clients' requests become.
    fn lower_enum_change(
        &mut self,
        mc: &MemberChange<'_>,
        api: &ir::Api,
        reach: &Reach,
    ) -> Option<ir::Change> {
        let (c, owner, member, date) = (mc.change, mc.owner, mc.member, mc.date);
        let values: Vec<String> = match api.ty(&owner.name).map(|t| &t.kind) {
            Some(TypeDefKind::Enum { values }) => values.iter().map(|v| v.name.clone()).collect(),
            _ => return None,
        };
        let exists = values.contains(&member.name);
        match &c.kind {
            ChangeKind::Added { default, fallback } => {
                if !exists {
                    return self.missing_member(member, owner, date, &values, "value");
                }
                let received = reach.received.contains(&owner.name);
                self.check_enum_fallback(
                    mc,
                    &values,
                    default.as_ref(),
                    fallback.as_ref(),
                    received,
                );
                Some(ir::Change::EnumValueAdded {
                    owner: owner.name.clone(),
                    value: member.name.clone(),
                    fallback: fallback.as_ref().map(|f| f.name.clone()),
                })
            }
            ChangeKind::Removed {
                default, map, via, ..
            } => {
                if exists {
                    return self.bad_change(
                        member.span,
                        format!(
                            "`{}.{}` was removed in {date} but is still a value at that version",
                            owner.name, member.name
                        ),
                        "still declared",
                    );
                }
                let sent = reach.sent.contains(&owner.name);
                let removed = Removal {
                    default: default.as_ref(),
                    map: map.as_ref(),
                    via: via.as_ref(),
                };
                self.check_enum_mapping(mc, &values, &removed, sent);
                Some(ir::Change::EnumValueRemoved {
                    owner: owner.name.clone(),
                    value: member.name.clone(),
                    map: map.as_ref().map(|m| m.name.clone()),
                    doc: c.doc.clone(),
                })
            }
            ChangeKind::Renamed { from } => {
                if !exists {
                    return self.missing_member(member, owner, date, &values, "value");
                }
                if from.name.is_empty() {
                    return None;
                }
                if values.contains(&from.name) {
                    return self.bad_change(
                        from.span,
                        format!(
                            "`{}` still has a value `{}` at version {date}, so `{}` cannot be renamed from it",
                            owner.name, from.name, member.name
                        ),
                        "still in use",
                    );
                }
                Some(ir::Change::EnumValueRenamed {
                    owner: owner.name.clone(),
                    from: from.name.clone(),
                    to: member.name.clone(),
                })
            }
            ChangeKind::Moved { .. }
            | ChangeKind::MadeOptional { .. }
            | ChangeKind::MadeRequired { .. }
            | ChangeKind::Refined { .. }
            | ChangeKind::Converted { .. }
            | ChangeKind::Retyped { .. } => self.bad_change(
                c.span,
                "enum values can only be `added`, `removed` or `renamed from`".to_string(),
                "unsupported change for an enum value",
            ),
        }
    }

    /// Checks what older clients get for the enum value `mc` adds, which
    /// they cannot parse: a `fallback` that is another value of `values`
    /// (not a `default`), needed when the enum is `received` in responses.
    fn check_enum_fallback(
        &mut self,
        mc: &MemberChange<'_>,
        values: &[String],
        default: Option<&ast::Literal>,
        fallback: Option<&ast::Ident>,
        received: bool,
    ) {
        let (owner, member, date) = (mc.owner, mc.member, mc.date);
        if let Some(d) = default {
            self.bad_change(
                d.span,
                "enum values take `fallback`, not `default`".to_string(),
                "use `fallback VALUE`",
            );
        }
        if let Some(f) = fallback {
            self.check_other_value(mc, values, f, "fallback");
        } else if received {
            self.push(
                Diagnostic::error(
                    codes::MISSING_DEFAULT,
                    mc.change.span,
                    format!(
                        "`{}` is sent in responses, and clients older than {date} cannot parse `{}`: name the value they get instead",
                        owner.name, member.name
                    ),
                )
                .with_label("add `fallback VALUE`")
                .with_note(format!(
                    "for example `{}.{} added fallback …`, with a value old clients know",
                    owner.name, member.name
                )),
            );
        }
    }

    /// Checks what the enum value `mc` removes becomes when older clients
    /// still send it: a `map` to another value of `values` (not a
    /// `default` or a `via`), needed when the enum is `sent` in requests.
    fn check_enum_mapping(
        &mut self,
        mc: &MemberChange<'_>,
        values: &[String],
        removed: &Removal<'_>,
        sent: bool,
    ) {
        let (owner, member, date) = (mc.owner, mc.member, mc.date);
        if let Some(d) = removed.default {
            self.bad_change(
                d.span,
                "enum values take `map`, not `default`".to_string(),
                "use `map VALUE`",
            );
        }
        if let Some(v) = removed.via {
            self.bad_change(
                v.span,
                "enum values take `map`, not `via`".to_string(),
                "use `map VALUE`",
            );
        }
        if let Some(m) = removed.map {
            self.check_other_value(mc, values, m, "mapping");
        } else if sent {
            self.push(
                Diagnostic::error(
                    codes::MISSING_DEFAULT,
                    mc.change.span,
                    format!(
                        "`{}` is sent in requests, and clients older than {date} may still send `{}`: name the value it becomes",
                        owner.name, member.name
                    ),
                )
                .with_label("add `map VALUE`")
                .with_note(format!(
                    "for example `{}.{} removed map …`, with a value that still exists",
                    owner.name, member.name
                )),
            );
        }
    }

    /// Reports `v`, the `what` (fallback or mapping) of the change `mc` to
    /// an enum value, unless it is another of the enum's `values`.
    fn check_other_value(
        &mut self,
        mc: &MemberChange<'_>,
        values: &[String],
        v: &ast::Ident,
        what: &str,
    ) {
        let (owner, member, date) = (mc.owner, mc.member, mc.date);
        if values.contains(&v.name) && v.name != member.name {
            return;
        }
        let mut d = Diagnostic::error(
            codes::BAD_CHANGE,
            v.span,
            format!(
                "the {what} `{}` is not another value of `{}` at version {date}",
                v.name, owner.name
            ),
        )
        .with_label(format!("the {what} must be another existing value"));
        if let Some(best) = did_you_mean(
            &v.name,
            values
                .iter()
                .map(String::as_str)
                .filter(|x| *x != member.name),
        ) {
            d = d.with_suggestion(format!("did you mean `{best}`?"), v.span, best);
        }
        self.push(d);
    }

    fn missing_member(
        &mut self,
        member: &ast::Ident,
        owner: &ast::Ident,
        date: &str,
        names: &[String],
        what: &str,
    ) -> Option<ir::Change> {
        let mut d = Diagnostic::error(
            codes::UNKNOWN_FIELD,
            member.span,
            format!(
                "`{}` has no {what} `{}` at version {date}",
                owner.name, member.name
            ),
        )
        .with_label(format!("not a {what} at this version"));
        if let Some(best) = did_you_mean(&member.name, names.iter().map(String::as_str)) {
            d = d.with_suggestion(format!("did you mean `{best}`?"), member.span, best);
        }
        self.push(d);
        None
    }

    /// Checks and lowers change `mc` to a record's (or an error's) field,
    /// in the record and every record derived from it. `ty` is the type
    /// written for a removed field; `requests` are the types request bodies
    /// reach, whose required fields need defaults for older clients.
    fn lower_field_change(
        &mut self,
        mc: &MemberChange<'_>,
        ty: Option<(&ast::TypeExpr, &[ast::Attr])>,
        api: &ir::Api,
        requests: &BTreeSet<String>,
    ) -> Option<ir::Change> {
        let (c, owner, member, date) = (mc.change, mc.owner, mc.member, mc.date);
        let fields = fields_of(api, &owner.name)?.clone();
        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
        let current = fields.iter().find(|f| f.name == member.name).cloned();
        let o = owner.name.clone();
        let m = member.name.clone();
        if let (Some((t, _)), false) = (ty, matches!(c.kind, ChangeKind::Removed { .. })) {
            self.bad_change(
                t.span,
                "the field's type is written only for `removed` fields".to_string(),
                "remove the type",
            );
        }
        if self.converter_decides(mc) {
            return None;
        }
        match &c.kind {
            ChangeKind::Removed {
                default, map, via, ..
            } => {
                if current.is_some() {
                    return self.bad_change(
                        member.span,
                        format!(
                            "`{o}.{m}` was removed in {date} but is still a field at that version"
                        ),
                        "still declared",
                    );
                }
                if let Some(mp) = map {
                    self.bad_change(
                        mp.span,
                        "`map` applies to enum values; fields take `default`".to_string(),
                        "use `default VALUE`",
                    );
                }
                let Some(old_ty) = ty else {
                    return self.bad_change(
                        member.span,
                        format!("write the removed field's type, as in `{o}.{m}: string removed`"),
                        "the old type is needed to rebuild the old version",
                    );
                };
                let removal = Removal {
                    default: default.as_ref(),
                    map: map.as_ref(),
                    via: via.as_ref(),
                };
                self.lower_field_removed(mc, old_ty, &removal)
            }
            ChangeKind::Renamed { from } => {
                let Some(_) = current else {
                    return self.missing_member(member, owner, date, &names, "field");
                };
                if from.name.is_empty() {
                    return None;
                }
                if names.contains(&from.name) {
                    return self.bad_change(
                        from.span,
                        format!("`{o}` still has a field `{}` at version {date}, so `{m}` cannot be renamed from it", from.name),
                        "still in use",
                    );
                }
                Some(ir::Change::FieldRenamed {
                    owner: o,
                    from: from.name.clone(),
                    to: m,
                })
            }
            ChangeKind::Added { .. }
            | ChangeKind::Moved { .. }
            | ChangeKind::MadeOptional { .. }
            | ChangeKind::MadeRequired { .. }
            | ChangeKind::Refined { .. }
            | ChangeKind::Converted { .. }
            | ChangeKind::Retyped { .. } => {
                let Some(field) = current else {
                    return self.missing_member(member, owner, date, &names, "field");
                };
                self.lower_field_kind(mc, field, api, requests)
            }
        }
    }

    /// Whether the record of change `mc` is converted by hand in this
    /// version while the change gives a default or a converter of its own,
    /// which would go unused since the record's converter decides every
    /// field; if so, reports it.
    fn converter_decides(&mut self, mc: &MemberChange<'_>) -> bool {
        let (o, m) = (&mc.owner.name, &mc.member.name);
        if !self.converted_now.contains(o) {
            return false;
        }
        let unused = match &mc.change.kind {
            ChangeKind::Removed {
                default: Some(d), ..
            }
            | ChangeKind::Added {
                default: Some(d), ..
            }
            | ChangeKind::MadeOptional { default: Some(d) }
            | ChangeKind::MadeRequired { default: Some(d) } => Some(d.span),
            ChangeKind::Removed { via: Some(v), .. } | ChangeKind::Retyped { via: Some(v), .. } => {
                Some(v.span)
            }
            _ => None,
        };
        let Some(span) = unused else {
            return false;
        };
        self.push(
            Diagnostic::error(
                codes::BAD_CHANGE,
                span,
                format!(
                    "`{o}` is converted by hand in this version, so its converter decides `{o}.{m}`"
                ),
            )
            .with_label("never used")
            .with_note(format!(
                "record the change without it; `type {o} changed via …` converts the whole record"
            )),
        );
        true
    }

    /// Checks and lowers the removal `mc` of a field: the field as it was,
    /// with its old type `old_ty` (and refinements), which undoing puts
    /// back in the record and every record derived from it that lacks it.
    fn lower_field_removed(
        &mut self,
        mc: &MemberChange<'_>,
        (texpr, attrs): (&ast::TypeExpr, &[ast::Attr]),
        removal: &Removal<'_>,
    ) -> Option<ir::Change> {
        let (o, m) = (mc.owner.name.clone(), mc.member.name.clone());
        let mut old_ty = self.resolve_field_ty(texpr)?;
        let flags = self.attrs(attrs, Place::Field, Some(&mut old_ty));
        let value = self.removed_field_value(mc, &old_ty, removal);
        let field = ir::Field {
            name: m.clone(),
            doc: mc.change.doc.clone(),
            ty: old_ty,
            optional: false,
            default: value,
            readonly: flags.readonly.is_some(),
            write_only: flags.write_only.is_some(),
            deprecated: flags.deprecated,
            example: None,
        };
        Some(ir::Change::FieldRemoved {
            owner: o,
            field,
            via: removal.via.map(|v| v.name.clone()),
        })
    }

    /// The value older clients' responses carry for the field `mc`
    /// removes, of type `old_ty`: a constant's own value, else the
    /// `default`. A default and a converter (`via`) both are reported, and
    /// so is neither, unless the field may be null or the record is
    /// converted by hand.
    fn removed_field_value(
        &mut self,
        mc: &MemberChange<'_>,
        old_ty: &Ty,
        removal: &Removal<'_>,
    ) -> Option<ir::Value> {
        let (o, m) = (&mc.owner.name, &mc.member.name);
        let (default, via) = (removal.default, removal.via);
        // A constant's value is its own default.
        let value = match &old_ty.kind {
            TyKind::Const(text) => Some(ir::Value::String(text.clone())),
            _ => default.and_then(|d| self.default_value(d, old_ty)),
        };
        if let (Some(d), Some(v)) = (default, via) {
            self.push(
                Diagnostic::error(
                    codes::BAD_CHANGE,
                    v.span,
                    format!("`{o}.{m}` has a default and a converter for old clients"),
                )
                .with_label("computed by this converter")
                .with_secondary(d.span, "and given this default")
                .with_note("keep one: a fixed `default`, or `via` to compute it from the record"),
            );
        }
        if let Some(v) = via {
            self.computed_converter(v);
        }
        if default.is_none()
            && via.is_none()
            && value.is_none()
            && !self.effective(old_ty).nullable
            && !self.all_converted(o)
        {
            self.push(
                Diagnostic::error(
                    codes::MISSING_DEFAULT,
                    mc.change.span,
                    format!(
                        "removing `{o}.{m}` needs a default: old clients' responses still carry it"
                    ),
                )
                .with_label("add `default VALUE`"),
            );
        }
        value
    }

    /// Checks and lowers change `mc` to `field`, a field the record has at
    /// the change's version: its addition, its becoming optional or
    /// required, or its new refinements or type.
    fn lower_field_kind(
        &mut self,
        mc: &MemberChange<'_>,
        field: ir::Field,
        api: &ir::Api,
        requests: &BTreeSet<String>,
    ) -> Option<ir::Change> {
        let (c, date) = (mc.change, mc.date);
        let (o, m) = (mc.owner.name.as_str(), mc.member.name.as_str());
        let (owner, name) = (o.to_string(), m.to_string());
        match &c.kind {
            ChangeKind::Added { default, fallback } => {
                self.lower_field_added(mc, field, default.as_ref(), fallback.as_ref(), api, requests)
            }
            ChangeKind::MadeOptional { default } => {
                if !field.optional {
                    return self.bad_change(
                        c.span,
                        format!("`{o}.{m}` is not optional at version {date}"),
                        "the field is required at this version",
                    );
                }
                let value = default.as_ref().and_then(|d| self.default_value(d, &field.ty));
                Some(ir::Change::FieldMadeOptional {
                    owner,
                    field: name,
                    default: value,
                })
            }
            ChangeKind::MadeRequired { default } => {
                if field.optional {
                    return self.bad_change(
                        c.span,
                        format!("`{o}.{m}` is still optional at version {date}"),
                        "the field is optional at this version",
                    );
                }
                let value = match default {
                    Some(d) => self.default_value(d, &field.ty),
                    None if self.all_converted(o) => None,
                    None => {
                        self.push(
                            Diagnostic::error(
                                codes::MISSING_DEFAULT,
                                c.span,
                                format!("making `{o}.{m}` required needs a default for old clients' requests that leave it out"),
                            )
                            .with_label("add `default VALUE`"),
                        );
                        None
                    }
                };
                Some(ir::Change::FieldMadeRequired {
                    owner,
                    field: name,
                    default: value,
                })
            }
            ChangeKind::Refined { from } => {
                let mut old = field.ty.clone();
                old.refinements = match &old.kind {
                    TyKind::Primitive(p) => prim(*p).refinements,
                    _ => ir::Refinements::default(),
                };
                self.attrs(from, Place::Refined, Some(&mut old));
                Some(ir::Change::FieldRefined {
                    owner,
                    field: name,
                    from: old.refinements,
                })
            }
            ChangeKind::Retyped { from, attrs, via } => {
                self.lower_field_retyped(mc, field, (from, attrs.as_slice()), via.as_ref())
            }
            ChangeKind::Removed { .. }
            | ChangeKind::Renamed { .. }
            | ChangeKind::Moved { .. }
            | ChangeKind::Converted { .. } => self.bad_change(
                c.span,
                "fields can be added, removed, renamed, made optional or required, refined or retyped; not moved".to_string(),
                "unsupported change for a field",
            ),
        }
    }

    /// Checks and lowers the addition `mc` of `field` (to the record and
    /// every record derived from it). A required field of a record sent in requests
    /// (`requests`) needs a `default` for older clients' requests; a
    /// `fallback` is for enum values only.
    fn lower_field_added(
        &mut self,
        mc: &MemberChange<'_>,
        field: ir::Field,
        default: Option<&ast::Literal>,
        fallback: Option<&ast::Ident>,
        api: &ir::Api,
        requests: &BTreeSet<String>,
    ) -> Option<ir::Change> {
        let (o, m) = (mc.owner.name.as_str(), mc.member.name.as_str());
        if let Some(f) = fallback {
            self.bad_change(
                f.span,
                "`fallback` applies to enum values; fields take `default`".to_string(),
                "use `default VALUE`",
            );
        }
        let value = default.and_then(|d| self.default_value(d, &field.ty));
        let required = !field.optional && field.default.is_none();
        let family = self.family(o);
        let in_requests = family.iter().any(|t| {
            requests.contains(t)
                && fields_of(api, t).is_some_and(|fs| fs.iter().any(|f| f.name == m))
        });
        if required && default.is_none() && in_requests && !self.all_converted(o) {
            self.push(
                Diagnostic::error(
                    codes::MISSING_DEFAULT,
                    mc.change.span,
                    format!("`{o}.{m}` is required and `{o}` is sent in requests, so old clients' requests need a default"),
                )
                .with_label("add `default VALUE`")
                .with_note(format!("for example `{o}.{m} added default …`; or make the field optional or give it a default")),
            );
        }
        Some(ir::Change::FieldAdded {
            owner: o.to_string(),
            field: m.to_string(),
            default: value.or(field.default),
        })
    }

    /// Checks and lowers the change `mc` of `field`'s type: from `from` (the old type
    /// and its refinements), converted by `via`. The old type must differ
    /// from the field's in more than refinements, and the converter must
    /// be there exactly when one is needed.
    fn lower_field_retyped(
        &mut self,
        mc: &MemberChange<'_>,
        field: ir::Field,
        from: (&ast::TypeExpr, &[ast::Attr]),
        via: Option<&ast::Ident>,
    ) -> Option<ir::Change> {
        let old = self.old_field_type(mc, &field.ty, from)?;
        // A record the version converts by hand needs no converter
        // per field, nor does a constant that held another string
        // (each version's value is its own); any other retyped
        // field does.
        let constants = matches!(
            (&old.kind, &field.ty.kind),
            (TyKind::Const(_), TyKind::Const(_))
        );
        if !self.retype_converter_fits(mc, constants, via) {
            return None;
        }
        if let Some(via) = via
            && !self.register_converter(via, &old, &field.ty)
        {
            return None;
        }
        let (o, m) = (mc.owner.name.as_str(), mc.member.name.as_str());
        Some(ir::Change::FieldRetyped {
            owner: o.to_string(),
            field: m.to_string(),
            from: old,
            via: via.map(|v| v.name.clone()),
        })
    }

    /// The type the field of retype `mc` had before: `texpr`, refined by
    /// `attrs` (as a field's would be: `changed from string @len(..=50)
    /// via f`). `None` (reported) when it is the field's type `now`, or
    /// differs from it only in refinements, which `refined from` records.
    fn old_field_type(
        &mut self,
        mc: &MemberChange<'_>,
        now: &Ty,
        (texpr, attrs): (&ast::TypeExpr, &[ast::Attr]),
    ) -> Option<Ty> {
        let (o, m, date) = (&mc.owner.name, &mc.member.name, mc.date);
        let mut old: Ty = self.resolve_field_ty(texpr)?;
        self.attrs(attrs, Place::Retyped, Some(&mut old));
        if old == *now {
            self.bad_change(
                texpr.span,
                format!("`{o}.{m}` already has the type `{}` at version {date}: there is nothing to convert", crate::check::show_ty(&old)),
                "the same type as the field's",
            );
            return None;
        }
        if old.kind == now.kind && old.nullable == now.nullable {
            self.push(
                Diagnostic::error(
                    codes::BAD_CHANGE,
                    texpr.span,
                    format!("only the refinements of `{o}.{m}` changed, which needs no converter"),
                )
                .with_label("same type, other refinements")
                .with_note(format!(
                    "write `{o}.{m} refined from @…` with the old refinements"
                )),
            );
            return None;
        }
        Some(old)
    }

    /// Whether retype `mc` names a converter (`via`) exactly when it needs
    /// one: never when a constant became another (`constants`), not
    /// necessarily when the record is converted by hand, else always.
    /// Reports a converter too many or missing.
    fn retype_converter_fits(
        &mut self,
        mc: &MemberChange<'_>,
        constants: bool,
        via: Option<&ast::Ident>,
    ) -> bool {
        let (o, m) = (mc.owner.name.as_str(), mc.member.name.as_str());
        match via {
            Some(via) if constants => {
                self.push(
                    Diagnostic::error(
                        codes::BAD_CHANGE,
                        via.span,
                        format!("`{o}.{m}` was another constant: that needs no converter"),
                    )
                    .with_label("remove `via …`")
                    .with_note("each version answers with its own constant and accepts its own"),
                );
                false
            }
            Some(_) => true,
            None if constants || self.all_converted(o) => true,
            None => {
                self.push(
                    Diagnostic::error(
                        codes::BAD_CHANGE,
                        mc.change.span,
                        format!("`{o}.{m}` changed type: name a converter for it"),
                    )
                    .with_label("add `via NAME`")
                    .with_note(format!(
                        "write `{o}.{m} changed from … via {}_{}_from_…`, or convert the whole record with `type {o} changed via …`",
                        gatic_ir::ident::snake(o),
                        gatic_ir::ident::snake(m)
                    )),
                );
                false
            }
        }
    }

    /// Records `via` as the converter from `old` to `new`. Whether the
    /// change stands: a name that computes a removed field cannot convert
    /// a type too. A name already converting other types is reported, yet
    /// the change stands.
    fn register_converter(&mut self, via: &ast::Ident, old: &Ty, new: &Ty) -> bool {
        if let Some((_, first)) = self.computed.iter().find(|(n, _)| *n == via.name) {
            let first = *first;
            self.push(
                Diagnostic::error(
                    codes::BAD_CHANGE,
                    via.span,
                    format!(
                        "the converter `{}` already computes a removed field",
                        via.name
                    ),
                )
                .with_label("named again here")
                .with_secondary(first, "computes a removed field here")
                .with_note("give this conversion its own converter name"),
            );
            return false;
        }
        let same = self
            .converters
            .iter()
            .find(|(n, ..)| *n == via.name)
            .cloned();
        match same {
            Some((_, a, b, first)) if a != *old || b != *new => {
                self.push(
                    Diagnostic::error(
                        codes::BAD_CHANGE,
                        via.span,
                        format!(
                            "the converter `{}` already converts `{}` to `{}`; one converter has one signature",
                            via.name,
                            crate::check::show_ty(&a),
                            crate::check::show_ty(&b)
                        ),
                    )
                    .with_label(format!(
                        "converts `{}` to `{}` here",
                        crate::check::show_ty(old),
                        crate::check::show_ty(new)
                    ))
                    .with_secondary(first, "also named here")
                    .with_note("give this conversion its own converter name"),
                );
            }
            Some(_) => {}
            None => self
                .converters
                .push((via.name.clone(), old.clone(), new.clone(), via.span)),
        }
        true
    }

    /// Lowers the declaration of a route that a version removed; its name
    /// stays taken (by its handler method) for the rest of the history.
    fn retired_route(
        &mut self,
        decl: &'a ast::RouteDecl,
        service: &ir::Service,
    ) -> Option<ir::Route> {
        let route = self.route(decl, service)?;
        if let Some(first) = self.retired.iter().find(|(n, _)| *n == decl.name.name) {
            let first = first.1;
            self.push(
                Diagnostic::error(
                    codes::RETIRED_ROUTE,
                    decl.name.span,
                    format!("route `{}` is removed twice in the history", decl.name.name),
                )
                .with_label("its handler keeps the name, so the name cannot be reused")
                .with_secondary(first, "removed here"),
            );
            return None;
        }
        self.retired.push((decl.name.name.clone(), decl.name.span));
        Some(route)
    }

    /// Checks a removed route against `api`, the API just before the
    /// version `date` that removed it (every change of that version undone):
    /// every type and error it names exists there, and no other route there
    /// takes its method and path.
    fn check_retired_route(
        &mut self,
        decl: &ast::RouteDecl,
        route: &ir::Route,
        date: &str,
        api: &ir::Api,
    ) {
        let named = route
            .params
            .iter()
            .map(|p| &p.ty)
            .chain(&route.body)
            .chain(&route.returns)
            .filter_map(ir::walk::named);
        for n in named {
            if api.ty(n).is_none() {
                self.push(
                    Diagnostic::error(
                        codes::RETIRED_ROUTE,
                        decl.span,
                        format!(
                            "the removed route `{}` uses the type `{n}`, which does not exist before {date}",
                            decl.name.name
                        ),
                    )
                    .with_label(format!("`{n}` is not in the API it was removed from")),
                );
            }
        }
        for e in &route.errors {
            if api.error(e).is_none() {
                self.push(
                    Diagnostic::error(
                        codes::RETIRED_ROUTE,
                        decl.span,
                        format!(
                            "the removed route `{}` returns the error `{e}`, which does not exist before {date}",
                            decl.name.name
                        ),
                    )
                    .with_label(format!("`{e}` is not in the API it was removed from")),
                );
            }
        }
        let key = normalized_path(&route.path);
        if let Some(other) = api.routes.iter().find(|r| {
            r.name != route.name && r.method == route.method && normalized_path(&r.path) == key
        }) {
            self.push(
                Diagnostic::error(
                    codes::ROUTE_CONFLICT,
                    decl.path.span,
                    format!(
                        "the removed route `{}` and `{}` both match {} {} before {date}",
                        decl.name.name,
                        other.name,
                        route.method.as_str(),
                        route.path_template()
                    ),
                )
                .with_label("same method and path shape"),
            );
        }
    }

    /// Checks and lowers change `c` to route `name`: its addition, its
    /// removal (bringing back its declaration), its rename or its move.
    fn lower_route_change(
        &mut self,
        c: &'a ast::Change,
        name: &ast::Ident,
        date: &str,
        api: &ir::Api,
        service: &ir::Service,
    ) -> Option<ir::Change> {
        let exists = api.route(&name.name).is_some();
        let names: Vec<String> = api.routes.iter().map(|r| r.name.clone()).collect();
        match &c.kind {
            ChangeKind::Added {
                default: None,
                fallback: None,
            } => {
                if !exists {
                    return self.missing_route(name, date, &names);
                }
                Some(ir::Change::RouteAdded {
                    name: name.name.clone(),
                })
            }
            ChangeKind::Removed {
                default: None,
                map: None,
                via: None,
                route,
            } => {
                if exists {
                    return self.bad_change(
                        name.span,
                        format!(
                            "route `{}` was removed in {date} but still exists at that version",
                            name.name
                        ),
                        "still declared",
                    );
                }
                let Some(decl) = route else {
                    self.push(
                        Diagnostic::error(
                            codes::RETIRED_ROUTE,
                            c.span,
                            format!(
                                "the removal of route `{}` needs the route's declaration as it was before {date}",
                                name.name
                            ),
                        )
                        .with_label("clients of older versions still call this route")
                        .with_note(format!(
                            "write it after `removed`, like a route without `route {}`: `route {} removed GET /path -> Type`",
                            name.name, name.name
                        )),
                    );
                    return None;
                };
                let route = self.retired_route(decl, service)?;
                Some(ir::Change::RouteRemoved {
                    route: Box::new(route),
                })
            }
            ChangeKind::Renamed { from } => {
                if !exists {
                    return self.missing_route(name, date, &names);
                }
                if from.name.is_empty() {
                    return None;
                }
                if names.contains(&from.name) {
                    return self.bad_change(
                        from.span,
                        format!("route `{}` still exists at version {date}", from.name),
                        "still in use",
                    );
                }
                Some(ir::Change::RouteRenamed {
                    from: from.name.clone(),
                    to: name.name.clone(),
                })
            }
            ChangeKind::Moved { method, path } => {
                if !exists {
                    return self.missing_route(name, date, &names);
                }
                self.lower_route_moved(name, date, method, path, api)
            }
            // `added` and `removed` with a default, or `removed` without
            // the route's declaration, are not route changes either.
            ChangeKind::Added { .. }
            | ChangeKind::Removed { .. }
            | ChangeKind::MadeOptional { .. }
            | ChangeKind::MadeRequired { .. }
            | ChangeKind::Refined { .. }
            | ChangeKind::Converted { .. }
            | ChangeKind::Retyped { .. } => self.bad_change(
                c.span,
                "routes can be `added`, `removed`, `renamed from` or `moved from`".to_string(),
                "unsupported change for a route",
            ),
        }
    }

    /// Reports that there is no route `name` at version `date`, naming the
    /// closest of the routes there are (`names`).
    fn missing_route(
        &mut self,
        name: &ast::Ident,
        date: &str,
        names: &[String],
    ) -> Option<ir::Change> {
        let mut d = Diagnostic::error(
            codes::BAD_CHANGE,
            name.span,
            format!("there is no route `{}` at version {date}", name.name),
        )
        .with_label("unknown at this version");
        if let Some(best) = did_you_mean(&name.name, names.iter().map(String::as_str)) {
            d = d.with_suggestion(format!("did you mean `{best}`?"), name.span, best);
        }
        self.push(d);
        None
    }

    /// Checks and lowers the move of route `name` (which exists at version
    /// `date`): it was at `method` and `path`, whose path parameters are
    /// the route's current ones, as many, each under its old name.
    fn lower_route_moved(
        &mut self,
        name: &ast::Ident,
        date: &str,
        method: &ast::Ident,
        path: &ast::PathTemplate,
        api: &ir::Api,
    ) -> Option<ir::Change> {
        let Some(&(_, m)) = Method::ALL.iter().find(|(n, _)| *n == method.name) else {
            if !method.name.is_empty() {
                self.push(
                    Diagnostic::error(
                        codes::BAD_METHOD,
                        method.span,
                        format!("unknown HTTP method `{}`", method.name),
                    )
                    .with_label("not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
                );
            }
            return None;
        };
        let now = path_params_now(api.route(&name.name)?);
        let written: Vec<(&str, Span)> = path
            .segments
            .iter()
            .filter_map(|seg| match seg {
                Segment::Param { name: p, span, .. } => Some((p.name.as_str(), *span)),
                Segment::Literal(_) => None,
            })
            .collect();
        if written.len() != now.len() {
            let (message, label) = if written.len() < now.len() {
                (
                    format!(
                        "the old path has {} path parameter(s), but route `{}` has {} at version {date}",
                        written.len(),
                        name.name,
                        now.len()
                    ),
                    "every current path parameter must appear in the old path",
                )
            } else {
                (
                    format!(
                        "the old path has {} path parameters, but route `{}` has only {} at version {date}",
                        written.len(),
                        name.name,
                        now.len()
                    ),
                    "the old path must use the route's current path parameters",
                )
            };
            self.push(Diagnostic::error(codes::BAD_CHANGE, path.span, message).with_label(label));
            return None;
        }
        let OldPath {
            segments: old,
            renames,
        } = old_path(path, &written, &now)?;
        Some(ir::Change::RouteMoved {
            name: name.name.clone(),
            method: m,
            path: old,
            wire_names: renames
                .into_iter()
                .filter(|(id, wire)| id != wire)
                .collect(),
        })
    }
}

/// The order to undo one version's `changes` in: last to first, except
/// that a route renamed and moved in the version has its move undone first,
/// whichever line comes first, since both lines name the route by its new
/// name (`route new renamed from old`, `route new moved from GET /old`).
fn undo_order(changes: &[ast::Change]) -> Vec<&ast::Change> {
    /// The route a rename (`true`) or a move (`false`) changes.
    fn route_change(c: &ast::Change) -> Option<(&str, bool)> {
        match (&c.target, &c.kind) {
            (ChangeTarget::Route(r), ChangeKind::Renamed { .. }) => Some((&r.name, true)),
            (ChangeTarget::Route(r), ChangeKind::Moved { .. }) => Some((&r.name, false)),
            _ => None,
        }
    }
    let mut order: Vec<&ast::Change> = changes.iter().rev().collect();
    let mut i = 0;
    while i < order.len() {
        let later_move = match order.get(i).and_then(|c| route_change(c)) {
            Some((route, true)) => order
                .iter()
                .skip(i + 1)
                .position(|m| route_change(m) == Some((route, false))),
            Some((_, false)) | None => None,
        };
        match later_move {
            // The rename goes right after the move; the change now at `i`
            // is looked at next.
            Some(at) => {
                let rename = order.remove(i);
                order.insert(i + at + 1, rename);
            }
            None => i += 1,
        }
    }
    order
}

/// The fields of record or error `owner`.
fn fields_of<'x>(api: &'x ir::Api, owner: &str) -> Option<&'x Vec<ir::Field>> {
    if let Some(t) = api.types.iter().find(|t| t.name == owner) {
        return match &t.kind {
            TypeDefKind::Record { fields } => Some(fields),
            _ => None,
        };
    }
    api.errors
        .iter()
        .find(|e| e.name == owner)
        .map(|e| &e.fields)
}

/// Which types the requests and the responses of one version reach.
struct Reach {
    /// Types request bodies reach (record fields there need defaults).
    requests: BTreeSet<String>,
    /// Types anything clients send reaches: bodies and parameters.
    sent: BTreeSet<String>,
    /// Types anything clients receive reaches: success types and error payloads.
    received: BTreeSet<String>,
}

/// The names of the types that request bodies reach.
pub(crate) fn request_types(api: &ir::Api) -> BTreeSet<String> {
    ir::walk::reached(api, ir::walk::bodies(api))
}

/// One change line to a member (a record's field or an enum's value).
struct MemberChange<'c> {
    /// The whole line.
    change: &'c ast::Change,
    /// The record or enum.
    owner: &'c ast::Ident,
    /// The field or value.
    member: &'c ast::Ident,
    /// The version the line belongs to.
    date: &'c str,
}

/// What a `removed` change line gives beside the member it removes.
struct Removal<'c> {
    /// `default V`: the value older clients' responses get.
    default: Option<&'c ast::Literal>,
    /// `map V`: the value older clients' requests become (enum values).
    map: Option<&'c ast::Ident>,
    /// `via f`: the converter that computes older clients' value (fields).
    via: Option<&'c ast::Ident>,
}

/// The path a route moved from, as the version before the move has it.
struct OldPath {
    /// Its segments, each parameter named by its identity (the head's name).
    segments: Vec<PathSegment>,
    /// Each parameter's identity and its name on the wire in the old path.
    renames: Vec<(String, String)>,
}

/// The path parameters of `route`, in path order: (identity, name on the
/// wire). The identity is the head's name, which generated code and
/// converters use in every version; a move may rename.
fn path_params_now(route: &ir::Route) -> Vec<(String, String)> {
    route
        .path
        .iter()
        .filter_map(|s| match s {
            PathSegment::Param(p) => {
                let wire = route
                    .params
                    .iter()
                    .find(|q| q.name == *p && q.location == ir::ParamLocation::Path)
                    .map_or(p.as_str(), |q| q.wire_name.as_str());
                Some((p.clone(), wire.to_string()))
            }
            PathSegment::Literal(_) => None,
        })
        .collect()
}

/// The old `path` a route moved from, as [`OldPath`]. `written` are the old path's parameters and `now` the route's
/// (identity, wire name), as many: each old parameter is the current one
/// of the same name, else (renamed) the next unmatched one in path order.
fn old_path(
    path: &ast::PathTemplate,
    written: &[(&str, Span)],
    now: &[(String, String)],
) -> Option<OldPath> {
    let mut taken = vec![false; now.len()];
    let mut identity: Vec<Option<usize>> = written
        .iter()
        .map(|(w, _)| {
            let i = now.iter().position(|(_, wire)| wire == w)?;
            taken[i] = true;
            Some(i)
        })
        .collect();
    for slot in identity.iter_mut().filter(|s| s.is_none()) {
        if let Some(i) = taken.iter().position(|t| !t) {
            taken[i] = true;
            *slot = Some(i);
        }
    }
    let mut old = Vec::new();
    let mut renames: Vec<(String, String)> = Vec::new();
    let mut params = identity.into_iter().zip(written);
    for seg in &path.segments {
        match seg {
            Segment::Literal(l) => old.push(PathSegment::Literal(l.name.clone())),
            Segment::Param { .. } => {
                let Some((Some(i), (wire, _))) = params.next() else {
                    return None;
                };
                let (id, _) = &now[i];
                old.push(PathSegment::Param(id.clone()));
                renames.push((id.clone(), (*wire).to_string()));
            }
        }
    }
    Some(OldPath {
        segments: old,
        renames,
    })
}
