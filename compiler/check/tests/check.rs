//! Data-driven tests of the checker: each case is a spec (or several files)
//! and the diagnostics it produces, as compact text snapshots.

use gatic_check::{Compiled, MemoryLoader, compile};

const SERVICE: &str = "service s {}\n";

/// Compiles the files (the first is the root) and renders the diagnostics.
fn check_files(files: &[(&str, &str)]) -> String {
    let loader = MemoryLoader::new(files.iter().copied());
    let compiled = compile(files[0].0, &loader);
    render(&compiled)
}

/// Compiles one spec (with a `service` block prepended) and renders the diagnostics.
fn check(src: &str) -> String {
    let text = format!("{SERVICE}{src}");
    check_files(&[("main.gati", &text)])
}

fn render(c: &Compiled) -> String {
    let mut out = String::new();
    for d in &c.diagnostics {
        let file = c.sources.get(d.span.file);
        let text = file.text.get(d.span.range()).unwrap_or("");
        out.push_str(&format!(
            "{} {}:{}..{} `{}` {}",
            d.code, file.name, d.span.start, d.span.end, text, d.message
        ));
        if let Some(l) = &d.label {
            out.push_str(&format!(" [{l}]"));
        }
        for l in &d.labels {
            let t = c
                .sources
                .get(l.span.file)
                .text
                .get(l.span.range())
                .unwrap_or("");
            out.push_str(&format!(
                " (+{}..{} `{t}`: {})",
                l.span.start, l.span.end, l.message
            ));
        }
        if let Some(s) = &d.suggestion {
            out.push_str(&format!(" => {} `{}`", s.message, s.replacement));
        }
        for n in &d.notes {
            out.push_str(&format!("\n    note: {n}"));
        }
        out.push('\n');
    }
    out.push_str(if c.spec.is_some() {
        "spec: ok\n"
    } else {
        "spec: none\n"
    });
    out
}

/// Runs every case of a group and snapshots them together, spec and result.
fn group(name: &str, cases: &[(&str, &str)]) {
    let mut out = String::new();
    for (title, src) in cases {
        out.push_str(&format!(
            "## {title}\n{}\n--\n{}\n",
            src.trim_end(),
            check(src)
        ));
    }
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/check"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, out);
    });
}

fn snap(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/check"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn names() {
    group(
        "names",
        &[
            (
                "unknown type with suggestion",
                "type Email = string\ntype User { email: Emial }",
            ),
            (
                "duplicate declaration across kinds",
                "type User { id: uuid }\nenum User { a, b }",
            ),
            ("duplicate route", "route a GET /a\nroute a GET /b"),
            (
                "reserved names",
                "type string { x: int32 }\ntype Config { x: int32 }\ntype ctx { x: int32 }\nenum null { a }\nroute serve GET /x",
            ),
            (
                "types collide after casing",
                "type UserId = string\ntype user_id = string",
            ),
            (
                "fields collide after casing",
                "type A { user_id: string, userId: string }",
            ),
            ("duplicate field", "type A { x: string, x: int32 }"),
            (
                "routes collide after casing",
                "route get_user GET /a\nroute getUser GET /b",
            ),
            (
                "route generates a declared type name",
                "type GetUserRequest { x: string }\nroute get_user GET /a",
            ),
            (
                "enum values collide after casing",
                "enum E { in_progress, InProgress }",
            ),
            ("duplicate enum value", "enum E { a, b, a }"),
            (
                "error used as a type",
                "error NotFound 404 {}\ntype A { e: NotFound }",
            ),
            (
                "unknown name in spread and without",
                "type A { ...Bse }\ntype B = Nope without { x }",
            ),
        ],
    );
}

