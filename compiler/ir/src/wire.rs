//! Names that appear on the wire and that every target must spell the same:
//! the server sends them, OpenAPI documents them and each SDK matches them.

use crate::ident;

/// The `type` member of a declared error's problem (RFC 9457):
/// `urn:problem:<service>:<error>`, both in kebab case. The server writes
/// it, OpenAPI gives it as the schema's `const`, and the SDKs recognise
/// their error classes by it.
pub fn problem_type(service: &str, error: &str) -> String {
    format!(
        "urn:problem:{}:{}",
        ident::kebab(service),
        ident::kebab(error)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn problem_types_are_kebab_case_urns() {
        assert_eq!(
            super::problem_type("users", "NotFound"),
            "urn:problem:users:not-found"
        );
        assert_eq!(
            super::problem_type("billing_api", "CardDeclined"),
            "urn:problem:billing-api:card-declined"
        );
    }
}
