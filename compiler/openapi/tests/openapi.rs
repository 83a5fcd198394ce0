//! The OpenAPI target on hand-built IR: snapshots of every document, the
//! properties that matter checked directly, determinism, and validity under
//! `openapi-spec-validator`.

mod support;

use gatic_ir::{
    Api, Auth, Change, EnumValue, Format, Method, Number, ParamLocation, Primitive, Rate, Spec,
    TypeDefKind, Value, Version,
};
use serde_json::Value as J;

use support::*;

fn p(prim: Primitive) -> gatic_ir::Ty {
    support::prim(prim)
}

/// A spec with every type kind, primitive, refinement and field flag.
fn types_spec() -> Spec {
    let grade = type_def(
        "Grade",
        Some("A letter grade."),
        TypeDefKind::Enum {
            values: vec![
                EnumValue {
                    name: "a".into(),
                    doc: None,
                    deprecated: false,
                },
                EnumValue {
                    name: "b".into(),
                    doc: Some("The usual.".into()),
                    deprecated: false,
                },
                EnumValue {
                    name: "c".into(),
                    doc: None,
                    deprecated: true,
                },
            ],
        },
    );
    let email = type_def(
        "Email",
        Some("An email address."),
        TypeDefKind::Alias {
            target: string().format(Format::Email).len(bounds(None, int(254))),
        },
    );
    let labels = type_def(
        "Labels",
        None,
        TypeDefKind::Alias {
            target: map(string()),
        },
    );
    let card = record(
        "Card",
        Some("A payment card."),
        vec![field("number", string().pattern("[0-9]{16}"))],
    );
    let bank = record(
        "Bank",
        None,
        vec![
            field("iban", string().len(bounds(int(15), int(34)))),
            field("bic", string()).optional(),
        ],
    );
    let mut card_variant = variant("card", named("Card"));
    card_variant.doc = Some("Paid by card.".into());
    let payment = type_def(
        "Payment",
        Some("How a payment is made."),
        TypeDefKind::Union {
            tag: Some("kind".into()),
            variants: vec![card_variant, variant("bank", named("Bank"))],
        },
    );
    let search = type_def(
        "Search",
        Some("Told apart by JSON shape."),
        TypeDefKind::Union {
            tag: None,
            variants: vec![
                variant("text", string().len(bounds(int(1), int(200)))),
                variant("ids", list(p(Primitive::Uuid))),
                variant("filter", named("Card")),
            ],
        },
    );
    let loose = type_def(
        "Loose",
        Some("Two records: a value may match both."),
        TypeDefKind::Union {
            tag: None,
            variants: vec![
                variant("card", named("Card")),
                variant("bank", named("Bank")),
            ],
        },
    );
    let node = record(
        "Node",
        Some("A tree."),
        vec![
            field("value", p(Primitive::Int32)),
            field("children", list(named("Node"))),
            field("parent", named("Node").nullable()).optional(),
        ],
    );
    let excl = |min: Option<Number>, max: Option<Number>| gatic_ir::Bounds {
        min,
        min_exclusive: min.is_some(),
        max,
        max_exclusive: max.is_some(),
    };
    let sample = record(
        "Sample",
        Some("A value of every primitive type, with refinements.\nSecond line."),
        vec![
            constant("object", "sample").doc("Always `sample`."),
            field("id", p(Primitive::Uuid))
                .readonly()
                .doc("Assigned by the server."),
            field("name", string().len(bounds(int(1), int(100)))),
            field(
                "slug",
                string()
                    .len(bounds(int(3), None))
                    .pattern("[a-z0-9]+(-[a-z0-9]+)*"),
            ),
            field("note", string().len(bounds(None, int(500))))
                .default(Value::String(String::new())),
            field("postal_code", string().pattern("\\d{5}")),
            field("contact", string().format(Format::Email)),
            field("ref_id", string().format(Format::Uuid)),
            field("homepage", string().format(Format::Url)),
            field("host", string().format(Format::Hostname)),
            field("address", string().format(Format::Ip)),
            field("maybe_address", string().format(Format::Ip).nullable()),
            field("active", p(Primitive::Bool)).default(Value::Bool(true)),
            field(
                "count",
                p(Primitive::Int32).range(bounds(int(0), int(1000))),
            )
            .default(Value::Int(0)),
            field(
                "offset",
                p(Primitive::Int64).range(excl(None, int(10_000_000_000))),
            ),
            field(
                "ratio",
                p(Primitive::Float64).range(gatic_ir::Bounds {
                    min: int(0),
                    min_exclusive: true,
                    max: int(1),
                    max_exclusive: false,
                }),
            ),
            field(
                "latitude",
                p(Primitive::Float64).range(bounds(
                    Some(Number::Float(-90.5)),
                    Some(Number::Float(90.5)),
                )),
            ),
            field("price", p(Primitive::Decimal)),
            field("whole_price", p(Primitive::Decimal).pattern("[0-9]+")),
            field("email", p(Primitive::Email)),
            field("website", p(Primitive::Url)),
            field("born_on", p(Primitive::Date)),
            field("created_at", p(Primitive::Datetime)).readonly(),
            field("retention", p(Primitive::Duration)),
            field("thumbnail", p(Primitive::Bytes)).write_only(),
            field("extra", p(Primitive::Any)),
            field("maybe_extra", p(Primitive::Any).nullable()),
            field(
                "tags",
                list(string().len(bounds(int(1), int(30)))).items(bounds(None, int(10))),
            )
            .default(Value::List(Vec::new())),
            field(
                "matrix",
                list(list(p(Primitive::Float64))).items(bounds(int(1), int(4))),
            ),
            field("few", list(p(Primitive::Int32)).items(excl(int(0), int(5)))),
            field("readings", list(p(Primitive::Int32).nullable())),
            field(
                "labels",
                map(string().len(bounds(None, int(200)))).items(bounds(None, int(50))),
            )
            .default(Value::Object(Vec::new())),
            field("few_labels", named("Labels").items(bounds(None, int(3)))),
            // A map's own `len`, `pattern` and `format` are its keys'.
            field(
                "hosts",
                map(p(Primitive::Int32))
                    .len(bounds(int(1), int(63)))
                    .format(Format::Hostname)
                    .items(bounds(None, int(9))),
            ),
            field("weights", map(p(Primitive::Int32))).default(Value::Object(vec![
                ("z".into(), Value::Int(1)),
                ("a".into(), Value::Int(2)),
            ])),
            field("grades", map(named("Grade"))),
            field("nickname", string().len(bounds(int(1), int(40)))).optional(),
            field("archived_at", p(Primitive::Datetime).nullable()).default(Value::Null),
            field("parent", p(Primitive::Uuid).nullable()).optional(),
            field("legacy_code", string()).optional().deprecated(),
            field("grade", named("Grade")).default(Value::Enum("b".into())),
            field("maybe_grade", named("Grade").nullable()),
            field("contact_email", named("Email")),
            field("short_email", named("Email").len(bounds(None, int(20)))),
            field("payment", named("Payment")),
        ],
    );
    // An instance of a generic record, as the checker writes `Page<Card>`.
    let mut card_page = record(
        "CardPage",
        Some("A page of results."),
        vec![
            constant("object", "list"),
            field("data", list(named("Card"))),
        ],
    );
    card_page.instance = Some(gatic_ir::Instance {
        generic: "Page".into(),
        args: vec![named("Card")],
    });
    let mut old = record("Old", None, vec![field("x", string())]);
    old.deprecated = true;
    let api = Api {
        types: vec![
            grade, email, labels, card, bank, payment, search, loose, node, sample, card_page, old,
        ],
        errors: vec![error(
            "NotFound",
            404,
            vec![constant("object", "error"), field("id", p(Primitive::Uuid))],
        )],
        routes: vec![
            {
                let mut r = route("create_sample", Method::Post, "/samples", 201);
                r.body = Some(named("Sample"));
                r.returns = Some(named("Sample"));
                r
            },
            {
                let mut r = route("search", Method::Post, "/search", 200);
                r.body = Some(named("Search"));
                r.returns = Some(list(named("Sample")));
                r
            },
        ],
    };
    spec(
        "samples.gati",
        service("samples", "Samples", Some("Stores samples.")),
        api,
    )
}