#[test]
fn types() {
    group(
        "types",
        &[
            (
                "spread and without expand in order",
                "type Base { id: uuid @readonly, name: string }\ntype Full { ...Base, extra: bool }\ntype In = Full without { id }\nroute r POST /r { body In }",
            ),
            (
                "without an unknown field",
                "type A { id: uuid, name: string }\ntype B = A without { nme, id }",
            ),
            (
                "spread of a non-record",
                "enum E { a }\ntype A { ...E }\ntype B = E without { a }",
            ),
            (
                "spread field duplicates an own field",
                "type A { x: string }\ntype B { x: int32, ...A }",
            ),
            ("alias cycle", "type A = B\ntype B = [A]\ntype C = A"),
            ("spread cycle", "type A { ...B }\ntype B { ...A, y: int32 }"),
            (
                "infinite record",
                "type Node { next: Node }\ntype P { q: Q }\ntype Q { p: P }\ntype Fine { next?: Fine, kids: [Fine], up: Fine | null }",
            ),
            ("empty enum", "enum E {}"),
            (
                "tagged union variant not a record",
                "type A { x: string }\nunion U @tag(kind) { a: A, b: string }",
            ),
            (
                "tagged union variant has the tag field",
                "type A { kind: string }\nunion U @tag(kind) { a: A }",
            ),
            ("empty union", "union U {}"),
            (
                "duplicate union variant",
                "type A { x: string }\nunion U { a: A, a: A }",
            ),
            (
                "map keys must be strings",
                "type A { m: map<int32, string>, ok: map<string, int32> }",
            ),
            (
                "map key through an alias",
                "type Key = string\ntype A { m: map<Key, string> }",
            ),
            (
                "error status",
                "error Teapot 200 { x: string }\nerror Weird \"x\"",
            ),
        ],
    );
}

#[test]
fn attributes() {
    group(
        "attributes",
        &[
            (
                "unknown attribute with suggestion",
                "type A { x: string @lenght(1..=2), y: string @patern(\"a\") }",
            ),
            (
                "attribute in the wrong place",
                "type A @tag(x) { y: string @name(\"Y\") }\nenum E @len(1) { a }",
            ),
            (
                "refinement on the wrong type",
                "type A { n: int32 @len(1..=3), s: string @range(0..=1), l: [string] @len(..=3), b: bool @items(1) , p: int64 @pattern(\"x\") }",
            ),
            (
                "empty and inverted ranges",
                "type A { a: string @len(10..=1), b: int32 @range(5<..5), c: string @len(-1..=3) }",
            ),
            ("invalid regex", "type A { a: string @pattern(\"[a-z\") }"),
            ("unknown format", "type A { a: string @format(emial) }"),
            (
                "bad arguments",
                "type A { a: string @len, b: string @readonly(1), c: string @format(1) }",
            ),
            ("repeated attribute", "type A { a: string @len(1) @len(2) }"),
            (
                "readonly and write_only",
                "type A { a: string @readonly @write_only }",
            ),
            (
                "refinements through aliases",
                "type Name = string @len(1..=10)\ntype Age = int32\ntype A { n: Name @pattern(\"[a-z]+\"), a: Age @range(0..=150), bad: Age @len(1) }",
            ),
            (
                "list item refinements",
                "type A { tags: [string @len(1..=5)] @items(..=3), nums: [int32 @len(2)] }",
            ),
        ],
    );
}

#[test]
fn defaults() {
    group(
        "defaults",
        &[
            (
                "type mismatches",
                "type A { a: int32 = \"ten\", b: bool = 1, c: string = 3, d: float64 = true }",
            ),
            (
                "int32 overflow",
                "type A { a: int32 = 3000000000, b: int64 = 3000000000 }",
            ),
            (
                "enum default with suggestion",
                "enum Role { admin, member }\ntype A { r: Role = membr, ok: Role = admin }",
            ),
            (
                "null only for nullable",
                "type A { a: string = null, b: string | null = null }",
            ),
            (
                "lists element-wise",
                "type A { a: [int32] = [1, \"two\"], b: [string] = [] }",
            ),
            (
                "formats of string-like primitives",
                "type A { u: uuid = \"nope\", d: date = \"2025-02-30\", t: datetime = \"2025-01-01T10:00:00Z\", ok: date = 2025-01-01, bad_t: datetime = \"yesterday\" }",
            ),
            (
                "defaults against refinements",
                "type A { name: string @len(1..=10) = \"\", age: int32 @range(18..=150) = 3, tags: [string] @items(..=1) = [\"a\", \"b\"], e: email = \"nope\" }",
            ),
            (
                "default through an alias refinement",
                "type Short = string @len(..=2)\ntype A { s: Short = \"long\" }",
            ),
            ("optional with default", "type A { a?: int32 = 1 }"),
            (
                "record and map defaults",
                "type P { x: int32, y?: int32 }\ntype A { p: P = { x: 1 }, q: P = { y: 2 }, r: P = { z: 1, x: 1 }, m: map<string, int32> = { a: 1 } }",
            ),
        ],
    );
}

