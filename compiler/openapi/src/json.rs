//! An ordered JSON tree: objects keep their keys in insertion order.
//!
//! `serde_json::Value` sorts object keys unless its `preserve_order` feature
//! is on, and turning that feature on would change the map order of every
//! other crate in the workspace built alongside this one. The documents are
//! built as [`Json`] instead, so keys follow declaration order whatever
//! features are unified, and written through serde_json's own formatter.

use std::collections::HashMap;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON value whose objects keep insertion order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object.
    Object(Obj),
}

/// A JSON object: keys in insertion order, each at most once.
#[derive(Clone, Debug, Default)]
pub struct Obj {
    entries: Vec<(String, Json)>,
    /// Each key's position in `entries`, once there are more than
    /// [`INDEXED`] (documents have an object member per route and per type,
    /// so finding a key by scanning would be quadratic).
    index: Option<HashMap<String, usize>>,
}

/// The number of keys past which an object indexes them.
const INDEXED: usize = 16;

impl PartialEq for Obj {
    fn eq(&self, other: &Obj) -> bool {
        self.entries == other.entries
    }
}

impl Obj {
    /// An empty object.
    pub fn new() -> Obj {
        Obj::default()
    }

    /// The position of `key` in `entries`.
    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    /// Sets `key` to `value`: in place when the key exists, else at the end.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<Json>) {
        let key = key.into();
        let value = value.into();
        if let Some(at) = self.position(&key) {
            self.entries[at].1 = value;
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > INDEXED {
            self.index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(at, (k, _))| (k.clone(), at))
                    .collect(),
            );
        }
    }

    /// The object with `key` set to `value`.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Json>) -> Obj {
        self.set(key, value);
        self
    }

    /// The object with `key` set when `value` is `Some`.
    pub fn with_opt(mut self, key: impl Into<String>, value: Option<impl Into<Json>>) -> Obj {
        if let Some(value) = value {
            self.set(key, value);
        }
        self
    }

    /// The object with every member of `other` set in turn.
    pub fn extended(mut self, other: Obj) -> Obj {
        for (k, v) in other.entries {
            self.set(k, v);
        }
        self
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.position(key).map(|at| &self.entries[at].1)
    }

    /// The value at `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        self.position(key).map(|at| &mut self.entries[at].1)
    }

    /// The object at `key`, created empty (or replacing a non-object) when needed.
    pub fn object_mut(&mut self, key: &str) -> &mut Obj {
        if !matches!(self.get(key), Some(Json::Object(_))) {
            self.set(key, Obj::new());
        }
        match self.get_mut(key) {
            Some(Json::Object(o)) => o,
            // Just set to an object above.
            _ => unreachable!("`{key}` was just set to an object"),
        }
    }

    /// Whether `key` is present.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Whether the object has no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Json {
    /// Pretty-printed text (two-space indent) with a trailing newline.
    pub fn to_pretty(&self) -> String {
        // Writing into a String cannot fail, and every number is finite.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The same value as a `serde_json::Value` (whose key order depends on
    /// serde_json's features).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Json::Null => serde_json::Value::Null,
            Json::Bool(b) => serde_json::Value::Bool(*b),
            Json::Number(n) => serde_json::Value::Number(n.clone()),
            Json::String(s) => serde_json::Value::String(s.clone()),
            Json::Array(items) => items.iter().map(Json::to_value).collect(),
            Json::Object(o) => o
                .entries
                .iter()
                .map(|(k, v)| (k.clone(), v.to_value()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
}

impl From<Obj> for Json {
    fn from(o: Obj) -> Json {
        Json::Object(o)
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::String(s.to_string())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::String(s)
    }
}

impl From<&String> for Json {
    fn from(s: &String) -> Json {
        Json::String(s.clone())
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}

impl From<i64> for Json {
    fn from(i: i64) -> Json {
        Json::Number(i.into())
    }
}

impl From<u64> for Json {
    fn from(i: u64) -> Json {
        Json::Number(i.into())
    }
}

impl From<u16> for Json {
    fn from(i: u16) -> Json {
        Json::Number(i.into())
    }
}

impl From<f64> for Json {
    /// A float; `null` for NaN and infinities, which JSON cannot hold.
    fn from(f: f64) -> Json {
        serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
    }
}

impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(items: Vec<T>) -> Json {
        Json::Array(items.into_iter().map(Into::into).collect())
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(o) => o.serialize(serializer),
        }
    }
}

impl Serialize for Obj {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_insertion_order_and_replaces_in_place() {
        let mut o = Obj::new().with("z", 1i64).with("a", "x");
        o.set("z", true);
        o.object_mut("m").set("k", Json::Null);
        assert_eq!(
            Json::from(o).to_pretty(),
            "{\n  \"z\": true,\n  \"a\": \"x\",\n  \"m\": {\n    \"k\": null\n  }\n}\n"
        );
    }
}
