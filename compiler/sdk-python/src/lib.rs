//! The Python SDK target: a typed, standard-library-only client package
//! generated from the IR.
//!
//! Output (under `sdk/python/`): `pyproject.toml`, `README.md` and the package
//! `<service>_client/` with `models.py` (dataclasses, `str` enums, unions,
//! and a frozen `<Route>Headers` dataclass per route that declares response
//! headers), `errors.py` (one exception per declared error), `client.py` (one
//! method per route; a route with response headers returns the runtime's
//! `Answer[T, <Route>Headers]`; a body that is not JSON is `bytes` or `str`
//! sent as it is with its media type, a multipart form's parts are
//! keyword-only arguments (a file part a `FileUpload`), a raw answer is
//! returned as `bytes` or `str`, and a `returns stream T` route returns the
//! runtime's `EventStream[T]`), the hand-written `_runtime.py` (codecs, the
//! `multipart/form-data` encoder, the `text/event-stream` parser and
//! `EventStream`, and the urllib transport with timeouts and retries),
//! `__init__.py` and the `py.typed` marker.
//! Names and expressions are computed in [`context`]; the templates under
//! `targets/python/` only lay them out.

mod context;
mod names;
mod types;

use gatic_ir::{OutputFile, Spec};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

/// The templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "__init__.py",
        include_str!("../../../targets/python/__init__.py.j2"),
    ),
    (
        "models.py",
        include_str!("../../../targets/python/models.py.j2"),
    ),
    (
        "errors.py",
        include_str!("../../../targets/python/errors.py.j2"),
    ),
    (
        "client.py",
        include_str!("../../../targets/python/client.py.j2"),
    ),
    (
        "pyproject.toml",
        include_str!("../../../targets/python/pyproject.toml.j2"),
    ),
    (
        "README.md",
        include_str!("../../../targets/python/README.md.j2"),
    ),
];

/// The runtime module, copied into every SDK as is (after the header line).
const RUNTIME: &str = include_str!("../../../targets/python/_runtime.py");

/// Modules generated modules import under a private alias, so spec names
/// (`Type`, `Optional`, `Enum`…) never shadow them: the standard library's,
/// then the package's own. A module imports those whose alias it uses.
const STDLIB_ALIASES: &[(&str, &str)] = &[
    ("_dc.", "import dataclasses as _dc"),
    ("_dt.", "import datetime as _dt"),
    ("_decimal.", "import decimal as _decimal"),
    ("_enum.", "import enum as _enum"),
    ("_t.", "import typing as _t"),
    ("_urlreq.", "import urllib.request as _urlreq"),
    ("_uuid.", "import uuid as _uuid"),
];
const LOCAL_ALIASES: &[(&str, &str)] = &[
    ("_rt.", "from . import _runtime as _rt"),
    ("_e.", "from . import errors as _e"),
    ("_m.", "from . import models as _m"),
];

/// Generates the Python SDK for `spec`; paths start with `sdk/python/`.
pub fn generate(spec: &Spec) -> Vec<OutputFile> {
    let ctx = context::build(spec);
    let env = environment();
    // Converted to a template value once: every render shares it.
    let value = Value::from_serialize(&ctx);
    let root = "sdk/python";
    let pkg = format!("{root}/{}", ctx.package);
    let mut files = vec![
        OutputFile {
            path: format!("{root}/pyproject.toml"),
            contents: render(&env, "pyproject.toml", &value, ""),
        },
        OutputFile {
            path: format!("{root}/README.md"),
            contents: render(&env, "README.md", &value, ""),
        },
        OutputFile {
            path: format!("{pkg}/py.typed"),
            // The PEP 561 marker: empty, as type checkers expect.
            contents: String::new(),
        },
        OutputFile {
            path: format!("{pkg}/_runtime.py"),
            contents: format!("# {}\n{RUNTIME}", ctx.header),
        },
    ];
    for module in ["__init__.py", "models.py", "errors.py", "client.py"] {
        // Render once, with a placeholder for the imports, to see which
        // aliases the module uses; the imports then replace the placeholder.
        // The placeholder holds no alias, and where it does not occur
        // exactly once (a template without imports, or the placeholder's
        // text inside the spec's docs) the module is rendered again.
        let draft = render(&env, module, &value, IMPORTS_PLACEHOLDER);
        let used = |aliases: &[(&str, &str)]| {
            aliases
                .iter()
                .filter(|(alias, _)| draft.contains(alias))
                .map(|(_, import)| format!("{import}\n"))
                .collect::<String>()
        };
        let (stdlib, local) = (used(STDLIB_ALIASES), used(LOCAL_ALIASES));
        let imports = match (stdlib.is_empty(), local.is_empty()) {
            (false, false) => format!("{stdlib}\n{local}"),
            _ => format!("{stdlib}{local}"),
        };
        let contents = if draft.matches(IMPORTS_PLACEHOLDER).count() == 1 {
            draft.replacen(IMPORTS_PLACEHOLDER, &imports, 1)
        } else {
            render(&env, module, &value, &imports)
        };
        files.push(OutputFile {
            path: format!("{pkg}/{module}"),
            contents,
        });
    }
    files.sort();
    files
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    for (name, source) in TEMPLATES {
        // The templates are part of this crate: a syntax error is a bug that
        // every test catches.
        if let Err(err) = env.add_template(name, source) {
            panic!("template {name}: {err}");
        }
    }
    env
}

/// Stands for a module's imports in its first render.
const IMPORTS_PLACEHOLDER: &str = "\u{1}gatic-imports\u{1}";

fn render(env: &Environment<'_>, name: &str, ctx: &Value, imports: &str) -> String {
    let result = env
        .get_template(name)
        .and_then(|t| t.render(minijinja::context! { ctx => ctx, imports => imports }));
    match result {
        Ok(text) => text,
        Err(err) => panic!("template {name}: {err:#}"),
    }
}
