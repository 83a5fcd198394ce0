//! Shared test helpers: IR builders, snapshot settings and the validator.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::Command;

use gatic_ir::{
    Api, Auth, BodyFormat, Bounds, ErrorDef, Field, Format, Limits, Method, Number, Param,
    ParamLocation, PathSegment, Primitive, Refinements, Route, Service, Spec, Ty, TyKind, TypeDef,
    TypeDefKind, UnknownFields, Value, Variant,
};

/// The pip package that provides the validator, as CI installs it.
pub const VALIDATOR_INSTALL: &str = "scripts/setup (openapi-spec-validator in target/gatic-venv)";

/// Runs `openapi-spec-validator` on every file (written under the test's
/// temporary target folder as `<dir>/<path>`); panics with its output when
/// one is invalid, and with the install command when it is missing.
pub fn validate(dir: &str, files: &[gatic_ir::OutputFile]) {
    if let Err(e) = check_valid(dir, files) {
        panic!("{e}");
    }
}

/// Like [`validate`], but returns the validator's complaint instead of
/// panicking (it still panics when the validator is missing).
pub fn check_valid(dir: &str, files: &[gatic_ir::OutputFile]) -> Result<(), String> {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("openapi")
        .join(dir);
    let mut paths: Vec<PathBuf> = Vec::new();
    for file in files {
        let path = root.join(&file.path);
        let parent = path.parent().expect("output paths have a folder");
        std::fs::create_dir_all(parent).expect("create the output folder");
        std::fs::write(&path, &file.contents).expect("write the document");
        paths.push(path);
    }
    let output = match Command::new("openapi-spec-validator").args(&paths).output() {
        Ok(output) => output,
        Err(e) => panic!(
            "openapi-spec-validator could not be run ({e}); install it with `{VALIDATOR_INSTALL}`"
        ),
    };
    if output.status.success() {
        return Ok(());
    }
    // The validator prints the whole document after an error; keep the gist.
    let text = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    let gist: String = text
        .lines()
        .filter(|l| !l.ends_with(": OK"))
        .map(|l| l.chars().take(400).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n");
    Err(format!(
        "openapi-spec-validator rejected {}:\n{gist}",
        root.display()
    ))
}

/// Runs `f` with insta writing to `snapshots/openapi`.
pub fn with_snapshots(f: impl FnOnce()) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/openapi"),
        prepend_module_to_snapshot => false,
    }, {
        f();
    });
}

pub fn ty(kind: TyKind) -> Ty {
    Ty {
        kind,
        nullable: false,
        refinements: Refinements::default(),
    }
}

pub fn prim(p: Primitive) -> Ty {
    ty(TyKind::Primitive(p))
}

pub fn string() -> Ty {
    prim(Primitive::String)
}

pub fn named(name: &str) -> Ty {
    ty(TyKind::Named(name.to_string()))
}

pub fn list(item: Ty) -> Ty {
    ty(TyKind::List(Box::new(item)))
}

pub fn map(value: Ty) -> Ty {
    ty(TyKind::Map(Box::new(value)))
}

pub fn int(i: i64) -> Option<Number> {
    Some(Number::Int(i))
}

/// Inclusive bounds.
pub fn bounds(min: Option<Number>, max: Option<Number>) -> Bounds {
    Bounds {
        min,
        max,
        ..Bounds::default()
    }
}

/// Refinement and flag setters on [`Ty`].
pub trait TyExt {
    fn nullable(self) -> Ty;
    fn len(self, b: Bounds) -> Ty;
    fn range(self, b: Bounds) -> Ty;
    fn items(self, b: Bounds) -> Ty;
    fn pattern(self, p: &str) -> Ty;
    fn format(self, f: Format) -> Ty;
}

impl TyExt for Ty {
    fn nullable(mut self) -> Ty {
        self.nullable = true;
        self
    }
    fn len(mut self, b: Bounds) -> Ty {
        self.refinements.len = Some(b);
        self
    }
    fn range(mut self, b: Bounds) -> Ty {
        self.refinements.range = Some(b);
        self
    }
    fn items(mut self, b: Bounds) -> Ty {
        self.refinements.items = Some(b);
        self
    }
    fn pattern(mut self, p: &str) -> Ty {
        self.refinements.pattern = Some(p.to_string());
        self
    }
    fn format(mut self, f: Format) -> Ty {
        self.refinements.format = Some(f);
        self
    }
}

