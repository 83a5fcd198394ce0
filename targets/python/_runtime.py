"""Runtime support shared by every gatic-generated Python SDK.

JSON codecs for the wire contract's scalars, raw (bytes and text) bodies,
multipart forms (`FileUpload` and the `multipart/form-data` encoder),
server-sent events (the `text/event-stream` parser and `EventStream`), the
problem+json error types, and the HTTP transport (urllib from the standard
library) with timeouts and retries. This file is hand-written and identical
in every SDK; the generator only prepends its header line. Standard library
only.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import collections
import dataclasses
import datetime
import decimal
import email.utils
import enum
import http.client
import json
import math
import mimetypes
import os
import random
import re
import secrets
import socket
import time
import typing
import urllib.error
import urllib.parse
import urllib.request
import uuid

T = typing.TypeVar("T")
H = typing.TypeVar("H")
E = typing.TypeVar("E", bound=enum.Enum)

Decoder = typing.Callable[[object, str], T]
"""Turns a JSON value found at a JSON pointer into a typed value."""


class Unset:
    """The type of `UNSET`: a member left out, as opposed to sent as `null`."""

    _instance: typing.ClassVar[typing.Optional[Unset]] = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: typing.Final = Unset()
"""Marks an optional, nullable field as absent (`None` would send `null`)."""


class DecodeError(ValueError):
    """A response did not match the SDK's models."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path or '/'}: {message}")
        self.path = path
        """The JSON pointer of the offending value, or the name of the
        offending response header."""
        self.message = message
        """What was wrong."""


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def pointer(path: str, name: str) -> str:
    """The JSON pointer of member `name` below `path`."""
    return path + "/" + name.replace("~", "~0").replace("/", "~1")


# Decoders: (value, path) -> typed value, raising DecodeError.


def decode_any(value: object, path: str) -> typing.Any:
    """Any JSON value, as `json` parsed it."""
    return value


def decode_str(value: object, path: str) -> str:
    """A JSON string."""
    if isinstance(value, str):
        return value
    raise DecodeError(path, f"expected a string, got {_kind(value)}")


def decode_bool(value: object, path: str) -> bool:
    """`true` or `false`."""
    if isinstance(value, bool):
        return value
    raise DecodeError(path, f"expected a boolean, got {_kind(value)}")


def decode_int(value: object, path: str) -> int:
    """A JSON integer; Python's `int` keeps every digit of an int64."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise DecodeError(path, f"expected an integer, got {_kind(value)}")


def decode_float(value: object, path: str) -> float:
    """A JSON number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise DecodeError(path, f"expected a number, got {_kind(value)}")


def decode_decimal(value: object, path: str) -> decimal.Decimal:
    """A decimal sent as a string of digits (a JSON number is accepted too)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            result = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            pass
        else:
            if result.is_finite():
                return result
    raise DecodeError(path, f"expected a decimal string, got {_kind(value)}")


def decode_uuid(value: object, path: str) -> uuid.UUID:
    """A hyphenated UUID string."""
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise DecodeError(path, f"expected a UUID string, got {_kind(value)}")


def decode_date(value: object, path: str) -> datetime.date:
    """A calendar date, `YYYY-MM-DD`."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise DecodeError(path, f"expected a date (YYYY-MM-DD), got {_kind(value)}")


_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))\Z"
)


def decode_datetime(value: object, path: str) -> datetime.datetime:
    """An RFC 3339 timestamp; always timezone-aware, fractions beyond
    microseconds are cut off."""
    if isinstance(value, str):
        m = _DATETIME.match(value)
        if m is not None:
            year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
            micros = int((m.group(7) or "0")[:6].ljust(6, "0"))
            if m.group(8):
                tz = datetime.timezone.utc
            else:
                offset = datetime.timedelta(hours=int(m.group(10)), minutes=int(m.group(11)))
                tz = datetime.timezone(-offset if m.group(9) == "-" else offset)
            try:
                return datetime.datetime(year, month, day, hour, minute, min(second, 59), micros, tz)
            except ValueError:
                pass
    raise DecodeError(path, f"expected an RFC 3339 timestamp, got {_kind(value)}")


def decode_bytes(value: object, path: str) -> bytes:
    """Standard base64."""
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise DecodeError(path, f"expected base64 text, got {_kind(value)}")


def decode_object(value: object, path: str) -> typing.Dict[str, object]:
    """A JSON object."""
    if isinstance(value, dict):
        return typing.cast(typing.Dict[str, object], value)
    raise DecodeError(path, f"expected an object, got {_kind(value)}")


def decode_list(item: Decoder[T]) -> Decoder[typing.List[T]]:
    """A decoder for a JSON array whose items `item` decodes."""

    def decode(value: object, path: str) -> typing.List[T]:
        if not isinstance(value, list):
            raise DecodeError(path, f"expected an array, got {_kind(value)}")
        return [item(v, f"{path}/{i}") for i, v in enumerate(value)]

    return decode


