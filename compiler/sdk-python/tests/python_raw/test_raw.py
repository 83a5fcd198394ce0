"""Unit tests of bodies that are not JSON in a generated SDK (the one for
`specs/valid/raw_bodies.gati`), run by `cargo test -p gatic-sdk-python --test
toolchain` with the SDK on PYTHONPATH: bytes and text sent as they are with
their Content-Type, a media type family's `content_type=`, bytes and text
answers, problem+json errors, retries that send the same bytes again, the
`bytes` body without a media type that stays base64 in JSON, and multipart
forms: the `multipart/form-data` encoder (read back with the standard
library's `email` parser, and byte for byte), `FileUpload`, and the form
route's keyword-only parts."""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import http.server
import json
import os
import tempfile
import threading
import typing
import unittest
import uuid

import gallery_client as gc
from gallery_client import _runtime as rt

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

    do_GET = do_PUT = do_POST = handle_one

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


def parse_form(content_type: str, body: bytes) -> typing.List[email.message.EmailMessage]:
    """The parts of a `multipart/form-data` body, read by the standard
    library's MIME parser, which must find no defect."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("ascii") + b"\r\n\r\n" + body
    )
    assert isinstance(message, email.message.EmailMessage)
    assert message.is_multipart() and message.get_content_type() == "multipart/form-data", content_type
    assert not message.defects, message.defects
    parts = [typing.cast(email.message.EmailMessage, p) for p in message.iter_parts()]
    for part in parts:
        assert not part.defects, part.defects
        assert part.get_content_disposition() == "form-data", part
    return parts


def part_name(part: email.message.EmailMessage) -> object:
    return part.get_param("name", header="content-disposition")


def payload(part: email.message.EmailMessage) -> bytes:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data


def picture(answer_id: uuid.UUID = PICTURE) -> typing.Tuple[int, typing.Dict[str, str], bytes]:
    data = json.dumps({"id": str(answer_id), "filename": "cat.png", "size": len(PNG)}).encode()
    return (201, {"Content-Type": "application/json"}, data)


class Encoder(unittest.TestCase):
    """The runtime's `multipart/form-data` encoder."""

    def test_files_and_fields_read_back_with_the_email_parser(self) -> None:
        parts: typing.List[rt.FormPart] = []
        rt.add_file(parts, "file", gc.FileUpload(PNG + b"\r\n--", "image/png", "cat.png"))
        rt.add_field(parts, "caption", "Ada, née Byron\r\nsecond line")
        rt.add_field(parts, "copies", 3)
        rt.add_field(parts, "public", False)
        rt.add_field(parts, "absent", None)
        body, content_type = rt.multipart(parts)
        self.assertRegex(content_type, r"\Amultipart/form-data; boundary=[0-9A-Za-z-]{1,70}\Z")
        read = parse_form(content_type, body)
        self.assertEqual([part_name(p) for p in read], ["file", "caption", "copies", "public"])
        self.assertEqual(read[0].get_filename(), "cat.png")
        self.assertEqual(read[0].get_content_type(), "image/png")
        self.assertEqual(payload(read[0]), PNG + b"\r\n--")
        self.assertEqual(payload(read[1]).decode("utf-8"), "Ada, née Byron\r\nsecond line")
        self.assertEqual([payload(p) for p in read[2:]], [b"3", b"false"])
        self.assertTrue(all(p.get_filename() is None for p in read[1:]))

    def test_exact_bytes(self) -> None:
        parts: typing.List[rt.FormPart] = []
        rt.add_file(parts, "photo", gc.FileUpload(b"\x89PNG\r\n\x1a\n", "image/png"))
        rt.add_field(parts, "caption", "A cat")
        body, content_type = rt.multipart(parts, boundary="XyZ")
        self.assertEqual(content_type, "multipart/form-data; boundary=XyZ")
        self.assertEqual(
            body,
            b"--XyZ\r\n"
            b'Content-Disposition: form-data; name="photo"\r\n'
            b"Content-Type: image/png\r\n"
            b"\r\n"
            b"\x89PNG\r\n\x1a\n\r\n"
            b"--XyZ\r\n"
            b'Content-Disposition: form-data; name="caption"\r\n'
            b"\r\n"
            b"A cat\r\n"
            b"--XyZ--\r\n",
        )

    def test_names_and_filenames_cannot_break_out_of_their_quotes(self) -> None:
        parts: typing.List[rt.FormPart] = []
        nasty = 'x"; name="evil"\r\nContent-Type: text/html\r\n\r\n'
        rt.add_file(parts, 'a"b', gc.FileUpload(b"data", "text/plain", nasty))
        body, content_type = rt.multipart(parts, boundary="B")
        head = body.split(b"\r\n\r\n", 1)[0]
        self.assertEqual(
            head,
            b"--B\r\n"
            b'Content-Disposition: form-data; name="a%22b"; '
            b'filename="x%22; name=%22evil%22%0D%0AContent-Type: text/html%0D%0A%0D%0A"\r\n'
            b"Content-Type: text/plain",
        )
        read = parse_form(content_type, body)
        self.assertEqual(len(read), 1)
        self.assertEqual(part_name(read[0]), "a%22b")
        self.assertEqual(payload(read[0]), b"data")

    def test_non_ascii_filenames_are_utf8(self) -> None:
        parts: typing.List[rt.FormPart] = []
        rt.add_file(parts, "file", gc.FileUpload(b"", "image/png", "chat noir é.png"))
        body, _ = rt.multipart(parts, boundary="B")
        self.assertIn('filename="chat noir é.png"'.encode("utf-8"), body)

    def test_the_boundary_occurs_in_no_part(self) -> None:
        drawn = iter(["gatic-form-1", "gatic-form-2"])
        original = rt._new_boundary
        rt._new_boundary = lambda: next(drawn)
        try:
            parts: typing.List[rt.FormPart] = []
            rt.add_field(parts, "text", "contains --gatic-form-1 inside")
            body, content_type = rt.multipart(parts)
        finally:
            rt._new_boundary = original
        self.assertEqual(content_type, "multipart/form-data; boundary=gatic-form-2")
        self.assertEqual(payload(parse_form(content_type, body)[0]), b"contains --gatic-form-1 inside")
        with self.assertRaises(ValueError):
            rt.multipart(parts, boundary="gatic-form-1")
        with self.assertRaises(ValueError):
            rt.multipart(parts, boundary="has space")
        self.assertNotEqual(rt._new_boundary(), rt._new_boundary())

    def test_file_uploads_check_what_they_hold(self) -> None:
        # Whether mypy takes a bytearray or memoryview for `bytes` depends on
        # its version (`--strict-bytes`): `Any` keeps this test clean under all.
        loose: typing.Any = bytearray(b"ab")
        upload = gc.FileUpload(loose, "image/png")
        self.assertEqual(upload.content, b"ab")
        self.assertIsInstance(upload.content, bytes)
        loose = memoryview(b"abc")[1:]
        self.assertEqual(gc.FileUpload(loose, "image/png").content, b"bc")
        with self.assertRaises(TypeError):
            gc.FileUpload("text", "text/plain")  # type: ignore[arg-type]
        for bad in ["", "image/png\r\nX-Evil: 1", "image/png\n", "imagé/png"]:
            with self.assertRaises(ValueError, msg=bad):
                gc.FileUpload(b"", bad)
        with self.assertRaises(TypeError):
            gc.FileUpload(b"", "image/png", filename=b"x.png")  # type: ignore[arg-type]
        with self.assertRaises(AttributeError):
            upload.filename = "x"  # type: ignore[misc]

    def test_from_path_reads_the_file_and_guesses_its_type(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "cat.png")
            with open(path, "wb") as f:
                f.write(PNG)
            self.assertEqual(gc.FileUpload.from_path(path), gc.FileUpload(PNG, "image/png", "cat.png"))
            self.assertEqual(
                gc.FileUpload.from_path(path, "image/webp", filename="x"), gc.FileUpload(PNG, "image/webp", "x")
            )
            other = os.path.join(folder, "data.gatic-unknown")
            with open(other, "wb") as f:
                f.write(b"?")
            self.assertEqual(gc.FileUpload.from_path(other).content_type, "application/octet-stream")


