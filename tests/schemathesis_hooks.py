"""Schemathesis hook: sign ack requests the way a real client does (README, "Signing a
request"), so the ops API is exercised past its signature check. Loaded through
SCHEMATHESIS_HOOKS.

The request is prepared here exactly as schemathesis will send it (requests quotes the
path and serializes the body), and the signature covers those bytes."""

import hashlib
import hmac
import itertools
import os
import time

import requests
import schemathesis

# Schemathesis sends some cases more than once; each send gets its own timestamp (all
# within the 5-minute window) so that it is a new signature, not a refused replay.
_calls = itertools.count()


@schemathesis.hook
def before_call(context, case, kwargs):
    secret = os.environ.get("KLAXON_TEST_HMAC_SECRET")
    if not secret or not case.path.endswith("/ack"):
        return
    try:
        sent = case.as_transport_kwargs(base_url="http://127.0.0.1")
        prepared = requests.Request(
            method=sent["method"],
            url=sent["url"],
            params=sent.get("params"),
            data=sent.get("data"),
            json=sent.get("json"),
        ).prepare()
    except (TypeError, ValueError):
        return  # a body requests cannot send either; let it go unsigned
    body = prepared.body or b""
    raw = body.encode() if isinstance(body, str) else body
    path = prepared.path_url.partition("?")[0]
    stamp = str(int(time.time()) - next(_calls) % 240)
    message = "\n".join(["v1", stamp, prepared.method, path]).encode() + b"\n" + raw
    signature = hmac.new(secret.encode(), message, hashlib.sha256)
    case.headers = {
        **(case.headers or {}),
        "X-Timestamp": stamp,
        "X-Signature": signature.hexdigest(),
    }