/// A spec with every parameter location, auth kind and error arrangement.
fn routes_spec() -> Spec {
    let article = record(
        "Article",
        Some("An article."),
        vec![
            field("id", p(Primitive::Uuid)).readonly(),
            field("title", string()),
        ],
    );
    let sort = type_def(
        "Sort",
        None,
        TypeDefKind::Enum {
            values: ["newest", "oldest"]
                .iter()
                .map(|n| EnumValue {
                    name: (*n).into(),
                    doc: None,
                    deprecated: false,
                })
                .collect(),
        },
    );
    let mut not_found = error("NotFound", 404, vec![field("message", string())]);
    not_found.doc = Some("No article has this id.".into());
    let errors = vec![
        not_found,
        error("Conflict", 409, vec![field("existing", p(Primitive::Uuid))]),
        error("Duplicate", 409, vec![field("slug", string()).optional()]),
        // Named like a type: its component gets a suffix.
        error("Article", 410, Vec::new()),
    ];
    let id = || param("id", ParamLocation::Path, p(Primitive::Uuid));
    let mut list_articles = route("list_articles", Method::Get, "/articles", 200);
    list_articles.doc = Some("List articles.\nEvery kind of parameter, one of each.".into());
    list_articles.auth = Auth::Bearer;
    list_articles.params = vec![
        {
            let mut q = param(
                "limit",
                ParamLocation::Query,
                p(Primitive::Int32).range(bounds(int(1), int(100))),
            );
            q.doc = Some("How many to return.".into());
            q.default = Some(Value::Int(20));
            q
        },
        {
            let mut q = param("cursor", ParamLocation::Query, string());
            q.optional = true;
            q
        },
        {
            let mut q = param("sort", ParamLocation::Query, named("Sort"));
            q.default = Some(Value::Enum("newest".into()));
            q
        },
        {
            let mut q = param(
                "tag",
                ParamLocation::Query,
                list(string().len(bounds(int(1), int(30)))).items(bounds(None, int(5))),
            );
            q.default = Some(Value::List(Vec::new()));
            q
        },
        {
            let mut q = param("ids", ParamLocation::Query, list(p(Primitive::Uuid)));
            q.optional = true;
            q.deprecated = true;
            q
        },
        {
            let mut h = param("idempotency_key", ParamLocation::Header, string());
            h.wire_name = "Idempotency-Key".into();
            h.optional = true;
            h
        },
        {
            let mut c = param("session", ParamLocation::Cookie, string());
            c.wire_name = "sid".into();
            c
        },
        {
            let mut c = param("theme", ParamLocation::Cookie, string());
            c.default = Some(Value::String("light".into()));
            c
        },
    ];
    list_articles.returns = Some(list(named("Article")));

    let mut get_article = route("get_article", Method::Get, "/articles/{id}", 200);
    get_article.doc = Some("Fetch one article.".into());
    get_article.params = vec![id()];
    get_article.returns = Some(named("Article"));
    get_article.errors = vec!["NotFound".into()];
    get_article.auth = Auth::ApiKey {
        header: "X-Api-Key".into(),
    };

    let mut replace = route("replace_article", Method::Put, "/articles/{id}", 200);
    replace.deprecated = true;
    replace.params = vec![id()];
    replace.body = Some(named("Article"));
    replace.returns = Some(named("Article"));
    replace.errors = vec!["Conflict".into(), "Duplicate".into()];
    replace.auth = Auth::Bearer;

    let mut delete = route("delete_article", Method::Delete, "/articles/{id}", 204);
    delete.params = vec![id()];
    delete.auth = Auth::ApiKey {
        header: "X-Other-Key".into(),
    };

    let mut check = route("check_article", Method::Head, "/articles/{id}", 200);
    check.params = vec![id()];
    check.errors = vec!["NotFound".into()];

    let mut create = route("create_article", Method::Post, "/articles", 201);
    create.body = Some(named("Article"));
    create.returns = Some(named("Article"));
    create.errors = vec!["Article".into()];
    create.limits.rate = Some(Rate {
        requests: 10,
        per_ms: 60_000,
        burst: 20,
    });

    let mut root = route("info", Method::Get, "/", 200);
    root.doc = Some("Service information.\n\nThe root path.".into());
    root.returns = Some(string());

    let api = Api {
        types: vec![article, sort],
        errors,
        routes: vec![
            root,
            list_articles,
            get_article,
            replace,
            delete,
            check,
            create,
        ],
    };
    spec(
        "catalogue.gati",
        service(
            "catalogue",
            "Catalogue",
            Some("A catalogue of articles.\n\nWith a second paragraph."),
        ),
        api,
    )
}