def decode_map(item: Decoder[T]) -> Decoder[typing.Dict[str, T]]:
    """A decoder for a JSON object whose values `item` decodes."""

    def decode(value: object, path: str) -> typing.Dict[str, T]:
        obj = decode_object(value, path)
        return {k: item(v, pointer(path, k)) for k, v in obj.items()}

    return decode


def decode_nullable(item: Decoder[T]) -> Decoder[typing.Optional[T]]:
    """A decoder for `null` or what `item` decodes."""

    def decode(value: object, path: str) -> typing.Optional[T]:
        return None if value is None else item(value, path)

    return decode


def decode_enum(cls: typing.Type[E]) -> Decoder[typing.Union[E, str]]:
    """A decoder for an enum's value string. A value this SDK does not know
    (the API added it later) is kept as the plain string, so it survives a
    round trip."""

    def decode(value: object, path: str) -> typing.Union[E, str]:
        text = decode_str(value, path)
        try:
            return cls(text)
        except ValueError:
            return text

    return decode


# Members of objects.


def required(obj: typing.Dict[str, object], name: str, path: str, decode: Decoder[T]) -> T:
    """A member that must be present."""
    if name not in obj:
        raise DecodeError(path, f"missing member {name!r}")
    return decode(obj[name], pointer(path, name))


def nullable(
    obj: typing.Dict[str, object], name: str, path: str, decode: Decoder[T]
) -> typing.Optional[T]:
    """A member that may be `null` (absent is read as `null`)."""
    value = obj.get(name)
    return None if value is None else decode(value, pointer(path, name))


def optional(
    obj: typing.Dict[str, object], name: str, path: str, decode: Decoder[T]
) -> typing.Optional[T]:
    """A member that may be absent (`None` when it is)."""
    value = obj.get(name)
    return None if value is None else decode(value, pointer(path, name))


def optional_nullable(
    obj: typing.Dict[str, object], name: str, path: str, decode: Decoder[T]
) -> typing.Union[T, None, Unset]:
    """A member that may be absent (`UNSET`) or `null` (`None`)."""
    if name not in obj:
        return UNSET
    value = obj[name]
    return None if value is None else decode(value, pointer(path, name))


def defaulted(
    obj: typing.Dict[str, object], name: str, path: str, decode: Decoder[T], default: object
) -> T:
    """A member with a default (JSON) value, used when it is absent."""
    return decode(obj.get(name, default), pointer(path, name))


# Encoders: typed value -> JSON value.


def encode_enum(value: typing.Union[enum.Enum, str]) -> str:
    """An enum member's value string (an unknown value as it came)."""
    if isinstance(value, enum.Enum):
        return str(value.value)
    return value


def encode_decimal(value: decimal.Decimal) -> str:
    """A decimal as a plain string of digits, never in exponent form."""
    return format(value, "f")


def encode_uuid(value: uuid.UUID) -> str:
    """A UUID, hyphenated and lowercase."""
    return str(value)


def encode_date(value: datetime.date) -> str:
    """`YYYY-MM-DD`."""
    return value.isoformat()[:10]


def encode_datetime(value: datetime.datetime) -> str:
    """RFC 3339; a naive datetime is taken to be UTC, and UTC is written `Z`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def encode_bytes(value: bytes) -> str:
    """Standard base64."""
    return base64.b64encode(value).decode("ascii")


# Raw bodies: routes whose body is bytes or text of a media type, not JSON.


def raw_bytes(value: typing.Union[bytes, bytearray, memoryview]) -> bytes:
    """A raw bytes body, sent as it is (a `bytearray` or `memoryview` is copied)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"a raw body is bytes, bytearray or memoryview, not {type(value).__name__}")


def raw_text(value: str) -> bytes:
    """A text body, encoded as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"a text body is a str, not {type(value).__name__}")


# Multipart forms: routes whose body is `multipart/form-data` (RFC 7578),
# files and fields.


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclasses.dataclass(frozen=True)
class FileUpload:
    """A file sent as one part of a multipart form: its bytes, its media type
    and, optionally, the file name the server is told.

    A `bytearray` or `memoryview` given as `content` is copied to `bytes`, so
    the upload cannot change once made."""

    content: bytes
    """The file's contents, sent as they are."""
    content_type: str
    """The file's media type (`image/png`), sent as the part's Content-Type;
    the route's spec says which types the server accepts."""
    filename: typing.Optional[str] = None
    """The file's name, shown to the server (`cat.png`); not sent when `None`."""

    def __post_init__(self) -> None:
        content: object = self.content
        if isinstance(content, (bytearray, memoryview)):
            object.__setattr__(self, "content", bytes(content))
        elif not isinstance(content, bytes):
            raise TypeError(f"a file's content is bytes, not {type(content).__name__}")
        content_type: object = self.content_type
        if not isinstance(content_type, str):
            raise TypeError(f"a file's content_type is a str, not {type(content_type).__name__}")
        if not content_type.strip() or _CONTROL.search(content_type) or not content_type.isascii():
            raise ValueError(f"not a media type: {content_type!r}")
        filename: object = self.filename
        if filename is not None and not isinstance(filename, str):
            raise TypeError(f"a file's filename is a str or None, not {type(filename).__name__}")

    @classmethod
    def from_path(
        cls,
        path: typing.Union[str, os.PathLike[str]],
        content_type: typing.Optional[str] = None,
        *,
        filename: typing.Optional[str] = None,
    ) -> FileUpload:
        """The file at `path`, read whole. Its media type is `content_type`,
        else guessed from the file's extension (`application/octet-stream`
        when it cannot be); its name is `filename`, else the path's last
        component."""
        name = os.path.basename(os.fspath(path))
        if content_type is None:
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        with open(path, "rb") as f:
            content = f.read()
        return cls(content, content_type, name if filename is None else filename)


