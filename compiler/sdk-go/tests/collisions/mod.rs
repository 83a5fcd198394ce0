//! A spec whose names collide in Go after casing or with the SDK's own names,
//! built as IR (the checker may reject some of these; the generator must
//! still produce valid Go).

use crate::fixture::*;
use gatic_ir::*;

/// Types named like the SDK's runtime (`APIError`, `Nullable`), an error
/// named so its Go name meets a type's, fields and routes colliding after
/// casing, enum values colliding with each other and with a type,
/// parameters named like Go keywords, packages and the method's locals, and
/// response headers of every type a header may have, on each kind of
/// result, in a struct whose name a type already has, and an event stream
/// (sent a JSON body) whose event type is named like the SDK's
/// `EventStream`, with a parameter named like the method's locals.
pub fn collisions() -> Spec {
    use Primitive as P;
    let types = vec![
        record("APIError", None, vec![field("code", prim(P::Int32))]),
        record("Nullable", None, vec![field("x", prim(P::String))]),
        record("NotFoundError", None, vec![field("y", prim(P::String))]),
        record(
            "Thing",
            Some("Fields that collide after casing."),
            vec![
                field("created_at", prim(P::Datetime)),
                field("createdAt", prim(P::Datetime)),
                field("user_id", prim(P::Uuid)),
                field("userID", prim(P::Uuid)),
                optional(field("maybe", nullable(prim(P::Int64)))),
                field("values", list(nullable(prim(P::Int32)))),
                field("raw", nullable(prim(P::Any))),
            ],
        ),
        def(
            "Mode",
            None,
            TypeDefKind::Enum {
                values: ["two_factor", "twoFactor", "fast"]
                    .into_iter()
                    .map(|v| EnumValue {
                        name: v.to_string(),
                        doc: None,
                        deprecated: false,
                    })
                    .collect(),
            },
        ),
        record("ModeFast", None, vec![field("z", prim(P::Bool))]),
        record("GetThingHeaders", None, vec![field("w", prim(P::String))]),
        record("EventStream", None, vec![field("v", prim(P::Int32))]),
        def(
            "Shape",
            None,
            TypeDefKind::Union {
                tag: Some("tag".into()),
                variants: vec![
                    Variant {
                        name: "tag".into(),
                        doc: None,
                        ty: named("ModeFast"),
                    },
                    Variant {
                        name: "unknown".into(),
                        doc: None,
                        ty: named("Thing"),
                    },
                ],
            },
        ),
    ];
    let errors = vec![ErrorDef {
        name: "NotFound".into(),
        doc: None,
        status: 404,
        fields: vec![
            field("api_error", prim(P::String)),
            field("error", prim(P::String)),
            field("unwrap", prim(P::String)),
            field("request_id", prim(P::String)),
        ],
    }];
    let mut get = route("get_thing", Method::Get, "/things/{url}/{type}");
    get.params = vec![
        param("url", ParamLocation::Path, prim(P::String)),
        param("type", ParamLocation::Path, named("Mode")),
        param("ctx", ParamLocation::Query, prim(P::Int64)),
        param("body", ParamLocation::Query, list(prim(P::Datetime))),
        Param {
            optional: true,
            ..param("req", ParamLocation::Header, prim(P::Bool))
        },
        Param {
            optional: true,
            ..param("params", ParamLocation::Cookie, prim(P::Float64))
        },
    ];
    get.params
        .push(param("headers", ParamLocation::Query, prim(P::String)));
    get.returns = Some(named("Thing"));
    get.errors = vec!["NotFound".into()];
    let header = |name: &str, t: Ty| Param {
        wire_name: format!("X-{name}"),
        ..param(name, ParamLocation::Header, t)
    };
    get.response_headers = vec![
        Param {
            doc: Some("Colliding after casing with the next one.".into()),
            ..header("quota_left", prim(P::Int32))
        },
        Param {
            optional: true,
            ..header("quotaLeft", prim(P::Int64))
        },
        header("ratio", prim(P::Float64)),
        Param {
            optional: true,
            ..header("fresh", prim(P::Bool))
        },
        header("modified_at", prim(P::Datetime)),
        Param {
            optional: true,
            ..header("seen_at", prim(P::Datetime))
        },
        header("digest", prim(P::Bytes)),
        Param {
            optional: true,
            ..header("signature", prim(P::Bytes))
        },
        header("id", prim(P::Uuid)),
        header("price", prim(P::Decimal)),
        header("mode", named("Mode")),
        Param {
            optional: true,
            deprecated: true,
            ..header("next_mode", named("Mode"))
        },
        Param {
            optional: true,
            default: Some(Value::Int(20)),
            ..header("limit", prim(P::Int32))
        },
        Param {
            default: Some(Value::Enum("fast".into())),
            ..header("fallback_mode", named("Mode"))
        },
    ];
    let mut get2 = route("getThing", Method::Post, "/things");
    get2.body = Some(named("Shape"));
    get2.returns = Some(map(named("Mode")));
    get2.response_headers = vec![header("count", prim(P::Int64))];
    let mut head = route("head", Method::Head, "/");
    head.status = 204;
    head.response_headers = vec![Param {
        optional: true,
        ..header("etag", prim(P::String))
    }];
    let mut watch = route("watch", Method::Post, "/things/watch");
    watch.params = vec![param("out", ParamLocation::Query, prim(P::String))];
    watch.body = Some(named("Shape"));
    watch.returns = Some(nullable(named("EventStream")));
    watch.returns_format = BodyFormat::EventStream;
    spec(
        "api_error",
        Api {
            types,
            errors,
            routes: vec![get, get2, head, watch],
        },
        vec![],
    )
}
