//! Behaviour of the crate generated from the corpus's constants spec
//! (`specs/valid/constants.gati`): constant fields (`object: "charge"`) are
//! zero-sized, always written, optional in requests, refused with a `const`
//! violation when wrong, and converted between versions. The test harness
//! copies this file into the generated crate as `tests/behaviour.rs`.

use constants_api::{
    Api, Charge, ChargePage, CreateChargeError, CreateChargeRequest, CreateIntentError, CreateIntentRequest,
    Ctx, GetChargeError, GetChargeRequest, GetOdditiesError, GetOdditiesRequest,
    ListChargesError, ListChargesRequest, NotFound,
    Oddities, PayError, PayRequest, Payment, PaymentIntent, PutWalletError, PutWalletRequest,
    Reply, Wallet, consts,
};
use serde_json::{Value, json};

struct App;

impl Api for App {
    async fn create_charge(
        &self,
        _: &Ctx,
        request: CreateChargeRequest,
    ) -> Result<Reply<Charge>, CreateChargeError> {
        Ok(Charge {
            id: "ch_1".into(),
            ..request.body
        }
        .into())
    }
    async fn get_charge(
        &self,
        _: &Ctx,
        request: GetChargeRequest,
    ) -> Result<Reply<Charge>, GetChargeError> {
        if request.id == "missing" {
            return Err(NotFound {
                object: consts::Error,
                id: request.id,
            }
            .into());
        }
        Ok(Charge {
            object: consts::Charge,
            id: request.id,
            amount: 250,
        }
        .into())
    }
    async fn list_charges(
        &self,
        _: &Ctx,
        _: ListChargesRequest,
    ) -> Result<Reply<ChargePage>, ListChargesError> {
        Ok(ChargePage {
            object: consts::List,
            data: vec![Charge {
                object: consts::Charge,
                id: "ch_1".into(),
                amount: 1,
            }],
            has_more: false,
        }
        .into())
    }
    async fn create_intent(
        &self,
        _: &Ctx,
        request: CreateIntentRequest,
    ) -> Result<Reply<PaymentIntent>, CreateIntentError> {
        Ok(request.body.into())
    }
    async fn pay(&self, _: &Ctx, request: PayRequest) -> Result<Reply<Vec<Payment>>, PayError> {
        Ok(vec![request.body].into())
    }
    async fn get_oddities(
        &self,
        _: &Ctx,
        _: GetOdditiesRequest,
    ) -> Result<Reply<Oddities>, GetOdditiesError> {
        // Every constant type is its own default.
        Ok(Oddities {
            list: consts::List,
            version: consts::V1_0,
            upper: Default::default(),
            empty: consts::Empty,
            keyword: consts::SelfValue,
            dashed: consts::PaymentIntent2,
            quoted: consts::SayHi,
            consts: consts::Consts,
            ok: consts::Ok,
            result: consts::Result,
            default: consts::Default,
            string: consts::String,
        }
        .into())
    }
    async fn put_wallet(
        &self,
        _: &Ctx,
        request: PutWalletRequest,
    ) -> Result<Reply<Wallet>, PutWalletError> {
        Ok(request.body.into())
    }
}

/// Sends one request through the whole lifecycle in-process: the status and
/// the body as JSON (or null).
fn send(method: &str, uri: &str, version: Option<&str>, body: &str) -> (u16, Value) {
    let client = constants_api::test_client(App);
    let method = hyper::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = client
        .request(method, uri)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(date) = version {
        request = request.version(date);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let response = rt.block_on(request.send());
    let json = serde_json::from_slice(response.bytes()).unwrap_or(Value::Null);
    (response.status(), json)
}

/// The one violation of a 422 problem: its pointer, rule and message.
fn violation(problem: &Value) -> (String, String, String) {
    let violations = problem["violations"].as_array().expect("violations");
    assert_eq!(violations.len(), 1, "{problem}");
    let text = |key: &str| violations[0][key].as_str().unwrap_or_default().to_string();
    (text("pointer"), text("rule"), text("message"))
}

#[test]
fn constant_types_hold_nothing_and_write_their_string() {
    assert_eq!(std::mem::size_of::<consts::Charge>(), 0);
    assert_eq!(consts::Charge::VALUE, "charge");
    assert_eq!(consts::Charge.as_str(), "charge");
    assert_eq!(consts::Charge.to_string(), "charge");
    assert_eq!(consts::Charge::default(), consts::Charge);
    assert_eq!(
        serde_json::to_string(&consts::SayHi).expect("json"),
        r#""say \"hi\"\n""#
    );
    assert_eq!(consts::Empty::VALUE, "");
    assert_eq!(consts::V1_0::VALUE, "v1.0");
    assert_eq!(consts::V1_0_2::VALUE, "V1.0");
    assert_eq!(
        serde_json::from_str::<consts::SelfValue>(r#""self""#).ok(),
        Some(consts::SelfValue)
    );
    assert!(serde_json::from_str::<consts::SelfValue>(r#""Self""#).is_err());
    // A record is no bigger for its constant.
    assert_eq!(
        std::mem::size_of::<PaymentIntent>(),
        std::mem::size_of::<i64>()
    );
}

#[test]
fn responses_carry_the_constant() {
    let (status, body) = send("GET", "/charges/ch_9", None, "");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"object": "charge", "id": "ch_9", "amount": 250})
    );
    let (status, body) = send("GET", "/charges/missing", None, "");
    assert_eq!(status, 404);
    assert_eq!((&body["object"], &body["id"]), (&json!("error"), &json!("missing")));
    let (status, body) = send("GET", "/charges", None, "");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "object": "list",
            "data": [{"object": "charge", "id": "ch_1", "amount": 1}],
            "has_more": false,
        })
    );
    // At the old version, only the charge inside changed.
    let (status, body) = send("GET", "/charges", Some("2025-01-01"), "");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"object": "list", "data": [{"id": "ch_1", "cents": 1}], "has_more": false})
    );
    let (status, body) = send("GET", "/oddities", None, "");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "list": "list",
            "version": "v1.0",
            "upper": "V1.0",
            "empty": "",
            "keyword": "self",
            "dashed": "payment-intent",
            "quoted": "say \"hi\"\n",
            "consts": "consts",
            "ok": "ok",
            "result": "result",
            "default": "default",
            "string": "String",
        })
    );
}