FormPart = typing.Tuple[str, typing.Union[str, FileUpload]]
"""One part of a form being built: its name, and a field's text or a file."""


def add_file(parts: typing.List[FormPart], name: str, file: FileUpload) -> None:
    """Appends a file part."""
    if not isinstance(file, FileUpload):
        raise TypeError(f"the form part {name!r} is a FileUpload, not {type(file).__name__}")
    parts.append((name, file))


def add_field(parts: typing.List[FormPart], name: str, value: object) -> None:
    """Appends a field part, its value written as a query parameter's (`None`
    adds nothing)."""
    if value is None:
        return
    if isinstance(value, FileUpload):
        raise TypeError(f"the form part {name!r} is a field, not a file")
    parts.append((name, param_text(value)))


def _disposition_value(text: str) -> str:
    """A name or file name as a quoted `Content-Disposition` parameter,
    escaped as browsers do (the WHATWG HTML standard): `"`, CR and LF are
    percent-encoded, so no value can end the quotes or the header line."""
    escaped = text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    return f'"{escaped}"'


_BOUNDARY = re.compile(r"[0-9A-Za-z'+_.-]{1,70}")
"""Boundaries RFC 2046 allows that a Content-Type carries unquoted."""


def _new_boundary() -> str:
    """A random boundary: 32 hex digits after a fixed prefix, within RFC
    2046's 70 characters."""
    return "gatic-form-" + secrets.token_hex(16)


def multipart(parts: typing.Sequence[FormPart], boundary: typing.Optional[str] = None) -> typing.Tuple[bytes, str]:
    """Encodes a `multipart/form-data` body (RFC 7578): the body's bytes and
    its Content-Type, `multipart/form-data; boundary=…`.

    Each part has `Content-Disposition: form-data; name="…"` (a file's also
    `filename="…"` when it has one, and its `Content-Type`), then its bytes;
    a field's text is sent as UTF-8. The boundary is random and occurs in no
    part (a new one is drawn if it does); a `boundary` given, for tests,
    must not occur either."""
    heads: typing.List[bytes] = []
    datas: typing.List[bytes] = []
    for name, value in parts:
        head = "Content-Disposition: form-data; name=" + _disposition_value(name)
        if isinstance(value, FileUpload):
            if value.filename is not None:
                head += "; filename=" + _disposition_value(value.filename)
            head += "\r\nContent-Type: " + value.content_type.strip()
            data = value.content
        else:
            data = value.encode("utf-8")
        heads.append(head.encode("utf-8"))
        datas.append(data)

    def occurs(candidate: str) -> bool:
        needle = candidate.encode("ascii")
        return any(needle in part for part in heads + datas)

    if boundary is None:
        boundary = _new_boundary()
        while occurs(boundary):
            boundary = _new_boundary()
    elif not _BOUNDARY.fullmatch(boundary):
        raise ValueError(f"not a boundary that needs no quoting: {boundary!r}")
    elif occurs(boundary):
        raise ValueError(f"the boundary {boundary!r} occurs in the form")
    delimiter = b"--" + boundary.encode("ascii")
    out = bytearray()
    for part_head, part_data in zip(heads, datas):
        out += delimiter + b"\r\n" + part_head + b"\r\n\r\n" + part_data + b"\r\n"
    out += delimiter + b"--\r\n"
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def tagged(tag: str, value: str, payload: object) -> typing.Dict[str, object]:
    """A tagged union variant: the payload object with the tag member first."""
    out: typing.Dict[str, object] = {tag: value}
    if isinstance(payload, dict):
        out.update(typing.cast(typing.Dict[str, object], payload))
    return out


# Parameters.


