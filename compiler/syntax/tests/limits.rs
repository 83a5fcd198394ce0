//! `limits { … }` blocks: a rate is read as its parts, in a route and in the
//! service block, beside the other limits; the parser takes any unit and any
//! value after `burst` and `per`, so that the checker can judge them.

use gatic_syntax::ast::{Item, LiteralKind, Number, RouteClause, Setting, SettingValue};
use gatic_syntax::{FileId, parse};

/// The settings of the one `limits` block in `text`, which must parse
/// without a diagnostic.
fn limits(text: &str) -> Vec<Setting> {
    let parsed = parse(FileId(0), text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    for item in parsed.file.items {
        match item {
            Item::Route(route) => {
                for clause in route.clauses {
                    if let RouteClause::Limits(settings, _) = clause {
                        return settings;
                    }
                }
            }
            Item::Service(service) => {
                for setting in service.settings {
                    if let (true, SettingValue::Block(settings)) =
                        (setting.key.name == "limits", setting.value)
                    {
                        return settings;
                    }
                }
            }
            _ => {}
        }
    }
    panic!("no limits in {text}");
}

/// A rate's parts as text: `requests/unit option=value …`.
fn rate(setting: &Setting) -> String {
    let SettingValue::Rate(rate) = &setting.value else {
        panic!("not a rate: {setting:?}");
    };
    let word = |kind: &LiteralKind| match kind {
        LiteralKind::Number(Number::Int(n)) => n.to_string(),
        LiteralKind::Word(w) => w.clone(),
        other => format!("{other:?}"),
    };
    let mut text = format!(
        "{}/{}",
        word(&rate.requests.kind),
        rate.unit.as_ref().map_or("?", |u| u.name.as_str())
    );
    for (key, value) in &rate.options {
        let value = value.as_ref().map_or("?".to_string(), |v| word(&v.kind));
        text.push_str(&format!(" {}={value}", key.name));
    }
    text
}

#[test]
fn a_rate_is_read_beside_the_other_limits() {
    let settings = limits(
        "route r GET /r {\n  limits { concurrency 8, rate 100/s burst 200 per client, timeout 2s }\n}",
    );
    let keys: Vec<&str> = settings.iter().map(|s| s.key.name.as_str()).collect();
    assert_eq!(keys, ["concurrency", "rate", "timeout"]);
    assert_eq!(rate(&settings[1]), "100/s burst=200 per=client");
}

#[test]
fn the_service_block_takes_rates_too_over_several_lines() {
    let settings =
        limits("service s {\n  limits {\n    rate 10/min\n      burst 20\n    queue 4\n  }\n}");
    assert_eq!(rate(&settings[0]), "10/min burst=20");
    assert_eq!(settings[1].key.name, "queue");
}

#[test]
fn units_and_scopes_are_left_to_the_checker() {
    let settings = limits("route r GET /r { limits { rate 10/week per user, rate 10 burst } }");
    assert_eq!(rate(&settings[0]), "10/week per=user");
    assert_eq!(rate(&settings[1]), "10/? burst=?");
}

#[test]
fn a_rate_with_a_duration_is_an_ordinary_setting() {
    let settings = limits("route r GET /r { limits { rate 10s } }");
    assert!(matches!(
        settings[0].value,
        SettingValue::Literal(ref l) if l.kind == LiteralKind::Duration(10_000)
    ));
}
