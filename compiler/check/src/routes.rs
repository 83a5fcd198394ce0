//! The service block and routes: methods, paths and parameters, success and
//! errors, limits and auth.

use std::collections::BTreeMap;

use crate::suggest as did_you_mean;
use gatic_ir::{
    self as ir, Auth, Limits, Method, ParamLocation, PathSegment, Primitive, Ty, ident,
};
use gatic_syntax::ast::{self, LiteralKind, RouteClause, Segment, SettingValue};
use gatic_syntax::{Diagnostic, FileId, Span, codes};

use crate::attrs::Place;
use crate::check::{
    Base, Cased, Ctx, DeclKind, LField, RESERVED_ROUTES, SNAKE_AND_CAMEL, any, article, show_ty,
};
use crate::values::setting_value;

/// The settings a service block may hold, in the order the reference lists them.
const SERVICE_KEYS: &[&str] = &[
    "title",
    "limits",
    "auth",
    "unknown_fields",
    "version_header",
    "cors",
    "deploy",
];

/// Response headers that HTTP or the runtime writes, so a route cannot
/// declare them (lowercase).
const RESERVED_RESPONSE_HEADERS: &[&str] = &[
    "allow",
    "connection",
    "content-length",
    "content-type",
    "date",
    "deprecation",
    "keep-alive",
    "retry-after",
    "set-cookie",
    "sunset",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "vary",
    "www-authenticate",
    "x-request-id",
];

/// The settings of an `auth jwt { … }` block.
const JWT_KEYS: &[&str] = &[
    "issuer",
    "audience",
    "keys",
    "algorithms",
    "leeway",
    "token_url",
    "authorization_url",
];

/// The note on a JWT setting.
const JWT_KEYS_NOTE: &str = "`auth jwt { … }` takes `issuer \"https://auth.example.com/\"`, `audience \"notes-api\"`, \
     `keys env NOTES_JWKS` (the variable holding the JWKS file's path), and optionally `algorithms [RS256, ES256]`, `leeway 60s`, \
     and, for the documentation's OAuth2 flows, `token_url \"https://…\"` and `authorization_url \"https://…\"`";

/// The signature algorithms `auth jwt` may accept.
const JWT_ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA", "HS256",
    "HS384", "HS512",
];

/// The settings of a `cors { … }` block.
const CORS_KEYS: &[&str] = &[
    "origins",
    "methods",
    "headers",
    "expose",
    "max_age",
    "credentials",
];

/// The note on an unknown CORS setting.
const CORS_KEYS_NOTE: &str = "`cors { … }` takes `origins [\"https://app.example.com\"]`, \
     `methods [GET, POST]`, `headers [\"X-Trace\"]`, `expose [\"X-Total\"]`, `max_age 10m` and `credentials true`";

/// The note on an unknown service setting.
const SERVICE_KEYS_NOTE: &str = "the service block takes `title \"…\"`, `limits { … }`, \
     `auth …`, `unknown_fields reject|ignore`, `version_header \"Header-Name\"`, `cors { … }` and `deploy { … }`, which holds the deployment's settings (`port`, `replicas`, …)";

/// Request headers that HTTP, the runtime or the generated clients own, so
/// that a spec cannot choose one as its version header (lowercase).
const RESERVED_VERSION_HEADERS: &[&str] = &[
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "authorization",
    "cache-control",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "cookie",
    "date",
    "deprecation",
    "expect",
    "forwarded",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "keep-alive",
    "max-forwards",
    "origin",
    "pragma",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "sunset",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "via",
    "x-forwarded-for",
    "x-request-id",
];

/// Whether `name` is an HTTP field name: an RFC 9110 token.
fn is_header_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

/// The policy a word names in `unknown_fields …` or `@unknown_fields(…)`.
pub(crate) fn unknown_fields_policy(word: &str) -> Option<ir::UnknownFields> {
    match word {
        "reject" => Some(ir::UnknownFields::Reject),
        "ignore" => Some(ir::UnknownFields::Ignore),
        _ => None,
    }
}

/// A word that is not an unknown-fields policy (E0502), naming the two
/// choices, with the closest one when it is near.
pub(crate) fn bad_unknown_fields(
    code: &'static str,
    message: &str,
    word: &str,
    span: Span,
) -> Diagnostic {
    let mut d = Diagnostic::error(code, span, message)
        .with_label("expected `reject` or `ignore`")
        .with_note(
            "`reject` answers a request whose body has a member its record does not \
             declare with 400, naming the member; `ignore` (the default) skips it",
        );
    if let Some(best) = did_you_mean(word, ["reject", "ignore"]) {
        d = d.with_note(format!("did you mean `{best}`?"));
    }
    d
}

/// The note on an unknown limit.
const LIMIT_KEYS_NOTE: &str = "limits are `concurrency N`, `queue N`, `body SIZE`, \
     `timeout DURATION`, `rate N/s` (or `/min`, `/h`; then optionally `burst M`)";

/// An unknown key of a block (E0502), such as `unknown limit \`bdy\``: the
/// closest of `known` when one is near ("did you mean"), and `note`, which
/// lists what the block takes.
fn unknown_key(key: &ast::Ident, what: &str, known: &[&str], note: &str) -> Diagnostic {
    let mut d = Diagnostic::error(
        codes::UNKNOWN_SETTING,
        key.span,
        format!("unknown {what} `{}`", key.name),
    )
    .with_label(format!("not a {what}"))
    .with_note(note);
    if let Some(best) = did_you_mean(&key.name, known.iter().copied()) {
        d = d.with_suggestion(format!("did you mean `{best}`?"), key.span, best);
    }
    d
}

/// A checker span as the IR carries it.
fn source_span(span: Span) -> ir::SourceSpan {
    ir::SourceSpan {
        file: span.file.0,
        start: span.start,
        end: span.end,
    }
}

const LIMIT_KEYS: &[&str] = &["concurrency", "queue", "body", "timeout", "rate"];

/// The units a rate may be per, with their length in milliseconds.
const RATE_UNITS: &[(&str, u64)] = &[("s", 1_000), ("min", 60_000), ("h", 3_600_000)];

/// What a rate's requests and burst may be.
const RATE_COUNT: &str = "a whole number from 1 to 4294967295";

/// The note on a rate's missing or unknown scope.
const RATE_SCOPE_NOTE: &str = "a rate is counted per client (its credential when the route \
     authenticates, else its IP address); `client` is the only scope, and the default";

/// The note on a rate's missing or unknown unit.
const RATE_UNITS_NOTE: &str = "a rate is per second (`/s`), minute (`/min`) or hour (`/h`)";

/// The unit someone who wrote `unit` most likely meant: only the usual
/// spellings of seconds, minutes and hours, because the nearest unit by
/// spelling is often of another size (`ms` is one letter from `s`).
fn rate_unit_meant(unit: &str) -> Option<&'static str> {
    match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => Some("s"),
        "m" | "mins" | "minute" | "minutes" => Some("min"),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some("h"),
        _ => None,
    }
}

impl<'a> Ctx<'a> {
    // ---- Service ------------------------------------------------------------

    /// Lowers the spec's service block, one of `services` (those of every
    /// file): its name, doc and settings. Without a usable block, reports
    /// it and gives a service named after the root file. Sets the version
    /// header that parameters are checked against.
    pub(crate) fn service(
        &mut self,
        root_name: &str,
        root: FileId,
        services: &[(FileId, &ast::ServiceDecl)],
    ) -> ir::Service {
        let Some(s) = self.chosen_service(root_name, root, services) else {
            return self.missing_service(root_name, root);
        };
        let mut service = unconfigured_service(&s.name.name, s.doc.clone());
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for setting in &s.settings {
            let key = setting.key.name.as_str();
            if key.is_empty() {
                continue;
            }
            if !SERVICE_KEYS.contains(&key) {
                self.unknown_service_setting(&setting.key);
                continue;
            }
            if self.set_twice(&mut seen, key, setting.key.span, "") {
                continue;
            }
            self.service_setting(&mut service, setting);
        }
        self.version_header_clash(&mut service, s);
        self.version_header = service.version_header().to_string();
        service
    }

    /// The service block the spec uses: the first one in the root file.
    /// A block in a `use`d file, or a second one, is reported and ignored.
    fn chosen_service<'s>(
        &mut self,
        root_name: &str,
        root: FileId,
        services: &[(FileId, &'s ast::ServiceDecl)],
    ) -> Option<&'s ast::ServiceDecl> {
        let mut chosen: Option<&ast::ServiceDecl> = None;
        for (file, s) in services {
            if *file != root {
                self.push(
                    Diagnostic::error(
                        codes::MISSING_SERVICE,
                        s.name.span,
                        "the `service` block belongs in the root file",
                    )
                    .with_label("in a file that is `use`d")
                    .with_note(format!("move it to `{root_name}`")),
                );
                continue;
            }
            match chosen {
                Some(first) => {
                    self.push(
                        Diagnostic::error(
                            codes::MISSING_SERVICE,
                            s.name.span,
                            "a spec declares exactly one `service` block",
                        )
                        .with_label("second service block")
                        .with_secondary(first.name.span, "first declared here"),
                    );
                }
                None => chosen = Some(s),
            }
        }
        chosen
    }

    /// Reports a root file without a service block, and gives the service
    /// to check the rest with: named after the root file, with no settings.
    fn missing_service(&mut self, root_name: &str, root: FileId) -> ir::Service {
        let stem = root_name
            .rsplit('/')
            .next()
            .unwrap_or(root_name)
            .trim_end_matches(".gati")
            .to_string();
        self.push(
            Diagnostic::error(
                codes::MISSING_SERVICE,
                Span::new(root, 0, 0),
                format!("`{root_name}` has no `service` block"),
            )
            .with_label("expected `service name { … }` in this file")
            .with_note("every spec declares `service name { title \"…\" }`; crate, image and SDK names derive from it"),
        );
        unconfigured_service(&stem, None)
    }