def param_text(value: object) -> str:
    """A JSON scalar as it is written in a path, query, header or cookie."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"))


def add_param(pairs: typing.List[typing.Tuple[str, str]], name: str, value: object) -> None:
    """Appends an encoded parameter; a list repeats the name, `None` adds nothing."""
    if value is None:
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            add_param(pairs, name, item)
        return
    pairs.append((name, param_text(value)))


def segment(value: object) -> str:
    """An encoded value as one percent-encoded path segment."""
    return urllib.parse.quote(param_text(value), safe="")


# Responses and errors.


@dataclasses.dataclass
class Response:
    """One HTTP response as the transport received it."""

    status: int
    """The HTTP status."""
    headers: typing.Dict[str, str]
    """Headers by lowercase name (repeated headers joined with `, `)."""
    body: bytes
    """The raw body."""

    def header(self, name: str) -> typing.Optional[str]:
        """The header called `name` (any case), if present."""
        return self.headers.get(name.lower())

    def json(self) -> object:
        """The body parsed as JSON."""
        try:
            return typing.cast(object, json.loads(self.body.decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as err:
            raise DecodeError("", f"the response body is not JSON: {err}") from None

    def text(self) -> str:
        """The body decoded as UTF-8 text."""
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise DecodeError("", f"the response body is not UTF-8 text: {err}") from None


@dataclasses.dataclass(frozen=True)
class Answer(typing.Generic[T, H]):
    """What a route that declares response headers returns: the typed body
    and the typed headers. Routes without declared headers return the body
    alone."""

    body: T
    """The decoded body; `None` for a route that answers without one."""
    headers: H
    """The headers the route declares, typed: its `<Route>Headers` dataclass."""


# Response headers: a declared header's text -> typed value, raising
# DecodeError with the header's name as the path. Strings, decimals, UUIDs,
# dates, timestamps, bytes and enums are read by the JSON string decoders.


_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def header_int(value: object, path: str) -> int:
    """An integer written as a header's text (`42`, `-7`)."""
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value.strip())
    raise DecodeError(path, f"expected an integer, got {value!r}")


def header_float(value: object, path: str) -> float:
    """A finite number written as a header's text (`0.5`, `1e3`)."""
    if isinstance(value, str) and _FLOAT.fullmatch(value.strip()):
        result = float(value.strip())
        if math.isfinite(result):
            return result
    raise DecodeError(path, f"expected a number, got {value!r}")


def header_bool(value: object, path: str) -> bool:
    """`true` or `false` written as a header's text."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return text == "true"
    raise DecodeError(path, f"expected true or false, got {value!r}")


def header(response: Response, name: str, decode: Decoder[T]) -> T:
    """The declared response header `name` (any case), which must be present."""
    value = response.header(name)
    if value is None:
        raise DecodeError(name, "missing response header")
    return decode(value, name)


def optional_header(response: Response, name: str, decode: Decoder[T]) -> typing.Optional[T]:
    """A declared response header that may be absent (`None` when it is)."""
    value = response.header(name)
    return None if value is None else decode(value, name)


def defaulted_header(response: Response, name: str, decode: Decoder[T], default: str) -> T:
    """A declared response header with a default (its header text), read
    when the header is absent."""
    value = response.header(name)
    return decode(default if value is None else value, name)


@dataclasses.dataclass
class Violation:
    """One failed check of a request (in 400 and 422 problems)."""

    location: str
    """`body`, `path`, `query`, `header` or `cookie`."""
    pointer: str
    """A JSON pointer to the value (`/tags/3`), or the parameter's name."""
    rule: str
    """The rule that failed (`len`, `range`, `pattern`, `format`, `type`…)."""
    message: str
    """A human explanation."""


@dataclasses.dataclass
class Problem:
    """An RFC 9457 problem+json body."""

    type: str
    """A URI naming the problem (`urn:problem:<service>:<error>` or `about:blank`)."""
    title: str
    """The error's name, or the HTTP reason phrase."""
    status: int
    """The HTTP status."""
    detail: typing.Optional[str] = None
    """A human explanation of this occurrence."""
    violations: typing.List[Violation] = dataclasses.field(default_factory=list)
    """Every failed check, for 400 and 422 runtime errors."""
    members: typing.Dict[str, object] = dataclasses.field(default_factory=dict)
    """The whole object as received, extension members included."""

    @staticmethod
    def from_response(response: Response) -> Problem:
        """The response's problem; a made-up one when the body is not a problem."""
        try:
            members = decode_object(response.json(), "")
        except DecodeError:
            text = response.body.decode("utf-8", "replace").strip()
            reason = http.client.responses.get(response.status, "Error")
            return Problem("about:blank", reason, response.status, text or None)
        violations: typing.List[Violation] = []
        raw = members.get("violations")
        if isinstance(raw, list):
            for item in raw:
                if isinstance(item, dict):
                    violations.append(
                        Violation(
                            location=str(item.get("location", "")),
                            pointer=str(item.get("pointer", "")),
                            rule=str(item.get("rule", "")),
                            message=str(item.get("message", "")),
                        )
                    )
        type_ = members.get("type")
        title = members.get("title")
        detail = members.get("detail")
        return Problem(
            type=type_ if isinstance(type_, str) else "about:blank",
            title=title if isinstance(title, str) else http.client.responses.get(response.status, "Error"),
            status=response.status,
            detail=detail if isinstance(detail, str) else None,
            violations=violations,
            members=members,
        )


