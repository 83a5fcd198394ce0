//! Behaviour of the crate generated from the corpus's scalars spec: the
//! ecosystem's types (`uuid::Uuid`, `time::Date`, `time::OffsetDateTime`,
//! `bytes::Bytes`, and `rust_decimal::Decimal` with the crate's
//! `rust_decimal` feature) in every position, read and written with the
//! runtime's strict wire formats. The test harness copies this file into
//! the generated crate as `tests/behaviour.rs` and runs it with and without
//! that feature.

use scalars_api::runtime::{Bytes, Decimal, Scalar};
use scalars_api::time::{OffsetDateTime, UtcOffset};
use scalars_api::uuid::Uuid;
use scalars_api::versions::v2025_01_01::Money as OldMoney;
use scalars_api::{
    Api, Ctx, EchoKeyError, EchoKeyRequest, Event, GetEventError, GetEventHeaders, GetEventRequest,
    Key, Missing, Money, NowError, NowRequest, PutEventError, PutEventRequest, PutIdsError,
    PutIdsRequest, PutMoneyError, PutMoneyRequest, Reply,
};

struct App;

impl scalars_api::Converters for App {
    fn event_blob_size(new: &Event) -> i64 {
        i64::try_from(new.blob.len()).unwrap_or(i64::MAX)
    }

    fn money_from_text(old: OldMoney) -> Money {
        // "12.34" dollars: whole cents (the example keeps it simple).
        let (dollars, cents) = old.amount.split_once('.').unwrap_or((&old.amount, "0"));
        let dollars: i64 = dollars.parse().unwrap_or(0);
        let cents: i64 = format!("{cents:0<2}")[..2].parse().unwrap_or(0);
        Money {
            cents: dollars * 100 + cents,
        }
    }

    fn money_from_text_backward(new: Money) -> OldMoney {
        OldMoney {
            amount: format!("{}.{:02}", new.cents / 100, new.cents % 100),
        }
    }
}

/// A value of `T` from its wire text.
fn parse<T: Scalar>(text: &str) -> T {
    T::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

impl Api for App {
    async fn get_event(
        &self,
        _: &Ctx,
        request: GetEventRequest,
    ) -> Result<Reply<Event, GetEventHeaders>, GetEventError> {
        if request.id.is_nil() {
            return Err(Missing { id: request.id }.into());
        }
        let at = request.at.unwrap_or(request.since);
        let event = Event {
            id: request.id,
            at,
            on: request.day.unwrap_or(at.date()),
            amount: request.amount.unwrap_or_else(|| parse("0")),
            price: None,
            ends: None,
            seen: Some(None),
            ids: request.ids,
            days: Default::default(),
            history: Default::default(),
            blob: request.blob.unwrap_or_default(),
            blobs: None,
            total: parse("1.50"),
            tags: Vec::new(),
        };
        let headers = GetEventHeaders {
            at: request.if_at.unwrap_or(at),
            id: request.trace.unwrap_or(request.id),
            day: request.if_day,
            cost: request.cost,
            token: request.token,
        };
        Ok(Reply::new(event).headers(headers))
    }

    async fn put_event(
        &self,
        _: &Ctx,
        request: PutEventRequest,
    ) -> Result<Reply<Event>, PutEventError> {
        Ok(request.body.into())
    }

    async fn put_ids(
        &self,
        _: &Ctx,
        request: PutIdsRequest,
    ) -> Result<Reply<std::collections::BTreeMap<String, Option<Decimal>>>, PutIdsError> {
        let costs = request
            .body
            .iter()
            .map(|id| (id.to_string(), (!id.is_nil()).then(|| parse("0.10"))))
            .collect::<std::collections::BTreeMap<_, _>>();
        Ok(costs.into())
    }

    async fn now(&self, _: &Ctx, _: NowRequest) -> Result<Reply<OffsetDateTime>, NowError> {
        Ok(parse::<OffsetDateTime>("2024-02-29T12:30:00.5+05:30").into())
    }

    async fn echo_key(&self, _: &Ctx, request: EchoKeyRequest) -> Result<Reply<Key>, EchoKeyError> {
        Ok(request.body.into())
    }

    async fn put_money(&self, _: &Ctx, request: PutMoneyRequest) -> Result<Reply<Money>, PutMoneyError> {
        // The head sees cents, whatever version the client speaks.
        Ok(Money {
            cents: request.body.cents + 1,
        }
        .into())
    }
}

/// The answer to one request sent in-process: status, headers, JSON body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    json: serde_json::Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The pointers of a problem's violations.
    fn pointers(&self) -> Vec<&str> {
        self.json["violations"]
            .as_array()
            .map(|vs| vs.iter().filter_map(|v| v["pointer"].as_str()).collect())
            .unwrap_or_default()
    }
}

