//! The OpenAPI target on this crate's specs (`tests/specs/*.gati`, compiled
//! by the checker): snapshots of every document, the properties that matter
//! checked directly, determinism, and validity under
//! `openapi-spec-validator`.

mod support;

use gatic_ir::Spec;
use serde_json::Value as J;

use support::*;

/// The specs, by name: every type kind, primitive, refinement and field
/// flag (`types`); every parameter location, auth kind and error
/// arrangement (`routes`); two versions (`versioned`); nothing but a
/// service (`empty`).
const SPECS: [&str; 4] = ["types", "routes", "versioned", "empty"];

/// `tests/specs/<name>.gati`, compiled.
fn spec(name: &str) -> Spec {
    gatic_test_support::compile_named(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs"),
        &format!("{name}.gati"),
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
        for name in SPECS {
            for file in gatic_openapi::generate(&spec(name)) {
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
    let doc = head(&spec("types"));
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
    let doc = head(&spec("routes"));
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
    let files = gatic_openapi::generate(&spec("versioned"));
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
    for spec in SPECS.map(spec) {
        let first = gatic_openapi::generate(&spec);
        assert_eq!(first, gatic_openapi::generate(&spec.clone()));
        let text: J = serde_json::from_str(&first[0].contents).expect("JSON");
        let head_date = spec.versions.last().map(|v| v.date.as_str());
        assert_eq!(gatic_openapi::document(&spec, &spec.head, head_date), text);
    }
}

#[test]
fn documents_pass_openapi_spec_validator() {
    for name in SPECS {
        validate(name, &gatic_openapi::generate(&spec(name)));
    }
}