class ApiError(Exception):
    """An error response (RFC 9457 problem+json). Errors the spec declares are
    subclasses carrying their payload's fields as typed attributes; other
    errors (400, 401, 422 validation, 503…) are this class itself."""

    def __init__(self, response: Response, problem: Problem) -> None:
        message = f"{problem.status} {problem.title}"
        if problem.detail:
            message += f": {problem.detail}"
        super().__init__(message)
        self.status: int = response.status
        """The HTTP status."""
        self.problem: Problem = problem
        """The problem+json body."""
        self.response: Response = response
        """The whole response."""
        self.request_id: typing.Optional[str] = response.header("X-Request-Id")
        """The server's `X-Request-Id`, for its logs."""

    @property
    def violations(self) -> typing.List[Violation]:
        """Every failed check, for 400 and 422 runtime errors."""
        return self.problem.violations


class TransportError(Exception):
    """No response arrived: the connection failed or timed out."""

    def __init__(self, message: str, *, refused: bool = False, timed_out: bool = False) -> None:
        super().__init__(message)
        self.refused = refused
        """The connection was refused, so the request was never sent."""
        self.timed_out = timed_out
        """The attempt timed out."""


# Server-sent events: routes declared `returns stream T` answer with
# `text/event-stream` (the WHATWG HTML standard's event stream format), each
# event's data one JSON value of the route's event type.


class ServerSentEvent(typing.NamedTuple):
    """One event as the event stream format frames it, before its data is
    decoded."""

    type: str
    """The `event:` field, `message` when the frame has none."""
    data: typing.Optional[str]
    """The `data:` lines joined with line feeds; `None` for a frame without
    data, which sets the last event id and nothing else."""
    id: str
    """The last event id when the event arrived (an `id:` field sets it, and
    it holds for later events until another sets it again)."""


_LINE_END = re.compile(r"\r\n|\r|\n")

MAX_EVENT_BYTES = 1 << 20
"""The most bytes one event may take by default (1 MiB): its data so far and
the line being read."""