    /// Applies one service setting (a known key, given once) to `service`;
    /// a value of the wrong shape for its key is reported.
    fn service_setting(&mut self, service: &mut ir::Service, setting: &ast::Setting) {
        match (setting.key.name.as_str(), &setting.value) {
            (
                "title",
                SettingValue::Literal(ast::Literal {
                    kind: LiteralKind::String(t),
                    ..
                }),
            ) => {
                service.title = t.clone();
            }
            ("limits", SettingValue::Block(items)) => service.limits = self.limits(items),
            ("auth", SettingValue::Auth(spec)) => {
                if let Some(a) = self.auth(&spec.words, setting.span) {
                    service.auth = a;
                }
                self.note_principal(spec);
                if let Some((scopes, span)) = &spec.scopes {
                    let scopes = self.scope_tokens(scopes);
                    self.service_scopes = Some((scopes, *span));
                }
            }
            (
                "unknown_fields",
                SettingValue::Literal(ast::Literal {
                    kind: LiteralKind::Word(word),
                    ..
                }),
            ) => match unknown_fields_policy(word) {
                Some(policy) => service.unknown_fields = policy,
                None => self.push(bad_unknown_fields(
                    codes::UNKNOWN_SETTING,
                    &format!("`unknown_fields {word}` is not a policy"),
                    word,
                    setting.span,
                )),
            },
            (
                "version_header",
                SettingValue::Literal(ast::Literal {
                    kind: LiteralKind::String(name),
                    span,
                }),
            ) => {
                if self.version_header_ok(name, *span) {
                    service.version_header = Some(name.clone());
                }
            }
            ("cors", SettingValue::Block(items)) => service.cors = self.cors(items, setting.span),
            ("deploy", SettingValue::Block(items)) => {
                service.deploy = Some(ir::SettingsBlock {
                    span: source_span(setting.key.span),
                    entries: items
                        .iter()
                        .filter(|item| !item.key.name.is_empty())
                        .map(|item| ir::SettingEntry {
                            key: item.key.name.clone(),
                            span: source_span(item.key.span),
                            value: setting_value(&item.value),
                        })
                        .collect(),
                });
            }
            (key, value) => self.wrong_service_value(key, value, setting.span),
        }
    }

    /// Drops the version header of `service` (block `s`) when it is the
    /// API key's header too, which the two cannot share; reports it.
    fn version_header_clash(&mut self, service: &mut ir::Service, s: &ast::ServiceDecl) {
        if let (Some(name), Auth::ApiKey { header }) = (&service.version_header, &service.auth)
            && header.eq_ignore_ascii_case(name)
        {
            let span = s
                .settings
                .iter()
                .find(|setting| setting.key.name == "version_header")
                .map_or(s.name.span, |setting| setting.span);
            self.push(
                Diagnostic::error(
                    codes::UNKNOWN_SETTING,
                    span,
                    format!("`{name}` is already the API key's header"),
                )
                .with_label("not a usable version header")
                .with_note("the version header must differ from `auth api_key`'s"),
            );
            service.version_header = None;
        }
    }

    /// A service-level key that is not a setting (E0502): the closest
    /// setting when one is near, and the list of settings.
    fn unknown_service_setting(&mut self, key: &ast::Ident) {
        self.push(unknown_key(
            key,
            "service setting",
            SERVICE_KEYS,
            SERVICE_KEYS_NOTE,
        ));
    }

    /// Whether `name` may be the version header (else E0502): an HTTP field
    /// name that no standard request header or the runtime already uses, in
    /// a spec with versions.
    fn version_header_ok(&mut self, name: &str, span: Span) -> bool {
        let lower = name.to_ascii_lowercase();
        let problem = if !is_header_token(name) {
            Some((
                format!("`{name}` is not an HTTP header name"),
                "a header name is letters, digits and `!#$%&'*+-.^_`|~`, without spaces or `:`"
                    .to_string(),
            ))
        } else if RESERVED_VERSION_HEADERS.contains(&lower.as_str()) {
            Some((
                format!("`{name}` cannot be the version header"),
                "it is a standard request header that HTTP, the server or the clients own: \
                 choose a header of the API's own, such as `Payments-Version`"
                    .to_string(),
            ))
        } else if !self.versioned {
            Some((
                "`version_header` needs a `versions` block".to_string(),
                "only a spec with versions negotiates a version: add a `versions` block, or \
                 remove the setting"
                    .to_string(),
            ))
        } else {
            None
        };
        let Some((message, note)) = problem else {
            return true;
        };
        self.push(
            Diagnostic::error(codes::UNKNOWN_SETTING, span, message)
                .with_label("not a usable version header")
                .with_note(note),
        );
        false
    }

    /// A service setting whose value has the wrong shape (E0502), naming the
    /// shape it takes. `value` is never one the caller accepted.
    fn wrong_service_value(&mut self, key: &str, value: &SettingValue, span: Span) {
        let got = match value {
            SettingValue::Literal(lit) => match &lit.kind {
                LiteralKind::String(_) => "a string",
                LiteralKind::Number(_) => "a number",
                LiteralKind::Size(_) => "a size",
                LiteralKind::Duration(_) => "a duration",
                LiteralKind::Word(_) => "a word",
                LiteralKind::Bool(_) => "a boolean",
                LiteralKind::Null => "`null`",
                LiteralKind::Date(_) => "a date",
                LiteralKind::List(_) => "a list",
                LiteralKind::Object(_) => "an object",
            },
            SettingValue::Words(_) | SettingValue::Auth(_) => "several words",
            SettingValue::Block(_) => "a block",
            SettingValue::Rate(_) => "a rate",
        };
        let expected = match key {
            "title" => "a string, such as `title \"Users\"`",
            "limits" => "a block, such as `limits { timeout 2s }`",
            "auth" => "`none`, `bearer` or `api_key \"Header\"`, such as `auth bearer`",
            "unknown_fields" => "`reject` or `ignore`, such as `unknown_fields reject`",
            "version_header" => "a header name, such as `version_header \"Stripe-Version\"`",
            "cors" => "a block, such as `cors { origins [\"https://app.example.com\"] }`",
            _ => "a block, such as `deploy { port 8080 }`",
        };
        self.push(
            Diagnostic::error(
                codes::UNKNOWN_SETTING,
                span,
                format!("`{key}` takes {expected}"),
            )
            .with_label(format!("found {got}")),
        );
    }

    /// `limits { … }` settings.
    fn limits(&mut self, settings: &[ast::Setting]) -> Limits {
        let mut limits = Limits::default();
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for s in settings {
            let key = s.key.name.as_str();
            if key.is_empty() {
                continue;
            }
            if !LIMIT_KEYS.contains(&key) {
                self.push(unknown_key(&s.key, "limit", LIMIT_KEYS, LIMIT_KEYS_NOTE));
                continue;
            }
            if self.set_twice(&mut seen, key, s.key.span, "limit ") {
                continue;
            }
            let lit = match &s.value {
                SettingValue::Literal(l) => Some(&l.kind),
                _ => None,
            };
            let count = |lit: Option<&LiteralKind>| match lit {
                Some(LiteralKind::Number(ast::Number::Int(n))) => u32::try_from(*n).ok(),
                _ => None,
            };
            let ok = match key {
                "concurrency" => {
                    limits.concurrency = count(lit);
                    limits.concurrency.is_some()
                }
                "queue" => {
                    limits.queue = count(lit);
                    limits.queue.is_some()
                }
                "body" => {
                    limits.body = match lit {
                        Some(LiteralKind::Size(n)) => Some(*n),
                        Some(LiteralKind::Number(ast::Number::Int(n))) => u64::try_from(*n).ok(),
                        _ => None,
                    };
                    limits.body.is_some()
                }
                "rate" => match &s.value {
                    // A rate reports its own mistakes, part by part.
                    SettingValue::Rate(rate) => {
                        limits.rate = self.rate(rate);
                        true
                    }
                    _ => false,
                },
                _ => {
                    limits.timeout_ms = match lit {
                        Some(LiteralKind::Duration(ms)) => Some(*ms),
                        _ => None,
                    };
                    limits.timeout_ms.is_some()
                }
            };
            if !ok {
                let expected = match key {
                    "concurrency" | "queue" => "a whole number, such as `64`",
                    "body" => "a size, such as `64KiB`",
                    "rate" => "a rate, such as `100/s` or `10/min burst 20`",
                    _ => "a duration, such as `2s` or `500ms`",
                };
                self.push(
                    Diagnostic::error(
                        codes::UNKNOWN_SETTING,
                        s.span,
                        format!("`{key}` takes {expected}"),
                    )
                    .with_label("wrong kind of value"),
                );
            }
        }
        limits
    }

