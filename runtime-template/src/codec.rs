//! The request as handlers see it, and reading it: JSON bodies, path and query
//! parameters, headers, cookies and credentials.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::marker::PhantomData;

use bytes::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderValue, WWW_AUTHENTICATE};
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::problem::{Location, Problem, Violation, Violations};
use super::scalar::Scalar;
use super::validate::{push_index, push_key};

/// The most path parameters a route can have.
pub const MAX_PATH_PARAMS: usize = 16;

/// Byte ranges of path parameters within the path, in path order; no
/// allocation. Offsets are 16-bit (hyper accepts no URI longer than 65,534
/// bytes), which keeps the requests and futures that carry this small.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PathParams {
    ranges: [(u16, u16); MAX_PATH_PARAMS],
    len: u8,
}

impl PathParams {
    /// No parameters.
    pub fn new() -> PathParams {
        PathParams::default()
    }

    /// Records the next parameter at `path[start..end]`; false when full (or
    /// the range is not a range, or ends past 65,535).
    pub fn push(&mut self, start: usize, end: usize) -> bool {
        let (Ok(start), Ok(end)) = (u16::try_from(start), u16::try_from(end)) else {
            return false;
        };
        let i = usize::from(self.len);
        if i >= MAX_PATH_PARAMS || start > end {
            return false;
        }
        self.ranges[i] = (start, end);
        self.len += 1;
        true
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The raw (still percent-encoded) text of parameter `i`; empty when there
    /// is no such parameter.
    pub fn raw<'a>(&self, i: usize, path: &'a str) -> &'a str {
        match self.ranges[..self.len()].get(i) {
            Some(&(start, end)) => path.get(usize::from(start)..usize::from(end)).unwrap_or(""),
            None => "",
        }
    }
}

/// A request whose body has been read.
#[derive(Clone, Debug)]
pub struct Request {
    /// Method, URI, version and headers.
    pub parts: hyper::http::request::Parts,
    /// The whole body.
    pub body: Bytes,
    /// Where the path parameters are in `parts.uri.path()`.
    pub params: PathParams,
}

impl Request {
    /// The percent-encoded path, without the query.
    pub fn path(&self) -> &str {
        self.parts.uri.path()
    }
}

/// Decodes the JSON body.
///
/// 415 unless Content-Type is `application/json` (or `application/*+json`);
/// 400 on malformed JSON; 422 with the JSON pointer of the offending value on
/// a type mismatch or a missing field.
pub fn decode_json<T: DeserializeOwned>(request: &Request) -> Result<T, Problem> {
    if !is_json(request.parts.headers.get(CONTENT_TYPE)) {
        return Err(Problem::new(415, "expected Content-Type: application/json"));
    }
    serde_json::from_slice(&request.body).or_else(|e| decode_slow::<T>(&request.body, &e))
}

/// [`decode_json`] for a body that must be a JSON object (a record or a
/// tagged union): serde would also accept a record as an array of its
/// fields, which the API does not allow, so anything else is a 422.
pub fn decode_json_object<T: DeserializeOwned>(request: &Request) -> Result<T, Problem> {
    if is_json(request.parts.headers.get(CONTENT_TYPE))
        && let Some(first) = request.body.iter().find(|b| !b.is_ascii_whitespace())
        && *first != b'{'
        && serde_json::from_slice::<serde::de::IgnoredAny>(&request.body).is_ok()
    {
        return Err(Problem::invalid(
            422,
            vec![Violation {
                location: Location::Body,
                pointer: String::new(),
                rule: "type",
                message: "expected a JSON object".to_owned(),
            }],
        ));
    }
    decode_json(request)
}

/// [`decode_json`] for a body whose type holds a map at its top level (a
/// map, a list of maps, …), decoded through its shape `S`: a key that a
/// JSON object repeats is a 422 at the object, as in a record's field.
/// Record bodies keep [`decode_json`] or [`decode_json_object`]: they check
/// their own map fields.
pub fn decode_json_shaped<S: Decode>(request: &Request) -> Result<S::Value, Problem> {
    decode_json::<Shaped<S>>(request).map(|shaped| shaped.0)
}

/// A value of shape `S` as a type of its own, so that [`decode_json`] (and
/// its error path, which decodes the type a second time to find where it
/// failed) decodes it through the shape.
struct Shaped<S: Decode>(S::Value);

impl<'de, S: Decode> serde::Deserialize<'de> for Shaped<S> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        S::decode(deserializer).map(Shaped)
    }
}

/// The cold path after a failed decode. JSON Schema counts `317.0` as an
/// integer, so a document whose only fault is integers written with a zero
/// fraction is decoded again with those numbers made integers; anything
/// else is a problem naming where decoding failed.
#[cold]
fn decode_slow<T: DeserializeOwned>(body: &[u8], error: &serde_json::Error) -> Result<T, Problem> {
    if matches!(error.classify(), serde_json::error::Category::Data)
        && !is_duplicate(error)
        && unknown_field(&error.to_string()).is_none()
    {
        // A map decodes a value before it sees that its key repeats, so a
        // value that failed may hide a repeated key: that is the answer,
        // never a second decode through `Value`, which keeps the last.
        match serde_json::from_slice::<Distinct>(body) {
            Ok(Distinct(mut value)) => {
                if integralize(&mut value)
                    && let Ok(decoded) = serde_json::from_value(value)
                {
                    return Ok(decoded);
                }
            }
            Err(repeated) if is_duplicate(&repeated) => {
                return Err(json_problem::<Distinct>(body, &repeated));
            }
            Err(_) => {}
        }
    }
    Err(json_problem::<T>(body, error))
}