#[test]
fn routes() {
    group(
        "routes",
        &[
            (
                "bad method with case suggestion",
                "route a get /a\nroute b FETCH /b",
            ),
            (
                "path parameters",
                "route a GET /a/{id}\nroute b GET /b/{id: uuid}/{id: uuid}\nroute c GET /c/{id} { path { id: uuid, extra: string } }\nroute d GET /d/{id: uuid} { path { id: uuid } }",
            ),
            (
                "optional path parameter from clause",
                "route a GET /a/{id} { path { id?: uuid } }",
            ),
            (
                "parameters must be scalars",
                "type R { x: string }\nenum E { a }\nroute a GET /a/{r: R} { query { ok: [E], nested: [[string]], rec: R, any: any } header h: [string] }",
            ),
            (
                "conflicting routes",
                "route a GET /users/{id: uuid}\nroute b GET /users/{name: string}\nroute c GET /users/me\nroute d POST /users/{id: uuid}",
            ),
            (
                "status codes",
                "type U { x: string }\nroute a POST /a { returns 404 U }\nroute b DELETE /b { returns 204 U }\nroute c POST /c { returns 201 }",
            ),
            (
                "errors must be errors",
                "type U { x: string }\nerror Gone 410 {}\nroute a GET /a -> U | U | Gon { errors Gone, Gone }",
            ),
            (
                "body on GET and duplicate clauses",
                "type U { x: string }\nroute a GET /a { body U }\nroute b POST /b -> U { body U\n body U\n returns 201 U }",
            ),
            (
                "auth",
                "route a GET /a { auth basic }\nroute b GET /b { auth api_key }\nroute c GET /c { auth bearer }\nroute d GET /d { auth bearer \"x\" }",
            ),
            (
                "limits",
                "route a GET /a { limits { concurrency 10, body 1KiB, timeout 2s, timout 1s, queue \"x\", body 2KiB } }",
            ),
            (
                "rate limits",
                "route a GET /a { limits { rate 10/week } }\nroute b GET /b { limits { rate 10, burst 5 } }\nroute c GET /c { limits { rate 0/s burst 1.5 per user } }\nroute d GET /d { limits { rate 5/ms per } }\nroute e GET /e { limits { rate 1/m burst burst 2, rate 3/h } }\nroute f GET /f { limits { rate 10s } }\nroute g GET /g { limits { rate 99999999999/h burst -1 per \"client\" } }",
            ),
            (
                "parameter names collide",
                "route a GET /a/{user_id: uuid} { query { userId: string, user_id: string } header x_key: string }",
            ),
            (
                "readonly field in a request body",
                "type User { id: uuid @readonly, name: string, created_at: datetime @readonly }\ntype Post { author: User, text: string }\nroute a POST /u { body User }\nroute b POST /p { body Post }\nroute c POST /c { body [User] }",
            ),
            (
                "header and query names",
                "route a GET /a { header { x_key: string @name(\"Bad Name\"), y: string } query { q: string @name(\"Q\") } }",
            ),
        ],
    );
}