    /// `rate N/UNIT [burst M] [per client]`: the rate, or `None` after
    /// reporting every part that is wrong.
    fn rate(&mut self, rate: &ast::RateValue) -> Option<ir::Rate> {
        let mut ok = true;
        let requests = self.rate_count(&rate.requests, "`rate`", "`100/s`");
        let per_ms = match &rate.unit {
            None => {
                self.push(
                    Diagnostic::error(
                        codes::UNKNOWN_SETTING,
                        rate.amount_span,
                        "a rate needs a unit, such as `100/s`",
                    )
                    .with_label("no unit")
                    .with_note(RATE_UNITS_NOTE),
                );
                None
            }
            Some(unit) => {
                let per_ms = RATE_UNITS
                    .iter()
                    .find(|(u, _)| *u == unit.name)
                    .map(|&(_, ms)| ms);
                if per_ms.is_none() {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_SETTING,
                        unit.span,
                        format!("unknown rate unit `{}`", unit.name),
                    )
                    .with_label("not a unit")
                    .with_note(RATE_UNITS_NOTE);
                    if let Some(best) = rate_unit_meant(&unit.name) {
                        d = d.with_suggestion(format!("did you mean `{best}`?"), unit.span, best);
                    }
                    if let (Some(n), "ms") = (requests, unit.name.as_str()) {
                        d = d.with_note(format!(
                            "the finest unit is the second: `{n}/ms` is `{}/s`",
                            u64::from(n) * 1000
                        ));
                    }
                    self.push(d);
                }
                per_ms
            }
        };
        let mut burst = None;
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for (key, value) in &rate.options {
            if self.set_twice(&mut seen, &key.name, key.span, "") {
                ok = false;
                continue;
            }
            match (key.name.as_str(), value) {
                ("burst", Some(value)) => {
                    burst = self.rate_count(value, "`burst`", "`burst 200`");
                    ok &= burst.is_some();
                }
                ("burst", None) => {
                    self.push(
                        Diagnostic::error(
                            codes::UNKNOWN_SETTING,
                            key.span,
                            "`burst` needs a number of requests, such as `burst 200`",
                        )
                        .with_label("no number"),
                    );
                    ok = false;
                }
                (
                    "per",
                    Some(ast::Literal {
                        kind: LiteralKind::Word(scope),
                        ..
                    }),
                ) if scope == "client" => {}
                // `per` with no scope, or one that is not `client`.
                (_, None) => {
                    self.push(
                        Diagnostic::error(
                            codes::UNKNOWN_SETTING,
                            key.span,
                            "`per` needs a scope: `per client`",
                        )
                        .with_label("no scope")
                        .with_note(RATE_SCOPE_NOTE)
                        .with_suggestion(
                            "write `per client`",
                            key.span,
                            "per client",
                        ),
                    );
                    ok = false;
                }
                (_, Some(value)) => {
                    let message = match &value.kind {
                        LiteralKind::Word(scope) => format!("unknown rate scope `{scope}`"),
                        _ => "`per` takes a scope: `per client`".to_string(),
                    };
                    self.push(
                        Diagnostic::error(codes::UNKNOWN_SETTING, value.span, message)
                            .with_label("not a scope")
                            .with_note(RATE_SCOPE_NOTE)
                            .with_suggestion("did you mean `client`?", value.span, "client"),
                    );
                    ok = false;
                }
            }
        }
        let requests = requests?;
        let per_ms = per_ms?;
        if !ok {
            return None;
        }
        Some(ir::Rate {
            requests,
            per_ms,
            burst: burst.unwrap_or(requests),
        })
    }

    /// A rate's request count or burst, `what` (such as `` `burst` ``), from
    /// 1 up; reports anything else, with `example` as the form to follow.
    fn rate_count(&mut self, lit: &ast::Literal, what: &str, example: &str) -> Option<u32> {
        let label = match lit.kind {
            LiteralKind::Number(ast::Number::Int(n)) if n < 1 => "must be at least 1",
            LiteralKind::Number(ast::Number::Int(n)) => match u32::try_from(n) {
                Ok(n) => return Some(n),
                Err(_) => "too large",
            },
            _ => "not a whole number",
        };
        let mut d = Diagnostic::error(
            codes::UNKNOWN_SETTING,
            lit.span,
            format!("{what} takes {RATE_COUNT}, such as {example}"),
        )
        .with_label(label);
        if matches!(lit.kind, LiteralKind::Number(ast::Number::Float(_))) {
            d = d.with_note("for less than one request a second, use a longer unit: `30/min`");
        }
        self.push(d);
        None
    }

    /// `cors { origins [...], methods [...], headers [...], expose [...],
    /// max_age 10m, credentials true }`: every key known, given once and of
    /// its kind (E0502 otherwise); `None` when it allows no origin.
    fn cors(&mut self, items: &[ast::Setting], span: Span) -> Option<ir::Cors> {
        let mut cors = ir::Cors::default();
        let mut seen: Vec<(&str, Span)> = Vec::new();
        let mut any_origin: Option<Span> = None;
        let mut credentials_at: Option<Span> = None;
        for item in items {
            let key = item.key.name.as_str();
            if key.is_empty() {
                continue;
            }
            if !CORS_KEYS.contains(&key) {
                self.push(unknown_key(
                    &item.key,
                    "CORS setting",
                    CORS_KEYS,
                    CORS_KEYS_NOTE,
                ));
                continue;
            }
            if self.set_twice(&mut seen, key, item.key.span, "") {
                continue;
            }
            let value = match &item.value {
                SettingValue::Literal(literal) => &literal.kind,
                _ => {
                    self.push(bad_cors(item.span, key, "a single value"));
                    continue;
                }
            };
            match (key, value) {
                ("origins" | "methods" | "headers" | "expose", LiteralKind::List(list)) => {
                    for entry in list {
                        let text = match &entry.kind {
                            LiteralKind::String(text) => text.clone(),
                            LiteralKind::Word(word) if key == "methods" => word.clone(),
                            _ => {
                                self.push(bad_cors(entry.span, key, "not a string"));
                                continue;
                            }
                        };
                        let problem = match key {
                            "origins" if text == "*" => {
                                any_origin = Some(entry.span);
                                None
                            }
                            "origins" if !is_origin(&text) => Some(
                                "an origin is `scheme://host[:port]` in lowercase, without a path, such as `https://app.example.com` (or `*` for any)",
                            ),
                            "methods"
                                if !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
                                    .contains(&text.as_str()) =>
                            {
                                Some("a method is one of GET, POST, PUT, PATCH, DELETE and HEAD")
                            }
                            "headers" | "expose" if !is_header_token(&text) => {
                                Some("a header name is letters, digits and `!#$%&'*+-.^_`|~`")
                            }
                            _ => None,
                        };
                        if let Some(note) = problem {
                            self.push(
                                Diagnostic::error(
                                    codes::UNKNOWN_SETTING,
                                    entry.span,
                                    format!("{text:?} is not valid in `{key}`"),
                                )
                                .with_label(format!("not one of `{key}`"))
                                .with_note(note),
                            );
                            continue;
                        }
                        let list = match key {
                            "origins" => &mut cors.origins,
                            "methods" => &mut cors.methods,
                            "headers" => &mut cors.headers,
                            _ => &mut cors.expose,
                        };
                        let text = if key == "headers" || key == "expose" {
                            text.to_ascii_lowercase()
                        } else {
                            text
                        };
                        if !list.contains(&text) {
                            list.push(text);
                        }
                    }
                }
                ("max_age", LiteralKind::Duration(ms)) => cors.max_age_s = Some(ms / 1000),
                ("credentials", LiteralKind::Bool(on)) => {
                    cors.credentials = *on;
                    if *on {
                        credentials_at = Some(item.span);
                    }
                }
                (key, _) => {
                    let expected = match key {
                        "max_age" => "a duration, such as `max_age 10m`",
                        "credentials" => "`true` or `false`",
                        _ => "a list, such as `[\"…\"]`",
                    };
                    self.push(bad_cors(item.span, key, expected));
                }
            }
        }
        if let (Some(star), Some(credentials)) = (any_origin, credentials_at) {
            self.push(
                Diagnostic::error(
                    codes::UNKNOWN_SETTING,
                    star,
                    "`credentials true` cannot go with any origin",
                )
                .with_label("any origin")
                .with_secondary(credentials, "credentials allowed here")
                .with_note("browsers refuse a credentialed answer to `*`: list the origins that may send cookies"),
            );
            return None;
        }
        if cors.origins.is_empty() {
            self.push(
                Diagnostic::error(codes::UNKNOWN_SETTING, span, "`cors` names no origin")
                    .with_label("no origin may call")
                    .with_note("add `origins [\"https://app.example.com\"]`; `GATI_CORS_ORIGINS` can replace them per deployment"),
            );
            return None;
        }
        Some(cors)
    }

    /// The format of a raw payload, its media type checked: `type/subtype`
    /// in tokens, a request's subtype may be `*`; text is `text/plain`
    /// unless the spec says.
    fn raw_format(&mut self, raw: &ast::RawPayload, request: bool) -> ir::BodyFormat {
        if raw.kind == ast::RawKind::Stream {
            if request {
                self.push(
                    Diagnostic::error(
                        codes::BAD_CLAUSE,
                        raw.span,
                        "a request body cannot be a stream",
                    )
                    .with_label("responses only")
                    .with_note("`returns stream Event` answers with server-sent events; a request sends a record, bytes, text or a form"),
                );
            }
            return ir::BodyFormat::EventStream;
        }
        if raw.kind == ast::RawKind::Multipart {
            if !request {
                self.push(
                    Diagnostic::error(
                        codes::BAD_CLAUSE,
                        raw.span,
                        "a response cannot be a multipart form",
                    )
                    .with_label("requests only")
                    .with_note("answer with a record, bytes or text"),
                );
            }
            return ir::BodyFormat::Multipart {
                parts: self.multipart_parts(&raw.parts),
            };
        }
        let media = match &raw.media {
            Some(ast::Literal {
                kind: LiteralKind::String(media),
                span,
            }) => {
                let lower = media.to_ascii_lowercase();
                let valid = match lower.split_once('/') {
                    Some((kind, sub)) => {
                        is_header_token(kind)
                            && kind != "*"
                            && is_header_token(sub)
                            && (request || sub != "*")
                    }
                    None => false,
                };
                let json = lower == "application/json" || lower.ends_with("+json");
                if !valid || json {
                    let (message, note) = if json {
                        (
                            format!("\"{media}\" is JSON"),
                            "a JSON body is a type: `body Note`, not `bytes`".to_string(),
                        )
                    } else {
                        (
                            format!("\"{media}\" is not a media type"),
                            format!(
                                "a media type is `type/subtype`, such as `image/png`{}",
                                if request { " or `image/*`" } else { "" }
                            ),
                        )
                    };
                    self.push(
                        Diagnostic::error(codes::BAD_CLAUSE, *span, message)
                            .with_label("not usable here")
                            .with_note(note),
                    );
                }
                lower
            }
            _ => "text/plain".to_string(),
        };
        match raw.kind {
            ast::RawKind::Text => ir::BodyFormat::Text { media },
            _ => ir::BodyFormat::Bytes { media },
        }
    }

    /// A multipart form's parts: `name: file @accept("image/*")` for a file
    /// (any type without `@accept`), or a scalar or enum field read like a
    /// query parameter; each name once; no refinements, defaults or other
    /// attributes yet (E0203), so none is silently not enforced.
    fn multipart_parts(&mut self, fields: &[ast::Field]) -> Vec<ir::Part> {
        let mut parts: Vec<ir::Part> = Vec::new();
        for f in fields {
            if parts.iter().any(|p| p.name == f.name.name) {
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        f.name.span,
                        format!("part `{}` is declared twice", f.name.name),
                    )
                    .with_label("declared again"),
                );
                continue;
            }
            if let Some(default) = &f.default {
                self.push(
                    Diagnostic::error(
                        codes::REFINEMENT_NOT_APPLICABLE,
                        default.span,
                        "a form part takes no default",
                    )
                    .with_label("not applied")
                    .with_note("make the part optional (`name?:`) and choose in the handler"),
                );
            }
            let is_file = matches!(&f.ty.kind, ast::TypeExprKind::Named(n) if n.name == "file");
            let mut accept = None;
            for attr in &f.attrs {
                match (attr.name.name.as_str(), attr.args.as_slice(), is_file) {
                    (
                        "accept",
                        [
                            ast::AttrArg::Literal(ast::Literal {
                                kind: LiteralKind::String(media),
                                span,
                            }),
                        ],
                        true,
                    ) => {
                        let lower = media.to_ascii_lowercase();
                        let valid = lower == "*/*"
                            || lower.split_once('/').is_some_and(|(kind, sub)| {
                                is_header_token(kind) && kind != "*" && is_header_token(sub)
                            });
                        if !valid {
                            self.push(
                                Diagnostic::error(
                                    codes::BAD_REFINEMENT,
                                    *span,
                                    format!("\"{media}\" is not a media type"),
                                )
                                .with_label("not usable here")
                                .with_note("`@accept` takes a media type such as `image/png`, `image/*` or `*/*`"),
                            );
                        }
                        accept = Some(lower);
                    }
                    _ => self.push(
                        Diagnostic::error(
                            codes::REFINEMENT_NOT_APPLICABLE,
                            attr.span,
                            if is_file {
                                "a file part takes only `@accept(\"type/subtype\")`".to_string()
                            } else {
                                "a form field takes no attributes yet".to_string()
                            },
                        )
                        .with_label("not applied")
                        .with_note("form fields are read like query parameters; check further in the handler"),
                    ),
                }
            }
            let kind = if is_file {
                ir::PartKind::File {
                    accept: accept.unwrap_or_else(|| "*/*".to_string()),
                }
            } else {
                let Some(ty) = self.resolve_ty(&f.ty) else {
                    continue;
                };
                if ty.nullable {
                    self.push(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            f.ty.span,
                            "a form part cannot be `null`",
                        )
                        .with_label("a form has no null")
                        .with_note("make the part optional (`name?:`) instead"),
                    );
                }
                self.check_param_type(&ty, ParamLocation::Header, f.ty.span);
                ir::PartKind::Value { ty }
            };
            parts.push(ir::Part {
                name: f.name.name.clone(),
                doc: f.doc.clone(),
                optional: f.optional,
                kind,
            });
        }
        if parts.is_empty() {
            self.push(
                Diagnostic::error(
                    codes::BAD_CLAUSE,
                    Span::default(),
                    "a multipart form needs parts",
                )
                .with_label("empty"),
            );
        }
        parts
    }

    /// The response headers of a `returns … headers { … }`: scalar fields
    /// (or enums) named on the wire by `@name("ETag")` or by their name with
    /// `-` for `_`, each once, none that HTTP or the runtime owns, and no
    /// two names alike after casing.
    fn response_headers(&mut self, fields: &[&ast::Field]) -> Vec<ir::Param> {
        let mut out: Vec<ir::Param> = Vec::new();
        // Their names are fields of the generated headers struct in every
        // target, like a record's.
        let mut cased = Cased::new(SNAKE_AND_CAMEL);
        for f in fields {
            let Some(lf) = self.field(f, Place::Wire) else {
                continue;
            };
            let wire_name = explicit_wire_name(f).unwrap_or_else(|| f.name.name.replace('_', "-"));
            self.check_param_type(&lf.field.ty, ParamLocation::Header, f.ty.span);
            let lower = wire_name.to_ascii_lowercase();
            let owned = RESERVED_RESPONSE_HEADERS.contains(&lower.as_str())
                || lower.starts_with("access-control-")
                || lower.eq_ignore_ascii_case(&self.version_header);
            if owned {
                self.push(
                    Diagnostic::error(
                        codes::RESERVED_NAME,
                        f.name.span,
                        format!("the response header `{wire_name}` is the server's own"),
                    )
                    .with_label("set by HTTP or the runtime")
                    .with_note("the runtime writes Content-Type, Content-Length, the version headers, X-Request-Id, CORS, Retry-After, WWW-Authenticate and Allow itself; cookies are set with `Reply::cookie`"),
                );
                continue;
            }
            if let Some(first) = out
                .iter()
                .find(|p| p.wire_name.eq_ignore_ascii_case(&wire_name))
            {
                let first = first.name.clone();
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        f.name.span,
                        format!("the response header `{wire_name}` is declared twice"),
                    )
                    .with_label(format!("also `{first}`")),
                );
                continue;
            }
            self.casing(&mut cased, &f.name.name, f.name.span);
            let field = lf.field;
            out.push(ir::Param {
                name: field.name,
                wire_name,
                location: ParamLocation::Header,
                doc: field.doc,
                ty: field.ty,
                optional: field.optional,
                default: field.default,
                deprecated: field.deprecated,
            });
        }
        out
    }

    /// Notes the principal an `auth` names, checked with the others once
    /// every route is lowered ([`Ctx::check_principal`]).
    fn note_principal(&mut self, spec: &ast::AuthSpec) {
        if let Some(principal) = &spec.principal {
            self.principals
                .push((principal.name.clone(), principal.span));
        }
        let scheme = spec.words.first().and_then(|w| match &w.kind {
            LiteralKind::Word(word) => Some((word.as_str(), w.span)),
            _ => None,
        });
        match (scheme, &spec.settings) {
            (Some(("jwt", span)), settings) => {
                self.jwt_uses.push(span);
                if let Some((items, block)) = settings {
                    self.jwt_block(items, *block);
                }
            }
            (Some(("bearer", span)), _) => self.bearer_uses.push(span),
            (_, Some((_, block))) => self.push(
                Diagnostic::error(
                    codes::BAD_AUTH,
                    *block,
                    "only `auth jwt` takes a block of settings",
                )
                .with_label("not a setting of this scheme"),
            ),
            _ => {}
        }
    }

    /// `jwt { issuer "…", audience "…", keys env VAR, algorithms [...],
    /// leeway 30s }`: once per service.
    fn jwt_block(&mut self, items: &[ast::Setting], block: Span) {
        if let Some((_, first)) = &self.jwt {
            let first = *first;
            self.push(
                Diagnostic::error(codes::BAD_AUTH, block, "the JWT settings are given twice")
                    .with_label("a second block")
                    .with_secondary(first, "first given here")
                    .with_note("a service verifies tokens one way: give the block once, then write `auth jwt` alone"),
            );
            return;
        }
        let mut jwt = ir::Jwt::default();
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for item in items {
            let key = item.key.name.as_str();
            if key.is_empty() {
                continue;
            }
            if !JWT_KEYS.contains(&key) {
                self.push(unknown_key(
                    &item.key,
                    "JWT setting",
                    JWT_KEYS,
                    JWT_KEYS_NOTE,
                ));
                continue;
            }
            if self.set_twice(&mut seen, key, item.key.span, "") {
                continue;
            }
            // A bad algorithm is reported where it is written.
            if !self.jwt_setting(&mut jwt, key, &item.value) && key != "algorithms" {
                self.push(
                    Diagnostic::error(
                        codes::UNKNOWN_SETTING,
                        item.span,
                        format!("`{key}` in `auth jwt` takes {}", jwt_expected(key)),
                    )
                    .with_label("not usable here")
                    .with_note(JWT_KEYS_NOTE),
                );
            }
        }
        let missing: Vec<&str> = [
            ("issuer", jwt.issuer.is_empty()),
            ("audience", jwt.audience.is_empty()),
            ("keys", jwt.keys_env.is_empty()),
        ]
        .into_iter()
        .filter(|(key, empty)| *empty && !seen.iter().any(|(k, _)| k == key))
        .map(|(key, _)| key)
        .collect();
        if !missing.is_empty() {
            self.push(
                Diagnostic::error(
                    codes::BAD_AUTH,
                    block,
                    format!("`auth jwt` needs {}", missing.join(", ")),
                )
                .with_label("incomplete")
                .with_note(JWT_KEYS_NOTE),
            );
        }
        self.jwt = Some((jwt, block));
    }

    /// Applies the JWT setting `key` (a known one) to `jwt`; whether its
    /// value fits the key.
    fn jwt_setting(&mut self, jwt: &mut ir::Jwt, key: &str, value: &SettingValue) -> bool {
        match (key, value) {
            ("issuer" | "audience", value) => match literal_kind(value) {
                Some(LiteralKind::String(text)) if !text.is_empty() => {
                    if key == "issuer" {
                        jwt.issuer = text;
                    } else {
                        jwt.audience = text;
                    }
                    true
                }
                _ => false,
            },
            ("keys", SettingValue::Words(words)) => match jwt_keys_env(words) {
                Some(var) => {
                    jwt.keys_env = var;
                    true
                }
                None => false,
            },
            ("algorithms", value) => match literal_kind(value) {
                Some(LiteralKind::List(list)) => self.jwt_algorithms(&mut jwt.algorithms, &list),
                _ => false,
            },
            ("token_url" | "authorization_url", value) => match literal_kind(value) {
                Some(LiteralKind::String(url))
                    if (url.starts_with("https://") || url.starts_with("http://"))
                        && !url.contains(char::is_whitespace) =>
                {
                    if key == "token_url" {
                        jwt.token_url = Some(url);
                    } else {
                        jwt.authorization_url = Some(url);
                    }
                    true
                }
                _ => false,
            },
            ("leeway", value) => match literal_kind(value) {
                Some(LiteralKind::Duration(ms)) => {
                    jwt.leeway_s = Some(ms / 1000);
                    true
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Adds each algorithm of `list` to `algorithms`, once, reporting each
    /// entry that is not a JWT algorithm. Whether the list is usable: every
    /// entry is an algorithm, or at least one is.
    fn jwt_algorithms(&mut self, algorithms: &mut Vec<String>, list: &[ast::Literal]) -> bool {
        let mut ok = true;
        for entry in list {
            match &entry.kind {
                LiteralKind::Word(a) | LiteralKind::String(a)
                    if JWT_ALGORITHMS.contains(&a.as_str()) =>
                {
                    if !algorithms.contains(a) {
                        algorithms.push(a.clone());
                    }
                }
                _ => {
                    ok = false;
                    self.push(
                        Diagnostic::error(
                            codes::UNKNOWN_SETTING,
                            entry.span,
                            "not a JWT algorithm",
                        )
                        .with_label("unknown algorithm")
                        .with_note(format!("one of {}", JWT_ALGORITHMS.join(", "))),
                    );
                }
            }
        }
        ok || !algorithms.is_empty()
    }

    /// Every `auth jwt` has the settings somewhere, and a service does not
    /// mix tokens it verifies with tokens `authenticate` judges.
    pub(crate) fn check_jwt(&mut self) -> Option<ir::Jwt> {
        let uses = std::mem::take(&mut self.jwt_uses);
        let bearers = std::mem::take(&mut self.bearer_uses);
        let jwt = self.jwt.take();
        match (&jwt, uses.first(), bearers.first()) {
            (None, Some(first), _) => self.push(
                Diagnostic::error(
                    codes::BAD_AUTH,
                    *first,
                    "`auth jwt` without its settings",
                )
                .with_label("how are tokens verified?")
                .with_note("give them once: `auth jwt { issuer \"…\", audience \"…\", keys env NAME }`"),
            ),
            (Some(_), Some(first), Some(bearer)) => self.push(
                Diagnostic::error(
                    codes::BAD_AUTH,
                    *bearer,
                    "`auth bearer` in a service that verifies JWTs",
                )
                .with_label("a token `authenticate` would judge")
                .with_secondary(*first, "tokens are JWTs here")
                .with_note("a bearer token is one kind of thing per service: write `auth jwt` (or `auth api_key` for another kind of credential)"),
            ),
            _ => {}
        }
        jwt.map(|(jwt, _)| jwt)
    }

    /// The scope tokens of a `scopes [...]` list: each a non-empty string
    /// of visible ASCII without spaces, quotes or backslashes (RFC 6749
    /// §3.3), each once.
    fn scope_tokens(&mut self, scopes: &[ast::Literal]) -> Vec<String> {
        let mut tokens: Vec<String> = Vec::new();
        for scope in scopes {
            let LiteralKind::String(token) = &scope.kind else {
                continue;
            };
            let valid = !token.is_empty()
                && token
                    .bytes()
                    .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
            if !valid {
                self.push(
                    Diagnostic::error(
                        codes::BAD_PRINCIPAL,
                        scope.span,
                        format!("{token:?} is not a scope"),
                    )
                    .with_label("not a scope token")
                    .with_note("a scope is visible ASCII without spaces, quotes or backslashes, such as \"notes:write\""),
                );
            } else if tokens.contains(token) {
                self.push(
                    Diagnostic::error(
                        codes::BAD_PRINCIPAL,
                        scope.span,
                        format!("scope {token:?} is listed twice"),
                    )
                    .with_label("listed again here"),
                );
            } else {
                tokens.push(token.clone());
            }
        }
        tokens
    }

    /// The service's principal type: every `-> Name` must name the same
    /// declared record, and routes that require scopes need one with a
    /// `scopes: [string]` field, and must authenticate.
    pub(crate) fn check_principal(&mut self, api: &ir::Api) -> Option<String> {
        let mentions = std::mem::take(&mut self.principals);
        let mut principal: Option<(String, Span)> = None;
        let mut failed = false;
        for (name, span) in &mentions {
            if let Some((first, first_span)) = &principal {
                if first != name {
                    self.push(
                        Diagnostic::error(
                            codes::BAD_PRINCIPAL,
                            *span,
                            format!("the principal is already `{first}`"),
                        )
                        .with_label("a second principal type")
                        .with_secondary(*first_span, "first named here")
                        .with_note("a service has one principal type: `authenticate` returns it for every route"),
                    );
                }
                continue;
            }
            if failed {
                continue;
            }
            let record = api.types.iter().find(|t| t.name == *name);
            match record.map(|t| &t.kind) {
                Some(ir::TypeDefKind::Record { .. }) => principal = Some((name.clone(), *span)),
                Some(_) => {
                    failed = true;
                    self.push(
                        Diagnostic::error(
                            codes::BAD_PRINCIPAL,
                            *span,
                            format!("`{name}` is not a record"),
                        )
                        .with_label("the principal must be a record")
                        .with_note("declare it as `type Caller { id: string, … }`"),
                    );
                }
                None => {
                    failed = true;
                    let names: Vec<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
                    let mut d = Diagnostic::error(
                        codes::BAD_PRINCIPAL,
                        *span,
                        format!("no record is named `{name}`"),
                    )
                    .with_label("unknown principal type");
                    if let Some(best) = did_you_mean(name, names) {
                        d = d.with_suggestion(format!("did you mean `{best}`?"), *span, best);
                    }
                    self.push(d);
                }
            }
        }
        let scoped = std::mem::take(&mut self.scoped_routes);
        for (route_name, span) in &scoped {
            let Some(route) = api.routes.iter().find(|r| r.name == *route_name) else {
                continue;
            };
            if route.auth == Auth::None {
                self.push(
                    Diagnostic::error(
                        codes::BAD_PRINCIPAL,
                        *span,
                        format!("route `{route_name}` requires scopes but does not authenticate"),
                    )
                    .with_label("scopes without a credential")
                    .with_note("give it a scheme: `auth bearer scopes [...]`"),
                );
                continue;
            }
            if failed {
                continue;
            }
            let Some((name, _)) = &principal else {
                self.push(
                    Diagnostic::error(
                        codes::BAD_PRINCIPAL,
                        *span,
                        "scopes need a principal that holds them",
                    )
                    .with_label("no principal to check these against")
                    .with_note("name one after the scheme, such as `auth bearer -> Caller`, with a field `scopes: [string]`"),
                );
                failed = true;
                continue;
            };
            let holds_scopes = api.types.iter().any(|t| {
                t.name == *name
                    && matches!(&t.kind, ir::TypeDefKind::Record { fields } if fields.iter().any(is_scopes_field))
            });
            if !holds_scopes {
                self.push(
                    Diagnostic::error(
                        codes::BAD_PRINCIPAL,
                        *span,
                        format!("principal `{name}` has no field `scopes: [string]`"),
                    )
                    .with_label("nothing to check these scopes against")
                    .with_note(format!(
                        "add `scopes: [string]` to `{name}`: the scopes its caller holds"
                    )),
                );
                failed = true;
            }
        }
        principal.map(|(name, _)| name)
    }

    /// `auth none | bearer | jwt | api_key "Header"`.
    fn auth(&mut self, words: &[ast::Literal], span: Span) -> Option<Auth> {
        let word = |l: &ast::Literal| match &l.kind {
            LiteralKind::Word(w) => Some(w.clone()),
            _ => None,
        };
        let scheme = words.first().and_then(word);
        let result = match (
            scheme.as_deref(),
            words.get(1).map(|l| &l.kind),
            words.len(),
        ) {
            (Some("none"), _, 1) => Some(Auth::None),
            (Some("bearer"), _, 1) => Some(Auth::Bearer),
            // A bearer token the server verifies itself (`auth jwt { … }`).
            (Some("jwt"), _, 1) => Some(Auth::Bearer),
            (Some("api_key"), Some(LiteralKind::String(h)), 2)
                if crate::attrs::valid_header_name(h) =>
            {
                Some(Auth::ApiKey { header: h.clone() })
            }
            _ => None,
        };
        if result.is_none() {
            let schemes = ["none", "bearer", "jwt", "api_key"];
            let mut d = Diagnostic::error(
                codes::BAD_AUTH,
                span,
                match scheme.as_deref() {
                    Some("api_key") => "`auth api_key` needs the header's name, such as `auth api_key \"X-Api-Key\"`".to_string(),
                    Some(s @ ("none" | "bearer" | "jwt")) => format!("`auth {s}` takes no further arguments"),
                    Some(s) => format!("unknown auth scheme `{s}`"),
                    None => "`auth` takes `none`, `bearer`, `jwt` or `api_key \"Header\"`".to_string(),
                },
            )
            .with_label("invalid auth");
            if let (Some(s), Some(first)) = (scheme.as_deref(), words.first())
                && !schemes.contains(&s)
                && let Some(best) = did_you_mean(s, schemes)
            {
                d = d.with_suggestion(format!("did you mean `{best}`?"), first.span, best);
            }
            self.push(d);
        }
        result
    }

    // ---- Routes -------------------------------------------------------------

    /// Reports `key` when `seen` already holds it (E0502), else records it;
    /// whether it was a repeat. `what` prefixes the key in the message.
    fn set_twice<'k>(
        &mut self,
        seen: &mut Vec<(&'k str, Span)>,
        key: &'k str,
        span: Span,
        what: &str,
    ) -> bool {
        if let Some(&(_, first)) = seen.iter().find(|(k, _)| *k == key) {
            self.push(
                Diagnostic::error(
                    codes::UNKNOWN_SETTING,
                    span,
                    format!("{what}`{key}` is set twice"),
                )
                .with_label("second time")
                .with_secondary(first, "first set here"),
            );
            return true;
        }
        seen.push((key, span));
        false
    }

    pub(crate) fn routes(
        &mut self,
        decls: &[&'a ast::RouteDecl],
        service: &ir::Service,
    ) -> Vec<ir::Route> {
        let mut out: Vec<(ir::Route, Span)> = Vec::new();
        let mut by_name: BTreeMap<&str, Span> = BTreeMap::new();
        let mut cased = Cased::new(SNAKE_AND_CAMEL);
        let mut by_path: BTreeMap<(Method, String), (String, Span)> = BTreeMap::new();
        // Generated type names, for collisions with declared types.
        let mut type_names: BTreeMap<String, Span> = BTreeMap::new();
        for idx in self.names.values() {
            let d = self.decls[*idx];
            type_names.insert(ident::pascal(&d.name.name), d.name.span);
        }
        for r in decls {
            let name = r.name.name.as_str();
            if name.is_empty() {
                continue;
            }
            if let Some(first) = by_name.get(name) {
                let first = *first;
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        r.name.span,
                        format!("route `{name}` is declared twice"),
                    )
                    .with_label("second declaration")
                    .with_secondary(first, "first declared here"),
                );
                continue;
            }
            if RESERVED_ROUTES.contains(&ident::snake(name).as_str()) {
                self.push(
                    Diagnostic::error(
                        codes::RESERVED_NAME,
                        r.name.span,
                        format!(
                            "`{name}` is reserved: the generated code has a function of that name"
                        ),
                    )
                    .with_label("reserved route name")
                    .with_note(format!(
                        "reserved route names: {}",
                        RESERVED_ROUTES.join(", ")
                    )),
                );
            }
            self.casing(&mut cased, name, r.name.span);
            by_name.insert(name, r.name.span);
            for suffix in ["Request", "Error"] {
                let generated = format!("{}{suffix}", ident::pascal(name));
                if let Some(span) = type_names.get(&generated) {
                    self.push(
                        Diagnostic::error(
                            codes::CASE_COLLISION,
                            r.name.span,
                            format!("route `{name}` generates the type `{generated}`, which is already declared"),
                        )
                        .with_label(format!("generates `{generated}`"))
                        .with_secondary(*span, "declared here"),
                    );
                }
            }
            let Some(route) = self.route(r, service) else {
                continue;
            };
            let key = (route.method, normalized_path(&route.path));
            match by_path.get(&key) {
                Some((other, span)) => {
                    self.push(
                        Diagnostic::error(
                            codes::ROUTE_CONFLICT,
                            r.path.span,
                            format!(
                                "`{name}` and `{other}` both match {} {}",
                                route.method.as_str(),
                                route.path_template()
                            ),
                        )
                        .with_label("same method and path shape")
                        .with_secondary(*span, format!("`{other}` is declared here")),
                    );
                }
                None => {
                    by_path.insert(key, (name.to_string(), r.path.span));
                }
            }
            out.push((route, r.name.span));
        }
        out.into_iter().map(|(r, _)| r).collect()
    }

    /// Reports a removed route whose name the generated handler method could
    /// not keep: reused by a head route, reserved, or generating a type name
    /// that is declared.
    pub(crate) fn check_retired_names(&mut self, head: &ir::Api) {
        let retired = std::mem::take(&mut self.retired);
        let mut type_names: BTreeMap<String, Span> = BTreeMap::new();
        for idx in self.names.values() {
            let d = self.decls[*idx];
            type_names.insert(ident::pascal(&d.name.name), d.name.span);
        }
        for (name, span) in &retired {
            let snake = ident::snake(name);
            if let Some(other) = head.routes.iter().find(|r| ident::snake(&r.name) == snake) {
                self.push(
                    Diagnostic::error(
                        codes::RETIRED_ROUTE,
                        *span,
                        format!(
                            "the removed route `{name}` and the route `{}` would share a handler method",
                            other.name
                        ),
                    )
                    .with_label("a removed route keeps its handler method for older versions")
                    .with_note("give the new route another name"),
                );
            }
            if RESERVED_ROUTES.contains(&snake.as_str()) {
                self.push(
                    Diagnostic::error(
                        codes::RESERVED_NAME,
                        *span,
                        format!(
                            "`{name}` is reserved: the generated code has a function of that name"
                        ),
                    )
                    .with_label("reserved route name"),
                );
            }
            for suffix in ["Request", "Error"] {
                let generated = format!("{}{suffix}", ident::pascal(name));
                if let Some(declared) = type_names.get(&generated) {
                    self.push(
                        Diagnostic::error(
                            codes::CASE_COLLISION,
                            *span,
                            format!("the removed route `{name}` generates the type `{generated}`, which is already declared"),
                        )
                        .with_label(format!("generates `{generated}`"))
                        .with_secondary(*declared, "declared here"),
                    );
                }
            }
        }
        self.retired = retired;
    }

    /// Lowers route `r`, taking from `service` whatever it does not set
    /// itself. Each stage checks its part of the route and lowers what it
    /// can, so that one mistake does not hide the others.
    pub(crate) fn route(
        &mut self,
        r: &'a ast::RouteDecl,
        service: &ir::Service,
    ) -> Option<ir::Route> {
        let flags = self.attrs(&r.attrs, Place::Route, None);
        let method = self.route_method(&r.method);
        let clauses = self.route_clauses(r);
        let (path, params) = self.path_params(r, &clauses.path);
        let params = self.wire_params(&clauses, params);
        let params = self.unique_params(params);
        let body_doc = clauses.body.and_then(|(_, _, doc, _)| doc.clone());
        let body = self.route_body(r, method, &clauses);
        let body_format = clauses
            .body_raw
            .map_or(ir::BodyFormat::Json, |raw| self.raw_format(raw, true));
        let returns_format = clauses
            .returns_raw
            .map_or(ir::BodyFormat::Json, |raw| self.raw_format(raw, false));
        let returns_doc = clauses.returns.and_then(|(_, _, doc, _)| doc.clone());
        let (status, returns) = self.route_success(r, &clauses, &returns_format);
        let errors = self.route_errors(&clauses.errors);
        let response_headers =
            self.route_response_headers(&clauses.response_headers, &returns_format);
        let limits = clauses
            .limits
            .map(|(s, _)| self.limits(s))
            .unwrap_or_default();
        let (auth, scopes) = self.route_auth(r, clauses.auth, service);
        Some(ir::Route {
            name: r.name.name.clone(),
            doc: r.doc.clone(),
            deprecated: flags.deprecated,
            method,
            path,
            params,
            body,
            body_doc,
            status,
            returns,
            returns_doc,
            errors,
            limits: inherited_limits(limits, &service.limits),
            auth,
            scopes,
            response_headers,
            body_format,
            returns_format,
        })
    }

    /// The HTTP method `method` names; an unknown one is reported (with the
    /// upper-case spelling, or the nearest method) and taken as GET.
    fn route_method(&mut self, method: &ast::Ident) -> Method {
        if let Some((_, m)) = Method::ALL.iter().find(|(n, _)| *n == method.name) {
            return *m;
        }
        if !method.name.is_empty() {
            let upper = method.name.to_uppercase();
            let names: Vec<&str> = Method::ALL.iter().map(|(n, _)| *n).collect();
            let mut d = Diagnostic::error(
                codes::BAD_METHOD,
                method.span,
                format!("unknown HTTP method `{}`", method.name),
            )
            .with_label("not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            if names.contains(&upper.as_str()) {
                d = d.with_suggestion(
                    format!("methods are upper case: `{upper}`"),
                    method.span,
                    upper,
                );
            } else if let Some(best) = did_you_mean(&upper, names) {
                d = d.with_suggestion(format!("did you mean `{best}`?"), method.span, best);
            }
            self.push(d);
        }
        Method::Get
    }

    /// Gathers the clauses of route `r`. A clause that may be given once
    /// (`body`, `returns`, `limits`, `auth`, `path`) and is given again is
    /// reported, and only its first counts; the parameter lists and the
    /// error names add up.
    fn route_clauses(&mut self, r: &'a ast::RouteDecl) -> Clauses<'a> {
        let mut c = Clauses::default();
        let mut path_span: Option<Span> = None;
        if let Some(a) = &r.arrow {
            c.errors.extend(a.errors.iter());
        }
        for clause in &r.clauses {
            let (kind, span, first) = match clause {
                RouteClause::Body {
                    ty,
                    raw,
                    attrs,
                    doc,
                    span,
                } => {
                    let first = set_once(&mut c.body, (ty, attrs.as_slice(), doc, *span));
                    if first.is_none() {
                        c.body_raw = raw.as_ref();
                    }
                    ("body", *span, first)
                }
                RouteClause::Returns {
                    status,
                    ty,
                    raw,
                    headers,
                    doc,
                    span,
                } => {
                    let first = set_once(&mut c.returns, (status, ty, doc, *span));
                    if first.is_none() {
                        c.response_headers.extend(headers.iter());
                        c.returns_raw = raw.as_ref();
                    }
                    ("returns", *span, first)
                }
                RouteClause::Limits(s, span) => (
                    "limits",
                    *span,
                    set_once(&mut c.limits, (s.as_slice(), *span)),
                ),
                RouteClause::Auth(spec, span) => {
                    ("auth", *span, set_once(&mut c.auth, (spec, *span)))
                }
                RouteClause::Path(fields, span) => {
                    c.path.extend(fields.iter());
                    ("path", *span, set_once(&mut path_span, *span))
                }
                RouteClause::Query(fields, _) => {
                    c.query.extend(fields.iter());
                    continue;
                }
                RouteClause::Header(fields, _) => {
                    c.headers.extend(fields.iter());
                    continue;
                }
                RouteClause::Cookie(fields, _) => {
                    c.cookies.extend(fields.iter());
                    continue;
                }
                RouteClause::Errors(names, _) => {
                    c.errors.extend(names.iter());
                    continue;
                }
            };
            if let Some(first) = first {
                self.push(
                    Diagnostic::error(codes::BAD_CLAUSE, span, format!("`{kind}` is given twice"))
                        .with_label("second clause")
                        .with_secondary(first, "first given here"),
                );
            }
        }
        c
    }

    /// The segments of `r`'s path, and its path parameters with where each
    /// is named, typed in the path or by `declared` (the `path { … }`
    /// fields). A parameter named twice counts once; a declared field the
    /// path does not name is reported.
    fn path_params(
        &mut self,
        r: &ast::RouteDecl,
        declared: &[&ast::Field],
    ) -> (Vec<PathSegment>, Vec<(ir::Param, Span)>) {
        let mut params: Vec<(ir::Param, Span)> = Vec::new();
        let mut segments = Vec::new();
        for seg in &r.path.segments {
            match seg {
                Segment::Literal(id) => segments.push(PathSegment::Literal(id.name.clone())),
                Segment::Param {
                    name,
                    ty,
                    attrs,
                    span,
                } => {
                    if name.name.is_empty() {
                        continue;
                    }
                    segments.push(PathSegment::Param(name.name.clone()));
                    if let Some((_, first)) = params.iter().find(|(p, _)| p.name == name.name) {
                        let first = *first;
                        self.push(
                            Diagnostic::error(
                                codes::BAD_PATH,
                                *span,
                                format!("path parameter `{}` appears twice", name.name),
                            )
                            .with_label("second time")
                            .with_secondary(first, "first here"),
                        );
                        continue;
                    }
                    let field = declared.iter().find(|f| f.name.name == name.name).copied();
                    let param = self.path_param(name, ty.as_ref(), attrs, *span, field);
                    params.push((param, name.span));
                }
            }
        }
        for f in declared {
            if !f.name.name.is_empty()
                && !r
                    .path
                    .segments
                    .iter()
                    .any(|s| matches!(s, Segment::Param { name, .. } if name.name == f.name.name))
            {
                self.push(
                    Diagnostic::error(
                        codes::BAD_PATH,
                        f.name.span,
                        format!(
                            "`{}` is declared in `path {{ … }}` but the path has no `{{{}}}`",
                            f.name.name, f.name.name
                        ),
                    )
                    .with_label("not in the path")
                    .with_secondary(r.path.span, "the path"),
                );
            }
        }
        (segments, params)
    }

    /// Lowers the path parameter `{name}` (the whole `{…}` at `span`),
    /// typed in the path (`ty`, refined by `attrs`) or by the `path { … }`
    /// field `declared`: exactly one of the two, and never optional.
    fn path_param(
        &mut self,
        name: &ast::Ident,
        ty: Option<&ast::TypeExpr>,
        attrs: &[ast::Attr],
        span: Span,
        declared: Option<&ast::Field>,
    ) -> ir::Param {
        let (lowered, doc, deprecated) = match (ty, declared) {
            (Some(t), decl) => {
                if let Some(f) = decl {
                    self.push(
                        Diagnostic::error(
                            codes::BAD_PATH,
                            f.name.span,
                            format!("path parameter `{}` is typed twice", name.name),
                        )
                        .with_label("declared in the `path` clause")
                        .with_secondary(span, "and typed in the path"),
                    );
                }
                let mut ty = self.resolve_ty(t);
                let fl = self.attrs(attrs, Place::PathParam, ty.as_mut());
                (ty, None, fl.deprecated)
            }
            (None, Some(f)) => {
                if f.optional {
                    self.push(
                        Diagnostic::error(
                            codes::BAD_PATH,
                            f.name.span,
                            format!("path parameter `{}` cannot be optional", name.name),
                        )
                        .with_label("path parameters are always present"),
                    );
                }
                self.attrs(attrs, Place::PathParam, None);
                let lf = self.field(f, Place::PathParam);
                match lf {
                    Some(lf) => (Some(lf.field.ty), lf.field.doc, lf.field.deprecated),
                    None => (None, None, false),
                }
            }
            (None, None) => {
                self.push(
                    Diagnostic::error(
                        codes::BAD_PATH,
                        span,
                        format!("path parameter `{}` has no type", name.name),
                    )
                    .with_label("write its type here or in a `path { … }` clause")
                    .with_suggestion(
                        "give it a type",
                        span,
                        format!("{{{}: string}}", name.name),
                    ),
                );
                (None, None, false)
            }
        };
        if let Some(t) = &lowered {
            let at = match (ty, declared) {
                (Some(e), _) => e.span,
                (None, Some(f)) => f.ty.span,
                (None, None) => span,
            };
            self.check_param_type(t, ParamLocation::Path, at);
        }
        ir::Param {
            name: name.name.clone(),
            wire_name: name.name.clone(),
            location: ParamLocation::Path,
            doc,
            ty: lowered.unwrap_or_else(any),
            optional: false,
            default: None,
            deprecated,
        }
    }

    /// `params` followed by the query, header and cookie parameters of
    /// `clauses`, in that order, each with where it is named.
    fn wire_params(
        &mut self,
        clauses: &Clauses<'_>,
        mut params: Vec<(ir::Param, Span)>,
    ) -> Vec<(ir::Param, Span)> {
        for (fields, location) in [
            (&clauses.query, ParamLocation::Query),
            (&clauses.headers, ParamLocation::Header),
            (&clauses.cookies, ParamLocation::Cookie),
        ] {
            for f in fields.iter() {
                if let Some(param) = self.wire_param(f, location) {
                    params.push((param, f.name.span));
                }
            }
        }
        params
    }

    /// Lowers field `f` as a parameter at `location` (query, header or
    /// cookie), checking that its type fits a parameter and, in a spec with
    /// versions, that it does not take the name clients choose the version
    /// with.
    fn wire_param(&mut self, f: &ast::Field, location: ParamLocation) -> Option<ir::Param> {
        let place = if location == ParamLocation::Query {
            Place::Query
        } else {
            Place::Wire
        };
        let lf = self.field(f, place)?;
        let wire_name = wire_name(f, location);
        self.check_param_type(&lf.field.ty, location, f.ty.span);
        let negotiated = match location {
            ParamLocation::Query => wire_name == "version",
            ParamLocation::Header => wire_name.eq_ignore_ascii_case(&self.version_header),
            _ => false,
        };
        if negotiated && self.versioned {
            self.push(
                Diagnostic::error(
                    codes::RESERVED_NAME,
                    f.name.span,
                    format!(
                        "the {} `{wire_name}` is reserved in a spec with versions",
                        if location == ParamLocation::Query { "query key" } else { "header" }
                    ),
                )
                .with_label("clients choose the API version with it")
                .with_note(format!("the server reads the API version from `?version=` and the `{}` header: give the parameter another name", self.version_header)),
            );
        }
        let LField { field, .. } = lf;
        Some(ir::Param {
            name: field.name,
            wire_name,
            location,
            doc: field.doc,
            ty: field.ty,
            optional: field.optional,
            default: field.default,
            deprecated: field.deprecated,
        })
    }

    /// `params` with each name once: the names are the fields of one
    /// request type, so a name used again (in any location) is reported
    /// and dropped. The names are also checked for casing collisions.
    fn unique_params(&mut self, params: Vec<(ir::Param, Span)>) -> Vec<ir::Param> {
        let mut unique: Vec<(ir::Param, Span)> = Vec::new();
        let mut cased = Cased::new(SNAKE_AND_CAMEL);
        for (p, span) in params {
            if let Some((first, first_span)) = unique.iter().find(|(q, _)| q.name == p.name) {
                let d = Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    span,
                    format!("parameter `{}` is declared twice", p.name),
                )
                .with_label(format!("as a {} parameter", location_word(p.location)))
                .with_secondary(
                    *first_span,
                    format!("first as a {} parameter", location_word(first.location)),
                );
                self.push(d);
                continue;
            }
            self.casing(&mut cased, &p.name, span);
            unique.push((p, span));
        }
        unique.into_iter().map(|(p, _)| p).collect()
    }

    /// The type of route `r`'s body, refined by the attributes written
    /// after it. A body on a method that takes none is reported (and kept),
    /// and so are refinements on a raw body (and dropped).
    fn route_body(
        &mut self,
        r: &ast::RouteDecl,
        method: Method,
        clauses: &Clauses<'_>,
    ) -> Option<Ty> {
        let (t, attrs, _, span) = clauses.body?;
        if matches!(
            method,
            Method::Get | Method::Head | Method::Delete | Method::Options
        ) && !r.method.name.is_empty()
        {
            self.push(
                Diagnostic::error(
                    codes::BAD_CLAUSE,
                    span,
                    format!("{} routes take no body", method.as_str()),
                )
                .with_label("not allowed here")
                .with_note("send the data as query parameters, or use POST, PUT or PATCH"),
            );
        }
        // Refinements written after the body's type refine it, as they
        // would an alias's (`body [Tag] @items(1..=100)`).
        let mut ty = self.resolve_ty(t)?;
        if let (Some(raw), Some(first)) = (clauses.body_raw, attrs.first()) {
            self.push(
                Diagnostic::error(
                    codes::REFINEMENT_NOT_APPLICABLE,
                    first.span,
                    "a raw body takes no refinements",
                )
                .with_label("not checked on raw bytes or text")
                .with_secondary(raw.span, "the body is raw")
                .with_note("the route's `limits { body … }` bounds its size"),
            );
        } else {
            self.attrs(attrs, Place::Body, Some(&mut ty));
        }
        Some(ty)
    }

    /// The success status and type of route `r`: from its `-> T` or its
    /// `returns [STATUS] [T]` clause, which cannot both be given (the
    /// arrow wins).
    fn route_success(
        &mut self,
        r: &ast::RouteDecl,
        clauses: &Clauses<'_>,
        returns_format: &ir::BodyFormat,
    ) -> (u16, Option<Ty>) {
        let (status_lit, success) = match (&r.arrow, clauses.returns) {
            (Some(a), Some((_, _, _, span))) => {
                self.push(
                    Diagnostic::error(
                        codes::BAD_CLAUSE,
                        span,
                        "the success response is given twice",
                    )
                    .with_label("`returns` clause")
                    .with_secondary(a.success.span, "and `->` here")
                    .with_note("use either `-> T | Errors` or a `returns [STATUS] [T]` clause"),
                );
                (None, Some(&a.success))
            }
            (Some(a), None) => (None, Some(&a.success)),
            (None, Some((status, ty, _, _))) => (status.as_ref(), ty.as_ref()),
            (None, None) => (None, None),
        };
        let returns = success.and_then(|t| self.resolve_ty(t));
        let status = match status_lit {
            None if success.is_some() => 200,
            None => 204,
            Some(lit) => self.success_status(lit, success, returns_format),
        };
        (status, returns)
    }

    /// The success status `lit` gives: a 2xx, else reported and taken as
    /// 200. A stream of events must be answered with 200, and a 204 with
    /// no body (`success`).
    fn success_status(
        &mut self,
        lit: &ast::Literal,
        success: Option<&ast::TypeExpr>,
        returns_format: &ir::BodyFormat,
    ) -> u16 {
        match &lit.kind {
            LiteralKind::Number(ast::Number::Int(n)) if (200..=299).contains(n) => {
                let n = *n as u16;
                if n != 200 && *returns_format == ir::BodyFormat::EventStream {
                    self.push(
                        Diagnostic::error(
                            codes::BAD_STATUS,
                            lit.span,
                            "a stream of events is answered with 200",
                        )
                        .with_label(format!("status {n}"))
                        .with_note(
                            "browsers' EventSource accepts only 200; write `returns stream Event`",
                        ),
                    );
                }
                if n == 204
                    && let Some(t) = success
                {
                    self.push(
                        Diagnostic::error(
                            codes::BAD_STATUS,
                            lit.span,
                            "204 responses have no body",
                        )
                        .with_label("status 204")
                        .with_secondary(t.span, "but a body type is given"),
                    );
                }
                n
            }
            _ => {
                self.push(
                    Diagnostic::error(
                        codes::BAD_STATUS,
                        lit.span,
                        "a route's success status must be 2xx",
                    )
                    .with_label("not a 2xx status")
                    .with_note(
                        "declare failures as `error Name STATUS { … }` and list them in `errors`",
                    ),
                );
                200
            }
        }
    }

    /// The errors a route lists (after `->` and in `errors` clauses), each
    /// once; a name that is not a declared error is reported and dropped.
    fn route_errors(&mut self, listed: &[&ast::Ident]) -> Vec<String> {
        let mut errors: Vec<(String, Span)> = Vec::new();
        for e in listed {
            if e.name.is_empty() {
                continue;
            }
            match self.lookup(&e.name) {
                None => {
                    let names = self.error_names();
                    self.unknown("error", e, &names);
                    continue;
                }
                Some(idx) => {
                    let d = self.decls[idx];
                    if !matches!(d.kind, DeclKind::Error(_)) {
                        self.push(
                            Diagnostic::error(
                                codes::NOT_AN_ERROR,
                                e.span,
                                format!("`{}` is {}, not an error", e.name, article(d.what())),
                            )
                            .with_label("errors are declared with `error Name STATUS { … }`")
                            .with_secondary(d.name.span, "declared here"),
                        );
                        continue;
                    }
                }
            }
            if let Some((_, first)) = errors.iter().find(|(n, _)| *n == e.name) {
                let first = *first;
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        e.span,
                        format!("error `{}` is listed twice", e.name),
                    )
                    .with_label("second time")
                    .with_secondary(first, "first listed here"),
                );
                continue;
            }
            errors.push((e.name.clone(), e.span));
        }
        errors.into_iter().map(|(n, _)| n).collect()
    }

    /// The response headers a route's `returns` declares; none for a
    /// stream of events, which cannot send them (reported).
    fn route_response_headers(
        &mut self,
        fields: &[&ast::Field],
        returns_format: &ir::BodyFormat,
    ) -> Vec<ir::Param> {
        let mut response_headers = self.response_headers(fields);
        if *returns_format == ir::BodyFormat::EventStream
            && let Some(first) = fields.first()
        {
            self.push(
                Diagnostic::error(
                    codes::BAD_CLAUSE,
                    first.name.span,
                    "a stream of events declares no response headers",
                )
                .with_label("not supported on `returns stream`")
                .with_note(
                    "put what the client needs in the events, or add headers with `Reply::header`",
                ),
            );
            response_headers.clear();
        }
        response_headers
    }

    /// The authentication scheme and scopes of route `r`, whose `auth`
    /// clause (if any) is `auth`. A route's `auth` replaces the service's,
    /// scopes included; `auth scopes [...]` alone keeps the service's
    /// scheme and replaces only the scopes. A route that requires scopes is
    /// noted for the principal's check.
    fn route_auth(
        &mut self,
        r: &ast::RouteDecl,
        auth: Option<(&ast::AuthSpec, Span)>,
        service: &ir::Service,
    ) -> (Auth, Vec<String>) {
        let (auth, scopes) = match auth {
            Some((spec, span)) => {
                self.note_principal(spec);
                let scheme = if spec.words.is_empty() {
                    service.auth.clone()
                } else {
                    self.auth(&spec.words, span)
                        .unwrap_or_else(|| service.auth.clone())
                };
                let scopes = spec
                    .scopes
                    .as_ref()
                    .map(|(scopes, span)| (self.scope_tokens(scopes), *span));
                (scheme, scopes)
            }
            None => (
                service.auth.clone(),
                self.service_scopes
                    .as_ref()
                    .map(|(scopes, span)| (scopes.clone(), *span)),
            ),
        };
        let scopes = match scopes {
            Some((scopes, span)) if !scopes.is_empty() => {
                self.scoped_routes.push((r.name.name.clone(), span));
                scopes
            }
            _ => Vec::new(),
        };
        (auth, scopes)
    }

    /// Parameters are scalars or enums; query parameters also lists of them.
    fn check_param_type(&mut self, ty: &Ty, location: ParamLocation, span: Span) {
        let eff = self.effective(ty);
        let scalar = |cx: &mut Ctx<'_>, base: &Base| match base {
            Base::Prim(p) => *p != Primitive::Any,
            Base::Enum(_) | Base::Unknown => true,
            _ => {
                let _ = cx;
                false
            }
        };
        let ok = match &eff.base {
            Base::List(elem) if location == ParamLocation::Query => {
                let e = self.effective(elem);
                scalar(self, &e.base)
            }
            b => scalar(self, b),
        };
        if !ok {
            let what = self.describe(&eff.base);
            let allowed = if location == ParamLocation::Query {
                "scalars (strings, numbers, booleans, UUIDs, dates, enums) or lists of them"
            } else {
                "scalars (strings, numbers, booleans, UUIDs, dates, enums)"
            };
            self.push(
                Diagnostic::error(
                    codes::UNKNOWN_TYPE_USE,
                    span,
                    format!("`{}` is {what}, which cannot be a parameter", show_ty(ty)),
                )
                .with_label("not a scalar")
                .with_note(format!(
                    "parameters take {allowed}; send structured data in the body"
                )),
            );
        }
    }
}