class Form(unittest.TestCase):
    """`upload_picture`: a form of a file and fields, against a local server."""

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

    def test_parts_are_keyword_arguments_and_absent_ones_are_left_out(self) -> None:
        Recorder.script = [picture()]
        result: gc.Picture = self.client.upload_picture(
            file=gc.FileUpload(PNG, "image/webp", "cat.webp"), public=True
        )
        self.assertEqual(result, gc.Picture(id=PICTURE, size=len(PNG), filename="cat.png"))
        sent = Recorder.seen[0]
        self.assertEqual((sent.method, sent.path), ("POST", "/pictures"))
        self.assertEqual(sent.headers["accept"], "application/json")
        read = parse_form(sent.headers["content-type"], sent.body)
        self.assertEqual([part_name(p) for p in read], ["file", "public"])
        self.assertEqual((read[0].get_filename(), read[0].get_content_type()), ("cat.webp", "image/webp"))
        self.assertEqual([payload(p) for p in read], [PNG, b"true"])

    def test_every_part(self) -> None:
        Recorder.script = [picture()]
        self.client.upload_picture(
            file=gc.FileUpload(PNG, "image/png"), caption="A cat", copies=2, public=False
        )
        read = parse_form(Recorder.seen[0].headers["content-type"], Recorder.seen[0].body)
        self.assertEqual([part_name(p) for p in read], ["file", "caption", "copies", "public"])
        self.assertIsNone(read[0].get_filename())
        self.assertEqual([payload(p) for p in read], [PNG, b"A cat", b"2", b"false"])

    def test_a_file_part_is_a_file_upload(self) -> None:
        with self.assertRaises(TypeError):
            self.client.upload_picture(file=PNG, public=True)  # type: ignore[arg-type]
        self.assertEqual(Recorder.seen, [])

    def test_a_retry_sends_the_same_form(self) -> None:
        Recorder.script = [(503, {"Retry-After": "0"}, b""), picture()]
        self.client.upload_picture(file=gc.FileUpload(PNG, "image/png"), public=True)
        self.assertEqual(len(Recorder.seen), 2)
        self.assertEqual(Recorder.seen[0].body, Recorder.seen[1].body)
        self.assertEqual(Recorder.seen[0].headers["content-type"], Recorder.seen[1].headers["content-type"])

    def test_a_refused_part_is_an_api_error(self) -> None:
        Recorder.script = [
            problem(
                400,
                title="Bad Request",
                violations=[{"location": "body", "pointer": "/file", "rule": "format", "message": "must be a file of type image/*"}],
            )
        ]
        with self.assertRaises(gc.ApiError) as caught:
            self.client.upload_picture(file=gc.FileUpload(b"hi", "text/plain"), public=True)
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual([v.pointer for v in caught.exception.violations], ["/file"])
        self.assertEqual(len(Recorder.seen), 1, "a 400 is not retried")


if __name__ == "__main__":
    unittest.main()
