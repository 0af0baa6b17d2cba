"""What the ops API accepts, refused before the database: bodies within a size limit, JSON
objects holding only text a database can store, and Alertmanager's webhook payload."""

from __future__ import annotations

import json

import falcon

from incident import alerts
from web.ops_errors import OpsError, invalid_json, invalid_payload

ALERTS_MAX = 1000
JSON_DEPTH_MAX = 32
REASON_MAX = 500
ALERT_TEXT_FIELDS = ("startsAt", "endsAt", "generatorURL", "fingerprint")


def read(request: falcon.Request, limit: int) -> bytes:
    length = request.content_length
    if length is not None and length > limit:
        raise OpsError(falcon.HTTP_413, "PAYLOAD_TOO_LARGE", f"The body is over {limit} bytes.")
    raw = request.bounded_stream.read(limit + 1)
    if len(raw) > limit:
        raise OpsError(falcon.HTTP_413, "PAYLOAD_TOO_LARGE", f"The body is over {limit} bytes.")
    return raw


def json_object(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except RecursionError:
        raise invalid_json(f"The JSON is nested deeper than {JSON_DEPTH_MAX} levels.") from None
    except ValueError:
        raise invalid_json("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid_json("The body must be a JSON object.")
    _check_text(body)
    return body


def _check_text(document: dict) -> None:
    """Refuse what no database stores: NUL (PostgreSQL text cannot hold it) and lone
    surrogates (not encodable), in any key or value, and nesting past JSON_DEPTH_MAX.
    Walked with a stack, not recursion, so depth cannot crash the walk itself."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > JSON_DEPTH_MAX:
            raise invalid_json(f"The JSON is nested deeper than {JSON_DEPTH_MAX} levels.")
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and not _storable(value):
            raise invalid_json("Text in the body may not contain NUL or lone surrogates.")


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def reason(body: dict) -> str:
    """The acknowledgement's optional reason, cut to REASON_MAX."""
    given = body.get("reason")
    if given is None:
        return ""
    if not isinstance(given, str):
        raise invalid_json("reason must be a string.")
    return given[:REASON_MAX]


def alerts_of(body: dict) -> list[alerts.Alert]:
    """The alerts of an Alertmanager webhook (version 4), each checked field by field."""
    if str(body.get("version")) != "4":
        raise invalid_payload('Expected Alertmanager "version": "4".')
    items = body.get("alerts")
    if not isinstance(items, list) or not items:
        raise invalid_payload("alerts must be a non-empty list.")
    if len(items) > ALERTS_MAX:
        raise invalid_payload(f"At most {ALERTS_MAX} alerts.")
    return [_alert(item, f"alerts[{index}]") for index, item in enumerate(items)]


def _alert(item: object, where: str) -> alerts.Alert:
    if not isinstance(item, dict):
        raise invalid_payload(f"{where} must be an object.")
    status = item.get("status")
    if status not in ("firing", "resolved"):
        raise invalid_payload(f"{where}.status must be firing or resolved.")
    labels, annotations = item.get("labels"), item.get("annotations", {})
    for name, value in (("labels", labels), ("annotations", annotations)):
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise invalid_payload(f"{where}.{name} must map strings to strings.")
    if not labels:
        raise invalid_payload(f"{where}.labels is empty.")
    for name in ALERT_TEXT_FIELDS:
        if not isinstance(item.get(name, ""), str):
            raise invalid_payload(f"{where}.{name} must be a string.")
    return alerts.Alert(
        status, labels, annotations, item.get("startsAt", ""), item.get("fingerprint", "")
    )
