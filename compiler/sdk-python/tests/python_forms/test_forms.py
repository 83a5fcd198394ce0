"""Unit tests of multipart forms in a generated SDK (the one for
`tests/specs/forms.gati`), run by `cargo test -p gatic-sdk-python --test
toolchain` with the SDK on PYTHONPATH: every kind of field sent as its text
like a query parameter, files of each accepted kind, absent parts left out, a
part named like the method's own `timeout`, and a form beside query and
header parameters, read back with the standard library's `email` parser."""

from __future__ import annotations

import datetime
import decimal
import email.message
import email.parser
import email.policy
import http.server
import json
import threading
import typing
import unittest
import uuid

import forms_client as fc

BOX = uuid.UUID("6f1c2a8e-0000-4000-8000-000000000002")
REF = uuid.UUID("6f1c2a8e-0000-4000-8000-000000000003")
PNG = b"\x89PNG\r\n\x1a\n"


class Seen(typing.NamedTuple):
    """A request as the stand-in server received it."""

    path: str
    headers: typing.Dict[str, str]
    body: bytes


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records requests and answers 201 with a receipt."""

    seen: typing.List[Seen] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Recorder.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        data = json.dumps({"parts": 0}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def form(seen: Seen) -> typing.List[typing.Tuple[object, typing.Optional[str], str, bytes]]:
    """Each part's name, file name, media type and bytes, as the standard
    library's MIME parser reads them (without any defect)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + seen.headers["content-type"].encode("ascii") + b"\r\n\r\n" + seen.body
    )
    assert isinstance(message, email.message.EmailMessage) and not message.defects
    out: typing.List[typing.Tuple[object, typing.Optional[str], str, bytes]] = []
    for part in message.iter_parts():
        assert isinstance(part, email.message.EmailMessage) and not part.defects
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        out.append(
            (part.get_param("name", header="content-disposition"), part.get_filename(), part.get_content_type(), data)
        )
    return out


class Forms(unittest.TestCase):
    server: http.server.ThreadingHTTPServer
    client: fc.FormsClient

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        host, port = cls.server.server_address[:2]
        cls.client = fc.FormsClient(f"http://{host!s}:{port}")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self) -> None:
        Recorder.seen = []

    def test_every_part_is_sent_as_its_text(self) -> None:
        receipt = self.client.submit(
            BOX,
            png=fc.FileUpload(PNG, "image/png", "a.png"),
            doc=fc.FileUpload(b"%PDF", "application/pdf", "a.pdf"),
            sound=fc.FileUpload(b"ID3", "audio/mpeg"),
            count=2**53 + 1,
            ratio=0.5,
            flag=False,
            price=decimal.Decimal("12.50"),
            ref=REF,
            day=datetime.date(2025, 6, 1),
            at=datetime.datetime(2025, 6, 1, 12, 30, tzinfo=datetime.timezone.utc),
            size=fc.Size.LARGE,
            label="x",
            note="a note\r\n--with dashes",
            timeout_2=7,
            dry_run=True,
            idempotency_key="k1",
            timeout=5,
        )
        self.assertEqual(receipt, fc.Receipt(parts=0))
        seen = Recorder.seen[0]
        self.assertEqual(seen.path, f"/boxes/{BOX}/forms?dry_run=true")
        self.assertEqual(seen.headers["idempotency-key"], "k1")
        self.assertEqual(
            form(seen),
            [
                ("png", "a.png", "image/png", PNG),
                ("doc", "a.pdf", "application/pdf", b"%PDF"),
                ("sound", None, "audio/mpeg", b"ID3"),
                ("count", None, "text/plain", b"9007199254740993"),
                ("ratio", None, "text/plain", b"0.5"),
                ("flag", None, "text/plain", b"false"),
                ("price", None, "text/plain", b"12.50"),
                ("ref", None, "text/plain", str(REF).encode()),
                ("day", None, "text/plain", b"2025-06-01"),
                ("at", None, "text/plain", b"2025-06-01T12:30:00Z"),
                ("size", None, "text/plain", b"large"),
                ("label", None, "text/plain", b"x"),
                ("note", None, "text/plain", b"a note\r\n--with dashes"),
                ("timeout", None, "text/plain", b"7"),
            ],
        )

    def test_absent_parts_are_left_out(self) -> None:
        self.client.submit(BOX, png=fc.FileUpload(PNG, "image/png"), count=1, note=None)
        self.assertEqual(form(Recorder.seen[0]), [("png", None, "image/png", PNG), ("count", None, "text/plain", b"1")])
        self.assertEqual(Recorder.seen[0].path, f"/boxes/{BOX}/forms")

    def test_an_unknown_enum_value_is_sent_as_it_came(self) -> None:
        self.client.submit(BOX, png=fc.FileUpload(PNG, "image/png"), count=1, note="n", size="medium")
        self.assertIn(("size", None, "text/plain", b"medium"), form(Recorder.seen[0]))


if __name__ == "__main__":
    unittest.main()