#[test]
fn service() {
    let cases: &[(&str, &str)] = &[
        ("missing service", "type A { x: string }"),
        ("two services", "service a {}\nservice b {}"),
        (
            "valid settings",
            "/// The shop.\nservice shop {\n  title \"Shop\"\n  limits { concurrency 8, queue 16, timeout 30s, body 1MiB }\n  auth bearer\n  deploy { port 8080, environments { prod { replicas 3 } } }\n}\nroute r GET /r { limits { timeout 1s, concurrency 2 } }\nroute p GET /p { auth api_key \"X-Key\" }\nroute q GET /q { auth none }",
        ),
        (
            "rates: a route's own, else the service's",
            "service s {\n  limits { rate 100/s burst 200 }\n}\nroute a GET /a\nroute b GET /b { limits { rate 10/min per client } }\nroute c GET /c { limits {\n  timeout 1s\n  rate 1/h\n    burst 5\n} }",
        ),
        (
            "settings",
            "service a {\n  title 42\n  port 8080\n  limits { concurrency 8, queue 16, timeout 30s, burst 3 }\n  auth api_key \"X-Key\"\n  replicas 3\n  port 9\n  env { name \"prod\" }\n}\nroute r GET /r { limits { timeout 1s } }\nroute p GET /p { auth none }",
        ),
        (
            "misspelt, unknown, repeated and mistyped settings",
            "service a {\n  limts { body 1MiB }\n  version_header \"Stripe-Version\"\n  title \"A\"\n  titel \"B\"\n  title \"C\"\n  limits { bdy 1MiB, timeot 2s }\n  auth { bearer }\n  deploy 8080\n  limits 5\n}",
        ),
    ];
    let mut out = String::new();
    for (title, src) in cases {
        let loader = MemoryLoader::new([("main.gati", *src)]);
        let c = compile("main.gati", &loader);
        out.push_str(&format!("## {title}\n{src}\n--\n{}", render(&c)));
        if let Some(spec) = &c.spec {
            out.push_str(&serde_json::to_string_pretty(&spec.service).unwrap_or_default());
            for r in &spec.head.routes {
                out.push_str(&format!("\n{}: {:?} {:?}", r.name, r.limits, r.auth));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    snap("service", &out);
}

#[test]
fn versions() {
    let base = "type User { id: uuid @readonly, name: string, role: Role = member, nick?: string, age?: int32 @range(0..=150) }\nenum Role { admin, member, guest }\ntype NewUser = User without { id }\nroute get_user GET /users/{id: uuid} -> User\nroute create_user POST /users { body NewUser }\n";
    let cases: &[(&str, String)] = &[
        (
            "out of order dates",
            format!(
                "{base}versions {{\n  2025-06-01 \"b\"\n  2025-01-01 \"a\"\n  2025-06-01 \"c\"\n}}"
            ),
        ),
        (
            "a field added that does not exist",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    User.rol added\n    Usr.x added\n  }}\n}}"
            ),
        ),
        (
            "a required request field added without default",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    User.name added\n    User.role added\n    User.id added\n  }}\n}}"
            ),
        ),
        (
            "removed field still there, or without type or default",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    User.name: string removed default \"x\"\n    User.legacy removed\n    User.old: bool removed\n    User.gone: string | null removed\n  }}\n}}"
            ),
        ),
        (
            "rename from a name still in use",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    User.name renamed from nick\n  }}\n}}"
            ),
        ),
        (
            "optional and required",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    User.name made optional\n    User.nick made required\n    User.age made required default 200\n  }}\n}}"
            ),
        ),
        (
            "enum changes",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    Role.guest added fallback guest\n    Role.admin removed\n    Role.owner removed map boss\n    Role.member renamed from user\n  }}\n}}"
            ),
        ),
        (
            "enum renames that do not fit the version",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    Role.admin renamed from member\n    Role.boss renamed from chief\n    Role.guest renamed from\n  }}\n}}"
            ),
        ),
        (
            "duplicate change",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    User.nick made optional\n    User.nick made optional\n  }}\n}}"
            ),
        ),
        (
            "route changes",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    route get_usr added\n    route create_user removed\n    route get_user renamed from create_user\n    route get_user moved from GET /people/{{pid}}/x/{{extra}}\n    type Nope added\n  }}\n}}"
            ),
        ),
        (
            "converters that cannot be derived or clash",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    User.name changed from string via same\n    User.age changed from int32 via refine\n    User.id changed from string via from_text\n    User.nick changed from int32 via from_text\n  }}\n}}"
            ),
        ),
        (
            "enum values old clients cannot handle",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    Role.guest added\n    Role.owner removed\n  }}\n}}"
            ),
        ),
        (
            "two versions blocks",
            format!(
                "{base}versions {{\n  2025-01-01 \"a\"\n}}\nversions {{\n  2025-02-01 \"b\"\n}}"
            ),
        ),
        (
            "sunset before the version",
            format!("{base}versions {{\n  2025-01-01 \"a\" deprecated sunset 2024-01-01\n}}"),
        ),
    ];
    let mut out = String::new();
    for (title, src) in cases {
        out.push_str(&format!(
            "## {title}\n{}\n--\n{}\n",
            src.strip_prefix(base).unwrap_or(src),
            check(src)
        ));
    }
    snap("versions", &out);
}

