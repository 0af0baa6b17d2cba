"""The machines' API on the operators' HTTP port.

    POST /ops/incidents/{id}/ack   acknowledge (JWT, role, HMAC signature, rate limit)
    POST /ops/alerts               Prometheus Alertmanager webhook (bearer token)

This layer authenticates and translates HTTP to and from the workflows; the workflows do
the rest, exactly as for Slack, so an ack over HTTP edits the pinned summary like a click.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import falcon
import jwt
import structlog

from bot import incident_refs
from bot.report import iso
from bot.services import Services, new_request_id
from bot.workflows import acknowledge, alerts

log = structlog.get_logger("klaxon.ops_api")
ACK_BODY_MAX = 64 * 1024
ALERTS_BODY_MAX = 1024 * 1024
ALERTS_MAX = 1000
SIGNATURE_MAX_AGE = 300  # seconds either way: a captured request cannot be replayed later
JWT_ALGORITHMS = {"hs256": ["HS256"], "jwks": ["RS256"]}


class OpsError(Exception):
    def __init__(self, status: str, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def _read(request: falcon.Request, limit: int) -> bytes:
    length = request.content_length
    if length is not None and length > limit:
        raise OpsError(falcon.HTTP_413, "PAYLOAD_TOO_LARGE", f"The body is over {limit} bytes.")
    raw = request.bounded_stream.read(limit + 1)
    if len(raw) > limit:
        raise OpsError(falcon.HTTP_413, "PAYLOAD_TOO_LARGE", f"The body is over {limit} bytes.")
    return raw


def _json(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise OpsError(falcon.HTTP_400, "INVALID_JSON", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise OpsError(falcon.HTTP_400, "INVALID_JSON", "The body must be a JSON object.")
    return body


def _bearer(request: falcon.Request) -> str | None:
    header = request.get_header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class Authenticator:
    def __init__(self, services: Services) -> None:
        config = services.config
        self._config = config
        self._jwks = jwt.PyJWKClient(config.jwks_url, cache_keys=True) if config.jwks_url else None

    def identity(self, request: falcon.Request) -> str:
        """The caller's email (or `sub`) from a verified JWT."""
        token = _bearer(request)
        if token is None:
            raise OpsError(falcon.HTTP_401, "UNAUTHENTICATED", "A bearer token is required.")
        try:
            if self._jwks is not None:
                key, algorithms = self._jwks.get_signing_key_from_jwt(token).key, ["RS256"]
            else:
                key, algorithms = self._config.ops_jwt_secret, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._config.jwt_audience,
                issuer=self._config.jwt_issuer or None,
                options={"require": ["exp", "aud"]},
            )
        except jwt.PyJWTError as error:
            log.warning("ops_api_unauthenticated", reason=type(error).__name__)
            raise OpsError(
                falcon.HTTP_401, "UNAUTHENTICATED", "The bearer token is not valid."
            ) from None
        identity = claims.get("email") or claims.get("sub")
        if not isinstance(identity, str) or not identity:
            raise OpsError(falcon.HTTP_401, "UNAUTHENTICATED", "The token names nobody.")
        return identity

    def verify_signature(self, request: falcon.Request, raw: bytes) -> None:
        """X-Signature = hex HMAC-SHA256 over "<X-Timestamp>.<body>", current or previous key."""
        stamp = request.get_header("X-Timestamp") or ""
        signature = (request.get_header("X-Signature") or "").strip().lower()
        if not stamp.isdigit() or not signature:
            raise OpsError(
                falcon.HTTP_401, "UNAUTHORIZED", "X-Timestamp and X-Signature are required."
            )
        if abs(time.time() - int(stamp)) > SIGNATURE_MAX_AGE:
            raise OpsError(falcon.HTTP_401, "UNAUTHORIZED", "The signature has expired.")
        signed = stamp.encode() + b"." + raw
        for secret in self._config.ops_hmac_secrets:
            expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, signature):
                return
        raise OpsError(falcon.HTTP_401, "UNAUTHORIZED", "The signature does not match.")


def incident_json(incident) -> dict:
    return {
        "id": str(incident.id),
        "ref": incident.display_ref,
        "incident_key": incident.incident_key,
        "status": incident.status,
        "acknowledged_by": incident.acknowledged_by_email or incident.acknowledged_by_id,
        "acknowledged_at": iso(incident.acknowledged_at) if incident.acknowledged_at else None,
        "escalation_level": incident.escalation_level,
        "severity": incident.severity,
        "route": incident.route,
    }


def _target(incident_id: str) -> str | incident_refs.IncidentRef:
    try:
        return (
            incident_refs.parse(incident_id) if not _looks_like_uuid(incident_id) else (incident_id)
        )
    except incident_refs.MalformedRef:
        raise OpsError(falcon.HTTP_404, "NOT_FOUND", f"No incident {incident_id}.") from None


def _looks_like_uuid(text: str) -> bool:
    return len(text.replace("-", "")) == 32 and all(c in "0123456789abcdefABCDEF-" for c in text)