fn send(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let client = scalars_api::test_client(App);
    let method = hyper::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = client.request(method, uri).body(body.to_string());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let response = rt.block_on(request.send());
    Answer {
        status: response.status(),
        headers: response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        json: serde_json::from_slice(response.bytes()).unwrap_or(serde_json::Value::Null),
    }
}

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];
const ID: &str = "123e4567-e89b-12d3-a456-426614174000";

/// An event as a client writes it, with `changes` made.
fn event(changes: &[(&str, serde_json::Value)]) -> String {
    let mut event = serde_json::json!({
        "id": ID,
        "at": "2024-02-29T12:30:00.250+05:30",
        "amount": "12.50",
        "ends": null,
        "seen": null,
        "ids": [ID, "00000000-0000-0000-0000-000000000000"],
        "days": {"leap": "2024-02-29"},
        "history": {"a": ["2024-02-29T12:30:00Z", null]},
        "blob": "Zg",
    });
    for (name, value) in changes {
        event[*name] = value.clone();
    }
    event.to_string()
}

#[test]
fn events_round_trip_in_the_wire_format() {
    let answer = send("PUT", "/events", JSON, &event(&[]));
    assert_eq!(answer.status, 200, "{}", answer.json);
    let json = &answer.json;
    // The offset it was written with is kept; the fraction written short.
    assert_eq!(json["at"], "2024-02-29T12:30:00.25+05:30");
    assert_eq!(json["amount"], "12.50");
    assert_eq!(json["ends"], serde_json::Value::Null);
    assert_eq!(json["seen"], serde_json::Value::Null);
    assert!(json.get("price").is_none(), "absent stays absent");
    assert_eq!(json["ids"][1], "00000000-0000-0000-0000-000000000000");
    assert_eq!(json["days"]["leap"], "2024-02-29");
    assert_eq!(json["history"]["a"][0], "2024-02-29T12:30:00Z");
    assert_eq!(json["blob"], "Zg==", "base64 is written padded");
    // Defaults, parsed by the runtime.
    assert_eq!(json["on"], "2024-02-29");
    assert_eq!(json["total"], "1.50");
    assert_eq!(json["tags"][0], ID);

    // Decimals also come as JSON numbers, and go out as strings.
    let answer = send("PUT", "/events", JSON, &event(&[("amount", 12.5.into())]));
    assert_eq!(
        (answer.status, &answer.json["amount"]),
        (200, &"12.5".into())
    );
    // The decoded values are the ecosystem's, with their offset.
    let decoded: Event = serde_json::from_str(&event(&[])).expect("an event");
    let offset = UtcOffset::from_hms(5, 30, 0).expect("an offset");
    assert_eq!(decoded.at.offset(), offset);
    assert_eq!(decoded.at.nanosecond(), 250_000_000);
    assert_eq!(decoded.blob, Bytes::from_static(b"f"));
    assert_eq!(decoded.ids[1], Uuid::nil());
}

#[test]
fn lenient_forms_are_refused_where_they_stand() {
    let cases: &[(&str, serde_json::Value, &str)] = &[
        ("id", format!("{{{ID}}}").into(), "/id"),
        ("id", format!("urn:uuid:{ID}").into(), "/id"),
        ("id", ID.replace('-', "").into(), "/id"),
        ("at", "2024-02-29 12:30:00Z".into(), "/at"),
        ("at", "2024-02-29T12:30:00".into(), "/at"),
        ("at", "2024-02-29T12:30:00+0530".into(), "/at"),
        ("ends", 1_709_209_800.into(), "/ends"),
        (
            "ids",
            serde_json::json!([ID, format!("{{{ID}}}")]),
            "/ids/1",
        ),
        ("days", serde_json::json!({"k": "2024-1-01"}), "/days/k"),
        (
            "history",
            serde_json::json!({"a": ["2024-02-29"]}),
            "/history/a/0",
        ),
        ("blob", "-_-_".into(), "/blob"),
        ("blob", "Zm9v\n".into(), "/blob"),
        ("blob", serde_json::json!([102]), "/blob"),
        ("amount", "1e5".into(), "/amount"),
        ("amount", "1,5".into(), "/amount"),
    ];
    for (name, value, pointer) in cases {
        let answer = send("PUT", "/events", JSON, &event(&[(name, value.clone())]));
        assert_eq!(answer.status, 422, "{name}: {value} gave {}", answer.json);
        assert_eq!(answer.pointers(), [*pointer], "{}", answer.json);
    }
    // `Zh==` is not canonical (stray bits), so it is refused; `Zg==` is not.
    let answer = send(
        "PUT",
        "/events",
        JSON,
        &event(&[("blobs", serde_json::json!(["Zg==", "Zh=="]))]),
    );
    assert_eq!(answer.pointers(), ["/blobs/1"], "{}", answer.json);
}