/// A valid history: the API at every version, rebuilt backward from the head.
#[test]
fn versions_rebuild_old_apis() {
    let src = "service s {}\ntype User { id: uuid, name: string, role: Role = member, email?: string, tags: [string] @items(..=5) }\nenum Role { admin, member, guest }\ntype Extra { x: int32 }\nroute get_user GET /users/{id: uuid} -> User\nroute list_users GET /people\nversions {\n  2024-01-01 \"first\" deprecated sunset 2026-01-01\n  2025-01-01 \"second\" {\n    User.name renamed from nick\n    User.legacy: bool removed default false\n    User.email made optional default \"a@b.c\"\n    User.tags refined from @items(..=3)\n    Role.guest added fallback member\n    route get_user moved from GET /user/{id}\n  }\n  2025-06-01 \"third\" {\n    User.role added\n    route list_users renamed from all_users\n    type Extra added\n    User.id changed from string via id_from_string\n  }\n}\n";
    let loader = MemoryLoader::new([("main.gati", src)]);
    let c = compile("main.gati", &loader);
    // `Extra` only exists to be added by the history: no route uses it.
    assert_eq!(
        render(&c),
        "W0002 main.gati:156..161 `Extra` record `Extra` is never used: no route reaches it [declared here]\n    note: use it in a route, or remove it\nspec: ok\n"
    );
    let spec = c.spec.as_ref().expect("spec");
    assert_eq!(spec.versions.len(), 3);
    assert_eq!(spec.versions[2].api, spec.head);
    let json = serde_json::to_string_pretty(&spec.versions).unwrap_or_default();
    snap("versions_rebuilt", &json);
}

/// A route renamed and moved in one version takes both lines, in either
/// order: the version before has the old name and the old method and path
/// (path parameters under their current names). Anything else written twice
/// for one route in one version stays `E0404`.
#[test]
fn a_route_renamed_and_moved_in_one_version() {
    let head = "service s {}\ntype User { id: uuid }\nroute fetch_user POST /accounts/{user_id: uuid}/fetch -> User\n";
    for lines in [
        "    route fetch_user renamed from get_user\n    route fetch_user moved from GET /users/{user_id}\n",
        "    route fetch_user moved from GET /users/{user_id}\n    route fetch_user renamed from get_user\n",
    ] {
        let src = format!(
            "{head}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n{lines}  }}\n}}\n"
        );
        let c = compile(
            "main.gati",
            &MemoryLoader::new([("main.gati", src.as_str())]),
        );
        assert_eq!(render(&c), "spec: ok\n", "{src}");
        let spec = c.spec.expect("spec");
        let old = &spec.versions[0].api;
        assert_eq!(old.routes.len(), 1, "{src}");
        assert_eq!(old.routes[0].name, "get_user", "{src}");
        assert_eq!(old.routes[0].path_template(), "/users/{user_id}", "{src}");
        assert_eq!(old.routes[0].method.as_str(), "GET", "{src}");
        assert_eq!(spec.versions[1].api, spec.head);
    }
    let twice = format!(
        "{head}versions {{\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {{\n    route fetch_user renamed from get_user\n    route fetch_user moved from GET /users/{{user_id}}\n    route fetch_user renamed from read_user\n  }}\n}}\n"
    );
    let c = compile(
        "main.gati",
        &MemoryLoader::new([("main.gati", twice.as_str())]),
    );
    let text = render(&c);
    assert!(
        text.contains("E0404 ") && c.spec.is_none(),
        "a third change to the route is a duplicate: {text}"
    );
}