/// A JSON document as a `serde_json::Value`, refused with "duplicate key"
/// at the object when an object repeats a key (`Value` keeps the last).
struct Distinct(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Distinct {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde_json::Value;

        struct Any;

        impl<'de> Visitor<'de> for Any {
            type Value = Distinct;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<Distinct, E> {
                Ok(Distinct(Value::Null))
            }

            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Distinct, E> {
                Ok(Distinct(Value::Bool(v)))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Distinct, E> {
                Ok(Distinct(Value::from(v)))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Distinct, E> {
                Ok(Distinct(Value::from(v)))
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Distinct, E> {
                Ok(Distinct(Value::from(v)))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Distinct, E> {
                Ok(Distinct(Value::String(v.to_owned())))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Distinct, E> {
                Ok(Distinct(Value::String(v)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Distinct, A::Error> {
                let mut items = Vec::new();
                while let Some(Distinct(item)) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Distinct(Value::Array(items)))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Distinct, A::Error> {
                let mut members = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    let Distinct(value) = map.next_value()?;
                    if members.contains_key(&key) {
                        return Err(A::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    members.insert(key, value);
                }
                Ok(Distinct(Value::Object(members)))
            }
        }

        deserializer.deserialize_any(Any)
    }
}

/// Whether a decoding error is a repeated object key (serde's "duplicate
/// field" of a record, or [`MapOf`]'s "duplicate key"): such a document must
/// not be decoded again through `serde_json::Value`, which keeps the last.
fn is_duplicate(error: &serde_json::Error) -> bool {
    let text = error.to_string();
    text.starts_with("duplicate field `") || text.starts_with("duplicate key `")
}

/// The member a decoding error names as unknown (serde's "unknown field
/// `x`, expected …" under `deny_unknown_fields`, which generated records of
/// an `unknown_fields reject` policy carry).
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    // The name is raw, so it may hold a backtick: it ends where serde's
    // explanation begins.
    let end = rest
        .find("`, expected")
        .or_else(|| rest.find("`, there are no fields"))
        .or_else(|| rest.rfind('`'))?;
    Some(&rest[..end])
}

/// Replaces every float with a zero fraction (within `i64`) by the integer;
/// whether anything changed.
fn integralize(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => {
                // In range and integral, so the cast is exact.
                *value = Value::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| integralize(v) | changed),
        Value::Object(fields) => fields
            .values_mut()
            .fold(false, |changed, v| integralize(v) | changed),
        _ => false,
    }
}

/// Whether a Content-Type header names JSON.
/// A raw body (`body bytes "image/png"`) as it arrived, without a copy:
/// 415 unless its `Content-Type` is `media` (whose subtype may be `*`:
/// `image/*` takes any image), parameters and case aside.
pub fn decode_bytes(request: &Request, media: &str) -> Result<Bytes, Problem> {
    if !is_media(request.parts.headers.get(CONTENT_TYPE), media) {
        return Err(Problem::new(415, format!("expected Content-Type: {media}")));
    }
    Ok(request.body.clone())
}

/// A text body (`body text`): 415 unless its `Content-Type` is `media`
/// (any `charset` but UTF-8 is refused too); 400 unless it is UTF-8.
pub fn decode_text(request: &Request, media: &str) -> Result<String, Problem> {
    let content_type = request.parts.headers.get(CONTENT_TYPE);
    let charset_ok = content_type
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .skip(1)
                .all(|param| match param.split_once('=') {
                    Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                        let value = value.trim().trim_matches('"');
                        value.eq_ignore_ascii_case("utf-8")
                            || value.eq_ignore_ascii_case("us-ascii")
                    }
                    _ => true,
                })
        })
        .unwrap_or(false);
    if !is_media(content_type, media) || !charset_ok {
        return Err(Problem::new(
            415,
            format!("expected Content-Type: {media}; charset=utf-8"),
        ));
    }
    match std::str::from_utf8(&request.body) {
        Ok(text) => Ok(text.to_owned()),
        Err(error) => Err(Problem::invalid(
            400,
            vec![Violation {
                location: Location::Body,
                pointer: String::new(),
                rule: "type",
                message: format!(
                    "the body is not UTF-8 text (byte {} is not)",
                    error.valid_up_to()
                ),
            }],
        )),
    }
}

/// Whether a `Content-Type` is `media` (`type/subtype`, or `type/*`).
fn is_media(content_type: Option<&HeaderValue>, media: &str) -> bool {
    let Some(value) = content_type else {
        return false;
    };
    let essence = value
        .as_bytes()
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    match media.strip_suffix("/*") {
        Some(kind) => essence.split(|&b| b == b'/').next().is_some_and(|k| {
            k.eq_ignore_ascii_case(kind.as_bytes()) && essence.len() > k.len() + 1
        }),
        None => essence.eq_ignore_ascii_case(media.as_bytes()),
    }
}

fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(value) = content_type else {
        return false;
    };
    let bytes = value.as_bytes();
    // What nearly every client sends, compared at once.
    if bytes == b"application/json" {
        return true;
    }
    let essence = bytes
        .split(|&b| b == b';')
        .next()
        .unwrap_or(bytes)
        .trim_ascii();
    let prefix = b"application/";
    essence.eq_ignore_ascii_case(b"application/json")
        || (essence.len() > prefix.len() + 5
            && essence[..prefix.len()].eq_ignore_ascii_case(prefix)
            && essence[essence.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

/// The problem for a body that did not decode. Only this (cold) path pays
/// for tracking where in the document decoding was.
#[cold]
fn json_problem<T: DeserializeOwned>(body: &[u8], error: &serde_json::Error) -> Problem {
    use serde_json::error::Category;
    if !matches!(error.classify(), Category::Data) {
        return Problem::new(400, format!("malformed JSON: {error}"));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let (path, inner) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => {
            let path = e.path().clone();
            (Some(path), e.into_inner())
        }
        // Decoding failed once, so it fails again; this is only a fallback.
        Ok(_) => (
            None,
            serde_json::Error::io(std::io::Error::other("decoding failed")),
        ),
    };
    // The JSON pointer of where decoding stopped, written a step at a time
    // as `Pointer` writes its own.
    let mut pointer = String::new();
    for segment in path.iter().flat_map(|p| p.iter()) {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Seq { index } => push_index(&mut pointer, *index),
            Segment::Map { key } => push_key(&mut pointer, key),
            Segment::Enum { variant } => push_key(&mut pointer, variant),
            Segment::Unknown => break,
        }
    }
    let text = inner.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) if inner.line() != 0 => &text[..i],
        _ => text.as_str(),
    };
    // A member the record does not declare is a malformed request (400),
    // not an invalid value (422). serde_path_to_error records the key before
    // it is refused, so the pointer usually names the member already; inside
    // a tagged union serde decodes from a buffer the tracker does not see,
    // and the pointer stops at the object, so the member is added to it.
    if let Some(field) = unknown_field(message) {
        let mut member = String::new();
        push_key(&mut member, field);
        if !pointer.ends_with(&member) {
            pointer.push_str(&member);
        }
        let violation = Violation {
            location: Location::Body,
            pointer,
            rule: "unknown",
            message: format!("unknown field `{field}`"),
        };
        return Problem::invalid(400, vec![violation]);
    }
    let (rule, message) = match message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        Some(field) => {
            push_key(&mut pointer, field);
            ("required", "is required".to_owned())
        }
        // A constant field holding anything but its constant.
        None => match super::constant::expected_constant(message) {
            Some(constant) => ("const", format!("expected {constant}")),
            None => ("type", message.to_owned()),
        },
    };
    let violation = Violation {
        location: Location::Body,
        pointer,
        rule,
        message,
    };
    Problem::invalid(422, vec![violation])
}

/// How generated types decode a value that serde's own impls would decode
/// too leniently: JSON objects decoded as maps, rejecting a key that an
/// object repeats (serde's `BTreeMap` keeps the last, and
/// `serde_json::Value` too, so `{"a": 1, "a": 2}` would be taken for
/// `{"a": 2}`), and scalars of the ecosystem's crates (`uuid::Uuid`,
/// `time::OffsetDateTime`…), read by the runtime's own strict grammars
/// ([`Wire`]). A record field whose type holds either names its shape with
/// the markers below and decodes through [`decode`] (and encodes through
/// [`encode`] when it holds a scalar): `Option<Vec<BTreeMap<String, T>>>`
/// is `NullOr<ListOf<MapOf<Plain<T>>>>`, `Vec<uuid::Uuid>` is
/// `ListOf<Wire<uuid::Uuid>>`. The decoded values have the field's own Rust
/// type, so users construct and read them as plain maps, lists, options and
/// the ecosystem's types.
pub trait Decode {
    /// The Rust type decoded.
    type Value;

    /// Decodes one value from `deserializer`.
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self::Value, D::Error>;
}

/// A value that holds no map and no [`Wire`] scalar: decoded by its own
/// `Deserialize` and encoded by its own `Serialize` (records handle their
/// own fields).
pub struct Plain<T>(PhantomData<T>);

/// A scalar read and written in the runtime's wire format (its [`Scalar`]
/// impl), never through its crate's serde impls: `uuid`'s would accept
/// braced and URN forms, `time`'s is not RFC 3339, and `bytes::Bytes`
/// would be an array of numbers.
pub struct Wire<T>(PhantomData<T>);

/// A JSON object as a `BTreeMap<String, _>` of values of shape `S`; a
/// repeated key is an error, `duplicate key `k``, at the object.
pub struct MapOf<S>(PhantomData<S>);

/// A JSON array as a `Vec` of values of shape `S`.
pub struct ListOf<S>(PhantomData<S>);

/// `null` (`None`) or a value of shape `S`.
pub struct NullOr<S>(PhantomData<S>);

/// A value of shape `S`, boxed (a field that closes a cycle of types).
pub struct Boxed<S>(PhantomData<S>);

/// Decodes a value of shape `S`: what `#[serde(deserialize_with)]` calls
/// for a field that holds a map.
pub fn decode<'de, S: Decode, D: Deserializer<'de>>(deserializer: D) -> Result<S::Value, D::Error> {
    S::decode(deserializer)
}

/// [`decode`] for an optional field: present means `Some` (absent is
/// `#[serde(default)]`'s `None`).
pub fn decode_some<'de, S: Decode, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<S::Value>, D::Error> {
    S::decode(deserializer).map(Some)
}

impl<T: DeserializeOwned> Decode for Plain<T> {
    type Value = T;

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        T::deserialize(deserializer)
    }
}