def _utf8_length(text: str) -> int:
    """The bytes of `text` in UTF-8."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class EventParser:
    """Turns the bytes of a `text/event-stream` body, in chunks of any size,
    into events, as the WHATWG HTML standard says: UTF-8 (a leading byte
    order mark is dropped, bad bytes are replaced), lines ended by CRLF, CR
    or LF, `:` comments, one optional space after a field's colon, several
    `data:` lines joined with line feeds, `id:` kept until the next one (one
    with a NUL is ignored), and `retry:` and unknown fields ignored. An event
    the body ends in the middle of is dropped.

    One event may take at most `max_event_bytes` bytes (UTF-8): its data so
    far and the line being read. Past them the parser stops: `error` holds a
    `DecodeError` saying so, `feed` still returns the events its chunk
    completed before that point, and what it is fed after is ignored."""

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._max_event_bytes = max_event_bytes
        self._started = False
        self._line = ""
        self._line_bytes = 0
        self._after_cr = False
        self._type = ""
        self._data: typing.List[str] = []
        self._data_bytes = 0
        self._id = ""
        self.error: typing.Optional[DecodeError] = None
        """Set once an event went past `max_event_bytes`."""

    def feed(self, chunk: bytes, final: bool = False) -> typing.List[ServerSentEvent]:
        """The events that `chunk` completes; `final` marks the body's end."""
        if self.error is not None:
            return []
        text = self._decoder.decode(chunk, final)
        if not text:
            return []
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        if self._after_cr:
            # A CR that ended the last chunk ended a line: a LF right after
            # it belongs to that line ending.
            self._after_cr = False
            if text.startswith("\n"):
                text = text[1:]
        events: typing.List[ServerSentEvent] = []
        start = 0
        for end in _LINE_END.finditer(text):
            rest = text[start : end.start()]
            if self._exceeds(self._line_bytes + _utf8_length(rest)):
                return events
            self._field(self._line + rest, events)
            self._line = ""
            self._line_bytes = 0
            start = end.end()
        if text.endswith("\r"):
            self._after_cr = True
        rest = text[start:]
        self._line_bytes += _utf8_length(rest)
        if self._exceeds(self._line_bytes):
            return events
        self._line += rest
        return events

    def _exceeds(self, line_bytes: int) -> bool:
        """Whether a line of `line_bytes` bytes takes the event past its
        bound; if so, the parser stops, dropping what it holds."""
        if self._data_bytes + line_bytes <= self._max_event_bytes:
            return False
        self.error = DecodeError("", f"an event exceeded {self._max_event_bytes} bytes")
        self._line = ""
        self._data = []
        return True

    def _field(self, line: str, events: typing.List[ServerSentEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line.startswith(":"):
            return
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._type = value
        elif name == "data":
            self._data_bytes += (1 if self._data else 0) + _utf8_length(value)
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._id = value

    def _dispatch(self, events: typing.List[ServerSentEvent]) -> None:
        if self._data:
            events.append(ServerSentEvent(self._type or "message", "\n".join(self._data), self._id))
        else:
            events.append(ServerSentEvent("", None, self._id))
        self._type = ""
        self._data = []
        self._data_bytes = 0


def _socket_of(reply: object) -> typing.Optional[socket.socket]:
    """The socket under an `http.client` response, when it can be found."""
    raw = getattr(getattr(reply, "fp", None), "raw", None)
    sock = getattr(raw, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


_EVENT_STREAM_ERRORS = (OSError, http.client.HTTPException, ValueError)


class EventStream(typing.Generic[T]):
    """The events of a route declared `returns stream T`, each decoded as it
    arrives: an iterator (`for event in stream`) and a context manager that
    closes the stream on exit.

    The method returns it once the response head has arrived (an error
    status raises first, as on every route). The client's timeout bounds
    only that wait: a stream may then stay quiet as long as it likes (the
    server sends a keep-alive comment every 15 seconds). Iteration ends when
    the server ends the stream or `close()` is called. An `error` event (the
    server could not send an event, say because this SDK's API version
    cannot represent it) raises `ApiError` (or the declared error its
    problem names) and ends the stream; a connection that breaks raises
    `TransportError`. An event whose data does not match the models raises
    `DecodeError` and leaves the stream open: iterate on for the next one.
    An event larger than the client's `max_event_bytes` (1 MiB by default:
    its data so far and the line being read) raises `DecodeError` too, but
    ends the stream and its request (once the events before it are read).

    The stream is never reconnected: once it ends or breaks, call the method
    again (routes that resume take the `last_event_id` in a parameter)."""

    def __init__(
        self,
        response: Response,
        reply: http.client.HTTPResponse,
        decode: Decoder[T],
        error_for: typing.Callable[[Response], ApiError],
        max_event_bytes: int = MAX_EVENT_BYTES,
    ) -> None:
        self.response = response
        """The response head (status and headers; the body is left empty)."""
        self._reply = reply
        self._socket = _socket_of(reply)
        self._decode = decode
        self._error_for = error_for
        self._parser = EventParser(max_event_bytes)
        self._pending: typing.Deque[ServerSentEvent] = collections.deque()
        self._last_event_id = ""
        self._ended = False
        self._closed = False
        self._failure: typing.Optional[DecodeError] = None

    @property
    def last_event_id(self) -> str:
        """The id of the last event iteration reached (`""` until one has an
        id): an `id:` field sets it, and it holds for the events after."""
        return self._last_event_id

    @property
    def closed(self) -> bool:
        """Whether the request has ended: the stream ended, broke, or was
        closed."""
        return self._ended

    def __iter__(self) -> EventStream[T]:
        return self

    def __next__(self) -> T:
        while True:
            if self._pending:
                event = self._pending.popleft()
                self._last_event_id = event.id
                if event.data is None:
                    continue
                if event.type == "error":
                    self.close()
                    raise self._problem(event.data)
                if event.type != "message":
                    # A type this SDK does not know: not one of this
                    # route's events.
                    continue
                return self._value(event.data)
            if self._failure is not None:
                failure, self._failure = self._failure, None
                self.close()
                raise failure
            if self._ended:
                raise StopIteration
            chunk = self._read()
            if self._closed:
                raise StopIteration
            if chunk:
                self._pending.extend(self._parser.feed(chunk))
            else:
                self._pending.extend(self._parser.feed(b"", final=True))
                self._end()
            if self._parser.error is not None and self._failure is None and not self._closed:
                # An event too large: the request ends now, and the error is
                # raised once the events before it are read.
                self._failure = self._parser.error
                self._hang_up()

    def __enter__(self) -> EventStream[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Ends the request (the server sees the connection close) and the
        iteration: events not yet reached are dropped. Safe to call more than
        once, and from another thread while one iterates (which then ends)."""
        if self._closed:
            return
        self._closed = True
        self._pending.clear()
        self._hang_up()

    def _hang_up(self) -> None:
        """Ends the request: the server sees the connection close."""
        if self._socket is not None and not self._ended:
            # Wakes a read blocked in another thread.
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._end()

    def _end(self) -> None:
        self._ended = True
        try:
            self._reply.close()
        except _EVENT_STREAM_ERRORS:
            pass

    def _read(self) -> bytes:
        try:
            return self._reply.read1(65536)
        except Exception as err:
            if self._closed:
                return b""
            if not isinstance(err, _EVENT_STREAM_ERRORS):
                raise
            self._end()
            raise TransportError(f"the event stream broke off: {err}") from err

    def _value(self, data: str) -> T:
        try:
            value = json.loads(data)
        except ValueError as err:
            raise DecodeError("", f"an event's data is not JSON: {err}") from None
        return self._decode(value, "")

    def _problem(self, data: str) -> ApiError:
        """The error an `error` event's problem stands for, its response the
        stream's head with the problem's status and the problem as body."""
        status = 500
        try:
            members = json.loads(data)
        except ValueError:
            members = None
        if isinstance(members, dict):
            value = members.get("status")
            if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
                status = value
        headers = dict(self.response.headers)
        headers["content-type"] = "application/problem+json"
        return self._error_for(Response(status, headers, data.encode("utf-8")))


# The transport.


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """When and how often a call is retried.

    Idempotent calls (GET, HEAD, PUT, DELETE, and POST/PATCH sent with an
    idempotency key) are retried after connection failures, timeouts and the
    statuses in `retry_statuses`, with exponential backoff and jitter. Any
    call is retried after a 503 or 429 with `Retry-After` (the server turned
    it away before handling it) or a refused connection. A `Retry-After` longer than
    `max_retry_after` is not waited for: the error is raised instead."""

    max_attempts: int = 3
    """Attempts in all, the first included; 1 turns retries off."""
    initial_backoff: float = 0.2
    """Seconds before the first retry when the server gives no `Retry-After`."""
    max_backoff: float = 5.0
    """The longest backoff, in seconds."""
    max_retry_after: float = 30.0
    """The longest `Retry-After`, in seconds, worth waiting for."""
    retry_statuses: typing.FrozenSet[int] = frozenset({408, 429, 502, 503, 504})
    """Statuses after which an idempotent call is retried."""

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (from 1)."""
        ceiling = min(self.max_backoff, self.initial_backoff * (2.0 ** (attempt - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


Auth = typing.Optional[typing.Tuple[str, str]]
"""How a route authenticates: `("bearer", "")`, `("api_key", header)` or `None`."""


def retry_after(response: Response) -> typing.Optional[float]:
    """The response's `Retry-After`, in seconds (delta-seconds or an HTTP date)."""
    value = response.header("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds())


class Transport:
    """Sends requests with urllib: base URL, version header, credentials,
    timeouts and retries. One per client; safe to share between threads."""

    def __init__(
        self,
        base_url: str,
        *,
        api_version: typing.Optional[str],
        version_header: str = "Gati-Version",
        user_agent: str,
        token: typing.Optional[str],
        api_key: typing.Optional[str],
        timeout: float,
        retry: RetryPolicy,
        headers: typing.Mapping[str, str],
        on_response: typing.Optional[typing.Callable[[Response], None]],
        error_for: typing.Callable[[Response], ApiError],
        opener: typing.Optional[urllib.request.OpenerDirector],
        max_event_bytes: int = MAX_EVENT_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.version_header = version_header
        self.user_agent = user_agent
        self.token = token
        self.api_key = api_key
        self.timeout = timeout
        self.retry = retry
        self.headers = dict(headers)
        self.on_response = on_response
        self.error_for = error_for
        self.opener = opener or urllib.request.build_opener()
        self.max_event_bytes = max_event_bytes
        self.sleep: typing.Callable[[float], None] = time.sleep

    def send(
        self,
        method: str,
        path: str,
        *,
        query: typing.Sequence[typing.Tuple[str, str]] = (),
        headers: typing.Sequence[typing.Tuple[str, str]] = (),
        cookies: typing.Sequence[typing.Tuple[str, str]] = (),
        body: object = UNSET,
        content: typing.Optional[bytes] = None,
        content_type: str = "application/octet-stream",
        accept: str = "application/json",
        auth: Auth = None,
        idempotent: bool,
        timeout: typing.Optional[float] = None,
    ) -> Response:
        """Sends one call, retrying as the policy allows; returns a 2xx
        response or raises `ApiError` (or a subclass) or `TransportError`.

        `body` is a JSON value; `content` is a raw body, sent as it is with
        `content_type`. `accept` names what a success answers with."""
        request = self._request(method, path, query, headers, cookies, body, content, content_type, accept, auth)
        response, _ = self._exchange(request, idempotent, timeout, stream=False)
        return response

    def stream(
        self,
        method: str,
        path: str,
        *,
        decode: Decoder[T],
        query: typing.Sequence[typing.Tuple[str, str]] = (),
        headers: typing.Sequence[typing.Tuple[str, str]] = (),
        cookies: typing.Sequence[typing.Tuple[str, str]] = (),
        body: object = UNSET,
        content: typing.Optional[bytes] = None,
        content_type: str = "application/octet-stream",
        auth: Auth = None,
        idempotent: bool,
        timeout: typing.Optional[float] = None,
    ) -> EventStream[T]:
        """Sends one call whose success is a `text/event-stream`, retrying as
        `send` does until the response head arrives; returns the open stream,
        its events decoded by `decode`. The timeout bounds the wait for the
        head only: the stream's reads then wait as long as it takes. One
        event may take at most `max_event_bytes`. A success of another media
        type raises `DecodeError`."""
        request = self._request(
            method,
            path,
            query,
            headers,
            cookies,
            body,
            content,
            content_type,
            "text/event-stream, application/problem+json",
            auth,
        )
        response, reply = self._exchange(request, idempotent, timeout, stream=True)
        if reply is None:
            raise DecodeError("", "the response has no event stream")
        media = (response.header("Content-Type") or "").split(";")[0].strip().lower()
        if media != "text/event-stream":
            reply.close()
            raise DecodeError("", f"expected a text/event-stream response, got {media or 'no Content-Type'}")
        sock = _socket_of(reply)
        if sock is not None:
            try:
                sock.settimeout(None)
            except OSError:
                pass
        return EventStream(response, reply, decode, self.error_for, self.max_event_bytes)

    def _request(
        self,
        method: str,
        path: str,
        query: typing.Sequence[typing.Tuple[str, str]],
        headers: typing.Sequence[typing.Tuple[str, str]],
        cookies: typing.Sequence[typing.Tuple[str, str]],
        body: object,
        content: typing.Optional[bytes],
        content_type: str,
        accept: str,
        auth: Auth,
    ) -> _Request:
        """The URL, headers and body of a call."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(list(query))
        all_headers: typing.Dict[str, str] = {"Accept": accept, "User-Agent": self.user_agent}
        if self.api_version is not None:
            all_headers[self.version_header] = self.api_version
        all_headers.update(self.headers)
        if auth is not None:
            kind, header = auth
            if kind == "bearer" and self.token is not None:
                all_headers["Authorization"] = "Bearer " + self.token
            elif kind == "api_key" and self.api_key is not None:
                all_headers[header] = self.api_key
        for name, value in headers:
            all_headers[name] = value
        if cookies:
            all_headers["Cookie"] = "; ".join(
                f"{name}={urllib.parse.quote(value, safe='')}" for name, value in cookies
            )
        data: typing.Optional[bytes] = None
        if content is not None:
            data = content
            all_headers["Content-Type"] = content_type
        elif not isinstance(body, Unset):
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        return _Request(method, url, all_headers, data)

    def _exchange(
        self, call: _Request, idempotent: bool, timeout: typing.Optional[float], *, stream: bool
    ) -> typing.Tuple[Response, typing.Optional[http.client.HTTPResponse]]:
        """Sends `call`, retrying as the policy allows, until a 2xx response
        (with its still open reply when `stream` is set) or an error."""
        attempt = 0
        while True:
            attempt += 1
            request = urllib.request.Request(call.url, data=call.data, headers=call.headers, method=call.method)
            try:
                response, reply = self._once(request, self.timeout if timeout is None else timeout, stream)
            except TransportError as err:
                if attempt < self.retry.max_attempts and (idempotent or err.refused):
                    self.sleep(self.retry.backoff(attempt))
                    continue
                raise
            if self.on_response is not None:
                try:
                    self.on_response(response)
                except BaseException:
                    if reply is not None:
                        reply.close()
                    raise
            if 200 <= response.status < 300:
                return response, reply
            delay = self._retry_delay(response, attempt, idempotent)
            if delay is None:
                raise self.error_for(response)
            self.sleep(delay)

    def _retry_delay(self, response: Response, attempt: int, idempotent: bool) -> typing.Optional[float]:
        if attempt >= self.retry.max_attempts:
            return None
        after = retry_after(response)
        if after is not None and after > self.retry.max_retry_after:
            return None
        if response.status in (503, 429) and after is not None:
            return after
        if idempotent and response.status in self.retry.retry_statuses:
            return after if after is not None else self.retry.backoff(attempt)
        return None

    def _once(
        self, request: urllib.request.Request, timeout: float, stream: bool
    ) -> typing.Tuple[Response, typing.Optional[http.client.HTTPResponse]]:
        """One attempt: the whole response, or, for a 2xx when `stream` is
        set, its head and the reply left open to read the body from."""
        try:
            raw = self.opener.open(request, timeout=timeout)
            reply = typing.cast(http.client.HTTPResponse, raw)
            try:
                head = _headers(reply.headers.items())
                if stream and 200 <= reply.status < 300:
                    return Response(reply.status, head, b""), reply
                body = reply.read()
            finally:
                if not (stream and 200 <= reply.status < 300):
                    reply.close()
            return Response(reply.status, head, body), None
        except urllib.error.HTTPError as err:
            try:
                body = err.read()
            except (OSError, http.client.HTTPException):
                body = b""
            return Response(err.code, _headers(err.headers.items() if err.headers else []), body), None
        except urllib.error.URLError as err:
            reason = err.reason
            raise TransportError(
                f"{request.get_method()} {request.full_url}: {reason}",
                refused=isinstance(reason, ConnectionRefusedError),
                timed_out=isinstance(reason, _TIMEOUTS),
            ) from err
        except _TIMEOUTS as err:
            raise TransportError(f"{request.get_method()} {request.full_url}: timed out", timed_out=True) from err
        except (OSError, http.client.HTTPException) as err:
            raise TransportError(f"{request.get_method()} {request.full_url}: {err}") from err


class _Request(typing.NamedTuple):
    """A call ready to send (again, when it is retried)."""

    method: str
    url: str
    headers: typing.Dict[str, str]
    data: typing.Optional[bytes]


# `socket.timeout` became an alias of `TimeoutError` only in Python 3.10.
_TIMEOUTS = (TimeoutError, socket.timeout)


def _headers(items: typing.Iterable[typing.Tuple[str, str]]) -> typing.Dict[str, str]:
    out: typing.Dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out
