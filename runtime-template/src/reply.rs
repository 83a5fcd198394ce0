//! `Reply<T>`: what a handler answers with on success — a value it owns, or
//! one it shares with other requests.

use std::ops::Deref;
use std::sync::Arc;

/// A handler's successful answer: the route's response value, owned or
/// shared.
///
/// Build one with `.into()` from the value (`Ok(person.into())`), or from an
/// `Arc` of it to answer from shared state — a cache, an in-memory table —
/// without copying the value: the head version serializes it where it lies.
/// Only a client of an older version, whose response is converted from the
/// head's types, takes a copy of a shared value (when no other reference to
/// it is left, not even that).
pub struct Reply<T> {
    value: Value<T>,
}

/// Where a reply's value lives.
enum Value<T> {
    Owned(T),
    Shared(Arc<T>),
}

impl<T> Reply<T> {
    /// A reply that owns `value`.
    pub fn new(value: T) -> Reply<T> {
        Reply {
            value: Value::Owned(value),
        }
    }

    /// A reply that shares `value` with whoever else holds it.
    pub fn shared(value: Arc<T>) -> Reply<T> {
        Reply {
            value: Value::Shared(value),
        }
    }

    /// The value, copied only if it is shared and still referenced elsewhere.
    pub fn into_inner(self) -> T
    where
        T: Clone,
    {
        match self.value {
            Value::Owned(value) => value,
            Value::Shared(value) => Arc::unwrap_or_clone(value),
        }
    }
}

impl<T> Deref for Reply<T> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.value {
            Value::Owned(value) => value,
            Value::Shared(value) => value,
        }
    }
}

impl<T> From<T> for Reply<T> {
    fn from(value: T) -> Reply<T> {
        Reply::new(value)
    }
}

impl<T> From<Arc<T>> for Reply<T> {
    fn from(value: Arc<T>) -> Reply<T> {
        Reply::shared(value)
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: Clone> Clone for Reply<T> {
    fn clone(&self) -> Reply<T> {
        match &self.value {
            Value::Owned(value) => Reply::new(value.clone()),
            Value::Shared(value) => Reply::shared(Arc::clone(value)),
        }
    }
}

impl<T: PartialEq> PartialEq for Reply<T> {
    fn eq(&self, other: &Reply<T>) -> bool {
        **self == **other
    }
}

impl<T: PartialEq> PartialEq<T> for Reply<T> {
    fn eq(&self, other: &T) -> bool {
        **self == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_and_shared_read_alike() {
        let owned: Reply<String> = "a".to_string().into();
        let shared: Reply<String> = Arc::new("a".to_string()).into();
        assert_eq!(&*owned, "a");
        assert_eq!(owned, shared);
        assert_eq!(shared, "a".to_string());
        assert_eq!(format!("{shared:?}"), "\"a\"");
    }

    #[test]
    fn into_inner_copies_only_a_value_still_shared() {
        let table = Arc::new(vec![1, 2, 3]);
        let reply = Reply::shared(Arc::clone(&table));
        let copy = reply.into_inner();
        assert_eq!(copy, [1, 2, 3]);
        assert_eq!(
            Arc::strong_count(&table),
            1,
            "the reply's reference is gone"
        );

        let only = Arc::new(vec![4]);
        let pointer = only.as_ptr();
        let moved = Reply::shared(only).into_inner();
        assert_eq!(moved.as_ptr(), pointer, "the last reference moves out");
    }
}