class Ack:
    def __init__(self, services: Services, auth: Authenticator) -> None:
        self._services, self._auth = services, auth

    def on_post(self, request: falcon.Request, response: falcon.Response, incident_id: str):
        services = self._services
        request_id = request.context.request_id
        identity = self._auth.identity(request)
        raw = _read(request, ACK_BODY_MAX)
        with services.database.connection_context():
            if not acknowledge.authorize(
                services,
                acknowledge.Actor(email=identity),
                target=incident_id,
                request_id=request_id,
            ):
                raise OpsError(
                    falcon.HTTP_403,
                    "FORBIDDEN",
                    f"Access denied. Required role: {services.config.ack_role}",
                )
            self._auth.verify_signature(request, raw)
            target = _target(incident_id)
            reason = _json(raw).get("reason") or ""
            if not isinstance(reason, str):
                raise OpsError(falcon.HTTP_400, "INVALID_JSON", "reason must be a string.")
            result = acknowledge.acknowledge(
                services, target=target, email=identity, reason=reason[:500], request_id=request_id
            )
        if result.outcome == "rate_limited":
            raise OpsError(
                falcon.HTTP_429,
                "RATE_LIMIT_EXCEEDED",
                result.message,
                {"Retry-After": str(result.retry_after)},
            )
        if result.outcome == "not_found":
            raise OpsError(falcon.HTTP_404, "NOT_FOUND", f"No incident {incident_id}.")
        if result.outcome == "access_denied":
            raise OpsError(falcon.HTTP_403, "FORBIDDEN", result.message)
        if result.outcome == "resolved":
            raise OpsError(falcon.HTTP_409, "INCIDENT_RESOLVED", result.message)
        body = {"ok": True, "incident": incident_json(result.incident)}
        if result.outcome == "already_acknowledged":
            body["already_acknowledged"] = True
        response.media = body


def _alerts(body: dict) -> list[alerts.Alert]:
    if str(body.get("version")) != "4":
        raise OpsError(falcon.HTTP_400, "INVALID_PAYLOAD", 'Expected Alertmanager "version": "4".')
    items = body.get("alerts")
    if not isinstance(items, list) or not items:
        raise OpsError(falcon.HTTP_400, "INVALID_PAYLOAD", "alerts must be a non-empty list.")
    if len(items) > ALERTS_MAX:
        raise OpsError(falcon.HTTP_400, "INVALID_PAYLOAD", f"At most {ALERTS_MAX} alerts.")
    parsed = []
    for index, item in enumerate(items):
        where = f"alerts[{index}]"
        if not isinstance(item, dict):
            raise OpsError(falcon.HTTP_400, "INVALID_PAYLOAD", f"{where} must be an object.")
        status = item.get("status")
        if status not in ("firing", "resolved"):
            raise OpsError(
                falcon.HTTP_400, "INVALID_PAYLOAD", f"{where}.status must be firing or resolved."
            )
        labels, annotations = item.get("labels"), item.get("annotations", {})
        for name, value in (("labels", labels), ("annotations", annotations)):
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise OpsError(
                    falcon.HTTP_400,
                    "INVALID_PAYLOAD",
                    f"{where}.{name} must map strings to strings.",
                )
        if not labels:
            raise OpsError(falcon.HTTP_400, "INVALID_PAYLOAD", f"{where}.labels is empty.")
        parsed.append(
            alerts.Alert(
                status,
                labels,
                annotations,
                str(item.get("startsAt", "")),
                str(item.get("fingerprint", "")),
            )
        )
    return parsed


class Alerts:
    def __init__(self, services: Services) -> None:
        self._services = services

    def on_post(self, request: falcon.Request, response: falcon.Response):
        token = _bearer(request)
        expected = self._services.config.ops_alert_token
        if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
            raise OpsError(falcon.HTTP_401, "UNAUTHENTICATED", "A valid bearer token is required.")
        parsed = _alerts(_json(_read(request, ALERTS_BODY_MAX)))
        with self._services.database.connection_context():
            results = alerts.ingest(self._services, parsed, request_id=request.context.request_id)
        response.media = {"ok": True, "results": results}


def _error_body(code: str, message: str, request_id: str) -> dict:
    return {"ok": False, "error": {"code": code, "message": message, "request_id": request_id}}


class RequestIds:
    """Falcon middleware: every request gets an id, in the log context and in errors."""

    def process_request(self, request, _response):
        request.context.request_id = new_request_id()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request.context.request_id, interaction=f"http:{request.path}"
        )


def add_routes(app: falcon.App, services: Services) -> list[str]:
    """Mount the endpoints whose secrets are configured; returns the paths mounted."""
    config = services.config
    mounted = []
    app.add_middleware(RequestIds())

    def handle_ops_error(request, response, error, _params):
        response.status = error.status
        response.media = _error_body(error.code, error.message, request.context.request_id)
        for name, value in error.headers.items():
            response.set_header(name, value)

    def handle_unexpected(request, response, error, _params):
        if isinstance(error, falcon.HTTPError):
            response.status = error.status
            response.media = _error_body(
                "_".join(w for w in error.title.upper().split() if not w.isdigit()),
                error.description or error.title,
                getattr(request.context, "request_id", ""),
            )
            return
        log.error("ops_api_failed", exc_info=error)
        response.status = falcon.HTTP_500
        response.media = _error_body(
            "INTERNAL_ERROR",
            "Something went wrong on our side.",
            getattr(request.context, "request_id", ""),
        )

    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(falcon.HTTPError, handle_unexpected)  # Falcon's own 404/405/…
    app.add_error_handler(OpsError, handle_ops_error)
    if (config.ops_jwt_secret or config.jwks_url) and config.ops_hmac_secrets:
        app.add_route("/ops/incidents/{incident_id}/ack", Ack(services, Authenticator(services)))
        mounted.append("/ops/incidents/{id}/ack")
    if config.ops_alert_token:
        app.add_route("/ops/alerts", Alerts(services))
        mounted.append("/ops/alerts")
    return mounted
