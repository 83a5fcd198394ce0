//! What a [`Change`] means, asked of the change itself: how it is undone
//! on the model (rebuilding the version before it) and what it means to
//! the code that converts between versions. Each question is one
//! exhaustive `match` here, so a new kind of change makes rustc ask, in
//! this file, whether it answers each one, instead of falling through a
//! consumer's `_ =>`.

use crate::{
    Api, Change, EnumValue, Field, ParamLocation, PathSegment, TyKind, TypeDefKind, Value,
};

impl Change {
    /// `type T changed via f`: the record and its converter's name.
    pub fn record_converter(&self) -> Option<(&str, &str)> {
        match self {
            Change::RecordConverted { owner, via } => Some((owner, via)),
            Change::FieldAdded { .. }
            | Change::FieldRemoved { .. }
            | Change::FieldRenamed { .. }
            | Change::FieldMadeOptional { .. }
            | Change::FieldMadeRequired { .. }
            | Change::FieldRefined { .. }
            | Change::FieldRetyped { .. }
            | Change::EnumValueAdded { .. }
            | Change::EnumValueRemoved { .. }
            | Change::EnumValueRenamed { .. }
            | Change::TypeAdded { .. }
            | Change::RouteAdded { .. }
            | Change::RouteRemoved { .. }
            | Change::RouteRenamed { .. }
            | Change::RouteMoved { .. } => None,
        }
    }

    /// `T.f: Type removed …`: the record, the field as it was, and the
    /// converter that computes old clients' value (`removed via f`).
    pub fn removed_field(&self) -> Option<(&str, &Field, Option<&str>)> {
        match self {
            Change::FieldRemoved { owner, field, via } => Some((owner, field, via.as_deref())),
            Change::FieldAdded { .. }
            | Change::RecordConverted { .. }
            | Change::FieldRenamed { .. }
            | Change::FieldMadeOptional { .. }
            | Change::FieldMadeRequired { .. }
            | Change::FieldRefined { .. }
            | Change::FieldRetyped { .. }
            | Change::EnumValueAdded { .. }
            | Change::EnumValueRemoved { .. }
            | Change::EnumValueRenamed { .. }
            | Change::TypeAdded { .. }
            | Change::RouteAdded { .. }
            | Change::RouteRemoved { .. }
            | Change::RouteRenamed { .. }
            | Change::RouteMoved { .. } => None,
        }
    }

    /// `T.to renamed from from`: the record, the old name and the new one.
    pub fn field_rename(&self) -> Option<(&str, &str, &str)> {
        match self {
            Change::FieldRenamed { owner, from, to } => Some((owner, from, to)),
            Change::FieldAdded { .. }
            | Change::RecordConverted { .. }
            | Change::FieldRemoved { .. }
            | Change::FieldMadeOptional { .. }
            | Change::FieldMadeRequired { .. }
            | Change::FieldRefined { .. }
            | Change::FieldRetyped { .. }
            | Change::EnumValueAdded { .. }
            | Change::EnumValueRemoved { .. }
            | Change::EnumValueRenamed { .. }
            | Change::TypeAdded { .. }
            | Change::RouteAdded { .. }
            | Change::RouteRemoved { .. }
            | Change::RouteRenamed { .. }
            | Change::RouteMoved { .. } => None,
        }
    }

    /// What old clients' requests get for a field they cannot send or may
    /// leave out, converting forward: an added field's or a newly required
    /// field's declared default, by field name.
    pub fn request_default(&self) -> Option<(&str, Option<&Value>)> {
        match self {
            Change::FieldAdded { field, default, .. }
            | Change::FieldMadeRequired { field, default, .. } => Some((field, default.as_ref())),
            Change::RecordConverted { .. }
            | Change::FieldRemoved { .. }
            | Change::FieldRenamed { .. }
            | Change::FieldMadeOptional { .. }
            | Change::FieldRefined { .. }
            | Change::FieldRetyped { .. }
            | Change::EnumValueAdded { .. }
            | Change::EnumValueRemoved { .. }
            | Change::EnumValueRenamed { .. }
            | Change::TypeAdded { .. }
            | Change::RouteAdded { .. }
            | Change::RouteRemoved { .. }
            | Change::RouteRenamed { .. }
            | Change::RouteMoved { .. } => None,
        }
    }