#[test]
fn requests_may_leave_the_constant_out_or_send_it() {
    for body in [
        r#"{"id": "", "amount": 5}"#,
        r#"{"object": "charge", "id": "", "amount": 5}"#,
    ] {
        let (status, answer) = send("POST", "/charges", None, body);
        assert_eq!(status, 201, "{body}: {answer}");
        assert_eq!(answer, json!({"object": "charge", "id": "ch_1", "amount": 5}));
    }
    // Record defaults hold the constant too, spelt or left out.
    let (status, answer) = send("PUT", "/wallet", None, "{}");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({
            "object": "wallet",
            "preferences": {"object": "preferences", "currency": "usd"},
            "fallback": {"object": "preferences", "currency": "eur"},
        })
    );
}

#[test]
fn any_other_value_is_a_const_violation() {
    for (uri, body, pointer) in [
        ("/charges", r#"{"object": "note", "id": "", "amount": 5}"#, "/object"),
        ("/charges", r#"{"object": "Charge", "id": "", "amount": 5}"#, "/object"),
        ("/charges", r#"{"object": null, "id": "", "amount": 5}"#, "/object"),
        ("/charges", r#"{"object": 1, "id": "", "amount": 5}"#, "/object"),
        // Through the second decode that makes `5.0` an integer.
        ("/charges", r#"{"object": "note", "id": "", "amount": 5.0}"#, "/object"),
    ] {
        let (status, problem) = send("POST", uri, None, body);
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(
            violation(&problem),
            (
                pointer.to_string(),
                "const".to_string(),
                r#"expected "charge""#.to_string()
            ),
            "{body}"
        );
    }
    // A nested record's constant, inside a tagged union.
    let (status, problem) = send(
        "POST",
        "/payments",
        None,
        r#"{"kind": "refund", "charge": {"object": "refund", "amount": 1, "id": "x"}}"#,
    );
    assert_eq!(status, 422, "{problem}");
    let (_, rule, message) = violation(&problem);
    assert_eq!((rule.as_str(), message.as_str()), ("const", r#"expected "charge""#));
    let (status, answer) = send(
        "POST",
        "/payments",
        None,
        r#"{"kind": "refund", "charge": {"amount": 1, "id": "x"}}"#,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!([{
            "kind": "refund",
            "object": "refund",
            "charge": {"object": "charge", "id": "x", "amount": 1},
        }])
    );
}

#[test]
fn old_versions_convert_constants() {
    // Before 2025-06-01 a charge had no `object` and called its amount `cents`.
    let (status, answer) = send("POST", "/charges", Some("2025-01-01"), r#"{"cents": 7, "id": ""}"#);
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer, json!({"id": "ch_1", "cents": 7}));
    let (status, answer) = send("GET", "/charges/ch_2", Some("2025-01-01"), "");
    assert_eq!(status, 200);
    assert_eq!(answer, json!({"id": "ch_2", "cents": 250}));
    // A payment intent's `object` held another string: each version
    // answers with its own constant and accepts only its own (or none).
    for body in [r#"{"object": "payment", "amount": 3}"#, r#"{"amount": 3}"#] {
        let (status, answer) = send("POST", "/intents", Some("2025-01-01"), body);
        assert_eq!(status, 200, "{body}: {answer}");
        assert_eq!(answer, json!({"object": "payment", "amount": 3}));
    }
    let (status, problem) = send(
        "POST",
        "/intents",
        Some("2025-01-01"),
        r#"{"object": "payment_intent", "amount": 3}"#,
    );
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        violation(&problem),
        (
            "/object".to_string(),
            "const".to_string(),
            r#"expected "payment""#.to_string()
        )
    );
    // The head refuses what the old version took.
    let (status, problem) = send("POST", "/intents", None, r#"{"object": "payment", "amount": 3}"#);
    assert_eq!(status, 422);
    assert_eq!(
        violation(&problem),
        (
            "/object".to_string(),
            "const".to_string(),
            r#"expected "payment_intent""#.to_string()
        )
    );
    // Records that did not change keep their constants at old versions.
    let (status, answer) = send("PUT", "/wallet", Some("2025-01-01"), r#"{"object": "wallet"}"#);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["object"], json!("wallet"));
    let (status, problem) = send("PUT", "/wallet", Some("2025-01-01"), r#"{"object": "purse"}"#);
    assert_eq!(status, 422);
    assert_eq!(violation(&problem).1, "const");
    // Converted types built by hand name the head's constant types.
    let old = constants_api::versions::v2025_01_01::Refund {
        object: consts::Refund,
        charge: constants_api::versions::v2025_01_01::Charge {
            id: "x".into(),
            cents: 1,
        },
        reason: None,
    };
    let head = old.forward().expect("converts");
    assert_eq!(head.charge.object, consts::Charge);
    assert_eq!(head.charge.amount, 1);
}