impl<S: Decode> Decode for MapOf<S> {
    type Value = BTreeMap<String, S::Value>;

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self::Value, D::Error> {
        struct Entries<S>(PhantomData<S>);

        impl<'de, S: Decode> Visitor<'de> for Entries<S> {
            type Value = BTreeMap<String, S::Value>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value_seed(Seed::<S>(PhantomData))?;
                    // One lookup, as serde's own insert: the entry is vacant
                    // unless the object repeats the key.
                    match out.entry(key) {
                        Entry::Vacant(entry) => {
                            entry.insert(value);
                        }
                        Entry::Occupied(entry) => {
                            return Err(A::Error::custom(format_args!(
                                "duplicate key `{}`",
                                entry.key()
                            )));
                        }
                    }
                }
                Ok(out)
            }
        }

        deserializer.deserialize_map(Entries::<S>(PhantomData))
    }
}

impl<S: Decode> Decode for ListOf<S> {
    type Value = Vec<S::Value>;

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self::Value, D::Error> {
        struct Items<S>(PhantomData<S>);

        impl<'de, S: Decode> Visitor<'de> for Items<S> {
            type Value = Vec<S::Value>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // As serde's own `Vec`: trust the hint only up to a bound.
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element_seed(Seed::<S>(PhantomData))? {
                    out.push(item);
                }
                Ok(out)
            }
        }

        deserializer.deserialize_seq(Items::<S>(PhantomData))
    }
}

impl<S: Decode> Decode for NullOr<S> {
    type Value = Option<S::Value>;

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self::Value, D::Error> {
        struct Nullable<S>(PhantomData<S>);

        impl<'de, S: Decode> Visitor<'de> for Nullable<S> {
            type Value = Option<S::Value>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an option")
            }

            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                S::decode(d).map(Some)
            }
        }

        deserializer.deserialize_option(Nullable::<S>(PhantomData))
    }
}

impl<S: Decode> Decode for Boxed<S> {
    type Value = Box<S::Value>;

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self::Value, D::Error> {
        S::decode(deserializer).map(Box::new)
    }
}

impl<T: Scalar> Decode for Wire<T> {
    type Value = T;

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        T::decode(deserializer)
    }
}

/// The encoding side of a shape: how generated code serializes a value
/// that holds a [`Wire`] scalar (`#[serde(serialize_with =
/// "Record::encode_field")]` calling [`encode`], and [`Encoded`] for a
/// response body or header). Maps, lists and options serialize as serde's
/// own do; only the scalars inside differ.
pub trait Encode: Decode {
    /// Encodes one value into `serializer`.
    fn encode<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error>;
}

impl<T: DeserializeOwned + Serialize> Encode for Plain<T> {
    fn encode<S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }
}

impl<T: Scalar> Encode for Wire<T> {
    fn encode<S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        value.encode(serializer)
    }
}

impl<E: Encode> Encode for MapOf<E> {
    fn encode<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(value.len()))?;
        for (key, item) in value {
            map.serialize_entry(key, &Encoded::<E>(item))?;
        }
        map.end()
    }
}

impl<E: Encode> Encode for ListOf<E> {
    fn encode<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(value.len()))?;
        for item in value {
            seq.serialize_element(&Encoded::<E>(item))?;
        }
        seq.end()
    }
}

impl<E: Encode> Encode for NullOr<E> {
    fn encode<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(item) => serializer.serialize_some(&Encoded::<E>(item)),
            None => serializer.serialize_none(),
        }
    }
}

impl<E: Encode> Encode for Boxed<E> {
    fn encode<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error> {
        E::encode(value, serializer)
    }
}

/// A borrowed value of shape `S`, serialized through the shape: what
/// generated code hands `json_response` for a body whose type holds a
/// [`Wire`] scalar outside a record (`returns datetime`, `returns [uuid]`),
/// and `put_header` for such a header.
pub struct Encoded<'a, S: Decode>(&'a S::Value);

impl<'a, S: Decode> Encoded<'a, S> {
    /// `value`, to be serialized as shape `S`.
    pub fn new(value: &'a S::Value) -> Encoded<'a, S> {
        Encoded(value)
    }
}

impl<S: Encode> Serialize for Encoded<'_, S> {
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        S::encode(self.0, serializer)
    }
}

/// Encodes a value of shape `S`: what `#[serde(serialize_with)]` calls for
/// a field that holds a [`Wire`] scalar.
pub fn encode<S: Encode, Z: Serializer>(
    value: &S::Value,
    serializer: Z,
) -> Result<Z::Ok, Z::Error> {
    S::encode(value, serializer)
}

/// [`encode`] for an optional field, whose `None` is skipped (absent)
/// before this is called; `None` would be written as `null`.
pub fn encode_some<S: Encode, Z: Serializer>(
    value: &Option<S::Value>,
    serializer: Z,
) -> Result<Z::Ok, Z::Error> {
    match value {
        Some(item) => S::encode(item, serializer),
        None => serializer.serialize_none(),
    }
}

/// A shape as a `DeserializeSeed`, for the items of lists and maps.
struct Seed<S>(PhantomData<S>);

impl<'de, S: Decode> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        S::decode(deserializer)
    }
}

/// Percent-decodes `text` (and turns `+` into a space when `plus_is_space`).
/// Invalid escapes stay as written; invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(text: &str, plus_is_space: bool) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !bytes
        .iter()
        .any(|&b| b == b'%' || (plus_is_space && b == b'+'))
    {
        return Cow::Borrowed(text);
    }
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            ) {
                (Some(hi), Some(lo)) => {
                    // Two hex digits make one byte value.
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// The query string's pairs, percent-decoded (`+` is a space).
#[derive(Clone, Debug, Default)]
pub struct Query<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Query<'a> {
    /// Splits and decodes the request's query string; a key without `=` has
    /// an empty value.
    pub fn parse(request: &'a Request) -> Query<'a> {
        Query::from_query(request.parts.uri.query().unwrap_or(""))
    }

    /// Splits and decodes a query string (without the `?`).
    pub fn from_query(query: &'a str) -> Query<'a> {
        let pairs = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(key, true), percent_decode(value, true))
            })
            .collect();
        Query { pairs }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// Every value of `key`, in order. (The explicit `use<..>` keeps the
    /// signature the same under editions 2021 and 2024.)
    pub fn get_all<'s, 'k>(
        &'s self,
        key: &'k str,
    ) -> impl Iterator<Item = &'s str> + use<'a, 's, 'k> {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
    }
}

/// A header's value, when present and visible ASCII.
pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.parts.headers.get(name)?.to_str().ok()
}

