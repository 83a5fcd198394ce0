//! The OpenAPI target: one OpenAPI 3.1.0 document per version of an API.
//!
//! [`generate`] writes `openapi/openapi.json` for the head and
//! `openapi/<date>.json` for every declared version; [`document`] builds one
//! document. Each describes the server's real wire behaviour (the contract in
//! `runtime-template/README.md`): JSON bodies, RFC 9457 problems for every
//! error the runtime or a handler can answer with, parameters as the router
//! reads them. Documents are built as an ordered tree ([`json`]), so their
//! members follow the spec's declaration order and the text is
//! byte-for-byte deterministic.

mod json;
mod operations;
mod schema;

use gatic_ir::{Api, OutputFile, Spec};

use crate::json::{Json, Obj};
use crate::operations::Operations;
use crate::schema::Schemas;

/// The OpenAPI version every document declares.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// One OpenAPI 3.1.0 document for `api`, a version of `spec`.
///
/// `version` is the version's date (`info.version`, and the default of the
/// `Gati-Version` header in versioned specs); `None` means the head's date,
/// or `0.0.0` when the spec has no versions.
pub fn document(spec: &Spec, api: &Api, version: Option<&str>) -> serde_json::Value {
    build(spec, api, version).to_value()
}

/// The text of [`document`]: pretty JSON, members in declaration order,
/// with a trailing newline.
pub fn document_text(spec: &Spec, api: &Api, version: Option<&str>) -> String {
    build(spec, api, version).to_pretty()
}

/// `openapi/openapi.json` for the head, then `openapi/<date>.json` for each
/// declared version, oldest first.
pub fn generate(spec: &Spec) -> Vec<OutputFile> {
    let head_date = spec.versions.last().map(|v| v.date.as_str());
    let mut files = vec![OutputFile {
        path: "openapi/openapi.json".to_string(),
        contents: document_text(spec, &spec.head, head_date),
    }];
    for version in &spec.versions {
        files.push(OutputFile {
            path: format!("openapi/{}.json", version.date),
            contents: document_text(spec, &version.api, Some(&version.date)),
        });
    }
    files
}

/// The document as an ordered tree.
fn build(spec: &Spec, api: &Api, version: Option<&str>) -> Json {
    let date = version.or(spec.versions.last().map(|v| v.date.as_str()));
    let schemas = Schemas::new(api);
    let mut ops = Operations::new(
        spec,
        api,
        &schemas,
        date.filter(|_| !spec.versions.is_empty()),
    );
    let paths = ops.paths();

    let mut components = Obj::new();
    let mut component_schemas = Obj::new();
    for def in &api.types {
        for (name, schema) in schemas.type_def(def) {
            component_schemas.set(name, schema);
        }
    }
    for error in &api.errors {
        component_schemas.set(
            operations::error_component(&schemas, &error.name),
            ops.error_schema(error),
        );
    }
    for (name, schema) in operations::problem_schemas() {
        component_schemas.set(name, schema);
    }
    components.set("schemas", component_schemas);
    components = components.extended(ops.components());

    Obj::new()
        .with("openapi", OPENAPI_VERSION)
        .with("info", info(spec, date))
        .with("servers", vec![Obj::new().with("url", "/")])
        .with("paths", paths)
        .with("components", components)
        .into()
}

/// The `info` object: title, version and description.
fn info(spec: &Spec, date: Option<&str>) -> Obj {
    let mut description = spec.service.doc.clone();
    let released = date.and_then(|d| spec.versions.iter().find(|v| v.date == d));
    if let Some(version) = released.filter(|v| v.deprecated || v.sunset.is_some()) {
        let note = match (version.deprecated, &version.sunset) {
            (true, Some(sunset)) => {
                format!(
                    "Version {} is deprecated and served until {sunset}.",
                    version.date
                )
            }
            (false, Some(sunset)) => format!("Version {} is served until {sunset}.", version.date),
            _ => format!("Version {} is deprecated.", version.date),
        };
        description = Some(match description {
            Some(doc) => format!("{doc}\n\n{note}"),
            None => note,
        });
    }
    Obj::new()
        .with("title", spec.service.title.as_str())
        .with("version", date.unwrap_or("0.0.0"))
        .with_opt("description", description)
        .with(
            "x-generated-by",
            format!("gatic from {}; do not edit", spec.source),
        )
}
