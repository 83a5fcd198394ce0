//! Names that collide with each other after casing: record fields
//! (`created_at` and `createdAt`, `user_id` and `userID`), enum values
//! (`two_factor` and `twoFactor`), routes (`get_thing` and `getThing`) and
//! response headers (`quota_left` and `quotaLeft`).
//! The checker refuses them (`E0103`), so real input never reaches the SDK
//! with them; the generator still writes valid Go for them, which this IR
//! keeps proving. It is `specs/cased.gati` compiled, with the second name of
//! each pair renamed to the colliding one, since the language cannot say
//! it. Every collision the checker accepts is `specs/collisions.gati`.

use gatic_ir::{Spec, TypeDefKind};

/// The spec with names the checker refuses.
pub fn cased_collisions() -> Spec {
    let mut spec = crate::support::compile(&crate::support::specs(), "cased.gati");
    let renamed = |name: &mut String| {
        let to = match name.as_str() {
            "created_at_2" => "createdAt",
            "user_id_2" => "userID",
            "two_factor_2" => "twoFactor",
            "get_thing_2" => "getThing",
            "quota_left_2" => "quotaLeft",
            _ => return,
        };
        *name = to.to_string();
    };
    for def in &mut spec.head.types {
        match &mut def.kind {
            TypeDefKind::Record { fields } => fields.iter_mut().for_each(|f| renamed(&mut f.name)),
            TypeDefKind::Enum { values } => values.iter_mut().for_each(|v| renamed(&mut v.name)),
            _ => {}
        }
    }
    for route in &mut spec.head.routes {
        renamed(&mut route.name);
        route
            .response_headers
            .iter_mut()
            .for_each(|h| renamed(&mut h.name));
    }
    spec
}