/// Stores `value` unless something is there; returns the earlier span if so.
fn set_once<T: Copy + HasSpan>(slot: &mut Option<T>, value: T) -> Option<Span> {
    match slot {
        Some(first) => Some(first.span()),
        None => {
            *slot = Some(value);
            None
        }
    }
}

trait HasSpan {
    fn span(&self) -> Span;
}

impl HasSpan for Span {
    fn span(&self) -> Span {
        *self
    }
}

impl<A> HasSpan for (A, Span) {
    fn span(&self) -> Span {
        self.1
    }
}

impl<A, B> HasSpan for (A, B, Span) {
    fn span(&self) -> Span {
        self.2
    }
}

impl<A, B, C> HasSpan for (A, B, C, Span) {
    fn span(&self) -> Span {
        self.3
    }
}

/// The path with every parameter replaced by `{}`: equal for conflicting routes.
pub(crate) fn normalized_path(path: &[PathSegment]) -> String {
    let mut s = String::new();
    for seg in path {
        s.push('/');
        match seg {
            PathSegment::Literal(l) => s.push_str(l),
            PathSegment::Param(_) => s.push_str("{}"),
        }
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

/// Whether `field` is a principal's `scopes: [string]` (required, not
/// nullable, of non-null strings).
fn is_scopes_field(field: &ir::Field) -> bool {
    field.name == "scopes"
        && !field.optional
        && !field.ty.nullable
        && matches!(&field.ty.kind, ir::TyKind::List(item)
            if matches!(item.kind, ir::TyKind::Primitive(Primitive::String)) && !item.nullable)
}

/// A `cors` setting whose value is not of its kind.
fn bad_cors(span: Span, key: &str, expected: &str) -> Diagnostic {
    Diagnostic::error(
        codes::UNKNOWN_SETTING,
        span,
        format!("`{key}` in `cors` takes {expected}"),
    )
    .with_label("not usable here")
    .with_note(CORS_KEYS_NOTE)
}

/// Whether `text` is a serialized `http` or `https` origin (RFC 6454), as
/// browsers send it in `Origin`: lowercase scheme and host, an optional
/// port, no path. The runtime checks `GATI_CORS_ORIGINS` with the same
/// rule (`runtime-template/src/config.rs`, which is copied into generated
/// crates and so shares no code with the compiler).
fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.[]:".contains(&b));
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// The wire name a header or cookie field gives with `@name("…")`.
fn explicit_wire_name(f: &ast::Field) -> Option<String> {
    f.attrs
        .iter()
        .find(|a| a.name.name == "name")
        .and_then(|a| match a.args.as_slice() {
            [
                ast::AttrArg::Literal(ast::Literal {
                    kind: LiteralKind::String(s),
                    ..
                }),
            ] => Some(s.clone()),
            _ => None,
        })
}

/// A route's clauses, gathered by [`Ctx::route_clauses`].
#[derive(Default)]
struct Clauses<'r> {
    /// `body T @attrs`: its type, refinements, doc and span.
    body: Option<(&'r ast::TypeExpr, &'r [ast::Attr], &'r ast::Doc, Span)>,
    /// The raw form of the body (`bytes "image/png"` or `text`).
    body_raw: Option<&'r ast::RawPayload>,
    /// `returns [STATUS] [T]`: its status, type, doc and span.
    returns: Option<(
        &'r Option<ast::Literal>,
        &'r Option<ast::TypeExpr>,
        &'r ast::Doc,
        Span,
    )>,
    /// The raw form of the success response (`returns stream Event`, …).
    returns_raw: Option<&'r ast::RawPayload>,
    /// The response headers `returns` declares.
    response_headers: Vec<&'r ast::Field>,
    /// `limits { … }`, and where it is given.
    limits: Option<(&'r [ast::Setting], Span)>,
    /// `auth …`, and where it is given.
    auth: Option<(&'r ast::AuthSpec, Span)>,
    /// The fields of `path { … }`, which type path parameters.
    path: Vec<&'r ast::Field>,
    /// Query parameters, from every `query` clause.
    query: Vec<&'r ast::Field>,
    /// Header parameters, from every `header` clause.
    headers: Vec<&'r ast::Field>,
    /// Cookie parameters, from every `cookie` clause.
    cookies: Vec<&'r ast::Field>,
    /// The errors named after `->` and in `errors` clauses, in order.
    errors: Vec<&'r ast::Ident>,
}

/// A service with no settings: named `name` (its title too), documented
/// by `doc`.
fn unconfigured_service(name: &str, doc: ast::Doc) -> ir::Service {
    ir::Service {
        name: name.to_string(),
        title: name.to_string(),
        doc,
        limits: Limits::default(),
        auth: Auth::None,
        deploy: None,
        version_header: None,
        unknown_fields: ir::UnknownFields::Ignore,
        principal: None,
        cors: None,
        jwt: None,
    }
}

/// The literal a setting's value is, if it is one.
fn literal_kind(value: &SettingValue) -> Option<LiteralKind> {
    match value {
        SettingValue::Literal(l) => Some(l.kind.clone()),
        _ => None,
    }
}

/// The environment variable `keys env NAME` names, when the words are
/// exactly that and the name is usable: letters, digits and `_`, and not
/// one of the runtime's own `GATI_` variables.
fn jwt_keys_env(words: &[ast::Literal]) -> Option<String> {
    match words {
        [_, name] => match &name.kind {
            LiteralKind::Word(var) | LiteralKind::String(var)
                if !var.is_empty()
                    && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    && !var.to_ascii_uppercase().starts_with("GATI_") =>
            {
                Some(var.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

/// What the JWT setting `key` takes, for the message on a value that
/// does not fit it.
fn jwt_expected(key: &str) -> &'static str {
    match key {
        "issuer" => {
            "a string: the `iss` every token carries, such as `issuer \"https://auth.example.com/\"`"
        }
        "audience" => "a string: the `aud` every token carries, such as `audience \"notes-api\"`",
        "keys" => {
            "`env NAME`: the environment variable that holds the JWKS file's path (not a `GATI_` one)"
        }
        "token_url" | "authorization_url" => {
            "an `https://` URL, such as `token_url \"https://auth.example.com/oauth/token\"`"
        }
        _ => "a duration, such as `leeway 30s`",
    }
}

/// A route's limits: each its own (`route`) when it sets it, else the
/// service's.
fn inherited_limits(route: Limits, service: &Limits) -> Limits {
    Limits {
        concurrency: route.concurrency.or(service.concurrency),
        queue: route.queue.or(service.queue),
        body: route.body.or(service.body),
        timeout_ms: route.timeout_ms.or(service.timeout_ms),
        rate: route.rate.or(service.rate),
    }
}

/// The name parameter `f` has on the wire at `location`: a header's or
/// cookie's as written in `@name(…)` when it has one, else a header's
/// name with `-` for `_`, else the field's name.
fn wire_name(f: &ast::Field, location: ParamLocation) -> String {
    match (location, explicit_wire_name(f)) {
        (ParamLocation::Header | ParamLocation::Cookie, Some(w)) => w,
        (ParamLocation::Header, None) => f.name.name.replace('_', "-"),
        _ => f.name.name.clone(),
    }
}

/// The word for parameter location `l` in messages.
fn location_word(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}