/// Constant fields: a record's or an error's field whose type is a string.
#[test]
fn constants() {
    group(
        "constants",
        &[
            (
                "a constant field is the field's default",
                "type Charge { object: \"charge\", amount: int64 }\nerror Gone 410 { object: \"error\" }\nroute c POST /c { body Charge\n returns 201 Charge\n errors Gone }\n",
            ),
            (
                "not optional, no default, no refinement",
                "type Charge { object?: \"charge\", kind: \"card\" = \"card\", name: \"x\" @len(1..=3) }\nroute c GET /c -> Charge\n",
            ),
            (
                "only a field's whole type",
                "type T { tags: [\"a\"], maybe: \"b\" | null, map: map<string, \"c\"> }\ntype A = \"x\"\nroute c GET /c/{id: string} -> T {\n query { q: \"y\" }\n}\n",
            ),
            (
                "escapes are kept",
                "type T { object: \"a \\\"quoted\\\" \\u{e9}\" }\nroute c GET /c -> T\n",
            ),
        ],
    );
    let src = format!(
        "{SERVICE}type Charge {{ object: \"charge\", amount: int64 }}\nroute c POST /c {{ body Charge\n returns 201 Charge }}\n"
    );
    let c = compile(
        "main.gati",
        &MemoryLoader::new([("main.gati", src.as_str())]),
    );
    let spec = c.spec.expect("spec");
    let gatic_ir::TypeDefKind::Record { fields } = &spec.head.types[0].kind else {
        panic!("a record");
    };
    assert_eq!(fields[0].ty.kind, gatic_ir::TyKind::Const("charge".into()));
    assert_eq!(
        fields[0].default,
        Some(gatic_ir::Value::String("charge".into()))
    );
    assert!(!fields[0].optional);
}