pub fn field(name: &str, ty: Ty) -> Field {
    Field {
        name: name.to_string(),
        doc: None,
        ty,
        optional: false,
        default: None,
        readonly: false,
        write_only: false,
        deprecated: false,
        example: None,
    }
}

/// A constant field (`name: "value"`), as the checker builds it: never
/// optional, with the string itself as its default.
pub fn constant(name: &str, value: &str) -> Field {
    field(name, ty(TyKind::Const(value.to_string()))).default(Value::String(value.to_string()))
}

/// Flag setters on [`Field`].
pub trait FieldExt {
    fn doc(self, doc: &str) -> Field;
    fn optional(self) -> Field;
    fn default(self, v: Value) -> Field;
    fn readonly(self) -> Field;
    fn write_only(self) -> Field;
    fn deprecated(self) -> Field;
}

impl FieldExt for Field {
    fn doc(mut self, doc: &str) -> Field {
        self.doc = Some(doc.to_string());
        self
    }
    fn optional(mut self) -> Field {
        self.optional = true;
        self
    }
    fn default(mut self, v: Value) -> Field {
        self.default = Some(v);
        self
    }
    fn readonly(mut self) -> Field {
        self.readonly = true;
        self
    }
    fn write_only(mut self) -> Field {
        self.write_only = true;
        self
    }
    fn deprecated(mut self) -> Field {
        self.deprecated = true;
        self
    }
}

pub fn type_def(name: &str, doc: Option<&str>, kind: TypeDefKind) -> TypeDef {
    TypeDef {
        name: name.to_string(),
        doc: doc.map(str::to_string),
        deprecated: false,
        instance: None,
        unknown_fields: UnknownFields::Ignore,
        example: None,
        kind,
    }
}

pub fn record(name: &str, doc: Option<&str>, fields: Vec<Field>) -> TypeDef {
    type_def(name, doc, TypeDefKind::Record { fields })
}

pub fn variant(name: &str, ty: Ty) -> Variant {
    Variant {
        name: name.to_string(),
        doc: None,
        ty,
    }
}

pub fn error(name: &str, status: u16, fields: Vec<Field>) -> ErrorDef {
    ErrorDef {
        name: name.to_string(),
        doc: None,
        status,
        fields,
    }
}

/// A route with no params, body, errors or auth, answering `status` with nothing.
pub fn route(name: &str, method: Method, path: &str, status: u16) -> Route {
    let path = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(p) => PathSegment::Param(p.to_string()),
                None => PathSegment::Literal(s.to_string()),
            },
        )
        .collect();
    Route {
        name: name.to_string(),
        doc: None,
        deprecated: false,
        method,
        path,
        params: Vec::new(),
        body: None,
        body_doc: None,
        status,
        returns: None,
        returns_doc: None,
        errors: Vec::new(),
        limits: Limits::default(),
        auth: Auth::None,
        scopes: Vec::new(),
        response_headers: Vec::new(),
        body_format: BodyFormat::Json,
        returns_format: BodyFormat::Json,
    }
}

pub fn param(name: &str, location: ParamLocation, ty: Ty) -> Param {
    Param {
        name: name.to_string(),
        wire_name: name.to_string(),
        location,
        doc: None,
        ty,
        optional: false,
        default: None,
        deprecated: false,
    }
}

pub fn service(name: &str, title: &str, doc: Option<&str>) -> Service {
    Service {
        name: name.to_string(),
        title: title.to_string(),
        doc: doc.map(str::to_string),
        limits: Limits::default(),
        auth: Auth::None,
        deploy: None,
        version_header: None,
        principal: None,
        cors: None,
        jwt: None,
        unknown_fields: UnknownFields::Ignore,
    }
}

pub fn spec(source: &str, service: Service, head: Api) -> Spec {
    Spec {
        source: source.to_string(),
        service,
        head,
        versions: Vec::new(),
    }
}
