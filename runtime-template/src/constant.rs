//! Constant fields (`object: "charge"`): the decoding every generated
//! constant type shares, and how a value that is not the constant reads in
//! a problem.
//!
//! The Rust target gives each distinct constant a unit struct of its own
//! (`types::consts::Charge`), which serializes as its string and decodes
//! through [`decode_constant`]: the exact string, or an error whose text
//! [`expected_constant`] recognises, so that the request's problem names
//! the rule `const` and the value the field must hold.

use std::fmt;

use serde::Deserializer;
use serde::de::{Error, Unexpected, Visitor};

/// What a constant's decoder says it expects, before the constant as a
/// JSON string. serde puts it after `, expected ` in its messages.
const EXPECTING: &str = "the constant ";

/// Decodes the value of a constant field: `value` as a JSON string, exactly;
/// any other string, or anything but a string, is an error.
pub fn decode_constant<'de, D: Deserializer<'de>>(
    deserializer: D,
    value: &'static str,
) -> Result<(), D::Error> {
    deserializer.deserialize_str(Exactly(value))
}

/// The visitor that takes one string only.
struct Exactly(&'static str);

impl<'de> Visitor<'de> for Exactly {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The constant as JSON text, so that every character of it reads
        // unambiguously in the message.
        write!(f, "{EXPECTING}{}", serde_json::Value::from(self.0))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<(), E> {
        if v == self.0 {
            Ok(())
        } else {
            Err(E::invalid_value(Unexpected::Str(v), &self))
        }
    }
}

/// The constant, as a JSON string, that a decoding error's message says a
/// constant field expected: serde's `invalid value: string "note", expected
/// the constant "charge"` (or `invalid type: integer `1`, …`) gives
/// `"charge"`. `None` for every other message.
///
/// The first `, expected the constant "` is the decoder's own: serde writes
/// the unexpected string in Rust's debug form, where every `"` it holds is
/// escaped, so the text before it cannot contain that sequence.
pub(super) fn expected_constant(message: &str) -> Option<&str> {
    let marker = format!(", expected {EXPECTING}\"");
    let at = message.find(&marker)?;
    // From the constant's opening quote to the end.
    Some(&message[at + marker.len() - 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A constant type as the Rust target generates one.
    #[derive(Debug, Default, PartialEq)]
    struct Charge;

    impl<'de> serde::Deserialize<'de> for Charge {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            decode_constant(deserializer, "charge").map(|()| Charge)
        }
    }

    /// One with characters JSON escapes.
    struct Odd;

    impl<'de> serde::Deserialize<'de> for Odd {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            decode_constant(deserializer, "say \"hi\"\n").map(|()| Odd)
        }
    }

    /// The message of decoding `json` as `T`, without serde_json's position.
    fn message<T: serde::de::DeserializeOwned>(json: &str) -> String {
        match serde_json::from_str::<T>(json) {
            Ok(_) => String::from("ok"),
            Err(e) => {
                let text = e.to_string();
                match text.rfind(" at line ") {
                    Some(i) => text[..i].to_owned(),
                    None => text,
                }
            }
        }
    }

    #[test]
    fn takes_exactly_the_constant() {
        assert_eq!(
            serde_json::from_str::<Charge>(r#""charge""#).ok(),
            Some(Charge)
        );
        // Escapes are decoded first: this is the same string.
        assert_eq!(
            serde_json::from_str::<Charge>(r#""\u0063harge""#).ok(),
            Some(Charge)
        );
        assert!(serde_json::from_str::<Odd>(r#""say \"hi\"\n""#).is_ok());
        // From a `serde_json::Value` too (the decoder's second attempt for
        // integral floats goes through one).
        assert!(serde_json::from_value::<Charge>(serde_json::json!("charge")).is_ok());
        assert!(serde_json::from_value::<Charge>(serde_json::json!("Charge")).is_err());
    }

    #[test]
    fn anything_else_names_the_constant() {
        for (json, expected) in [
            (r#""note""#, Some(r#""charge""#)),
            (r#""Charge""#, Some(r#""charge""#)),
            (r#""""#, Some(r#""charge""#)),
            ("1", Some(r#""charge""#)),
            ("null", Some(r#""charge""#)),
            ("true", Some(r#""charge""#)),
            ("[]", Some(r#""charge""#)),
            (r#"{"a": 1}"#, Some(r#""charge""#)),
            // A string that imitates the message cannot fool the parse.
            (r#""x, expected the constant \"y\"""#, Some(r#""charge""#)),
        ] {
            let text = message::<Charge>(json);
            assert_eq!(expected_constant(&text), expected, "{json}: {text}");
        }
        let text = message::<Odd>(r#""say hi""#);
        assert_eq!(
            expected_constant(&text),
            Some(r#""say \"hi\"\n""#),
            "{text}"
        );
        // Other errors are not a constant's.
        for text in [
            "invalid type: string \"a\", expected i64",
            "missing field `object`",
            "unknown variant `x`, expected `a` or `b`",
        ] {
            assert_eq!(expected_constant(text), None, "{text}");
        }
    }
}
