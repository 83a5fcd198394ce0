"""Unit tests of a generated SDK (the kitchen_sink corpus spec's), run by
`cargo test -p gatic-sdk-python --test toolchain` with the SDK on PYTHONPATH:
codecs, enums and unions with unknown values, typed errors, and the transport's
headers, parameters, timeouts and retries against a local stand-in server."""

from __future__ import annotations

import datetime
import decimal
import http.server
import json
import threading
import typing
import unittest
import uuid

import kitchen_sink_client as ks
from kitchen_sink_client import models


def user_json(**extra: object) -> typing.Dict[str, object]:
    base: typing.Dict[str, object] = {
        "id": "6f1c2a8e-0000-4000-8000-000000000001",
        "email": "a@example.com",
        "name": "Ada",
        "nickname": None,
        "code": "ABC-1",
        "weight": 1,
        "count": 9007199254740993,
        "legacy": True,
        "type": "t",
        "createdAt": "2025-06-01T12:00:00.123456789Z",
    }
    base.update(extra)
    return base


class Codecs(unittest.TestCase):
    def test_record_round_trip(self) -> None:
        user = ks.User.from_json(user_json(role="admin", avatar=None))
        self.assertEqual(user.id, uuid.UUID("6f1c2a8e-0000-4000-8000-000000000001"))
        self.assertEqual(user.count, 9007199254740993)  # int64 beyond 2^53, exact
        self.assertEqual(user.role, ks.Role.ADMIN)
        self.assertEqual(user.created_at, datetime.datetime(2025, 6, 1, 12, 0, 0, 123456, datetime.timezone.utc))
        self.assertEqual(user.weight, 1.0)
        self.assertIsNone(user.avatar)  # present and null
        self.assertEqual(user.tags, [])  # defaults fill absent members
        self.assertEqual(user.since, datetime.date(2025, 1, 1))
        out = user.to_json()
        self.assertNotIn("legacy", out)  # read-only: never sent
        self.assertEqual(out["createdAt"], "2025-06-01T12:00:00.123456Z")
        self.assertEqual(out["avatar"], None)
        self.assertEqual(out["count"], 9007199254740993)
        self.assertEqual(json.loads(json.dumps(out))["role"], "admin")

    def test_absent_and_null_differ(self) -> None:
        user = ks.User.from_json(user_json())
        self.assertIs(user.avatar, ks.UNSET)
        self.assertNotIn("avatar", user.to_json())
        self.assertIsNone(user.age)
        self.assertNotIn("age", user.to_json())

    def test_unknown_enum_value_survives(self) -> None:
        user = ks.User.from_json(user_json(role="superuser"))
        self.assertEqual(user.role, "superuser")
        self.assertEqual(user.to_json()["role"], "superuser")

    def test_scalars(self) -> None:
        data = {
            "text": "t", "flag": False, "small": 1, "big": -(2**63), "ratio": 0.5,
            "amount": "12.50", "id": "6f1c2a8e-0000-4000-8000-000000000001",
            "mail": "a@b.c", "home": "https://x", "day": "2025-02-28",
            "at": "2025-06-01T12:00:00+02:00", "span": "PT1H", "blob": "aGk=",
            "extra": {"any": [1]}, "tags": ["a"], "scores": {"x": 2**62},
        }
        every = ks.Everything.from_json(data)
        self.assertEqual(every.amount, decimal.Decimal("12.50"))
        self.assertEqual(every.blob, b"hi")
        self.assertEqual(every.at.utcoffset(), datetime.timedelta(hours=2))
        self.assertEqual(every.to_json(), data)
        every.amount = decimal.Decimal("1E+3")
        self.assertEqual(every.to_json()["amount"], "1000")  # never exponent form

    def test_decode_errors_name_the_pointer(self) -> None:
        with self.assertRaises(ks.DecodeError) as caught:
            ks.User.from_json(user_json(tags=["ok", 3]))
        self.assertEqual(caught.exception.path, "/tags/1")
        with self.assertRaises(ks.DecodeError) as caught:
            ks.User.from_json({"id": "nope"})
        self.assertEqual(caught.exception.path, "/id")
        with self.assertRaises(ks.DecodeError):
            ks.Everything.from_json(dict(ks.Everything.from_json({
                "text": "t", "flag": True, "small": True, "big": 1, "ratio": 1, "amount": "1",
                "id": "6f1c2a8e-0000-4000-8000-000000000001", "mail": "", "home": "", "day": "2025-01-01",
                "at": "2025-01-01T00:00:00Z", "span": "", "blob": "", "extra": None, "tags": [], "scores": {},
            }).to_json()))

    def test_tagged_union(self) -> None:
        pay = ks.Payment.from_json({"kind": "card", "number": "1234123412341234"})
        self.assertIsInstance(pay, ks.PaymentCard)
        assert isinstance(pay, ks.PaymentCard)
        self.assertEqual(pay.value.number, "1234123412341234")
        self.assertEqual(pay.to_json(), {"kind": "card", "number": "1234123412341234"})
        unknown = ks.Payment.from_json({"kind": "crypto", "wallet": "x"})
        self.assertIsInstance(unknown, ks.PaymentUnknown)
        self.assertEqual(unknown.to_json(), {"kind": "crypto", "wallet": "x"})

    def test_untagged_union_and_recursion(self) -> None:
        self.assertEqual(ks.Scalar.from_json(2), ks.ScalarNumber(2.0))
        self.assertEqual(ks.Scalar.from_json(["a"]), ks.ScalarWords(["a"]))
        self.assertIsInstance(ks.Scalar.from_json({"x": 1}), ks.ScalarUnknown)
        tree = ks.Tree.from_json({"root": {"kind": "branch", "root": {"kind": "leaf", "value": 1}, "size": 1}, "size": 2})
        self.assertEqual(tree.to_json()["root"], {"kind": "branch", "root": {"kind": "leaf", "value": 1}, "size": 1})

    def test_defaults_are_fresh(self) -> None:
        a = ks.Settings()
        b = ks.Settings()
        a.limits["b"] = 2
        self.assertEqual(b.limits, {"a": 1})


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers from a script of (status, headers, body) and records requests."""

    script: typing.List[typing.Tuple[int, typing.Dict[str, str], object]] = []
    seen: typing.List[typing.Tuple[str, str, typing.Dict[str, str], bytes]] = []
    delay = 0.0

    def handle_one(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Recorder.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if Recorder.delay:
            threading.Event().wait(Recorder.delay)
        status, headers, payload = Recorder.script.pop(0) if Recorder.script else (200, {}, {})
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if status >= 400:
            self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one

    def log_message(self, format: str, *args: object) -> None:
        pass


class Transport(unittest.TestCase):
    server: http.server.ThreadingHTTPServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self) -> None:
        Recorder.script = []
        Recorder.seen = []
        Recorder.delay = 0.0
        self.sleeps: typing.List[float] = []
        self.client = self.make()

    def make(self, **kwargs: typing.Any) -> ks.KitchenSinkClient:
        host, port = self.server.server_address[:2]
        client = ks.KitchenSinkClient(f"http://{host!s}:{port}/", token="tok", api_key="key", **kwargs)
        client._transport.sleep = self.sleeps.append
        return client

    def test_success_sends_version_and_decodes(self) -> None:
        Recorder.script = [(200, {"Gati-Version": "2025-06-01"}, user_json())]
        user = self.client.get_user(uuid.UUID("6f1c2a8e-0000-4000-8000-000000000001"))
        self.assertEqual(user.name, "Ada")
        method, path, headers, _ = Recorder.seen[0]
        self.assertEqual((method, path), ("GET", "/users/6f1c2a8e-0000-4000-8000-000000000001"))
        self.assertEqual(headers["gati-version"], ks.API_VERSION)
        self.assertNotIn("authorization", headers)  # the route is public

    def test_auth_per_route(self) -> None:
        Recorder.script = [(200, {}, user_json()), (204, {}, None)]
        self.client.get_me()
        self.assertEqual(Recorder.seen[0][2]["authorization"], "Bearer tok")
        self.client.delete_user(uuid.uuid4())
        self.assertEqual(Recorder.seen[1][2]["x-api-key"], "key")

    def test_parameters(self) -> None:
        Recorder.script = [(201, {}, user_json())]
        body = ks.NewUser.from_json(user_json())
        self.client.create_user(body, tags=["a", "b c"], dry_run=True, idempotency_key="k-1", session="s 1")
        method, path, headers, raw = Recorder.seen[0]
        self.assertEqual(path, "/users?dry_run=true&limit=10&role=member&tags=a&tags=b+c")
        self.assertEqual(headers["idempotency-key"], "k-1")
        self.assertEqual(headers["cookie"], "session=s%201")
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(json.loads(raw)["createdAt"], "2025-06-01T12:00:00.123456Z")
        Recorder.script = [(200, {}, [])]
        self.assertEqual(self.client.list_comments(2**40, -1), [])
        self.assertEqual(Recorder.seen[1][1], "/posts/1099511627776/comments/-1")

    def test_declared_error_is_typed(self) -> None:
        Recorder.script = [(404, {"X-Request-Id": "r1"}, {"type": "urn:problem:kitchen-sink:not-found", "title": "NotFound", "status": 404, "message": "gone"})]
        with self.assertRaises(ks.NotFound) as caught:
            self.client.get_user(uuid.uuid4())
        self.assertEqual(caught.exception.message, "gone")
        self.assertEqual(caught.exception.status, 404)
        self.assertEqual(caught.exception.request_id, "r1")

    def test_runtime_error_has_violations(self) -> None:
        problem = {"type": "about:blank", "title": "Unprocessable Content", "status": 422, "violations": [
            {"location": "body", "pointer": "/name", "rule": "len", "message": "too short"}]}
        Recorder.script = [(422, {}, problem)]
        with self.assertRaises(ks.ApiError) as caught:
            self.client.put_tags(["a@b.c"])
        self.assertNotIsInstance(caught.exception, ks.NotFound)
        self.assertEqual(caught.exception.violations, [ks.Violation("body", "/name", "len", "too short")])

    def test_idempotent_calls_retry_with_backoff(self) -> None:
        Recorder.script = [(502, {}, None), (503, {}, None), (200, {}, user_json())]
        self.client.get_user(uuid.uuid4())
        self.assertEqual(len(Recorder.seen), 3)
        self.assertEqual(len(self.sleeps), 2)

    def test_retries_give_up_after_max_attempts(self) -> None:
        Recorder.script = [(503, {}, None)] * 3
        with self.assertRaises(ks.ApiError) as caught:
            self.client.get_user(uuid.uuid4())
        self.assertEqual(caught.exception.status, 503)
        self.assertEqual(len(Recorder.seen), 3)

    def test_post_retries_only_on_503_with_retry_after(self) -> None:
        body = ks.NewUser.from_json(user_json())
        Recorder.script = [(502, {}, None)]
        with self.assertRaises(ks.ApiError):
            self.client.create_user(body, tags=[])
        self.assertEqual(len(Recorder.seen), 1)
        Recorder.script = [(503, {"Retry-After": "1"}, None), (201, {}, user_json())]
        self.client.create_user(body, tags=[])
        self.assertEqual(len(Recorder.seen), 3)
        self.assertEqual(self.sleeps, [1.0])

    def test_long_retry_after_is_not_waited_for(self) -> None:
        Recorder.script = [(503, {"Retry-After": "3600"}, None)]
        with self.assertRaises(ks.ApiError):
            self.client.get_user(uuid.uuid4())
        self.assertEqual(self.sleeps, [])

    def test_timeout_is_a_transport_error(self) -> None:
        Recorder.delay = 0.5
        client = self.make(timeout=0.05, retry=ks.RetryPolicy(max_attempts=2))
        with self.assertRaises(ks.TransportError) as caught:
            client.get_user(uuid.uuid4())
        self.assertTrue(caught.exception.timed_out)
        self.assertEqual(len(self.sleeps), 1)  # GET: retried once

    def test_refused_connection(self) -> None:
        client = ks.KitchenSinkClient("http://127.0.0.1:9", retry=ks.RetryPolicy(max_attempts=1))
        with self.assertRaises(ks.TransportError) as caught:
            client.ping()
        self.assertTrue(caught.exception.refused)


if __name__ == "__main__":
    unittest.main()
