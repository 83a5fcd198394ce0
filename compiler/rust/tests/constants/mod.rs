//! A spec with constant fields (`object: "charge"`), built as IR the way the
//! checker lowers one: each constant field required, never nullable, and
//! defaulted to its constant.

use gatic_ir::*;

use crate::fixture::*;

/// A constant field: `name: "value"`.
fn constant(name: &str, value: &str) -> Field {
    with_default(
        field(name, ty(TyKind::Const(value.to_string()))),
        Value::String(value.to_string()),
    )
}

/// Constant fields in records, nested records, a tagged union's variants,
/// an error payload and a record default; constants whose names need care
/// (not identifiers, colliding once cased, a keyword, the empty string); and
/// an older version where one constant field did not exist yet and another
/// was a plain string.
pub fn constants() -> Spec {
    use Primitive as P;
    let types = vec![
        record(
            "Charge",
            Some("A charge to a card."),
            vec![
                doc(constant("object", "charge"), "Says what this object is."),
                Field {
                    readonly: true,
                    ..field("id", prim(P::String))
                },
                field("amount", prim(P::Int64)),
            ],
        ),
        // `Page<Charge>`, instantiated from a generic record, whose
        // constant is shared with `Oddities.list`; the field's doc names
        // the constant already.
        TypeDef {
            instance: Some(Instance {
                generic: "Page".into(),
                args: vec![named("Charge")],
            }),
            ..record(
                "ChargePage",
                Some("A page of results."),
                vec![
                    doc(constant("object", "list"), "Always `list`."),
                    field("data", list(named("Charge"))),
                    field("has_more", prim(P::Bool)),
                ],
            )
        },
        record(
            "Refund",
            None,
            vec![
                constant("object", "refund"),
                field("charge", named("Charge")),
                optional(field("reason", prim(P::String))),
            ],
        ),
        def(
            "Payment",
            Some("A charge or a refund, told apart by `kind`."),
            TypeDefKind::Union {
                tag: Some("kind".into()),
                variants: vec![
                    Variant {
                        name: "charge".into(),
                        doc: None,
                        ty: named("Charge"),
                    },
                    Variant {
                        name: "refund".into(),
                        doc: None,
                        ty: named("Refund"),
                    },
                ],
            },
        ),
        record(
            "PaymentIntent",
            None,
            vec![
                constant("object", "payment_intent"),
                field("amount", prim(P::Int64)),
            ],
        ),
        record(
            "Oddities",
            Some("Constants whose type names need care."),
            vec![
                constant("list", "list"),
                constant("version", "v1.0"),
                constant("upper", "V1.0"),
                constant("empty", ""),
                constant("keyword", "self"),
                constant("dashed", "payment-intent"),
                constant("quoted", "say \"hi\"\n"),
                // A field named like the constant types' module.
                constant("consts", "consts"),
                // Constants named like the prelude's and the derives' names.
                constant("ok", "ok"),
                constant("result", "result"),
                constant("default", "default"),
                constant("string", "String"),
            ],
        ),
        record(
            "Preferences",
            None,
            vec![
                constant("object", "preferences"),
                with_default(
                    field("currency", prim(P::String)),
                    Value::String("usd".into()),
                ),
            ],
        ),
        record(
            "Wallet",
            None,
            vec![
                constant("object", "wallet"),
                // A record default that leaves the constant out, and one
                // that spells it.
                with_default(
                    field("preferences", named("Preferences")),
                    Value::Object(vec![]),
                ),
                with_default(
                    field("fallback", named("Preferences")),
                    Value::Object(vec![
                        ("object".into(), Value::String("preferences".into())),
                        ("currency".into(), Value::String("eur".into())),
                    ]),
                ),
            ],
        ),
    ];
    let errors = vec![ErrorDef {
        name: "NotFound".into(),
        doc: None,
        status: 404,
        fields: vec![constant("object", "error"), field("id", prim(P::String))],
    }];

    let mut create_charge = route("create_charge", Method::Post, "/charges");
    create_charge.body = Some(named("Charge"));
    create_charge.status = 201;
    create_charge.returns = Some(named("Charge"));

    let mut get_charge = route("get_charge", Method::Get, "/charges/{id}");
    get_charge.params = vec![param("id", ParamLocation::Path, prim(P::String))];
    get_charge.returns = Some(named("Charge"));
    get_charge.errors = vec!["NotFound".into()];

    let mut list_charges = route("list_charges", Method::Get, "/charges");
    list_charges.returns = Some(named("ChargePage"));

    let mut create_intent = route("create_intent", Method::Post, "/intents");
    create_intent.body = Some(named("PaymentIntent"));
    create_intent.returns = Some(named("PaymentIntent"));

    let mut pay = route("pay", Method::Post, "/payments");
    pay.body = Some(named("Payment"));
    pay.returns = Some(list(named("Payment")));

    let mut oddities = route("get_oddities", Method::Get, "/oddities");
    oddities.returns = Some(named("Oddities"));

    let mut wallet = route("put_wallet", Method::Put, "/wallet");
    wallet.body = Some(named("Wallet"));
    wallet.returns = Some(named("Wallet"));

    let mut spec = spec(
        "constants",
        Api {
            types,
            errors,
            routes: vec![
                create_charge,
                get_charge,
                list_charges,
                create_intent,
                pay,
                oddities,
                wallet,
            ],
        },
        vec!["2025-01-01", "2025-06-01"],
    );
    // 2025-01-01: charges had no `object` yet and called their amount
    // `cents`; a payment intent's `object` was any string.
    spec.versions[1].changes = vec![
        Change::FieldAdded {
            owner: "Charge".into(),
            field: "object".into(),
            default: Some(Value::String("charge".into())),
        },
        Change::FieldRenamed {
            owner: "Charge".into(),
            from: "cents".into(),
            to: "amount".into(),
        },
        Change::FieldRetyped {
            owner: "PaymentIntent".into(),
            field: "object".into(),
            from: prim(P::String),
            via: None,
        },
    ];
    for t in &mut spec.versions[0].api.types {
        let TypeDefKind::Record { fields } = &mut t.kind else {
            continue;
        };
        match t.name.as_str() {
            "Charge" => {
                fields.retain(|f| f.name != "object");
                for f in fields.iter_mut().filter(|f| f.name == "amount") {
                    f.name = "cents".into();
                }
            }
            "PaymentIntent" => {
                for f in fields.iter_mut().filter(|f| f.name == "object") {
                    *f = field("object", prim(P::String));
                }
            }
            _ => {}
        }
    }
    spec
}
