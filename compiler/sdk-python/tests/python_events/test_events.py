"""Unit tests of server-sent event streams in a generated SDK (the one for
`tests/specs/events.gati`), run by `cargo test -p gatic-sdk-python --test
toolchain` with the SDK on PYTHONPATH: the event stream parser fed every
way a body can be cut, and `EventStream` against a stand-in server that
writes scripted chunks (several events in one chunk, one event across
chunks, CRLF and CR, multi-line data, comments, ids, an `error` event,
errors before the stream, retries of the first request, the timeout that
bounds only the response head, `close()` ending the request, and the bound
on one event's size)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
import typing
import unittest
import uuid

import events_client as ec
from events_client import _runtime as rt

NOTE = uuid.UUID("6f1c2a8e-0000-4000-8000-000000000001")

Step = typing.Union[bytes, float, str]
"""What the stand-in server does next while streaming: write `bytes` as one
chunk, sleep `float` seconds, or a command: `"hold"` keeps the stream open
until the client goes away, `"break"` drops the connection mid-chunk."""


class Reply(typing.NamedTuple):
    """One scripted answer."""

    status: int
    headers: typing.Dict[str, str]
    steps: typing.List[Step]
    head_delay: float = 0.0
    gone: threading.Event = threading.Event()
    """Set once the client has gone away before the script's end (`stream`
    gives each reply its own)."""


class Seen(typing.NamedTuple):
    """A request as the stand-in server received it."""

    method: str
    path: str
    headers: typing.Dict[str, str]


class Streamer(http.server.BaseHTTPRequestHandler):
    """Answers from a script; a 2xx `text/event-stream` is written chunk by
    chunk (chunked transfer encoding), the rest with a Content-Length."""

    protocol_version = "HTTP/1.1"
    script: typing.List[Reply] = []
    seen: typing.List[Seen] = []

    def do_GET(self) -> None:
        Streamer.seen.append(Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        reply = Streamer.script.pop(0)
        if reply.head_delay:
            time.sleep(reply.head_delay)
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if not 200 <= reply.status < 300:
            data = b"".join(s for s in reply.steps if isinstance(s, bytes))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        try:
            self.steps(reply)
        except OSError:
            # The client went away before the script's end.
            reply.gone.set()

    def steps(self, reply: Reply) -> None:
        for step in reply.steps:
            if isinstance(step, float):
                time.sleep(step)
            elif isinstance(step, bytes):
                self.chunk(step)
            elif step == "break":
                self.wfile.write(b"ff\r\ndata: 1")
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            elif step == "hold":
                self.hold(reply.gone)
                return
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def hold(self, gone: threading.Event) -> None:
        """Sends keep-alive comments until a write fails: the client has
        closed the connection."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.chunk(b":\n\n")
            except OSError:
                gone.set()
                return
            time.sleep(0.02)

    def log_message(self, format: str, *args: object) -> None:
        pass


EVENTS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


def stream(*steps: Step, head_delay: float = 0.0) -> Reply:
    """A 200 event stream written in these steps."""
    return Reply(200, EVENTS, list(steps), head_delay, threading.Event())


def problem(status: int, **members: object) -> Reply:
    """A problem+json answer."""
    data = json.dumps({"status": status, **members}).encode()
    return Reply(status, {"Content-Type": "application/problem+json"}, [data])


def note(change: str, text: typing.Optional[str] = None) -> bytes:
    """A `NoteEvent`'s JSON."""
    value: typing.Dict[str, object] = {"change": change, "id": str(NOTE)}
    if text is not None:
        value["text"] = text
    return json.dumps(value).encode()


def parse(body: bytes, cuts: typing.Sequence[int] = ()) -> typing.List[rt.ServerSentEvent]:
    """The events a parser makes of `body` fed in pieces cut at `cuts`."""
    parser = rt.EventParser()
    events: typing.List[rt.ServerSentEvent] = []
    start = 0
    for cut in [*cuts, len(body)]:
        events += parser.feed(body[start:cut])
        start = cut
    return events + parser.feed(b"", final=True)


def messages(events: typing.List[rt.ServerSentEvent]) -> typing.List[typing.Tuple[str, typing.Optional[str], str]]:
    """The events with data, as tuples."""
    return [(e.type, e.data, e.id) for e in events if e.data is not None]


