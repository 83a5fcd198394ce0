//! Behaviour of the crate generated from the corpus's kitchen sink
//! (`specs/valid/kitchen_sink.gati`). The test harness copies this file into
//! the generated crate as `tests/behaviour.rs`.

use kitchen_sink_api::runtime::{Credential, Resolution, Service};
// Not a glob: the spec names types `Result`, `Option`, `Box`, `String`, `Vec`.
use kitchen_sink_api::{
    Api, Comment, CreateUserError, CreateUserRequest, Ctx, DeleteUserError, DeleteUserRequest,
    Extras, GetExtrasError, GetExtrasRequest, GetMeError, GetMeRequest, GetUserError,
    GetUserRequest, ListCommentsError, ListCommentsRequest,
    NotFound, PayError, PayRequest, Payment, PingError, PingRequest, PutSettingsError,
    PutSettingsRequest, PutTagsError, PutTagsRequest, Reply, Role, Tree, User, routes,
};

struct App;

fn user() -> User {
    serde_json::from_value(serde_json::json!({
        "id": "5f0c3b8e-8a9e-4c1e-9a57-3b1f6f7f0a11",
        "email": "a@example.com",
        "name": "Ada",
        "nickname": null,
        "code": "ABC-1",
        "weight": 1.0,
        "count": 1,
        "password": "secret",
        "legacy": false,
        "type": "person",
        "createdAt": "2025-01-01T00:00:00Z",
    }))
    .expect("a valid user")
}

impl Api for App {
    async fn get_user(&self, _: &Ctx, _: GetUserRequest) -> Result<Reply<User>, GetUserError> {
        Err(NotFound {
            message: "no such user".into(),
        }
        .into())
    }
    async fn get_me(&self, _: &Ctx, _: GetMeRequest) -> Result<Reply<User>, GetMeError> {
        Ok(user().into())
    }
    async fn delete_user(&self, _: &Ctx, _: DeleteUserRequest) -> Result<(), DeleteUserError> {
        Ok(())
    }
    async fn create_user(
        &self,
        _: &Ctx,
        request: CreateUserRequest,
    ) -> Result<Reply<User>, CreateUserError> {
        assert_eq!(request.role, Role::Member, "the parameter's default");
        // The user as stored: the body, with the read-only field it lacks.
        let body = request.body;
        Ok(User {
            id: body.id,
            email: body.email,
            name: body.name,
            age: body.age,
            bio: body.bio,
            nickname: body.nickname,
            avatar: body.avatar,
            role: body.role,
            tags: body.tags,
            score: body.score,
            limit: body.limit,
            motto: body.motto,
            since: body.since,
            code: body.code,
            weight: body.weight,
            count: body.count,
            password: body.password,
            legacy: false,
            r#type: body.r#type,
            created_at: body.created_at,
            friends: body.friends,
            labels: body.labels,
        }
        .into())
    }
    async fn list_comments(
        &self,
        _: &Ctx,
        request: ListCommentsRequest,
    ) -> Result<Reply<std::vec::Vec<Comment>>, ListCommentsError> {
        assert_eq!((request.post, request.page), (7, 2));
        Ok(std::vec::Vec::new().into())
    }
    async fn pay(&self, _: &Ctx, request: PayRequest) -> Result<Reply<Payment>, PayError> {
        Ok(request.body.into())
    }
    async fn put_tags(&self, _: &Ctx, _: PutTagsRequest) -> Result<(), PutTagsError> {
        Ok(())
    }
    async fn put_settings(
        &self,
        _: &Ctx,
        request: PutSettingsRequest,
    ) -> Result<Reply<std::collections::BTreeMap<std::string::String, i32>>, PutSettingsError>
    {
        Ok(request.body.into())
    }
    async fn ping(&self, _: &Ctx, _: PingRequest) -> Result<(), PingError> {
        Ok(())
    }
    async fn get_extras(
        &self,
        _: &Ctx,
        _: GetExtrasRequest,
    ) -> Result<Reply<Extras>, GetExtrasError> {
        unreachable!("no test calls `get_extras`")
    }
    async fn authenticate(&self, _: &Ctx, credential: Credential<'_>) -> bool {
        matches!(
            credential,
            Credential::Bearer("good") | Credential::ApiKey("key")
        )
    }
}