    /// What old clients' responses get for a field the head no longer has
    /// or may leave out, converting backward: a removed field's default, or
    /// a newly optional field's declared default, by field name.
    pub fn response_default(&self) -> Option<(&str, Option<&Value>)> {
        match self {
            Change::FieldRemoved { field, .. } => Some((&field.name, field.default.as_ref())),
            Change::FieldMadeOptional { field, default, .. } => Some((field, default.as_ref())),
            Change::FieldAdded { .. }
            | Change::RecordConverted { .. }
            | Change::FieldRenamed { .. }
            | Change::FieldMadeRequired { .. }
            | Change::FieldRefined { .. }
            | Change::FieldRetyped { .. }
            | Change::EnumValueAdded { .. }
            | Change::EnumValueRemoved { .. }
            | Change::EnumValueRenamed { .. }
            | Change::TypeAdded { .. }
            | Change::RouteAdded { .. }
            | Change::RouteRemoved { .. }
            | Change::RouteRenamed { .. }
            | Change::RouteMoved { .. } => None,
        }
    }

    /// `E.to renamed from from`: the enum, the old value and the new one.
    pub fn enum_value_rename(&self) -> Option<(&str, &str, &str)> {
        match self {
            Change::EnumValueRenamed { owner, from, to } => Some((owner, from, to)),
            Change::EnumValueAdded { .. }
            | Change::EnumValueRemoved { .. }
            | Change::FieldAdded { .. }
            | Change::RecordConverted { .. }
            | Change::FieldRemoved { .. }
            | Change::FieldRenamed { .. }
            | Change::FieldMadeOptional { .. }
            | Change::FieldMadeRequired { .. }
            | Change::FieldRefined { .. }
            | Change::FieldRetyped { .. }
            | Change::TypeAdded { .. }
            | Change::RouteAdded { .. }
            | Change::RouteRemoved { .. }
            | Change::RouteRenamed { .. }
            | Change::RouteMoved { .. } => None,
        }
    }

    /// What value `value` of enum `owner` becomes where the other side of
    /// this change lacks it. Forward (an old client's request, to the next
    /// version): a removed value's `map`, or a renamed value's new name.
    /// Backward (a response, to an old client): an added value's
    /// `fallback`, or a renamed value's old name.
    pub fn enum_value_becomes(&self, owner: &str, value: &str, forward: bool) -> Option<&str> {
        match self {
            Change::EnumValueAdded {
                owner: o,
                value: v,
                fallback,
            } if !forward && o == owner && v == value => fallback.as_deref(),
            Change::EnumValueRemoved {
                owner: o,
                value: v,
                map,
                ..
            } if forward && o == owner && v == value => map.as_deref(),
            Change::EnumValueRenamed { owner: o, from, to } if o == owner => match forward {
                true if from == value => Some(to),
                false if to == value => Some(from),
                true | false => None,
            },
            Change::EnumValueAdded { .. }
            | Change::EnumValueRemoved { .. }
            | Change::EnumValueRenamed { .. }
            | Change::FieldAdded { .. }
            | Change::RecordConverted { .. }
            | Change::FieldRemoved { .. }
            | Change::FieldRenamed { .. }
            | Change::FieldMadeOptional { .. }
            | Change::FieldMadeRequired { .. }
            | Change::FieldRefined { .. }
            | Change::FieldRetyped { .. }
            | Change::TypeAdded { .. }
            | Change::RouteAdded { .. }
            | Change::RouteRemoved { .. }
            | Change::RouteRenamed { .. }
            | Change::RouteMoved { .. } => None,
        }
    }