/// Parses a declared header like [`param`]; a value that is not visible
/// ASCII (RFC 9110 field text, such as `café`) is a `type` violation rather
/// than an absent header, so a request never goes through as if it had not
/// sent it (an `Idempotency-Key` that silently vanished would let a retry
/// charge twice).
pub fn header_param<T: FromParam>(
    request: &Request,
    name: &str,
    required: bool,
    out: &mut Violations,
) -> Option<T> {
    let text = match request.parts.headers.get(name).map(|v| v.to_str()) {
        None => None,
        Some(Ok(text)) => Some(text),
        Some(Err(_)) => {
            out.push(Violation {
                location: Location::Header,
                pointer: param_pointer(name),
                rule: "type",
                message: "must be visible ASCII text".to_owned(),
            });
            return None;
        }
    };
    param(text, Location::Header, name, required, out)
}

/// A cookie's value (surrounding double quotes removed), from any `Cookie`
/// header.
pub fn cookie<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| key.trim() == name)
        .map(|(_, value)| {
            let value = value.trim();
            value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value)
        })
}

/// Percent-decodes path parameter `i`.
pub fn path_param(request: &Request, i: usize) -> Cow<'_, str> {
    percent_decode(request.params.raw(i, request.parts.uri.path()), false)
}

/// Parsing a parameter's text into its type.
pub trait FromParam: Sized {
    /// The value, or why the text is not one.
    fn from_param(text: &str) -> Result<Self, String>;
}

impl FromParam for String {
    fn from_param(text: &str) -> Result<String, String> {
        Ok(text.to_owned())
    }
}

impl FromParam for bool {
    fn from_param(text: &str) -> Result<bool, String> {
        match text {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("expected true or false".to_owned()),
        }
    }
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl FromParam for $t {
            fn from_param(text: &str) -> Result<$t, String> {
                text.parse().map_err(|_| format!("expected an integer from {} to {}", <$t>::MIN, <$t>::MAX))
            }
        }
    )*};
}

int_param!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! float_param {
    ($($t:ty),*) => {$(
        impl FromParam for $t {
            fn from_param(text: &str) -> Result<$t, String> {
                // Rust also accepts "inf" and "NaN"; JSON numbers do not.
                match text.parse::<$t>() {
                    Ok(x) if x.is_finite() && !text.starts_with('+') => Ok(x),
                    _ => Err("expected a number".to_owned()),
                }
            }
        }
    )*};
}

float_param!(f32, f64);

/// The pointer `/name` for a parameter.
fn param_pointer(name: &str) -> String {
    let mut pointer = String::with_capacity(name.len() + 1);
    push_key(&mut pointer, name);
    pointer
}

/// Parses one parameter; on failure pushes a `type` violation and returns
/// `None`; when absent and `required`, pushes a `required` violation.
pub fn param<T: FromParam>(
    text: Option<&str>,
    location: Location,
    name: &str,
    required: bool,
    out: &mut Violations,
) -> Option<T> {
    let (rule, message) = match text.map(T::from_param) {
        Some(Ok(value)) => return Some(value),
        Some(Err(message)) => ("type", message),
        None if required => ("required", "is required".to_owned()),
        None => return None,
    };
    out.push(Violation {
        location,
        pointer: param_pointer(name),
        rule,
        message,
    });
    None
}

/// A credential presented by the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential<'a> {
    /// A bearer token from `Authorization: Bearer …`.
    Bearer(&'a str),
    /// An API key from a header.
    ApiKey(&'a str),
}

impl<'a> Credential<'a> {
    /// The token or key itself.
    pub fn secret(&self) -> &'a str {
        match self {
            Credential::Bearer(s) | Credential::ApiKey(s) => s,
        }
    }
}

/// The bearer token, or a 401 problem with `WWW-Authenticate: Bearer`.
pub fn bearer(request: &Request) -> Result<Credential<'_>, Problem> {
    let token = header(request, AUTHORIZATION.as_str())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty() && !token.contains(' '));
    match token {
        Some(token) => Ok(Credential::Bearer(token)),
        None => Err(Problem::new(401, "a bearer token is required")
            .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))),
    }
}

/// The API key from header `name`, or a 401 problem with
/// `WWW-Authenticate: ApiKey header="<name>"`.
pub fn api_key<'a>(request: &'a Request, name: &str) -> Result<Credential<'a>, Problem> {
    match header(request, name)
        .map(str::trim)
        .filter(|key| !key.is_empty())
    {
        Some(key) => Ok(Credential::ApiKey(key)),
        None => {
            let problem = Problem::new(401, format!("an API key is required in the {name} header"));
            Err(
                match HeaderValue::from_str(&format!("ApiKey header=\"{name}\"")) {
                    Ok(challenge) => problem.with_header(WWW_AUTHENTICATE, challenge),
                    Err(_) => {
                        problem.with_header(WWW_AUTHENTICATE, HeaderValue::from_static("ApiKey"))
                    }
                },
            )
        }
    }
}

/// Who an authenticated request comes from, as far as the runtime needs to
/// know: a credential to count per-client limits against, or nobody (a
/// route that does not authenticate), and the principal authentication
/// found for it, which the handler reads from its `Ctx`.
#[derive(Clone)]
pub struct Caller<'a> {
    credential: Option<Credential<'a>>,
    principal: Option<super::server::Principal>,
    principal_id: Option<Box<str>>,
}

/// The longest principal id an access-log line carries, in bytes.
pub const MAX_PRINCIPAL_ID: usize = 128;

impl<'a> Caller<'a> {
    /// A route that does not authenticate: limits count per IP address.
    pub const ANONYMOUS: Caller<'static> = Caller {
        credential: None,
        principal: None,
        principal_id: None,
    };

    /// The holder of an accepted credential: limits count per credential.
    pub fn of(credential: Credential<'a>) -> Caller<'a> {
        Caller {
            credential: Some(credential),
            principal: None,
            principal_id: None,
        }
    }

    /// The same caller, with the principal its credential stands for.
    pub fn with_principal<P: std::any::Any + Send + Sync>(mut self, principal: P) -> Caller<'a> {
        self.principal = Some(std::sync::Arc::new(principal));
        self
    }

    /// The same caller, with the id the access log gives its principal
    /// (cut to [`MAX_PRINCIPAL_ID`] bytes, at a character boundary).
    pub fn with_principal_id(mut self, id: impl std::fmt::Display) -> Caller<'a> {
        let id = id.to_string();
        self.principal_id = Some(super::problem::char_prefix(&id, MAX_PRINCIPAL_ID).into());
        self
    }

    /// Takes the principal's id out (the server moves it into the `Ctx`).
    pub(super) fn take_principal_id(&mut self) -> Option<Box<str>> {
        self.principal_id.take()
    }

    /// The accepted credential, if any.
    pub fn credential(&self) -> Option<Credential<'a>> {
        self.credential
    }

    /// Takes the principal out (the server moves it into the `Ctx`).
    pub(super) fn take_principal(&mut self) -> Option<super::server::Principal> {
        self.principal.take()
    }
}

impl std::fmt::Debug for Caller<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credential is a secret: only its kind is shown.
        let kind = match self.credential {
            None => "anonymous",
            Some(Credential::Bearer(_)) => "bearer",
            Some(Credential::ApiKey(_)) => "api key",
        };
        f.debug_struct("Caller")
            .field("credential", &kind)
            .field("principal", &self.principal.is_some())
            .finish()
    }
}

/// Why a request may not go on; each becomes its problem (401 with
/// `WWW-Authenticate`, or 403).
#[derive(Clone, Debug, PartialEq)]
pub enum Denied {
    /// No credential was presented (the problem from [`bearer`] or [`api_key`]).
    Missing(Problem),
    /// A credential was presented and not accepted: this counts against the
    /// client's budget of rejected credentials.
    Rejected(Problem),
    /// The credential was accepted, but its principal may not call this
    /// route (it lacks a scope the route requires): 403.
    Forbidden(Problem),
}