/// Generic records: each use with arguments is a record of its own.
#[test]
fn generics() {
    group(
        "generics",
        &[
            (
                "instantiated per use, named after the arguments or an alias",
                "type Page<T> { data: [T], has_more: bool }\ntype A { x: int32 }\ntype B { y: int32 }\ntype BList = Page<B>\nroute a GET /a -> Page<A>\nroute b GET /b -> BList\nroute c GET /c -> Page<B>\nroute d GET /d -> Page<Page<A>>\n",
            ),
            (
                "several parameters, a template using another",
                "type Pair<X, Y> { first: X, second: Y }\ntype Page<T> { data: [T] }\ntype Wrapped<T> { page: Page<T>, pair: Pair<T, string> }\ntype A { x: int32 }\nroute a GET /a -> Wrapped<A>\n",
            ),
            (
                "arity, bare use, not generic, unknown",
                "type Page<T> { data: [T] }\ntype A { x: int32 }\nroute a GET /a -> Page<A, A>\nroute b GET /b -> Page\nroute c GET /c -> A<int32>\nroute d GET /d -> Pgae<A>\n",
            ),
            (
                "arguments that need a name, and a taken name",
                "type Page<T> { data: [T] }\ntype A { x: int32 }\ntype APage { y: int32 }\nroute a GET /a -> Page<[A]>\nroute b GET /b -> Page<A>\ntype Named = Page<[A]>\nroute c GET /c -> Named\nroute d GET /d -> Page<map<string, A>>\n",
            ),
            (
                "only records are generic; parameters are distinct; unused",
                "type Al<T> = [T]\ntype Twice<T, T> { a: T }\ntype Unused<T> { a: T }\nroute a GET /a -> Twice<int32, int32>\n",
            ),
            (
                "a template that never stops instantiating",
                "type Nest<T> { inner?: Nest<Pair<T, T>> }\ntype Pair<A, B> { a: A, b: B }\nroute a GET /a -> Nest<int32>\n",
            ),
            (
                "change lines on the template apply to every instantiation",
                "type Page<T> { data: [T], url: string }\ntype A { x: int32 }\ntype B { y: int32 }\nroute a GET /a -> Page<A>\nroute b GET /b -> Page<B>\nversions {\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {\n    Page.url added\n    Page.next: T | null removed default null\n  }\n}\n",
            ),
            (
                "a converter cannot serve every instantiation",
                "type Page<T> { data: [T], count: int64 }\ntype A { x: int32 }\nroute a GET /a -> Page<A>\nversions {\n  2025-01-01 \"a\"\n  2025-06-01 \"b\" {\n    Page.count changed from string via count_from_text\n  }\n}\n",
            ),
        ],
    );
    let src = format!(
        "{SERVICE}type Page<T> {{ data: [T] }}\ntype A {{ x: int32 }}\nroute a GET /a -> Page<A>\nroute b GET /b -> Page<Page<A>>\n"
    );
    let c = compile(
        "main.gati",
        &MemoryLoader::new([("main.gati", src.as_str())]),
    );
    let spec = c.spec.expect("spec");
    let names: Vec<&str> = spec.head.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["APage", "APagePage", "A"]);
    let outer = spec.head.ty("APagePage").expect("instantiated");
    let instance = outer.instance.as_ref().expect("an instance");
    assert_eq!(instance.generic, "Page");
    assert_eq!(
        instance.args[0].kind,
        gatic_ir::TyKind::Named("APage".into())
    );
    assert_eq!(
        spec.head.routes[1].returns.as_ref().map(|t| &t.kind),
        Some(&gatic_ir::TyKind::Named("APagePage".into()))
    );
}

/// The users spec lowers from memory; its IR is the corpus test's snapshot
/// (`snapshots/ir/users.snap`).
#[test]
fn users_spec_lowers_without_errors() {
    let text = include_str!("../../../specs/valid/users.gati");
    let loader = MemoryLoader::new([("users.gati", text)]);
    let c = compile("users.gati", &loader);
    assert_eq!(render(&c), "spec: ok\n");
    let spec = c.spec.expect("spec");
    assert_eq!(spec.source, "users.gati");
    let routes: Vec<&str> = spec.head.routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(routes, ["get_user", "create_user", "set_payment"]);
}

#[test]
fn multi_file_use_with_cycle() {
    let files = [
        (
            "api/main.gati",
            "use \"types/common.gati\"\nuse \"./types/../other.gati\"\nservice s {}\ntype Local { c: Common, o: Other }\nroute r GET /r -> Local",
        ),
        (
            "api/types/common.gati",
            "use \"../other.gati\"\ntype Common { id: uuid }",
        ),
        (
            "api/other.gati",
            "use \"types/common.gati\"\nuse \"missing.gati\"\ntype Other { c: Common, x: Comon }\nservice nested {}",
        ),
    ];
    let loader = MemoryLoader::new(files);
    let c = compile("api/main.gati", &loader);
    let mut out = render(&c);
    let names: Vec<String> = c.sources.files().map(|(_, f)| f.name.clone()).collect();
    out.push_str(&format!("files: {names:?}\n"));
    snap("multi_file", &out);

    // Without the errors, the types come in `use` order, the root's last.
    let files = [
        (
            "main.gati",
            "use \"b.gati\"\nuse \"a.gati\"\nservice s {}\ntype Root { a: A, b: B }\nroute root GET / -> Root",
        ),
        ("a.gati", "type A { x: int32 }"),
        ("b.gati", "use \"a.gati\"\ntype B { a: A }"),
    ];
    let c = compile("main.gati", &MemoryLoader::new(files));
    assert_eq!(render(&c), "spec: ok\n");
    let spec = c.spec.expect("spec");
    let order: Vec<&str> = spec.head.types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(order, ["A", "B", "Root"]);
}