    /// Undoes the change on `api`, the API at the change's version,
    /// leaving it as the version before. `family` is, for a change to a
    /// record's field, the record and every record derived from it (by
    /// spread or `without`), whose fields share its history; derivations
    /// are source, not IR, so the checker that knows them passes them.
    ///
    /// The change is assumed to fit `api` (the checker validated it
    /// there); one that does not changes nothing.
    pub fn undo(&self, api: &mut Api, family: &[String]) {
        match self {
            Change::FieldAdded { field, .. } => {
                for owner in family {
                    if let Some(fields) = fields_of(api, owner) {
                        fields.retain(|f| f.name != *field);
                    }
                }
            }
            Change::RecordConverted { .. } => {}
            Change::FieldRemoved { field, .. } => {
                for owner in family {
                    if let Some(fields) = fields_of(api, owner)
                        && !fields.iter().any(|f| f.name == field.name)
                    {
                        fields.push(field.clone());
                    }
                }
            }
            Change::FieldRenamed { from, to, .. } => {
                each_field(api, family, to, |f| f.name.clone_from(from));
            }
            Change::FieldMadeOptional { field, .. } => {
                each_field(api, family, field, |f| f.optional = false);
            }
            Change::FieldMadeRequired { field, .. } => {
                each_field(api, family, field, |f| f.optional = true);
            }
            Change::FieldRefined { field, from, .. } => {
                each_field(api, family, field, |f| f.ty.refinements = from.clone());
            }
            Change::FieldRetyped { field, from, .. } => {
                each_field(api, family, field, |f| {
                    // The head's default is a value of the new type; the
                    // old version has none that the history records,
                    // unless it is a constant, whose value is its default.
                    f.ty = from.clone();
                    f.default = match &from.kind {
                        TyKind::Const(text) => Some(Value::String(text.clone())),
                        _ => None,
                    };
                });
            }
            Change::EnumValueAdded { owner, value, .. } => {
                if let Some(values) = enum_values(api, owner) {
                    values.retain(|v| v.name != *value);
                }
            }
            Change::EnumValueRemoved {
                owner, value, doc, ..
            } => {
                if let Some(values) = enum_values(api, owner)
                    && !values.iter().any(|v| v.name == *value)
                {
                    values.push(EnumValue {
                        name: value.clone(),
                        doc: doc.clone(),
                        deprecated: false,
                    });
                }
            }
            Change::EnumValueRenamed { owner, from, to } => {
                if let Some(v) = enum_values(api, owner)
                    .and_then(|values| values.iter_mut().find(|v| v.name == *to))
                {
                    v.name.clone_from(from);
                }
                // Defaults of the enum's type name the value too.
                let fields = api.types.iter_mut().flat_map(|t| match &mut t.kind {
                    TypeDefKind::Record { fields } => fields.iter_mut(),
                    _ => [].iter_mut(),
                });
                let fields = fields.chain(api.errors.iter_mut().flat_map(|e| e.fields.iter_mut()));
                let defaults = fields
                    .filter(|f| crate::walk::named(&f.ty) == Some(owner.as_str()))
                    .map(|f| &mut f.default);
                let params = api
                    .routes
                    .iter_mut()
                    .flat_map(|r| r.params.iter_mut())
                    .filter(|p| crate::walk::named(&p.ty) == Some(owner.as_str()))
                    .map(|p| &mut p.default);
                for value in defaults.chain(params).flatten() {
                    rename_enum_value(value, from, to);
                }
            }
            Change::TypeAdded { name } => {
                api.types.retain(|t| t.name != *name);
                api.errors.retain(|e| e.name != *name);
            }
            Change::RouteAdded { name } => api.routes.retain(|r| r.name != *name),
            Change::RouteRemoved { route } => {
                if api.route(&route.name).is_none() {
                    api.routes.push(route.as_ref().clone());
                }
            }
            Change::RouteRenamed { from, to } => {
                if let Some(r) = api.routes.iter_mut().find(|r| r.name == *to) {
                    r.name.clone_from(from);
                }
            }
            Change::RouteMoved {
                name,
                method,
                path,
                wire_names,
            } => {
                let Some(r) = api.routes.iter_mut().find(|r| r.name == *name) else {
                    return;
                };
                r.method = *method;
                r.path.clone_from(path);
                let in_path = |id: &str| {
                    path.iter()
                        .any(|s| matches!(s, PathSegment::Param(p) if p == id))
                };
                for p in &mut r.params {
                    if p.location == ParamLocation::Path && in_path(&p.name) {
                        p.wire_name = wire_names
                            .iter()
                            .find(|(id, _)| *id == p.name)
                            .map_or_else(|| p.name.clone(), |(_, wire)| wire.clone());
                    }
                }
            }
        }
    }
}

/// Renames enum value `to` back to `from` in `value` (a default of the
/// enum's type, or a list or map of it).
fn rename_enum_value(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Enum(v) if v == to => from.clone_into(v),
        Value::List(items) => items
            .iter_mut()
            .for_each(|v| rename_enum_value(v, from, to)),
        Value::Object(members) => members
            .iter_mut()
            .for_each(|(_, v)| rename_enum_value(v, from, to)),
        Value::Null
        | Value::Bool(_)
        | Value::Int(_)
        | Value::Float(_)
        | Value::String(_)
        | Value::Enum(_) => {}
    }
}

/// Applies `change` to field `name` of every record in `family` that has it.
fn each_field(api: &mut Api, family: &[String], name: &str, mut change: impl FnMut(&mut Field)) {
    for owner in family {
        if let Some(f) = fields_of(api, owner).and_then(|fs| fs.iter_mut().find(|f| f.name == name))
        {
            change(f);
        }
    }
}

/// The fields of record or error `owner`.
fn fields_of<'a>(api: &'a mut Api, owner: &str) -> Option<&'a mut Vec<Field>> {
    if let Some(t) = api.types.iter_mut().find(|t| t.name == owner) {
        return match &mut t.kind {
            TypeDefKind::Record { fields } => Some(fields),
            _ => None,
        };
    }
    api.errors
        .iter_mut()
        .find(|e| e.name == owner)
        .map(|e| &mut e.fields)
}

/// The values of enum `owner`.
fn enum_values<'a>(api: &'a mut Api, owner: &str) -> Option<&'a mut Vec<EnumValue>> {
    match api
        .types
        .iter_mut()
        .find(|t| t.name == owner)
        .map(|t| &mut t.kind)
    {
        Some(TypeDefKind::Enum { values }) => Some(values),
        _ => None,
    }
}
