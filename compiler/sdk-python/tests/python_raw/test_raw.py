"""Unit tests of bodies that are not JSON in a generated SDK (the one for
`specs/valid/raw_bodies.gati`), run by `cargo test -p gatic-sdk-python --test
toolchain` with the SDK on PYTHONPATH: bytes and text sent as they are with
their Content-Type, a media type family's `content_type=`, bytes and text
answers, problem+json errors, retries that send the same bytes again, and the
`bytes` body without a media type that stays base64 in JSON."""

from __future__ import annotations

import http.server
import json
import threading
import typing
import unittest
import uuid

import gallery_client as gc

PICTURE = uuid.UUID("6f1c2a8e-0000-4000-8000-000000000001")
PNG = b"\x89PNG\r\n\x1a\n\x00\xff"


class Seen(typing.NamedTuple):
    """A request as the stand-in server received it."""

    method: str
    path: str
    headers: typing.Dict[str, str]
    body: bytes


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records requests and answers from a script of (status, headers, body)."""

    script: typing.List[typing.Tuple[int, typing.Dict[str, str], bytes]] = []
    seen: typing.List[Seen] = []

    def handle_one(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        Recorder.seen.append(Seen(self.command, self.path, headers, body))
        status, reply_headers, data = Recorder.script.pop(0)
        self.send_response(status)
        for k, v in reply_headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = handle_one

    def log_message(self, format: str, *args: object) -> None:
        pass


def problem(status: int, **members: object) -> typing.Tuple[int, typing.Dict[str, str], bytes]:
    """A problem+json answer of `status` with `members` besides `status`."""
    data = json.dumps({"status": status, **members}).encode()
    return (status, {"Content-Type": "application/problem+json"}, data)


class Client(unittest.TestCase):
    server: http.server.ThreadingHTTPServer
    client: gc.GalleryClient

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        host, port = cls.server.server_address[:2]
        cls.client = gc.GalleryClient(f"http://{host!s}:{port}")
        cls.client._transport.sleep = lambda seconds: None

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self) -> None:
        Recorder.seen = []

    def test_bytes_are_sent_as_they_are_with_the_callers_type(self) -> None:
        Recorder.script = [(204, {}, b"")]
        self.client.put_picture(PICTURE, PNG, content_type="image/png")
        sent = Recorder.seen[0]
        self.assertEqual((sent.method, sent.path), ("PUT", f"/pictures/{PICTURE}"))
        self.assertEqual(sent.body, PNG)
        self.assertEqual(sent.headers["content-type"], "image/png")

    def test_bytearray_and_memoryview_are_bytes_too(self) -> None:
        Recorder.script = [(204, {}, b""), (204, {}, b"")]
        self.client.put_picture(PICTURE, bytearray(PNG), content_type="image/webp")
        self.client.put_picture(PICTURE, memoryview(PNG)[1:4], content_type="image/gif")
        self.assertEqual([s.body for s in Recorder.seen], [PNG, PNG[1:4]])
        self.assertEqual([s.headers["content-type"] for s in Recorder.seen], ["image/webp", "image/gif"])

    def test_text_is_not_bytes(self) -> None:
        with self.assertRaises(TypeError):
            self.client.put_picture(PICTURE, "PNG", content_type="image/png")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.client.put_caption(PICTURE, b"caption")  # type: ignore[arg-type]
        self.assertEqual(Recorder.seen, [])

    def test_a_retry_sends_the_same_bytes(self) -> None:
        Recorder.script = [problem(503, title="Service Unavailable"), (204, {}, b"")]
        self.client.put_picture(PICTURE, PNG, content_type="image/png")
        self.assertEqual([s.body for s in Recorder.seen], [PNG, PNG])
        self.assertEqual(Recorder.seen[1].headers["content-type"], "image/png")

    def test_bytes_answer(self) -> None:
        Recorder.script = [(200, {"Content-Type": "image/png", "ETag": '"v1"'}, PNG)]
        answer = self.client.get_picture(PICTURE)
        self.assertIsInstance(answer, gc.Answer)
        body: bytes = answer.body
        self.assertEqual(body, PNG)
        self.assertEqual(answer.headers, gc.GetPictureHeaders(etag='"v1"'))
        self.assertEqual(Recorder.seen[0].headers["accept"], "image/png, application/problem+json")

    def test_empty_bytes_answer(self) -> None:
        Recorder.script = [(200, {"Content-Type": "image/png", "ETag": '"v0"'}, b"")]
        self.assertEqual(self.client.get_picture(PICTURE).body, b"")

    def test_text_round_trip(self) -> None:
        caption = "Ada, née Byron \U0001f600\n"
        reply = "saved: " + caption
        Recorder.script = [(200, {"Content-Type": "text/plain; charset=utf-8"}, reply.encode("utf-8"))]
        result: str = self.client.put_caption(PICTURE, caption)
        self.assertEqual(result, reply)
        sent = Recorder.seen[0]
        self.assertEqual(sent.body, caption.encode("utf-8"))
        self.assertEqual(sent.headers["content-type"], "text/plain; charset=utf-8")
        self.assertEqual(sent.headers["accept"], "text/plain, application/problem+json")

    def test_text_answer_of_another_media_type(self) -> None:
        Recorder.script = [(200, {"Content-Type": "text/csv; charset=utf-8"}, b"id,caption\r\n")]
        self.assertEqual(self.client.export(), "id,caption\r\n")
        self.assertEqual(Recorder.seen[0].headers["accept"], "text/csv, application/problem+json")

    def test_text_answer_that_is_not_utf8_is_a_decode_error(self) -> None:
        Recorder.script = [(200, {"Content-Type": "text/csv"}, b"caf\xe9")]
        with self.assertRaises(gc.DecodeError) as caught:
            self.client.export()
        self.assertIn("UTF-8", caught.exception.message)

    def test_errors_are_problems(self) -> None:
        Recorder.script = [problem(404, type="urn:problem:gallery:not-found", title="NotFound", id=str(PICTURE))]
        with self.assertRaises(gc.NotFound) as caught:
            self.client.get_picture(PICTURE)
        self.assertEqual(caught.exception.id, PICTURE)
        Recorder.script = [problem(415, title="Unsupported Media Type", detail="expected Content-Type: image/*")]
        with self.assertRaises(gc.ApiError) as unsupported:
            self.client.put_picture(PICTURE, PNG, content_type="text/plain")
        self.assertEqual(unsupported.exception.status, 415)
        self.assertEqual(unsupported.exception.problem.detail, "expected Content-Type: image/*")

    def test_bytes_without_a_media_type_stay_base64_json(self) -> None:
        Recorder.script = [(204, {}, b"")]
        self.client.put_thumbnail(PICTURE, PNG)
        sent = Recorder.seen[0]
        self.assertEqual(sent.headers["content-type"], "application/json")
        self.assertEqual(json.loads(sent.body), "iVBORw0KGgoA/w==")
        self.assertEqual(sent.headers["accept"], "application/json")


if __name__ == "__main__":
    unittest.main()