#[test]
fn loading_errors() {
    let mut bytes = b"service s {}\ntype A { x: string }\n// caf".to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(b"\ntype B { y: A }\n");
    let mut files = std::collections::BTreeMap::new();
    files.insert("main.gati".to_string(), bytes);
    files.insert("big.gati".to_string(), vec![b' '; (16 << 20) + 1]);
    files.insert(
        "uses_big.gati".to_string(),
        b"use \"big.gati\"\nservice s {}".to_vec(),
    );
    let c = compile("main.gati", &MemoryLoader(files.clone()));
    let mut out = render(&c);
    out.push_str(&render(&compile(
        "uses_big.gati",
        &MemoryLoader(files.clone()),
    )));
    out.push_str(&render(&compile("absent.gati", &MemoryLoader(files))));
    snap("loading", &out);
}

/// Every prefix of a valid spec compiles without panicking.
#[test]
fn prefixes_never_panic() {
    let users = include_str!("../../../specs/valid/users.gati");
    let more = "service s { limits { timeout 2s } auth api_key \"K\" }\ntype A { ...B, x?: [map<string, C @len(1)>] | null }\ntype B = A without { x }\ntype C = string @pattern(\"a+\")\nunion U @tag(t) { a: A }\nroute r PUT /a/{id} { path { id: uuid } body A returns 201 A errors E auth none }\nerror E 404 { m: string = \"x\" }\nversions {\n  2024-01-01 \"a\" deprecated sunset 2025-01-01\n  2025-01-01 \"b\" { A.x: int32 removed default 1\n route r moved from GET /b/{id}\n type C added\n A.y renamed from z }\n}\n";
    for text in [users, more] {
        prefixes(text);
    }
}

fn prefixes(text: &str) {
    for end in 0..=text.len() {
        let Some(prefix) = text.get(..end) else {
            continue;
        };
        let loader = MemoryLoader::new([("users.gati", prefix)]);
        let result = std::panic::catch_unwind(|| compile("users.gati", &loader));
        assert!(
            result.is_ok(),
            "panicked on the prefix of {end} bytes:\n{prefix}"
        );
    }
}

/// Every code the checker emits is exercised by a failing case above.
#[test]
fn usage_warnings() {
    group(
        "usage_warnings",
        &[
            (
                "a declaration no route reaches",
                "type Used { id: uuid }\ntype Base { id: uuid, secret: string }\ntype Derived = Base without { secret }\nenum Orphan { a, b }\nerror Gone 410 { id: uuid }\nroute get GET /x -> Used\nroute derived GET /y -> Derived\n",
            ),
            (
                "types reached only by a removed route are used",
                "type Now { id: uuid }\ntype Export { rows: [Now] }\nroute get GET /x -> Now\nversions {\n  2024-01-01 \"One\"\n  2025-01-01 \"Two\" {\n    route export removed GET /export -> Export\n  }\n}\n",
            ),
            (
                "deprecated things used by things that are not",
                "type Old @deprecated { id: uuid }\nenum Mode @deprecated { fast, slow }\ntype Holder {\n  old: Old\n  older: Old @deprecated\n  modes: [Mode]\n}\nroute get GET /x -> Holder\nroute legacy GET /y @deprecated -> Old\nroute plain GET /z/{mode: Mode} -> Old\n",
            ),
            (
                "no usage warnings beside an error",
                "type Orphan { id: uuid }\nroute get GET /x -> Missing\n",
            ),
        ],
    );
}