/// A spec with two versions: `nick` became `name` and `role` was added.
fn versioned_spec() -> Spec {
    let user = |fields| record("User", Some("A user."), fields);
    let api = |fields| Api {
        types: vec![user(fields)],
        errors: Vec::new(),
        routes: vec![{
            let mut r = route("get_user", Method::Get, "/users/{id}", 200);
            r.params = vec![param("id", ParamLocation::Path, p(Primitive::Uuid))];
            r.returns = Some(named("User"));
            r
        }],
    };
    let old = api(vec![
        field("id", p(Primitive::Uuid)),
        field("nick", string()),
    ]);
    let head = api(vec![
        field("id", p(Primitive::Uuid)),
        field("name", string()),
        field("role", string()).default(Value::String("member".into())),
    ]);
    let mut s = spec("users.gati", service("users", "Users", None), head.clone());
    s.versions = vec![
        Version {
            date: "2025-01-01".into(),
            title: "Initial release".into(),
            doc: None,
            deprecated: true,
            deprecated_since: None,
            sunset: Some("2026-01-01".into()),
            changes: Vec::new(),
            api: old,
        },
        Version {
            date: "2025-06-01".into(),
            title: "Names".into(),
            doc: None,
            deprecated: false,
            deprecated_since: None,
            sunset: None,
            changes: vec![Change::FieldRenamed {
                owner: "User".into(),
                from: "nick".into(),
                to: "name".into(),
            }],
            api: head,
        },
    ];
    s
}