/// Sends one request through the whole lifecycle in-process (the runtime's
/// `TestClient`): the status and the body as JSON (or null).
fn send(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> (u16, serde_json::Value) {
    let client = kitchen_sink_api::test_client(App);
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
    let json = serde_json::from_slice(response.bytes()).unwrap_or(serde_json::Value::Null);
    (response.status(), json)
}

/// A user as a client sends it: with its write-only `password`.
fn request_json(user: &User) -> String {
    let mut value = serde_json::to_value(user).expect("json");
    value["password"] = user.password.clone().into();
    value.to_string()
}

fn pointers(problem: &serde_json::Value) -> Vec<String> {
    problem["violations"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .map(|v| v["pointer"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn resolves_by_method_and_segments() {
    let router = routes::Router::new(App);
    let resolve = |method: hyper::Method, path: &str| router.resolve(&method, path);
    assert!(matches!(
        resolve(hyper::Method::GET, "/users/me"),
        Resolution::Route(1, _)
    ));
    assert!(matches!(
        resolve(hyper::Method::GET, "/users/42"),
        Resolution::Route(0, _)
    ));
    assert!(matches!(
        resolve(hyper::Method::DELETE, "/users/42"),
        Resolution::Route(2, _)
    ));
    assert!(matches!(
        resolve(hyper::Method::GET, "/"),
        Resolution::Route(7, _)
    ));
    assert!(matches!(
        resolve(hyper::Method::PUT, "/users/42"),
        Resolution::MethodNotAllowed("GET, HEAD, DELETE")
    ));
    // `/users/me` is a concrete path: as OpenAPI says, it is matched before
    // the templated `/users/{id}` whatever the method, so DELETE does not
    // fall through to `delete_user`, and the `Allow` set is its own.
    assert!(matches!(
        resolve(hyper::Method::DELETE, "/users/me"),
        Resolution::MethodNotAllowed("GET, HEAD")
    ));
    assert!(matches!(
        resolve(hyper::Method::POST, "/users/me"),
        Resolution::MethodNotAllowed("GET, HEAD")
    ));
    assert!(matches!(
        resolve(hyper::Method::GET, "/nope"),
        Resolution::NotFound
    ));
    assert!(matches!(
        resolve(hyper::Method::GET, "/a/b/c/d/e/f"),
        Resolution::NotFound
    ));
    match resolve(hyper::Method::GET, "/posts/7/comments/2") {
        Resolution::Route(4, params) => {
            assert_eq!(params.raw(0, "/posts/7/comments/2"), "7");
            assert_eq!(params.raw(1, "/posts/7/comments/2"), "2");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn runs_routes_end_to_end() {
    let json = [("content-type", "application/json")];
    let body = request_json(&user());

    let (status, echoed) = send("POST", "/users?tags=a&limit=5", &json, &body);
    assert_eq!(status, 201, "{echoed}");
    assert_eq!(echoed["role"], "member", "the field's default");
    assert!(
        echoed.get("password").is_none(),
        "write-only fields are never sent"
    );

    let (status, problem) = send("POST", "/users?limit=abc", &json, &body);
    assert_eq!(status, 400, "{problem}");
    assert_eq!(pointers(&problem), ["/limit", "/tags"]);

    let mut bad = user();
    bad.name = String::new();
    bad.code = "nope".into();
    bad.tags = vec![String::new()];
    let bad = request_json(&bad);
    let (status, problem) = send("POST", "/users?tags=a&limit=500", &json, &bad);
    assert_eq!(status, 422, "{problem}");
    assert_eq!(pointers(&problem), ["/name", "/tags/0", "/code", "/limit"]);

    let (status, problem) = send("GET", "/users/not-a-uuid", &[], "");
    assert_eq!((status, pointers(&problem)), (400, vec!["/id".to_string()]));

    let (status, problem) = send(
        "GET",
        "/users/5f0c3b8e-8a9e-4c1e-9a57-3b1f6f7f0a11",
        &[],
        "",
    );
    assert_eq!(status, 404);
    assert_eq!(problem["type"], "urn:problem:kitchen-sink:not-found");
    assert_eq!(problem["message"], "no such user");

    assert_eq!(send("GET", "/users/me", &[], "").0, 401);
    assert_eq!(
        send("GET", "/users/me", &[("authorization", "Bearer bad")], "").0,
        401
    );
    assert_eq!(
        send("GET", "/users/me", &[("authorization", "Bearer good")], "").0,
        200
    );
    let key = [("x-api-key", "key")];
    assert_eq!(
        send(
            "DELETE",
            "/users/5f0c3b8e-8a9e-4c1e-9a57-3b1f6f7f0a11",
            &key,
            ""
        )
        .0,
        204
    );

    assert_eq!(send("GET", "/posts/7/comments/2", &[], "").0, 200);
    let (status, paid) = send(
        "PUT",
        "/payments/5f0c3b8e-8a9e-4c1e-9a57-3b1f6f7f0a11",
        &json,
        r#"{"kind":"card","number":"1234567812345678"}"#,
    );
    assert_eq!((status, paid["kind"].as_str()), (200, Some("card")));
    let (status, problem) = send(
        "PUT",
        "/payments/5f0c3b8e-8a9e-4c1e-9a57-3b1f6f7f0a11",
        &json,
        r#"{"kind":"card","number":"12"}"#,
    );
    assert_eq!(
        (status, pointers(&problem)),
        (422, vec!["/number".to_string()])
    );

    let (status, problem) = send("PUT", "/tags", &json, r#"["not an email"]"#);
    assert_eq!((status, pointers(&problem)), (422, vec!["/0".to_string()]));
    assert_eq!(send("PUT", "/tags", &json, r#"["a@example.com"]"#).0, 204);
}

#[test]
fn optional_and_nullable_fields_differ() {
    let mut value: serde_json::Value = serde_json::from_str(&request_json(&user())).expect("json");
    assert_eq!(
        value["nickname"],
        serde_json::Value::Null,
        "nullable fields are always sent"
    );
    assert!(
        value.get("avatar").is_none(),
        "absent optional fields are not sent"
    );

    value["avatar"] = serde_json::Value::Null;
    let parsed: User = serde_json::from_value(value.clone()).expect("avatar may be null");
    assert_eq!(parsed.avatar, Some(None));

    value.as_object_mut().expect("an object").remove("nickname");
    assert!(
        serde_json::from_value::<User>(value).is_err(),
        "nullable fields are required"
    );
}

#[test]
fn recursive_types_round_trip() {
    let tree = serde_json::json!({
        "root": {"kind": "branch", "root": {"kind": "leaf", "value": 1}, "size": 1},
        "size": 2,
    });
    let parsed: Tree = serde_json::from_value(tree.clone()).expect("a tree");
    assert_eq!(serde_json::to_value(&parsed).expect("json"), tree);

    let comment: Comment = serde_json::from_value(serde_json::json!({
        "text": "hi", "parent": {"text": "first", "replies": []}, "replies": [],
    }))
    .expect("a comment");
    assert_eq!(comment.parent.map(|p| p.text), Some("first".to_string()));
}

/// A user's request body with `extra` (JSON members, written as they are,
/// repeated keys included) added at its end.
fn user_with(extra: &str) -> String {
    let body = request_json(&user());
    format!("{},{extra}}}", body.strip_suffix('}').expect("an object"))
}

/// The violations of a problem as (pointer, rule, message).
fn violations(problem: &serde_json::Value) -> Vec<(String, String, String)> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    problem["violations"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .map(|v| (text(&v["pointer"]), text(&v["rule"]), text(&v["message"])))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn map_keys_are_checked() {
    let json = [("content-type", "application/json")];
    let body = user_with(r#""labels": {"ok": "1", "a/b": "2", "Bad/x": "3", "toolongkey": "4"}"#);
    let (status, problem) = send("POST", "/users?tags=a", &json, &body);
    assert_eq!(status, 422, "{problem}");
    let found = violations(&problem);
    let expected = [
        (
            "/labels/Bad~1x",
            "pattern",
            "key must match the pattern `[a-z][a-z0-9/]*`",
        ),
        (
            "/labels/toolongkey",
            "len",
            "key must have 1 to 8 characters",
        ),
    ];
    assert_eq!(
        found,
        expected.map(|(p, r, m)| (p.to_string(), r.to_string(), m.to_string()))
    );
    let body = user_with(r#""labels": {"ok": "1", "a/b": "2"}"#);
    let (status, echoed) = send("POST", "/users?tags=a", &json, &body);
    assert_eq!(status, 201, "{echoed}");
    assert_eq!(echoed["labels"], serde_json::json!({"a/b": "2", "ok": "1"}));
}

#[test]
fn repeated_keys_are_rejected() {
    let json = [("content-type", "application/json")];
    // A record's repeated field, as serde's derive answers it.
    let (status, problem) = send("POST", "/users?tags=a", &json, &user_with(r#""name": "B""#));
    assert_eq!(status, 422, "{problem}");
    let field = violations(&problem);
    assert_eq!(field.len(), 1, "{problem}");
    assert_eq!(
        (
            field[0].0.as_str(),
            field[0].1.as_str(),
            field[0].2.as_str()
        ),
        ("", "type", "duplicate field `name`")
    );
    // A map's repeated key: the same answer at the map, naming the key, at
    // any depth; a key repeated in a different object is no repetition.
    let friend = request_json(&user());
    let repeating = user_with(r#""labels": {"k/~": "1", "k/~": "1"}"#);
    let cases = [
        (
            r#""labels": {"ok": "1", "ok": "2"}"#.to_string(),
            "/labels",
            "ok",
        ),
        (
            format!(r#""friends": {{"x": {friend}, "y": {friend}, "x": {friend}}}"#),
            "/friends",
            "x",
        ),
        (
            format!(r#""friends": {{"x": {repeating}}}"#),
            "/friends/x/labels",
            "k/~",
        ),
    ];
    for (extra, pointer, key) in cases {
        let (status, problem) = send("POST", "/users?tags=a", &json, &user_with(&extra));
        assert_eq!(status, 422, "{extra}: {problem}");
        assert_eq!(
            violations(&problem),
            [(
                pointer.to_string(),
                "type".to_string(),
                format!("duplicate key `{key}`")
            )],
            "{extra}"
        );
    }
    let distinct =
        format!(r#""friends": {{"x": {friend}, "y": {friend}}}, "labels": {{"x": "1"}}"#);
    let (status, echoed) = send("POST", "/users?tags=a", &json, &user_with(&distinct));
    assert_eq!(status, 201, "{echoed}");
}

#[test]
fn a_body_that_is_a_map_refuses_repeated_keys() {
    let json = [("content-type", "application/json")];
    let (status, echoed) = send("PUT", "/settings", &json, r#"{"b": 2, "a": 1}"#);
    assert_eq!(
        (status, echoed),
        (200, serde_json::json!({"a": 1, "b": 2}))
    );
    // The same answer a record's map field gets, at the body's root; also
    // when the repeated value is an integral float, decoded a second time.
    for body in [r#"{"a": 1, "b": 2, "a": 3}"#, r#"{"a": 1, "a": 3.0}"#] {
        let (status, problem) = send("PUT", "/settings", &json, body);
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(
            violations(&problem),
            [(
                String::new(),
                "type".to_string(),
                "duplicate key `a`".to_string()
            )],
            "{body}"
        );
    }
    let (status, problem) = send("PUT", "/settings", &json, r#"{"a": "1"}"#);
    assert_eq!((status, pointers(&problem)), (422, vec!["/a".to_string()]));
}

#[test]
fn a_list_body_counts_its_items() {
    let json = [("content-type", "application/json")];
    let tags = |n: usize| serde_json::json!(vec!["a@example.com"; n]).to_string();
    for n in [0, 101] {
        let (status, problem) = send("PUT", "/tags", &json, &tags(n));
        assert_eq!(status, 422, "{n} items: {problem}");
        let found = violations(&problem);
        assert_eq!(found.len(), 1, "{problem}");
        assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("", "items"));
    }
    for n in [1, 100] {
        assert_eq!(send("PUT", "/tags", &json, &tags(n)).0, 204, "{n} items");
    }
}

#[test]
fn unknown_fields_follow_the_records_policy() {
    let json = [("content-type", "application/json")];
    let uri = "/payments/5f0c3b8e-8a9e-4c1e-9a57-3b1f6f7f0a11";
    // `Card` rejects (`@unknown_fields(reject)`): a 400 naming the member,
    // inside the tagged union the body is, whose tag is no unknown member.
    let (status, problem) = send(
        "PUT",
        uri,
        &json,
        r#"{"kind":"card","number":"1234567812345678","cvv":"123"}"#,
    );
    assert_eq!(status, 400, "{problem}");
    assert_eq!(
        violations(&problem),
        [(
            "/cvv".to_string(),
            "unknown".to_string(),
            "unknown field `cvv`".to_string()
        )]
    );
    assert_eq!(problem["violations"][0]["location"], "body");
    // `BankAccount` and `NewUser` ignore (the default): the member is skipped.
    let (status, paid) = send(
        "PUT",
        uri,
        &json,
        r#"{"kind":"bank_account","iban":"DE00","bic":"X"}"#,
    );
    assert_eq!((status, paid["kind"].as_str()), (200, Some("bank_account")), "{paid}");
    assert!(paid.get("bic").is_none(), "{paid}");
    let (status, echoed) = send(
        "POST",
        "/users?tags=a",
        &json,
        &user_with(r#""nickname_v2": "x""#),
    );
    assert_eq!(status, 201, "{echoed}");
    assert!(echoed.get("nickname_v2").is_none(), "{echoed}");
    // Responses stay tolerant: serializing a rejecting record is unchanged.
    let card = serde_json::json!({"kind": "card", "number": "1234567812345678"});
    let payment: Payment = serde_json::from_value(card.clone()).expect("a card");
    assert_eq!(serde_json::to_value(&payment).expect("serializes"), card);
}

#[test]
fn records_decode_only_from_objects() {
    // serde's derive would take a record written as an array of its fields,
    // at any depth; the API's JSON is objects only.
    let nested = serde_json::json!({"text": "hi", "parent": ["first", null, []], "replies": []});
    let error = serde_json::from_value::<Comment>(nested).expect_err("an array is not a record");
    assert!(error.to_string().contains("a JSON object"), "{error}");
    let listed = serde_json::json!({"text": "hi", "replies": [["a", null, []]]});
    assert!(serde_json::from_value::<Comment>(listed).is_err());
    assert!(serde_json::from_str::<Comment>(r#"["hi", null, []]"#).is_err());
    let object = r#"{"text": "hi", "replies": [{"text": "a", "replies": []}]}"#;
    let comment: Comment = serde_json::from_str(object).expect("objects still decode");
    assert_eq!(comment.replies.len(), 1);
}

#[test]
fn old_versions_route_and_convert() {
    use kitchen_sink_api::versions::{VERSIONS, v2025_01_01 as old};
    let router = routes::Router::new(App);
    assert_eq!(router.versions(), &VERSIONS[..]);
    assert_eq!(VERSIONS[0].deprecation, Some("@1748736000"));
    assert_eq!(VERSIONS[0].sunset, Some("Thu, 31 Dec 2099 23:59:59 GMT"));
    let at = |version: usize, method: hyper::Method, path: &str| {
        router.resolve_at(&method, path, version)
    };
    // `get_me` did not exist; `pay` was `POST /pay/{id}`.
    assert!(matches!(
        at(1, hyper::Method::GET, "/users/me"),
        Resolution::Route(1, _)
    ));
    assert!(matches!(
        at(0, hyper::Method::GET, "/users/me"),
        Resolution::Route(0, _)
    ));
    assert!(matches!(
        at(0, hyper::Method::POST, "/pay/9"),
        Resolution::Route(5, _)
    ));
    assert!(matches!(
        at(0, hyper::Method::PUT, "/payments/9"),
        Resolution::NotFound
    ));
    assert!(matches!(
        at(1, hyper::Method::POST, "/pay/9"),
        Resolution::NotFound
    ));

    // A client of the first version calls `make_payment` at `POST
    // /pay/{id}`: the head's `pay` handler answers it, through the whole
    // lifecycle (decoding, validation, the answer), and the head's path is
    // not there for it.
    let first = [
        ("content-type", "application/json"),
        ("gati-version", "2025-01-01"),
    ];
    let (status, paid) = send(
        "POST",
        "/pay/5f0c3b8e-8a9e-4c1e-9a57-3b1f6f7f0a11",
        &first,
        r#"{"kind":"card","number":"1234567812345678"}"#,
    );
    assert_eq!((status, paid["kind"].as_str()), (200, Some("card")), "{paid}");
    let (status, problem) = send(
        "POST",
        "/pay/5f0c3b8e-8a9e-4c1e-9a57-3b1f6f7f0a11",
        &first,
        r#"{"kind":"card","number":"12"}"#,
    );
    assert_eq!((status, pointers(&problem)), (422, vec!["/number".to_string()]));
    let (status, _) = send(
        "PUT",
        "/payments/5f0c3b8e-8a9e-4c1e-9a57-3b1f6f7f0a11",
        &first,
        r#"{"kind":"card","number":"1234567812345678"}"#,
    );
    assert_eq!(status, 404);

    // A recursive record, converted through its boxes both ways.
    let thread = serde_json::json!({
        "body": "hi", "parent": {"body": "first", "replies": []},
        "replies": [{"body": "re", "replies": []}],
    });
    let comment: old::Comment = serde_json::from_value(thread.clone()).expect("an old comment");
    let head = comment.forward().expect("forward");
    assert_eq!(head.parent.as_ref().map(|p| p.text.as_str()), Some("first"));
    assert_eq!(head.replies[0].text, "re");
    let back = old::Comment::backward(head).expect("backward");
    assert_eq!(serde_json::to_value(&back).expect("json"), thread);

    // An enum value added later falls back for old clients.
    assert_eq!(old::Role::backward(Role::TwoFactor), Ok(old::Role::Member));
    assert_eq!(old::Role::Guest.forward(), Ok(Role::Guest));
}
