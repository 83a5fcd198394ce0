//! A small ordered YAML tree, serialized with serde-saphyr: manifests are
//! built as data, so they are always valid YAML whatever a value holds, and
//! keys keep the order Kubernetes users expect (`apiVersion`, `kind`, …).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A YAML value with ordered maps.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// A string (quoted by the serializer when it would read as anything else).
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in insertion order.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// Appends `key: value` to a mapping (no-op on other nodes).
    pub(crate) fn push(&mut self, key: &str, value: impl Into<Node>) {
        if let Node::Map(fields) = self {
            fields.push((key.to_string(), value.into()));
        }
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Node {
        Node::Str(s.to_string())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Str(s)
    }
}

impl From<&String> for Node {
    fn from(s: &String) -> Node {
        Node::Str(s.clone())
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Node {
        Node::Bool(b)
    }
}

impl From<u16> for Node {
    fn from(n: u16) -> Node {
        Node::Int(i64::from(n))
    }
}

impl From<u32> for Node {
    fn from(n: u32) -> Node {
        Node::Int(i64::from(n))
    }
}

impl From<u64> for Node {
    fn from(n: u64) -> Node {
        Node::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<Vec<Node>> for Node {
    fn from(items: Vec<Node>) -> Node {
        Node::Seq(items)
    }
}

/// `map! { "key" => value, … }`: an ordered mapping.
macro_rules! map {
    ($($key:expr => $value:expr),* $(,)?) => {
        $crate::yaml::Node::Map(vec![$(($key.to_string(), $crate::yaml::Node::from($value))),*])
    };
}
pub(crate) use map;

/// `seq![a, b]`: a sequence.
macro_rules! seq {
    ($($value:expr),* $(,)?) => {
        $crate::yaml::Node::Seq(vec![$($crate::yaml::Node::from($value)),*])
    };
}
pub(crate) use seq;

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Str(s) => serializer.serialize_str(s),
            Node::Int(n) => serializer.serialize_i64(*n),
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Map(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// The document as YAML text, after a `# header` comment line.
pub(crate) fn render(header: &str, node: &Node) -> String {
    // Serializing this tree cannot fail (no non-string keys, no floats); an
    // error would be a bug, shown in the file rather than a panic.
    let body = serde_saphyr::to_string(node).unwrap_or_else(|e| format!("# error: {e}\n"));
    let mut out = format!("# {header}\n");
    out.push_str(&body);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