/// A spec with nothing in it.
fn empty_spec() -> Spec {
    spec(
        "empty.gati",
        service("empty", "empty", None),
        Api::default(),
    )
}

/// The head document, parsed.
fn head(spec: &Spec) -> J {
    let files = gatic_openapi::generate(spec);
    serde_json::from_str(&files[0].contents).expect("documents are JSON")
}

fn at<'a>(doc: &'a J, pointer: &str) -> &'a J {
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the document"))
}

#[test]
fn snapshots() {
    with_snapshots(|| {
        for (name, spec) in [
            ("types", types_spec()),
            ("routes", routes_spec()),
            ("versioned", versioned_spec()),
            ("empty", empty_spec()),
        ] {
            for file in gatic_openapi::generate(&spec) {
                let file_name = file
                    .path
                    .trim_start_matches("openapi/")
                    .trim_end_matches(".json");
                insta::assert_snapshot!(format!("{name}@{file_name}"), file.contents);
            }
        }
    });
}

#[test]
fn types_are_expressed_as_documented() {
    let doc = head(&types_spec());
    let s = |name: &str| at(&doc, &format!("/components/schemas/{name}")).clone();
    let sample = s("Sample");
    let prop = |name: &str| sample["properties"][name].clone();
    // Required: neither optional nor defaulted; nullable stays required.
    let required: Vec<&str> = sample["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(J::as_str)
        .collect();
    assert!(required.contains(&"maybe_grade") && required.contains(&"id"));
    assert!(!required.contains(&"nickname") && !required.contains(&"note"));
    assert_eq!(
        prop("maybe_grade")["anyOf"][1],
        serde_json::json!({"type": "null"})
    );
    assert_eq!(
        prop("archived_at")["type"],
        serde_json::json!(["string", "null"])
    );
    assert_eq!(prop("id")["readOnly"], J::Bool(true));
    assert_eq!(prop("thumbnail")["writeOnly"], J::Bool(true));
    assert_eq!(prop("thumbnail")["contentEncoding"], "base64");
    assert_eq!(prop("slug")["pattern"], "^(?:[a-z0-9]+(-[a-z0-9]+)*)$");
    assert_eq!(prop("offset")["exclusiveMaximum"], 10_000_000_000_i64);
    assert_eq!(prop("ratio")["exclusiveMinimum"], 0);
    assert_eq!(
        (
            prop("few")["minItems"].clone(),
            prop("few")["maxItems"].clone()
        ),
        (1.into(), 4.into())
    );
    assert_eq!(prop("labels")["maxProperties"], 50);
    assert_eq!(prop("few_labels")["maxProperties"], 3);
    assert_eq!(
        prop("hosts"),
        serde_json::json!({
            "type": "object",
            "propertyNames": {
                "type": "string", "minLength": 1, "maxLength": 63, "format": "hostname"
            },
            "additionalProperties": {"type": "integer", "format": "int32"},
            "maxProperties": 9,
        })
    );
    assert_eq!(
        prop("short_email")["allOf"][0]["$ref"],
        "#/components/schemas/Email"
    );
    assert_eq!(prop("extra"), serde_json::json!({}));
    // A constant: its one string, also its default, so a request may leave
    // it out.
    assert_eq!(
        prop("object"),
        serde_json::json!({
            "description": "Always `sample`.",
            "type": "string",
            "const": "sample",
            "default": "sample",
        })
    );
    assert!(!required.contains(&"object"));
    let not_found = s("NotFound");
    assert_eq!(
        not_found["properties"]["object"],
        serde_json::json!({"type": "string", "const": "error", "default": "error"})
    );
    // An instance says where it comes from.
    assert_eq!(
        s("CardPage")["description"],
        "A page of results.\n\nInstantiated from the generic record `Page` as `Page<Card>`."
    );
    // An error's schema describes only responses, which always carry it.
    assert_eq!(
        not_found["required"],
        serde_json::json!(["type", "title", "status", "object", "id"])
    );
    // Tagged unions: a helper component per variant, with the tag as a const.
    assert_eq!(
        s("Payment")["discriminator"]["mapping"]["card"],
        "#/components/schemas/Payment.card"
    );
    assert_eq!(
        s("Payment.card")["allOf"][1]["properties"]["kind"]["const"],
        "card"
    );
    // Untagged: oneOf when the JSON types are disjoint, anyOf otherwise.
    assert!(s("Search")["oneOf"].is_array());
    assert!(s("Loose")["anyOf"].is_array());
}

#[test]
fn operations_are_expressed_as_documented() {
    let doc = head(&routes_spec());
    let op = |path: &str, method: &str| at(&doc, &format!("/paths/{path}/{method}")).clone();
    let list = op("~1articles", "get");
    assert_eq!(list["summary"], "List articles.");
    // A first line that runs on: the description is the whole doc.
    assert_eq!(
        list["description"],
        "List articles.\nEvery kind of parameter, one of each."
    );
    // A first line that is its own paragraph: the description is the rest.
    let info = op("~1", "get");
    assert_eq!(
        (&info["summary"], &info["description"]),
        (&"Service information.".into(), &"The root path.".into())
    );
    assert_eq!(list["security"], serde_json::json!([{"bearer": []}]));
    let params = list["parameters"].as_array().cloned().unwrap_or_default();
    let by_name = |n: &str| {
        params
            .iter()
            .find(|p| p["name"] == n)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(by_name("tag")["explode"], J::Bool(true));
    assert_eq!(by_name("limit")["required"], J::Bool(false));
    assert_eq!(by_name("limit")["schema"]["default"], 20);
    assert_eq!(by_name("sid")["in"], "cookie");
    assert_eq!(by_name("sid")["required"], J::Bool(true));
    assert_eq!(by_name("Idempotency-Key")["in"], "header");
    // 401 only with auth, 415 only with a body.
    assert!(list["responses"].get("401").is_some() && list["responses"].get("415").is_none());
    let create = op("~1articles", "post");
    assert!(create["responses"].get("401").is_none() && create["responses"].get("415").is_some());
    assert_eq!(
        create["responses"]["410"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Article.error"
    );
    // A declared 404 and the router's 404 share the status: oneOf of both.
    let get = op("~1articles~1{id}", "get");
    let one_of = &get["responses"]["404"]["content"]["application/problem+json"]["schema"]["oneOf"];
    assert_eq!(one_of[0]["$ref"], "#/components/schemas/NotFound");
    assert_eq!(one_of[1]["$ref"], "#/components/schemas/gati.Problem");
    assert_eq!(
        get["security"],
        serde_json::json!([{"apiKey.x-api-key": []}])
    );
    let not_found = at(&doc, "/components/schemas/NotFound");
    assert_eq!(
        not_found["properties"]["type"]["const"],
        "urn:problem:catalogue:not-found"
    );
    assert_eq!(not_found["properties"]["title"]["const"], "NotFound");
    // Two declared errors at 409.
    let replace = op("~1articles~1{id}", "put");
    assert_eq!(
        replace["responses"]["409"]["content"]["application/problem+json"]["schema"]["oneOf"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(replace["deprecated"], J::Bool(true));
    // 204 and HEAD: no content.
    let delete = op("~1articles~1{id}", "delete");
    assert!(delete["responses"]["204"].get("content").is_none());
    let check = op("~1articles~1{id}", "head");
    assert!(check["responses"]["404"].get("content").is_none());
    // 429 on every operation, with `Retry-After`: by reference where there is
    // a body, written out for HEAD. The rate itself only where a route has one.
    for op in [&list, &info, &get, &replace, &delete, &create] {
        assert_eq!(
            op["responses"]["429"]["$ref"],
            "#/components/responses/TooManyRequests"
        );
    }
    assert!(check["responses"]["429"]["headers"]["Retry-After"].is_object());
    assert!(
        at(
            &doc,
            "/components/responses/TooManyRequests/headers/Retry-After"
        )
        .is_object()
    );
    assert_eq!(
        create["x-gati-rate-limit"],
        serde_json::json!({"requests": 10, "per_seconds": 60, "burst": 20})
    );
    assert!(list.get("x-gati-rate-limit").is_none());
    assert!(doc.pointer("/components/parameters").is_none());
    assert_eq!(at(&doc, "/info/version"), "0.0.0");
}

#[test]
fn every_version_has_its_document() {
    let spec = versioned_spec();
    let files = gatic_openapi::generate(&spec);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "openapi/openapi.json",
            "openapi/2025-01-01.json",
            "openapi/2025-06-01.json"
        ]
    );
    assert_eq!(files[0].contents, files[2].contents);
    for file in &files {
        assert!(file.contents.ends_with("}\n"));
    }
    let old: J = serde_json::from_str(&files[1].contents).expect("JSON");
    assert_eq!(at(&old, "/info/version"), "2025-01-01");
    assert!(
        at(&old, "/components/schemas/User/properties")
            .get("nick")
            .is_some()
    );
    let header = at(&old, "/components/parameters/GatiVersion");
    assert_eq!(header["schema"]["default"], "2025-01-01");
    // An old version's shapes need the header; the head's are the default.
    assert_eq!(header["required"], J::Bool(true));
    assert_eq!(header["schema"]["enum"], serde_json::json!(["2025-01-01"]));
    assert_eq!(
        at(&old, "/paths/~1users~1{id}/get/parameters/1/$ref"),
        "#/components/parameters/GatiVersion"
    );
    let head: J = serde_json::from_str(&files[0].contents).expect("JSON");
    assert_eq!(
        at(&head, "/components/parameters/GatiVersion/required"),
        &J::Bool(false)
    );
    assert_eq!(at(&head, "/info/version"), "2025-06-01");
    assert_eq!(
        at(&head, "/components/parameters/GatiVersion/schema/default"),
        "2025-06-01"
    );
}

#[test]
fn output_is_deterministic_and_matches_the_value() {
    for spec in [types_spec(), routes_spec(), versioned_spec(), empty_spec()] {
        let first = gatic_openapi::generate(&spec);
        assert_eq!(first, gatic_openapi::generate(&spec.clone()));
        let text: J = serde_json::from_str(&first[0].contents).expect("JSON");
        let head_date = spec.versions.last().map(|v| v.date.as_str());
        assert_eq!(gatic_openapi::document(&spec, &spec.head, head_date), text);
    }
}

#[test]
fn documents_pass_openapi_spec_validator() {
    for (name, spec) in [
        ("types", types_spec()),
        ("routes", routes_spec()),
        ("versioned", versioned_spec()),
        ("empty", empty_spec()),
    ] {
        validate(name, &gatic_openapi::generate(&spec));
    }
}