#[test]
fn decimals_beyond_rust_decimal_are_refused_only_with_its_feature() {
    let huge = "79228162514264337593543950336.5";
    let answer = send("PUT", "/events", JSON, &event(&[("amount", huge.into())]));
    let query = send("GET", &format!("/events/{ID}?amount={huge}"), &[], "");
    if cfg!(feature = "rust_decimal") {
        assert_eq!((answer.status, answer.pointers()), (422, vec!["/amount"]));
        let message = answer.json["violations"][0]["message"]
            .as_str()
            .unwrap_or("");
        assert!(message.contains("at most 28 digits"), "{message}");
        assert_eq!((query.status, query.pointers()), (400, vec!["/amount"]));
        let tiny = "0.00000000000000000000000000001";
        let answer = send("PUT", "/events", JSON, &event(&[("amount", tiny.into())]));
        assert_eq!(answer.status, 422, "never rounded to zero");
    } else {
        // The runtime's own decimal keeps every digit.
        assert_eq!((answer.status, &answer.json["amount"]), (200, &huge.into()));
        assert_eq!((query.status, &query.json["amount"]), (200, &huge.into()));
    }
}

#[test]
fn whole_bodies_and_responses_are_scalars() {
    let nil = "00000000-0000-0000-0000-000000000000";
    let answer = send("PUT", "/ids", JSON, &format!(r#"["{ID}", "{nil}"]"#));
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json, serde_json::json!({ID: "0.10", nil: null}));
    let answer = send(
        "PUT",
        "/ids",
        JSON,
        &format!(r#"["{ID}", "urn:uuid:{ID}"]"#),
    );
    assert_eq!((answer.status, answer.pointers()), (422, vec!["/1"]));

    let answer = send("GET", "/now", &[], "");
    assert_eq!(answer.json, "2024-02-29T12:30:00.5+05:30");

    for key in [
        serde_json::json!(ID),
        serde_json::json!(42),
        serde_json::json!(["2024-02-29", "0000-01-01"]),
    ] {
        let answer = send("POST", "/keys", JSON, &key.to_string());
        assert_eq!((answer.status, &answer.json), (200, &key));
    }
    for key in [
        serde_json::json!(format!("{{{ID}}}")),
        serde_json::json!(["2024-02-29T00:00:00Z"]),
    ] {
        let answer = send("POST", "/keys", JSON, &key.to_string());
        assert_eq!(answer.status, 422, "{key}: {}", answer.json);
    }
}

#[test]
fn parameters_and_headers_of_every_scalar() {
    let uri = format!(
        "/events/{ID}?day=2024-02-29&at=2024-02-29T12:30:00%2B05:30&amount=1.50&blob=Zg&ids={ID}&ids=00000000-0000-0000-0000-000000000000"
    );
    let headers = [
        ("x-day", "2023-12-31"),
        ("x-at", "2024-01-01T00:00:00-08:00"),
        ("x-trace", "00000000-0000-0000-0000-0000000000AB"),
        ("x-cost", "-0.5"),
        ("x-token", "Zm8"),
    ];
    let answer = send("GET", &uri, &headers, "");
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["at"], "2024-02-29T12:30:00+05:30");
    assert_eq!(answer.json["on"], "2024-02-29");
    assert_eq!(answer.json["amount"], "1.50");
    assert_eq!(answer.json["blob"], "Zg==");
    assert_eq!(answer.json["ids"].as_array().map(Vec::len), Some(2));
    // Response headers in the same formats.
    assert_eq!(answer.header("x-at"), Some("2024-01-01T00:00:00-08:00"));
    assert_eq!(
        answer.header("x-id"),
        Some("00000000-0000-0000-0000-0000000000ab")
    );
    assert_eq!(answer.header("x-day"), Some("2023-12-31"));
    assert_eq!(answer.header("x-cost"), Some("-0.5"));
    assert_eq!(answer.header("x-token"), Some("Zm8="));

    // A default parameter keeps its offset.
    let answer = send("GET", &format!("/events/{ID}"), &[], "");
    assert_eq!(answer.json["at"], "2000-01-01T00:00:00+01:00");
    assert!(answer.header("x-day").is_none());

    // Lenient forms are a 400 naming the parameter.
    type Case<'a> = (String, &'a [(&'a str, &'a str)], &'a str);
    let bad: &[Case] = &[
        (format!("/events/%7B{ID}%7D"), &[], "/id"),
        (format!("/events/urn:uuid:{ID}"), &[], "/id"),
        (
            format!("/events/{ID}?at=2024-02-29%2012:30:00Z"),
            &[],
            "/at",
        ),
        (
            format!("/events/{ID}?at=2024-02-29T12:30:00+05:30"),
            &[],
            "/at",
        ),
        (format!("/events/{ID}?day=20240229"), &[], "/day"),
        (format!("/events/{ID}?blob=-_-_"), &[], "/blob"),
        (format!("/events/{ID}?ids=%7B{ID}%7D"), &[], "/ids"),
        (
            format!("/events/{ID}"),
            &[("x-trace", "{00000000-0000-0000-0000-000000000000}")],
            "/X-Trace",
        ),
        (format!("/events/{ID}"), &[("x-token", "Zm8_")], "/X-Token"),
        (
            format!("/events/{ID}"),
            &[("x-at", "Thu, 29 Feb 2024 12:30:00 GMT")],
            "/X-At",
        ),
        (format!("/events/{ID}"), &[("x-cost", "1e3")], "/X-Cost"),
    ];
    for (uri, headers, pointer) in bad {
        let answer = send("GET", uri, headers, "");
        assert_eq!(answer.status, 400, "{uri} {headers:?}: {}", answer.json);
        assert_eq!(answer.pointers(), [*pointer], "{uri}: {}", answer.json);
    }

    // An error payload is written in the wire format too.
    let nil = "00000000-0000-0000-0000-000000000000";
    let answer = send("GET", &format!("/events/{nil}"), &[], "");
    assert_eq!((answer.status, &answer.json["id"]), (404, &nil.into()));
}

#[test]
fn an_older_version_converts_its_scalars() {
    // 2025-01-01 had no `total`: going forward it gets the change's default,
    // coming back it is dropped.
    let version = [
        ("content-type", "application/json"),
        ("gati-version", "2025-01-01"),
    ];
    let mut body: serde_json::Value = serde_json::from_str(&event(&[])).expect("json");
    body["on"] = "1999-12-31".into();
    // It also had `blob_size`, removed since: an old client's request may
    // carry it (dropped going forward), and its answer has it, computed from
    // the head's event by `Converters::event_blob_size`.
    body["blob_size"] = 99.into();
    let answer = send("PUT", "/events", &version, &body.to_string());
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(answer.json.get("total").is_none());
    assert_eq!(answer.json["blob_size"], 1, "the blob is one byte");
    assert_eq!(answer.json["at"], "2024-02-29T12:30:00.25+05:30");
    assert_eq!(answer.json["on"], "1999-12-31");
    let answer = send(
        "GET",
        &format!("/events/{ID}?day=2024-02-29"),
        &version[1..],
        "",
    );
    assert_eq!(
        (answer.status, &answer.json["on"]),
        (200, &"2024-02-29".into())
    );
    let current = send("PUT", "/events", JSON, &event(&[]));
    assert_eq!(current.json["total"], "1.50");
    assert!(current.json.get("blob_size").is_none(), "the head has none");
}

#[test]
fn a_decimal_range_is_enforced_exactly() {
    // `amount` is `decimal @range(0..)`: zero is in, the least negative
    // amount is out, with either decimal type.
    let zero = send("PUT", "/events", JSON, &event(&[("amount", "0.00".into())]));
    assert_eq!(zero.status, 200, "{}", zero.json);
    let below = send("PUT", "/events", JSON, &event(&[("amount", "-0.01".into())]));
    assert_eq!(below.status, 422, "{}", below.json);
    assert_eq!(below.pointers(), ["/amount"]);
    assert_eq!(below.json["violations"][0]["rule"], "range");
    assert_eq!(below.json["violations"][0]["message"], "must be at least 0");
}

#[test]
fn a_record_converted_by_hand_goes_both_ways() {
    // 2025-01-01 sent dollars as text; the handler adds one cent.
    let old = [
        ("content-type", "application/json"),
        ("gati-version", "2025-01-01"),
    ];
    let answer = send("PUT", "/money", &old, r#"{"amount": "12.34"}"#);
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json, serde_json::json!({"amount": "12.35"}));
    // The head speaks cents.
    let answer = send("PUT", "/money", JSON, r#"{"cents": 1234}"#);
    assert_eq!(answer.json, serde_json::json!({"cents": 1235}));
}
