"""The ops API's refusals: one exception carrying the HTTP status, the error code, the
message, extra headers and, for failed authentication, a reason from a fixed set (the
`klaxon_ops_auth_failures_total` label)."""

from __future__ import annotations

import falcon

from observability.metrics import AUTH_FAILURE_REASONS


class OpsError(Exception):
    def __init__(
        self,
        status: str,
        code: str,
        message: str,
        headers: dict | None = None,
        *,
        auth_failure: str | None = None,
    ):
        super().__init__(message)
        if auth_failure is not None and auth_failure not in AUTH_FAILURE_REASONS:
            raise ValueError(f"unknown auth failure reason {auth_failure!r}")
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}
        self.auth_failure = auth_failure


def unauthenticated(message: str, reason: str) -> OpsError:
    """401 UNAUTHENTICATED: no usable bearer token."""
    return OpsError(falcon.HTTP_401, "UNAUTHENTICATED", message, auth_failure=reason)


def unauthorized(message: str, reason: str) -> OpsError:
    """401 UNAUTHORIZED: the request signature is missing, malformed, old, wrong or used."""
    return OpsError(falcon.HTTP_401, "UNAUTHORIZED", message, auth_failure=reason)


def invalid_json(message: str) -> OpsError:
    return OpsError(falcon.HTTP_400, "INVALID_JSON", message)


def invalid_payload(message: str) -> OpsError:
    return OpsError(falcon.HTTP_400, "INVALID_PAYLOAD", message)


def body_payload(code: str, message: str, request_id: str) -> dict:
    return {"ok": False, "error": {"code": code, "message": message, "request_id": request_id}}
