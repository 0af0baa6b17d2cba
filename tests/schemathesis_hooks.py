"""Schemathesis hook: sign ack requests the way a real client does (HMAC over the body), so
the ops API is exercised past its signature check. Loaded through SCHEMATHESIS_HOOKS."""

import hashlib
import hmac
import json
import os
import time

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    secret = os.environ.get("KLAXON_TEST_HMAC_SECRET")
    if not secret or not case.path.endswith("/ack"):
        return
    body = getattr(case, "body", None)
    try:
        raw = (
            b""
            if body is None or type(body).__name__ == "NotSet"
            else json.dumps(body, allow_nan=False).encode()
        )
    except (TypeError, ValueError):
        return  # a body requests cannot send as JSON either; let it go unsigned
    stamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256)
    case.headers = {
        **(case.headers or {}),
        "X-Timestamp": stamp,
        "X-Signature": signature.hexdigest(),
    }
