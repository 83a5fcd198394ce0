"""Unit tests of constant fields (`object: "charge"`) and records instantiated
from generic ones (`Page<Charge>`) in a generated SDK (the one for the
corpus's `specs/valid/envelopes.gati`), run by `cargo test -p
gatic-sdk-python --test toolchain` with the SDK on PYTHONPATH: a constant is
the field's default, sent in every request built without it, exposed by
decoded responses and error payloads, and typed as its literal (mypy checks
this file too); and the client against a local stand-in server."""

from __future__ import annotations

import http.server
import json
import threading
import typing
import unittest

import payments_client as pc

CHARGE: typing.Dict[str, object] = {"object": "charge", "id": "ch_1", "amount": 500, "customer": "cus_1"}
CUSTOMER: typing.Dict[str, object] = {"object": "customer", "id": "cus_1", "email": "ana@example.com"}


def page(data: typing.List[object]) -> typing.Dict[str, object]:
    return {"object": "list", "data": data, "has_more": False, "url": "/charges"}


class Requests(unittest.TestCase):
    def test_a_request_built_without_the_constant_sends_it(self) -> None:
        body = pc.NewCharge(amount=500)
        self.assertEqual(body.object_, "charge")
        self.assertEqual(body.to_json(), {"object": "charge", "amount": 500})

    def test_the_constant_is_typed_as_its_literal(self) -> None:
        # mypy --strict, which warns about unused ignores, checks this file:
        # the ignore is used only if another string is refused.
        body = pc.NewCharge(amount=500, object_="card")  # type: ignore[arg-type]
        self.assertEqual(body.object_, "card")
        literal: typing.Literal["charge"] = pc.NewCharge(amount=1).object_
        self.assertEqual(literal, "charge")


class Responses(unittest.TestCase):
    def test_a_decoded_response_exposes_the_constant(self) -> None:
        charge = pc.Charge.from_json(CHARGE)
        self.assertEqual(charge, pc.Charge(id="ch_1", amount=500, customer="cus_1"))
        self.assertEqual(charge.object_, "charge")

    def test_an_absent_constant_reads_as_its_value(self) -> None:
        members = {k: v for k, v in CHARGE.items() if k != "object"}
        self.assertEqual(pc.Charge.from_json(members).object_, "charge")

    def test_a_constant_that_is_not_a_string_is_a_decode_error(self) -> None:
        for bad in (None, 5, ["charge"]):
            with self.subTest(bad=bad), self.assertRaises(pc.DecodeError) as caught:
                pc.Charge.from_json({**CHARGE, "object": bad})
            self.assertEqual(caught.exception.path, "/object")

    def test_another_string_is_kept_as_it_came(self) -> None:
        # As an enum's value this SDK does not know is: the runtime has no
        # decoder that refuses all strings but one.
        self.assertEqual(pc.Charge.from_json({**CHARGE, "object": "card"}).object_, "card")

    def test_instantiated_records_carry_their_constants(self) -> None:
        charges = pc.ChargePage.from_json(page([CHARGE]))
        self.assertEqual(charges.object_, "list")
        self.assertEqual(charges.data[0].object_, "charge")
        pages = pc.ChargePagePage.from_json(page([page([CHARGE])]))
        self.assertEqual(pages.data[0].data[0].amount, 500)
        customers = pc.CustomerList.from_json({**page([CUSTOMER]), "url": "/customers"})
        self.assertEqual(customers.data[0].object_, "customer")
        self.assertEqual(pc.CustomerList(data=[], has_more=False, url="/customers").to_json()["object"], "list")


class StandIn(http.server.BaseHTTPRequestHandler):
    """Answers from a script of (status, content type, body) and records the
    JSON bodies it receives."""

    script: typing.List[typing.Tuple[int, str, object]] = []
    received: typing.List[object] = []

    def handle_one(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            StandIn.received.append(json.loads(self.rfile.read(length)))
        status, content_type, payload = StandIn.script.pop(0)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = handle_one

    def log_message(self, format: str, *args: object) -> None:
        pass


class Client(unittest.TestCase):
    server: http.server.ThreadingHTTPServer
    client: pc.PaymentsClient

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        host, port = cls.server.server_address[:2]
        cls.client = pc.PaymentsClient(f"http://{host!s}:{port}", retry=pc.RetryPolicy(max_attempts=1))

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self) -> None:
        StandIn.received = []

    def test_create_sends_the_constant_and_returns_it(self) -> None:
        StandIn.script = [(201, "application/json", CHARGE)]
        charge = self.client.create_charge(pc.NewCharge(amount=500, customer="cus_1"))
        self.assertEqual(StandIn.received, [{"object": "charge", "amount": 500, "customer": "cus_1"}])
        self.assertEqual(charge.object_, "charge")
        self.assertEqual(charge.id, "ch_1")

    def test_a_list_returns_the_instantiated_record(self) -> None:
        StandIn.script = [(200, "application/json", page([CHARGE]))]
        charges: pc.ChargePage = self.client.list_charges()
        self.assertEqual((charges.object_, charges.data[0].object_), ("list", "charge"))

    def test_an_error_payload_exposes_its_constant(self) -> None:
        problem = {
            "type": "urn:problem:payments:not-found",
            "title": "NotFound",
            "status": 404,
            "object": "error",
            "id": "ch_9",
        }
        StandIn.script = [(404, "application/problem+json", problem)]
        with self.assertRaises(pc.NotFound) as caught:
            self.client.charge_with_customer("ch_9")
        self.assertEqual((caught.exception.object_, caught.exception.id), ("error", "ch_9"))


if __name__ == "__main__":
    unittest.main()