class Parser(unittest.TestCase):
    def test_every_way_of_cutting_a_body_gives_the_same_events(self) -> None:
        body = (
            "\ufeff: a comment\r\nid: 7\r\ndata: {\"a\":\r\ndata:  \"é\"}\r\n\r\n"
            "retry: 10\rdata:x\r\revent: error\nfoo: bar\ndata\n\n"
        ).encode()
        expected = [
            ("message", '{"a":\n "é"}', "7"),
            ("message", "x", "7"),
            ("error", "", "7"),
        ]
        self.assertEqual(messages(parse(body)), expected)
        for i in range(len(body) + 1):
            self.assertEqual(messages(parse(body, [i])), expected, i)
        self.assertEqual(messages(parse(body, range(1, len(body)))), expected)

    def test_crlf_cut_between_cr_and_lf_is_one_line_end(self) -> None:
        self.assertEqual(messages(parse(b"data: 1\r\n\r\ndata: 2\r\n\r\n", [8, 9, 10, 11])), [
            ("message", "1", ""),
            ("message", "2", ""),
        ])

    def test_the_space_after_the_colon_is_optional_and_only_one_is_dropped(self) -> None:
        self.assertEqual(messages(parse(b"data:a\n\ndata:  b\n\ndata\n\n")), [
            ("message", "a", ""),
            ("message", " b", ""),
            ("message", "", ""),
        ])

    def test_ids_hold_until_set_again_and_a_nul_is_ignored(self) -> None:
        events = parse(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\0\ndata: c\n\nid\ndata: d\n\nid: 9\n\n")
        self.assertEqual([(e.data, e.id) for e in events], [
            ("a", "1"),
            ("b", "1"),
            ("c", "1"),
            ("d", ""),
            (None, "9"),
        ])

    def test_an_event_cut_off_by_the_end_is_dropped(self) -> None:
        self.assertEqual(messages(parse(b"data: 1\n\ndata: 2\n")), [("message", "1", "")])
        self.assertEqual(messages(parse(b"data: 1\n\ndata: 2")), [("message", "1", "")])

    def test_bad_utf8_is_replaced(self) -> None:
        self.assertEqual(messages(parse(b"data: \xff\n\n")), [("message", "\ufffd", "")])

    def test_one_event_takes_at_most_max_event_bytes_of_data_and_line(self) -> None:
        # "data: abcd" is 10 bytes: it fits; so do the data so far and the next line.
        fits = rt.EventParser(10)
        self.assertEqual(messages(fits.feed(b"data: abcd\n\ndata: ab\ndata\n\n")), [
            ("message", "abcd", ""),
            ("message", "ab\n", ""),
        ])
        self.assertIsNone(fits.error)
        # A line of 11 bytes, in one chunk or cut; the events before it are
        # still returned, and nothing after it is parsed.
        for chunks in ([b"data: 1\n\ndata: abcde\n\n"], [b"data: 1\n\ndata: ab", b"cde", b"\n\n"]):
            parser = rt.EventParser(10)
            events = [e for chunk in chunks for e in parser.feed(chunk)]
            self.assertEqual(messages(events), [("message", "1", "")], chunks)
            self.assertIsInstance(parser.error, rt.DecodeError)
            assert parser.error is not None
            self.assertEqual(parser.error.message, "an event exceeded 10 bytes")
            self.assertEqual(parser.feed(b"data: 2\n\n", final=True), [])
        # Bytes, not characters: "data: éé" is 10 bytes, "data: ééé" 12.
        self.assertEqual(len(rt.EventParser(10).feed("data: éé\n\n".encode())), 1)
        wide = rt.EventParser(10)
        self.assertEqual(wide.feed("data: ééé".encode()), [])
        self.assertIsNotNone(wide.error)
        # Data lines add up: 3 bytes of data ("a\nb") and a line of 8 ("data: cd").
        lines = rt.EventParser(10)
        self.assertEqual(lines.feed(b"data: a\ndata: b\ndata: cd\n"), [])
        self.assertIsNotNone(lines.error)


class Streams(unittest.TestCase):
    server: http.server.ThreadingHTTPServer
    client: ec.EventsClient

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Streamer)
        cls.server.daemon_threads = True
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        host, port = cls.server.server_address[:2]
        cls.client = ec.EventsClient(f"http://{host!s}:{port}", timeout=2.0)
        cls.client._transport.sleep = lambda seconds: None

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self) -> None:
        Streamer.seen = []
        Streamer.script = []

    def test_several_events_in_one_chunk(self) -> None:
        Streamer.script = [stream(b"data: 1\n\ndata: 2\n\ndata: 3\n\n")]
        with self.client.ticks() as ticks:
            self.assertEqual(list(ticks), [1, 2, 3])
            self.assertTrue(ticks.closed)
        sent = Streamer.seen[0]
        self.assertEqual((sent.method, sent.path), ("GET", "/ticks"))
        self.assertIn("text/event-stream", sent.headers["accept"])

    def test_one_event_across_chunks(self) -> None:
        data = note("created", "héllo")
        Streamer.script = [
            stream(b"da", 0.05, b"ta: " + data[:10], 0.05, data[10:] + b"\r", 0.05, b"\n\r\n")
        ]
        events = list(self.client.note_events("b", follow=True))
        self.assertEqual(events, [ec.NoteEvent(change=ec.Change.CREATED, id=NOTE, text="héllo")])
        self.assertEqual(Streamer.seen[0].path, "/boards/b/events?follow=true")

    def test_crlf_cr_multi_line_data_comments_and_ids(self) -> None:
        Streamer.script = [
            stream(
                b":\n\n: keep-alive\r\n\r\n",
                b'id: n1\r\ndata: {"change": "created",\r\ndata: "id": "' + str(NOTE).encode() + b'"}\r\n\r\n',
                b"retry: 1000\rfoo: bar\r" + b"data: " + note("deleted") + b"\r\r",
                b"event: other\ndata: 1\n\n",
                b"id: n2\ndata: " + note("created", "x") + b"\n\n",
            )
        ]
        with self.client.note_events("b") as events:
            self.assertEqual(events.last_event_id, "")
            first = next(events)
            self.assertEqual((first.change, first.text, events.last_event_id), (ec.Change.CREATED, None, "n1"))
            second = next(events)
            self.assertEqual((second.change, events.last_event_id), (ec.Change.DELETED, "n1"))
            third = next(events)
            self.assertEqual((third.text, events.last_event_id), ("x", "n2"))
            self.assertEqual(list(events), [])

    def test_an_error_event_raises_the_declared_error_and_ends_the_stream(self) -> None:
        error = json.dumps({
            "type": "urn:problem:events:no-board",
            "title": "NoBoard",
            "status": 404,
            "board": "b",
        }).encode()
        reply = stream(b"data: " + note("created") + b"\n\nevent: error\ndata: " + error + b"\n\n", "hold")
        Streamer.script = [reply]
        events = self.client.note_events("b")
        next(events)
        with self.assertRaises(ec.NoBoard) as raised:
            next(events)
        self.assertEqual((raised.exception.status, raised.exception.board), (404, "b"))
        self.assertTrue(events.closed)
        self.assertEqual(list(events), [])
        self.assertTrue(reply.gone.wait(5), "the server saw the client go")

    def test_an_undeclared_error_event_is_an_api_error(self) -> None:
        error = b'{"type":"about:blank","title":"Not Acceptable","status":406,"detail":"too old"}'
        Streamer.script = [stream(b"event: error\ndata: " + error + b"\n\n")]
        with self.assertRaises(ec.ApiError) as raised:
            list(self.client.ticks())
        self.assertEqual((raised.exception.status, raised.exception.problem.detail), (406, "too old"))

    def test_an_error_before_the_stream_raises_as_on_every_route(self) -> None:
        Streamer.script = [problem(404, type="urn:problem:events:no-board", title="NoBoard", board="x")]
        with self.assertRaises(ec.NoBoard) as raised:
            self.client.note_events("x")
        self.assertEqual(raised.exception.board, "x")

    def test_the_first_request_is_retried_like_any_get(self) -> None:
        Streamer.script = [problem(503, title="Service Unavailable"), stream(b"data: 5\n\n")]
        self.assertEqual(list(self.client.ticks()), [5])
        self.assertEqual(len(Streamer.seen), 2)

    def test_a_broken_stream_raises_and_is_not_reconnected(self) -> None:
        Streamer.script = [stream(b"data: 1\n\n", "break"), stream(b"data: 2\n\n")]
        ticks = self.client.ticks()
        self.assertEqual(next(ticks), 1)
        with self.assertRaises(ec.TransportError):
            next(ticks)
        self.assertTrue(ticks.closed)
        self.assertEqual(len(Streamer.seen), 1)

    def test_a_bad_event_raises_and_the_stream_goes_on(self) -> None:
        Streamer.script = [stream(b'data: "one"\n\ndata: {\n\ndata: 2\n\n')]
        ticks = self.client.ticks()
        with self.assertRaises(ec.DecodeError):
            next(ticks)
        with self.assertRaises(ec.DecodeError):
            next(ticks)
        self.assertEqual(list(ticks), [2])

    def test_close_mid_stream_ends_the_request(self) -> None:
        reply = stream(b"id: 1\ndata: 1\n\ndata: 2\n\n", "hold")
        Streamer.script = [reply]
        with self.client.ticks() as ticks:
            self.assertEqual(next(ticks), 1)
            ticks.close()
            self.assertTrue(ticks.closed)
            self.assertEqual(list(ticks), [])
            self.assertEqual(ticks.last_event_id, "1")
        self.assertTrue(reply.gone.wait(5), "the server saw the client go")

    def test_leaving_the_with_block_ends_the_request(self) -> None:
        reply = stream(b"data: 1\n\n", "hold")
        Streamer.script = [reply]
        with self.client.ticks() as ticks:
            for tick in ticks:
                self.assertEqual(tick, 1)
                break
        self.assertTrue(reply.gone.wait(5), "the server saw the client go")

    def test_close_from_another_thread_ends_a_waiting_iteration(self) -> None:
        reply = stream(b"data: 1\n\n", "hold")
        Streamer.script = [reply]
        ticks = self.client.ticks()
        timer = threading.Timer(0.2, ticks.close)
        timer.start()
        started = time.monotonic()
        self.assertEqual(list(ticks), [1])
        self.assertLess(time.monotonic() - started, 5)
        timer.join()
        self.assertTrue(reply.gone.wait(5), "the server saw the client go")

    def test_the_timeout_bounds_the_head_not_the_stream(self) -> None:
        Streamer.script = [stream(b"data: 1\n\n", 0.6, b"data: 2\n\n")]
        self.assertEqual(list(self.client.ticks(timeout=0.3)), [1, 2])
        once = ec.EventsClient(self.client._transport.base_url, retry=ec.RetryPolicy(max_attempts=1))
        Streamer.script = [stream(b"data: 1\n\n", head_delay=0.6)]
        with self.assertRaises(ec.TransportError) as raised:
            once.ticks(timeout=0.2)
        self.assertTrue(raised.exception.timed_out)
        time.sleep(0.5)

    def test_a_success_that_is_not_an_event_stream_is_a_decode_error(self) -> None:
        Streamer.script = [Reply(200, {"Content-Type": "application/json"}, [b"[1]"])]
        with self.assertRaises(ec.DecodeError):
            self.client.ticks()

    def test_a_line_past_max_event_bytes_raises_and_ends_the_request(self) -> None:
        # A line that never ends, written in pieces, after one whole event.
        reply = stream(b"id: 1\ndata: 1\n\n", b"data: " + b"x" * 400, 0.02, b"x" * 400, 0.02, b"x" * 400, "hold")
        Streamer.script = [reply]
        client = ec.EventsClient(self.client._transport.base_url, max_event_bytes=1024)
        ticks = client.ticks()
        self.assertEqual(next(ticks), 1)
        with self.assertRaises(ec.DecodeError) as raised:
            next(ticks)
        self.assertEqual(raised.exception.message, "an event exceeded 1024 bytes")
        self.assertTrue(ticks.closed)
        self.assertEqual(list(ticks), [])
        self.assertEqual(ticks.last_event_id, "1")
        self.assertTrue(reply.gone.wait(5), "the server saw the client go")

    def test_data_lines_adding_up_past_max_event_bytes_raise_and_end_the_request(self) -> None:
        # Short lines, never a blank one: 10 chunks of 170 bytes.
        reply = stream(*[b"data: 1234567890\n" * 10] * 10, "hold")
        Streamer.script = [reply]
        client = ec.EventsClient(self.client._transport.base_url, max_event_bytes=1024)
        with self.assertRaises(ec.DecodeError) as raised:
            list(client.ticks())
        self.assertEqual(raised.exception.message, "an event exceeded 1024 bytes")
        self.assertTrue(reply.gone.wait(5), "the server saw the client go")

    def test_the_head_is_kept(self) -> None:
        Streamer.script = [stream(b"data: 1\n\n")]
        seen: typing.List[rt.Response] = []
        client = ec.EventsClient(self.client._transport.base_url, on_response=seen.append)
        with client.ticks() as ticks:
            self.assertEqual(ticks.response.status, 200)
            self.assertEqual(ticks.response.header("content-type"), "text/event-stream")
            self.assertEqual(list(ticks), [1])
        self.assertEqual([r.status for r in seen], [200])


if __name__ == "__main__":
    unittest.main()