impl Denied {
    /// A rejected credential: 401 with the challenge of its scheme
    /// (`Bearer error="invalid_token"`, RFC 6750, or `ApiKey`).
    pub fn rejected(credential: Credential<'_>) -> Denied {
        let challenge = match credential {
            Credential::Bearer(_) => HeaderValue::from_static("Bearer error=\"invalid_token\""),
            Credential::ApiKey(_) => HeaderValue::from_static("ApiKey"),
        };
        Denied::Rejected(
            Problem::new(401, "the credential was not accepted")
                .with_header(WWW_AUTHENTICATE, challenge),
        )
    }

    /// A principal without the `missing` scopes a route requires: 403, with
    /// `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 §3.1)
    /// for a bearer token.
    pub fn insufficient_scope(credential: Credential<'_>, missing: &[&str]) -> Denied {
        let scopes = missing.join(" ");
        let mut problem = Problem::new(403, format!("this route requires the scopes: {scopes}"));
        if let Credential::Bearer(_) = credential
            && let Ok(challenge) = HeaderValue::from_str(&format!(
                "Bearer error=\"insufficient_scope\", scope=\"{scopes}\""
            ))
        {
            problem = problem.with_header(WWW_AUTHENTICATE, challenge);
        }
        Denied::Forbidden(problem)
    }

    /// The problem to answer with.
    pub fn into_problem(self) -> Problem {
        match self {
            Denied::Missing(problem) | Denied::Rejected(problem) | Denied::Forbidden(problem) => {
                problem
            }
        }
    }
}

