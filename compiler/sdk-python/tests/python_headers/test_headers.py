"""Unit tests of response headers in a generated SDK (the one for
`tests/specs/headers.gati`), run by `cargo test -p gatic-sdk-python --test
toolchain` with the SDK on PYTHONPATH: each type read from a header's text,
absent and defaulted headers, decode failures, and `Answer` through the
client against a local stand-in server."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import http.server
import json
import threading
import typing
import unittest
import uuid

import headers_client as hc
from headers_client import _runtime

OWNER = "6f1c2a8e-0000-4000-8000-000000000001"

EVERY: typing.Dict[str, str] = {
    "ETag": '"r1"',
    "X-Count": "9007199254740993",
    "X-Ratio": "0.5",
    "X-Fresh": "true",
    "X-Owner": OWNER,
    "X-Changed": "2025-06-01T12:00:00+02:00",
    "X-Day": "2025-02-28",
    "X-Price": "12.50",
    "X-Size": "large",
    "X-Tag": "blue",
    "X-Home": "https://example.com/a?b=c",
}


def response(headers: typing.Dict[str, str], status: int = 200) -> hc.Response:
    """A response as the transport builds it: headers by lowercase name."""
    return hc.Response(status, {k.lower(): v for k, v in headers.items()}, b"")


def without(name: str) -> typing.Dict[str, str]:
    return {k: v for k, v in EVERY.items() if k != name}


class Reading(unittest.TestCase):
    def test_every_type(self) -> None:
        h = hc.GetThingHeaders.from_response(response(EVERY))
        self.assertEqual(h.etag, '"r1"')
        self.assertEqual(h.count, 9007199254740993)
        self.assertEqual(h.ratio, 0.5)
        self.assertIs(h.fresh, True)
        self.assertEqual(h.owner, uuid.UUID(OWNER))
        self.assertEqual(h.changed, datetime.datetime(2025, 6, 1, 10, 0, tzinfo=datetime.timezone.utc))
        self.assertEqual(h.day, datetime.date(2025, 2, 28))
        self.assertEqual(h.price, decimal.Decimal("12.50"))
        self.assertEqual(h.size, hc.Size.LARGE)
        self.assertEqual(h.tag, "blue")
        self.assertEqual(h.home, "https://example.com/a?b=c")

    def test_absent_optional_and_defaulted(self) -> None:
        h = hc.GetThingHeaders.from_response(response(EVERY))
        self.assertIsNone(h.left)
        self.assertIsNone(h.maybe_size)
        self.assertIsNone(h.old)
        self.assertEqual(h.limit, 10)
        self.assertEqual(h.kind, hc.Size.SMALL)
        h = hc.GetThingHeaders.from_response(
            response({**EVERY, "X-Left": "-3", "X-Maybe-Size": "small", "X-Limit": "7", "X-Kind": "large", "X-Old": "o"})
        )
        self.assertEqual((h.left, h.maybe_size, h.limit, h.kind, h.old), (-3, hc.Size.SMALL, 7, hc.Size.LARGE, "o"))

    def test_names_are_case_insensitive(self) -> None:
        h = hc.GetThingHeaders.from_response(response({k.upper(): v for k, v in EVERY.items()}))
        self.assertEqual(h.etag, '"r1"')

    def test_unknown_enum_value_is_kept(self) -> None:
        h = hc.GetThingHeaders.from_response(response({**EVERY, "X-Size": "huge"}))
        self.assertEqual(h.size, "huge")

    def test_missing_required_header_is_a_decode_error(self) -> None:
        with self.assertRaises(hc.DecodeError) as caught:
            hc.GetThingHeaders.from_response(response(without("X-Owner")))
        self.assertEqual(caught.exception.path, "X-Owner")
        self.assertIn("missing", caught.exception.message)

    def test_unparsable_header_is_a_decode_error(self) -> None:
        bad = {
            "X-Count": "12abc",
            "X-Ratio": "NaN",
            "X-Fresh": "yes",
            "X-Owner": "nope",
            "X-Changed": "yesterday",
            "X-Day": "2025-02-30",
            "X-Price": "cheap",
        }
        for name, text in bad.items():
            with self.subTest(name=name), self.assertRaises(hc.DecodeError) as caught:
                hc.GetThingHeaders.from_response(response({**EVERY, name: text}))
            self.assertEqual(caught.exception.path, name)
        with self.assertRaises(hc.DecodeError):
            hc.GetThingHeaders.from_response(response({**EVERY, "X-Left": "1.5"}))

    def test_text_readers(self) -> None:
        self.assertEqual(_runtime.header_int(" +42 ", "h"), 42)
        self.assertEqual(_runtime.header_float("1e3", "h"), 1000.0)
        self.assertIs(_runtime.header_bool("FALSE", "h"), False)
        for reader, text in ((_runtime.header_int, "1_000"), (_runtime.header_float, "inf"), (_runtime.header_float, "1e999")):
            with self.subTest(text=text), self.assertRaises(hc.DecodeError):
                reader(text, "h")

    def test_headers_are_frozen(self) -> None:
        h = hc.GetThingHeaders.from_response(response(EVERY))
        with self.assertRaises(dataclasses.FrozenInstanceError):
            h.etag = "x"  # type: ignore[misc]


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers from a script of (status, headers, body)."""

    script: typing.List[typing.Tuple[int, typing.Dict[str, str], object]] = []

    def handle_one(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, headers, payload = Recorder.script.pop(0)
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = handle_one

    def log_message(self, format: str, *args: object) -> None:
        pass


class Client(unittest.TestCase):
    server: http.server.ThreadingHTTPServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        host, port = cls.server.server_address[:2]
        cls.client = hc.HeadersClient(f"http://{host!s}:{port}", retry=hc.RetryPolicy(max_attempts=1))

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    client: hc.HeadersClient

    def test_answer_with_body(self) -> None:
        Recorder.script = [(200, EVERY, {"id": OWNER})]
        answer = self.client.get_thing(uuid.UUID(OWNER))
        self.assertIsInstance(answer, hc.Answer)
        self.assertEqual(answer.body, hc.Thing(id=uuid.UUID(OWNER)))
        self.assertEqual(answer.headers.count, 9007199254740993)
        self.assertEqual(answer.headers.size, hc.Size.LARGE)

    def test_answer_without_body(self) -> None:
        Recorder.script = [(204, {"From-Response": "x"}, None)]
        answer = self.client.touch_thing(uuid.UUID(OWNER))
        self.assertIsNone(answer.body)
        self.assertEqual(answer.headers, hc.TouchThingHeaders(from_response_2="x"))

    def test_missing_header_raises_like_a_bad_body(self) -> None:
        Recorder.script = [(200, without("ETag"), {"id": OWNER})]
        with self.assertRaises(hc.DecodeError) as caught:
            self.client.get_thing(uuid.UUID(OWNER))
        self.assertEqual(caught.exception.path, "ETag")
        Recorder.script = [(200, EVERY, {"id": "nope"})]
        with self.assertRaises(hc.DecodeError) as caught:
            self.client.get_thing(uuid.UUID(OWNER))
        self.assertEqual(caught.exception.path, "/id")

    def test_routes_without_headers_return_the_body(self) -> None:
        Recorder.script = [(200, {}, [{"id": OWNER}])]
        things: typing.List[hc.Thing] = self.client.list_things()
        self.assertEqual(things, [hc.Thing(id=uuid.UUID(OWNER))])


if __name__ == "__main__":
    unittest.main()
