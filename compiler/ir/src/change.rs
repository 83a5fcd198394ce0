//! What a [`Change`] means to the code that converts between versions,
//! asked of the change itself. Each question is one exhaustive `match`
//! here, so a new kind of change makes rustc ask, in this file, whether it
//! answers each one, instead of falling through a consumer's `_ =>`.

use crate::{Change, Field, Value};

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
            | Change::TypeAdded { .. }
            | Change::RouteAdded { .. }
            | Change::RouteRemoved { .. }
            | Change::RouteRenamed { .. }
            | Change::RouteMoved { .. } => None,
        }
    }

    /// An enum value added or removed: the enum, the value, and what the
    /// other side sees instead (an added value's `fallback` for old
    /// clients, a removed value's `map` for old requests), with whether the
    /// value was added.
    pub fn enum_value(&self) -> Option<(&str, &str, Option<&str>, bool)> {
        match self {
            Change::EnumValueAdded {
                owner,
                value,
                fallback,
            } => Some((owner, value, fallback.as_deref(), true)),
            Change::EnumValueRemoved { owner, value, map } => {
                Some((owner, value, map.as_deref(), false))
            }
            Change::FieldAdded { .. }
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
}