impl From<Problem> for Denied {
    fn from(problem: Problem) -> Denied {
        Denied::Missing(problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A principal's id is cut to its bound at a character boundary, so a
    /// long or multi-byte id cannot make access lines large or invalid.
    #[test]
    fn principal_ids_are_bounded() {
        let mut short = Caller::of(Credential::Bearer("t")).with_principal_id(42);
        assert_eq!(short.take_principal_id().as_deref(), Some("42"));
        let long = "é".repeat(MAX_PRINCIPAL_ID);
        let mut caller = Caller::of(Credential::Bearer("t")).with_principal_id(&long);
        let id = caller.take_principal_id().unwrap_or_default();
        assert_eq!(id.len(), MAX_PRINCIPAL_ID);
        assert!(long.starts_with(&*id));
    }

    #[test]
    fn raw_bodies() {
        let request = |content_type: Option<&str>, body: &'static [u8]| {
            let mut builder = hyper::Request::builder().method("PUT").uri("/a");
            if let Some(ct) = content_type {
                builder = builder.header("content-type", ct);
            }
            let (parts, ()) = builder.body(()).unwrap_or_default().into_parts();
            Request {
                parts,
                body: Bytes::from_static(body),
                params: PathParams::new(),
            }
        };
        let png = request(Some("image/png"), b"\x89PNG");
        assert_eq!(
            decode_bytes(&png, "image/png").ok(),
            Some(Bytes::from_static(b"\x89PNG"))
        );
        assert!(decode_bytes(&png, "image/*").is_ok());
        assert_eq!(
            decode_bytes(&png, "image/jpeg").err().map(|p| p.status),
            Some(415)
        );
        assert!(decode_bytes(&request(None, b""), "image/png").is_err());
        assert!(decode_bytes(&request(Some("image/"), b""), "image/*").is_err());

        let text = request(Some("text/plain; charset=utf-8"), "héllo".as_bytes());
        assert_eq!(
            decode_text(&text, "text/plain").ok().as_deref(),
            Some("héllo")
        );
        let latin1 = request(Some("text/plain; charset=iso-8859-1"), b"h\xe9llo");
        assert_eq!(
            decode_text(&latin1, "text/plain").err().map(|p| p.status),
            Some(415)
        );
        let broken = request(Some("text/plain"), b"h\xe9llo");
        assert_eq!(
            decode_text(&broken, "text/plain").err().map(|p| p.status),
            Some(400)
        );
        let csv = request(Some("TEXT/CSV"), b"a,b");
        assert!(decode_text(&csv, "text/csv").is_ok());
    }

    fn request(uri: &str, headers: &[(&str, &str)], body: &str) -> Request {
        let (mut parts, ()) = match hyper::Request::builder().uri(uri).body(()) {
            Ok(r) => r.into_parts(),
            Err(e) => panic!("bad test request: {e}"),
        };
        // Values are taken as raw bytes, as hyper takes them off the wire:
        // a non-ASCII value (obs-text) reaches the server, though the
        // `http` crate's string conversions refuse to build one.
        for (name, value) in headers {
            let name = hyper::header::HeaderName::from_bytes(name.as_bytes())
                .unwrap_or_else(|e| panic!("bad test header name {name:?}: {e}"));
            let value = hyper::header::HeaderValue::from_bytes(value.as_bytes())
                .unwrap_or_else(|e| panic!("bad test header value {value:?}: {e}"));
            parts.headers.append(name, value);
        }
        Request {
            parts,
            body: Bytes::copy_from_slice(body.as_bytes()),
            params: PathParams::new(),
        }
    }

    #[test]
    fn path_params() {
        let mut p = PathParams::new();
        assert!(p.is_empty());
        let path = "/users/a%20b/posts/7";
        assert!(p.push(7, 12));
        assert!(p.push(19, 20));
        assert!(!p.push(5, 4));
        assert_eq!(
            (p.len(), p.raw(0, path), p.raw(1, path), p.raw(2, path)),
            (2, "a%20b", "7", "")
        );
        assert_eq!(p.raw(1, "/short"), "");
        for _ in 2..MAX_PATH_PARAMS {
            assert!(p.push(0, 0));
        }
        assert!(!p.push(0, 0));
        assert!(!PathParams::new().push(usize::MAX, usize::MAX));
        let mut r = request(path, &[], "");
        r.params = p;
        assert_eq!(path_param(&r, 0), "a b");
        assert!(matches!(path_param(&r, 1), Cow::Borrowed("7")));
    }

    #[test]
    fn percent_decoding() {
        let cases: &[(&str, bool, &str)] = &[
            ("plain", true, "plain"),
            ("a+b", true, "a b"),
            ("a+b", false, "a+b"),
            ("%41%2b%2F", true, "A+/"),
            ("100%", true, "100%"),
            ("%zz%4", true, "%zz%4"),
            ("%C3%A9t%C3%A9", false, "été"),
            ("%FF", false, "\u{fffd}"),
            ("%E2%82", false, "\u{fffd}"),
            ("%00", false, "\0"),
        ];
        for (text, plus, want) in cases {
            assert_eq!(percent_decode(text, *plus), *want, "{text}");
        }
    }

    #[test]
    fn query() {
        let r = request("/x?a=1&b=two+words&a=%33&&flag&e=&c%5B%5D=x=y", &[], "");
        let q = Query::parse(&r);
        let cases: &[(&str, Option<&str>, &[&str])] = &[
            ("a", Some("1"), &["1", "3"]),
            ("b", Some("two words"), &["two words"]),
            ("flag", Some(""), &[""]),
            ("e", Some(""), &[""]),
            ("c[]", Some("x=y"), &["x=y"]),
            ("missing", None, &[]),
        ];
        for (key, first, all) in cases {
            assert_eq!(q.get(key), *first, "{key}");
            assert_eq!(q.get_all(key).collect::<Vec<_>>(), *all, "{key}");
        }
        assert_eq!(q.pairs().count(), 6);
        assert_eq!(Query::parse(&request("/x", &[], "")).pairs().count(), 0);
    }

    #[test]
    fn headers_cookies_credentials() {
        let r = request(
            "/",
            &[
                ("X-Trace", "abc"),
                ("Cookie", "a=1; session=\"s3\""),
                ("cookie", "b = 2;c=x=y"),
                ("authorization", "bearer tok.en"),
                ("x-api-key", " key "),
                ("x-bin", "caf\u{e9}"),
            ],
            "",
        );
        assert_eq!(header(&r, "x-trace"), Some("abc"));
        assert_eq!(header(&r, "X-TRACE"), Some("abc"));
        assert_eq!(header(&r, "not a header name"), None);
        assert_eq!(header(&r, "x-bin"), None);
        let cookies: &[(&str, Option<&str>)] = &[
            ("a", Some("1")),
            ("session", Some("s3")),
            ("b", Some("2")),
            ("c", Some("x=y")),
            ("d", None),
        ];
        for (name, want) in cookies {
            assert_eq!(cookie(&r, name), *want, "{name}");
        }
        assert_eq!(bearer(&r).ok(), Some(Credential::Bearer("tok.en")));
        assert_eq!(
            api_key(&r, "x-api-key").map(|c| c.secret()).ok(),
            Some("key")
        );
        assert_eq!(
            api_key(&r, "x-other").map_err(|p| p.status).err(),
            Some(401)
        );
        let bad: &[&str] = &[
            "",
            "Bearer",
            "Bearer ",
            "Basic abc",
            "Bearer a b",
            "Bearertoken",
        ];
        for value in bad {
            let problem = bearer(&request("/", &[("authorization", value)], "")).err();
            assert_eq!(problem.as_ref().map(|p| p.status), Some(401), "{value:?}");
            let www = problem
                .as_ref()
                .and_then(|p| p.headers.iter().find(|(n, _)| n == WWW_AUTHENTICATE))
                .map(|(_, v)| v);
            assert_eq!(www.map(|v| v.as_bytes()), Some(&b"Bearer"[..]));
        }
        assert!(bearer(&request("/", &[], "")).is_err());
    }

    #[test]
    fn params() {
        let mut out = Violations::new();
        assert_eq!(
            param::<i32>(Some("42"), Location::Query, "n", true, &mut out),
            Some(42)
        );
        assert_eq!(
            param::<i32>(None, Location::Query, "n", false, &mut out),
            None
        );
        assert!(out.is_empty());
        assert_eq!(
            param::<i32>(Some("4x"), Location::Query, "n", true, &mut out),
            None
        );
        assert_eq!(
            param::<bool>(None, Location::Header, "a/b", true, &mut out),
            None
        );
        let got: Vec<_> = out
            .kept()
            .iter()
            .map(|v| (v.location, v.pointer.as_str(), v.rule))
            .collect();
        assert_eq!(
            got,
            [
                (Location::Query, "/n", "type"),
                (Location::Header, "/a~1b", "required")
            ]
        );
        let floats: &[(&str, bool)] = &[
            ("1.5", true),
            ("-2", true),
            ("1e3", true),
            ("inf", false),
            ("NaN", false),
            ("+1", false),
            ("", false),
        ];
        for (text, ok) in floats {
            assert_eq!(f64::from_param(text).is_ok(), *ok, "{text}");
        }
        let ints: &[(&str, bool)] = &[
            ("0", true),
            ("-1", true),
            ("2147483648", false),
            (" 1", false),
            ("1.0", false),
        ];
        for (text, ok) in ints {
            assert_eq!(i32::from_param(text).is_ok(), *ok, "{text}");
        }
        assert_eq!(
            bool::from_param("True"),
            Err("expected true or false".to_owned())
        );
        assert_eq!(String::from_param("x y"), Ok("x y".to_owned()));
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Order {
        id: u32,
        items: Vec<Item>,
    }
    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Item {
        sku: String,
        tags: std::collections::BTreeMap<String, u8>,
    }

    #[test]
    fn json_decoding() {
        let ok = r#"{"id": 1, "items": [{"sku": "a", "tags": {}}]}"#;
        // (content type, body, status, pointer, rule)
        let cases: &[(&str, &str, u16, &str, &str)] = &[
            ("application/json", ok, 200, "", ""),
            ("Application/JSON; charset=utf-8", ok, 200, "", ""),
            ("application/vnd.api+json", ok, 200, "", ""),
            ("", ok, 415, "", ""),
            ("text/plain", ok, 415, "", ""),
            ("application/+json", ok, 415, "", ""),
            ("application/jsonx", ok, 415, "", ""),
            ("application/json", "", 400, "", ""),
            ("application/json", "{\"id\": 1,", 400, "", ""),
            ("application/json", &format!("{ok} x"), 400, "", ""),
            ("application/json", "\u{feff}{}", 400, "", ""),
            (
                "application/json",
                r#"{"id": "1", "items": []}"#,
                422,
                "/id",
                "type",
            ),
            (
                "application/json",
                r#"{"id": 1}"#,
                422,
                "/items",
                "required",
            ),
            (
                "application/json",
                r#"{"id": 1, "items": [{"sku": "a", "tags": {}}, {"tags": {}}]}"#,
                422,
                "/items/1/sku",
                "required",
            ),
            (
                "application/json",
                r#"{"id": 1, "items": [{"sku": "a", "tags": {"x/y~": 300}}]}"#,
                422,
                "/items/0/tags/x~1y~0",
                "type",
            ),
            // A member `deny_unknown_fields` refuses is a 400 naming it.
            (
                "application/json",
                r#"{"id": 1, "items": [], "extra": 0}"#,
                400,
                "/extra",
                "unknown",
            ),
            (
                "application/json",
                r#"{"a/b`": 0, "id": 1, "items": []}"#,
                400,
                "/a~1b`",
                "unknown",
            ),
            ("application/json", "[]", 422, "", "type"),
            ("application/json", "[1, []]", 422, "", "type"),
            ("application/json", " \n[]", 422, "", "type"),
            // JSON Schema counts `1.0` as an integer; a real fraction is not.
            (
                "application/json",
                r#"{"id": 1.0, "items": []}"#,
                200,
                "",
                "",
            ),
            (
                "application/json",
                r#"{"id": 1.5, "items": []}"#,
                422,
                "/id",
                "type",
            ),
        ];
        for &(ct, body, status, pointer, rule) in cases {
            let headers: &[(&str, &str)] = if ct.is_empty() {
                &[]
            } else {
                &[("content-type", ct)]
            };
            match decode_json_object::<Order>(&request("/", headers, body)) {
                Ok(order) => assert_eq!((status, order.id), (200, 1), "{ct} {body}"),
                Err(problem) => {
                    assert_eq!(problem.status, status, "{ct} {body}: {problem:?}");
                    if status == 422 || !rule.is_empty() {
                        assert_eq!(problem.violations.len(), 1);
                        let v = &problem.violations[0];
                        assert_eq!(
                            (v.location, v.pointer.as_str(), v.rule),
                            (Location::Body, pointer, rule),
                            "{body}"
                        );
                        assert!(!v.message.contains(" at line "), "{}", v.message);
                        if rule == "unknown" {
                            let name = pointer.rsplit('/').next().unwrap_or_default();
                            let name = name.replace("~1", "/").replace("~0", "~");
                            assert_eq!(v.message, format!("unknown field `{name}`"));
                        }
                    }
                }
            }
        }
    }

    /// A constant type, as the Rust target generates one.
    #[derive(Debug, Default, PartialEq)]
    struct OrderConst;

    impl<'de> serde::Deserialize<'de> for OrderConst {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            super::super::decode_constant(deserializer, "order").map(|()| OrderConst)
        }
    }

    /// A record with constant fields, at the top and in a list.
    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Stamped {
        #[serde(default)]
        object: OrderConst,
        id: u32,
        #[serde(default)]
        lines: Vec<StampedLine>,
    }
    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct StampedLine {
        #[serde(default)]
        object: OrderConst,
    }
    /// A tagged union of them.
    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(tag = "kind")]
    enum StampedUnion {
        #[serde(rename = "one")]
        One(StampedLine),
    }

    #[test]
    fn constant_fields() {
        // (body, status, pointer, message)
        let cases: &[(&str, u16, &str, &str)] = &[
            (r#"{"object": "order", "id": 1}"#, 200, "", ""),
            (r#"{"id": 1}"#, 200, "", ""),
            (
                r#"{"id": 1, "lines": [{}, {"object": "order"}]}"#,
                200,
                "",
                "",
            ),
            (
                r#"{"object": "note", "id": 1}"#,
                422,
                "/object",
                r#"expected "order""#,
            ),
            (
                r#"{"object": null, "id": 1}"#,
                422,
                "/object",
                r#"expected "order""#,
            ),
            (
                r#"{"object": 7, "id": 1}"#,
                422,
                "/object",
                r#"expected "order""#,
            ),
            (
                r#"{"id": 1, "lines": [{}, {"object": "Order"}]}"#,
                422,
                "/lines/1/object",
                r#"expected "order""#,
            ),
            // Through the second decode that makes `1.0` an integer.
            (
                r#"{"object": "note", "id": 1.0}"#,
                422,
                "/object",
                r#"expected "order""#,
            ),
            (r#"{"object": "order", "id": 1.0}"#, 200, "", ""),
        ];
        for &(body, status, pointer, message) in cases {
            let request = request("/", &[("content-type", "application/json")], body);
            match decode_json_object::<Stamped>(&request) {
                Ok(stamped) => assert_eq!((status, stamped.id), (200, 1), "{body}"),
                Err(problem) => {
                    assert_eq!(problem.status, status, "{body}: {problem:?}");
                    assert_eq!(problem.violations.len(), 1, "{body}");
                    let v = &problem.violations[0];
                    assert_eq!(
                        (v.pointer.as_str(), v.rule, v.message.as_str()),
                        (pointer, "const", message),
                        "{body}"
                    );
                }
            }
        }
        // Inside a tagged union serde decodes from a buffer: still the rule
        // and the message.
        let json = |body| request("/", &[("content-type", "application/json")], body);
        match decode_json_object::<StampedUnion>(&json(r#"{"kind": "one", "object": "x"}"#)) {
            Ok(decoded) => panic!("decoded {decoded:?}"),
            Err(problem) => {
                let v = &problem.violations[0];
                // The pointer stops at the union's object, as for every
                // decoding error inside one (see `json_problem`).
                assert_eq!(
                    (
                        problem.status,
                        v.pointer.as_str(),
                        v.rule,
                        v.message.as_str()
                    ),
                    (422, "", "const", r#"expected "order""#),
                    "{problem:?}"
                );
            }
        }
        assert_eq!(
            decode_json_object::<StampedUnion>(&json(r#"{"kind": "one", "object": "order"}"#)).ok(),
            Some(StampedUnion::One(StampedLine { object: OrderConst }))
        );
    }

    /// A record with maps at several depths, decoded as generated code does.
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Labelled {
        #[serde(default, deserialize_with = "decode::<NullOr<MapOf<Plain<u8>>>, _>")]
        labels: Option<BTreeMap<String, u8>>,
        #[serde(
            default,
            deserialize_with = "decode_some::<ListOf<MapOf<Plain<u8>>>, _>"
        )]
        rows: Option<Vec<BTreeMap<String, u8>>>,
        #[serde(default, deserialize_with = "decode::<MapOf<MapOf<Plain<u8>>>, _>")]
        grid: BTreeMap<String, BTreeMap<String, u8>>,
        #[serde(
            default,
            deserialize_with = "decode::<Boxed<NullOr<MapOf<Plain<u8>>>>, _>"
        )]
        boxed: Box<Option<BTreeMap<String, u8>>>,
        #[serde(default)]
        a: u8,
    }

    /// The one violation of `body`, which `decode` must refuse with a 422.
    fn one_violation<V: std::fmt::Debug>(
        body: &str,
        decode: impl FnOnce(&Request) -> Result<V, Problem>,
    ) -> Violation {
        let headers = &[("content-type", "application/json")];
        match decode(&request("/", headers, body)) {
            Ok(v) => panic!("{body} decoded as {v:?}"),
            Err(problem) => {
                assert_eq!(problem.status, 422, "{body}: {problem:?}");
                assert_eq!(problem.violations.len(), 1, "{body}");
                problem.violations[0].clone()
            }
        }
    }

    /// The one violation of a body that does not decode as `T`.
    fn violation_of<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> Violation {
        one_violation(body, decode_json::<T>)
    }

    #[test]
    fn maps_decode_at_every_depth() {
        let body = r#"{"labels": {"b": 2, "a": 1}, "rows": [{}, {"x": 3}],
            "grid": {"r": {"c": 4}}, "boxed": {"k": 5}}"#;
        let decoded: Labelled = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        let labels = decoded.labels.unwrap_or_default();
        assert_eq!(
            labels.into_iter().collect::<Vec<_>>(),
            [("a".to_owned(), 1), ("b".to_owned(), 2)]
        );
        assert_eq!(decoded.rows.map(|r| r.len()), Some(2));
        assert_eq!(decoded.grid["r"]["c"], 4);
        assert_eq!(decoded.boxed.unwrap_or_default()["k"], 5);
        // `null` where the shape allows it; absent fields keep their defaults.
        let decoded: Labelled = match serde_json::from_str(r#"{"labels": null}"#) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        assert!(decoded.labels.is_none() && decoded.rows.is_none() && decoded.grid.is_empty());
        for body in [
            r#"{"rows": null}"#,
            r#"{"grid": []}"#,
            r#"{"boxed": {"k": -1}}"#,
        ] {
            assert_eq!(violation_of::<Labelled>(body).rule, "type", "{body}");
        }
    }

    #[test]
    fn repeated_map_keys_are_rejected_like_repeated_fields() {
        // A record's repeated field: what serde's derive answers.
        let field = violation_of::<Labelled>(r#"{"a": 1, "a": 2}"#);
        assert_eq!(
            (
                field.location,
                field.pointer.as_str(),
                field.rule,
                field.message.as_str()
            ),
            (Location::Body, "", "type", "duplicate field `a`")
        );
        // A map's repeated key: the same answer at the map, naming the key.
        let cases = [
            (r#"{"labels": {"a": 1, "b": 2, "a": 3}}"#, "/labels", "a"),
            (r#"{"rows": [{"x": 1}, {"y": 1, "y": 2}]}"#, "/rows/1", "y"),
            (
                r#"{"grid": {"r": {"c": 1}, "s": {"c/~": 1, "c/~": 1}}}"#,
                "/grid/s",
                "c/~",
            ),
            (r#"{"grid": {"r": {}, "r": {}}}"#, "/grid", "r"),
            (r#"{"boxed": {"": 1, "": 1}}"#, "/boxed", ""),
        ];
        for (body, pointer, key) in cases {
            let v = violation_of::<Labelled>(body);
            assert_eq!(
                (v.location, v.pointer.as_str(), v.rule, v.message),
                (
                    Location::Body,
                    pointer,
                    "type",
                    format!("duplicate key `{key}`")
                ),
                "{body}"
            );
        }
        // Not even when the body has an integral float, which is decoded a
        // second time (through `serde_json::Value`, which keeps the last key).
        for body in [
            r#"{"labels": {"a": 1, "a": 2}, "a": 1.0}"#,
            r#"{"a": 1, "a": 2.0}"#,
        ] {
            assert_eq!(violation_of::<Labelled>(body).rule, "type", "{body}");
        }
        // Nor when the repeated key's value is the integral float that
        // failed, before the map saw the key repeat.
        let v = violation_of::<Labelled>(r#"{"labels": {"a": 1, "a": 2.0}}"#);
        assert_eq!(
            (v.pointer.as_str(), v.rule, v.message.as_str()),
            ("/labels", "type", "duplicate key `a`")
        );
        // A map decoded at the top.
        let v = violation_of::<MapOfU8>(r#"{"k": 1, "k": 1}"#);
        assert_eq!(
            (v.pointer.as_str(), v.message.as_str()),
            ("", "duplicate key `k`")
        );
    }

    /// The one violation of a body decoded through shape `S`.
    fn shaped_violation<S: Decode>(body: &str) -> Violation
    where
        S::Value: std::fmt::Debug,
    {
        one_violation(body, decode_json_shaped::<S>)
    }

    #[test]
    fn bodies_that_are_maps_decode_through_their_shape() {
        let headers = &[("content-type", "application/json")];
        let decoded = decode_json_shaped::<ListOf<MapOf<Plain<u8>>>>(&request(
            "/",
            headers,
            r#"[{"b": 2, "a": 1}, {}]"#,
        ));
        match decoded {
            Ok(rows) => assert_eq!((rows.len(), rows[0]["a"], rows[0]["b"]), (2, 1, 2)),
            Err(problem) => panic!("{problem:?}"),
        }
        // An integral float is decoded a second time, still through the shape.
        match decode_json_shaped::<MapOf<Plain<u8>>>(&request("/", headers, r#"{"a": 1.0}"#)) {
            Ok(map) => assert_eq!(map["a"], 1),
            Err(problem) => panic!("{problem:?}"),
        }
        let cases = [
            (r#"{"k": 1, "k": 2}"#, "", "duplicate key `k`"),
            (r#"{"k": 1, "k": 2.0}"#, "", "duplicate key `k`"),
            (r#"{"a": 1, "b": -1}"#, "/b", ""),
            (r#"[1]"#, "", ""),
        ];
        for (body, pointer, message) in cases {
            let v = shaped_violation::<MapOf<Plain<u8>>>(body);
            assert_eq!(
                (v.location, v.pointer.as_str(), v.rule),
                (Location::Body, pointer, "type"),
                "{body}"
            );
            if !message.is_empty() {
                assert_eq!(v.message, message, "{body}");
            }
        }
        let v = shaped_violation::<ListOf<MapOf<Plain<u8>>>>(r#"[{}, {"x/y": 1, "x/y": 1}]"#);
        assert_eq!(
            (v.pointer.as_str(), v.rule, v.message.as_str()),
            ("/1", "type", "duplicate key `x/y`")
        );
        // Not JSON at all, or not JSON by its Content-Type: as `decode_json`.
        let status = |body: &str, headers: &[(&str, &str)]| {
            decode_json_shaped::<MapOf<Plain<u8>>>(&request("/", headers, body))
                .err()
                .map(|p| p.status)
        };
        assert_eq!(status("{", headers), Some(400));
        assert_eq!(status("{}", &[]), Some(415));
    }

    /// A body that is a map.
    #[derive(Debug, serde::Deserialize)]
    #[serde(transparent)]
    struct MapOfU8(
        #[serde(deserialize_with = "decode::<MapOf<Plain<u8>>, _>")] BTreeMap<String, u8>,
    );

    /// A record whose fields hold scalars read and written by the runtime,
    /// at several depths, as generated code declares them.
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Scalars {
        #[serde(
            serialize_with = "encode::<Wire<Bytes>, _>",
            deserialize_with = "decode::<Wire<Bytes>, _>"
        )]
        blob: Bytes,
        #[serde(
            serialize_with = "encode::<ListOf<Wire<Bytes>>, _>",
            deserialize_with = "decode::<ListOf<Wire<Bytes>>, _>"
        )]
        blobs: Vec<Bytes>,
        #[serde(
            serialize_with = "encode::<MapOf<NullOr<Wire<Bytes>>>, _>",
            deserialize_with = "decode::<MapOf<NullOr<Wire<Bytes>>>, _>"
        )]
        named: BTreeMap<String, Option<Bytes>>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            serialize_with = "encode_some::<Boxed<Wire<Bytes>>, _>",
            deserialize_with = "decode_some::<Boxed<Wire<Bytes>>, _>"
        )]
        boxed: Option<Box<Bytes>>,
    }

    #[test]
    fn scalars_are_read_and_written_by_the_runtime_at_every_depth() {
        let body =
            r#"{"blob":"Zm9v","blobs":["","Zg=="],"named":{"a":null,"b":"Zm8="},"boxed":"Zg=="}"#;
        let decoded: Scalars = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(decoded.blob, Bytes::from_static(b"foo"));
        assert_eq!(decoded.blobs[1], Bytes::from_static(b"f"));
        assert_eq!(decoded.named["b"], Some(Bytes::from_static(b"fo")));
        assert_eq!(serde_json::to_string(&decoded).ok().as_deref(), Some(body));
        // Unpadded input is written back padded; an absent option stays absent.
        let decoded: Scalars = serde_json::from_str(r#"{"blob":"Zg","blobs":[],"named":{}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            serde_json::to_string(&decoded).ok().as_deref(),
            Some(r#"{"blob":"Zg==","blobs":[],"named":{}}"#)
        );
        // Strict at every depth, with the pointer of the value.
        let cases = [
            (r#"{"blob":"Zm9v\n","blobs":[],"named":{}}"#, "/blob"),
            (r#"{"blob":"","blobs":["","-_-_"],"named":{}}"#, "/blobs/1"),
            (r#"{"blob":"","blobs":[],"named":{"k":[102]}}"#, "/named/k"),
            (
                r#"{"blob":"","blobs":[],"named":{},"boxed":null}"#,
                "/boxed",
            ),
            (r#"{"blob":[102],"blobs":[],"named":{}}"#, "/blob"),
        ];
        for (body, pointer) in cases {
            let v = violation_of::<Scalars>(body);
            assert_eq!((v.pointer.as_str(), v.rule), (pointer, "type"), "{body}");
        }
        assert!(
            violation_of::<Scalars>(r#"{"blob":"-_-_","blobs":[],"named":{}}"#)
                .message
                .contains("base64")
        );
    }

    #[test]
    fn top_level_scalars_decode_and_encode_through_their_shape() {
        use super::super::scalar::Uuid;
        let headers = &[("content-type", "application/json")];
        let id = "123e4567-e89b-12d3-a456-426614174000";
        let decoded = decode_json_shaped::<ListOf<Wire<Uuid>>>(&request(
            "/",
            headers,
            &format!(r#"["{id}"]"#),
        ));
        let ids = decoded.unwrap_or_else(|p| panic!("{p:?}"));
        let json = serde_json::to_string(&Encoded::<ListOf<Wire<Uuid>>>::new(&ids));
        assert_eq!(json.ok(), Some(format!(r#"["{id}"]"#)));
        let v = shaped_violation::<ListOf<Wire<Uuid>>>(&format!(r#"["{id}", "{{{id}}}"]"#));
        assert_eq!((v.pointer.as_str(), v.rule), ("/1", "type"));
        let none: Option<Bytes> = None;
        let json = serde_json::to_string(&Encoded::<NullOr<Wire<Bytes>>>::new(&none));
        assert_eq!(json.ok().as_deref(), Some("null"));
    }
}
