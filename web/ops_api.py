"""The machines' API on the operators' HTTP port.

    POST /ops/incidents/{id}/ack   acknowledge (JWT, signature used once, role, rate limit)
    POST /ops/alerts               Prometheus Alertmanager webhook (bearer token)

This layer authenticates (bot/ops_auth.py), refuses malformed input before the database,
and translates HTTP to and from the workflows; the workflows do the rest, exactly as for
Slack, so an ack over HTTP edits the pinned summary like a click.
"""

from __future__ import annotations

import hmac
import json

import falcon
import peewee
import structlog

from incident import access, acknowledge, alerts, refs
from incident.access import Caller
from incident.outcomes import NotFound
from incident.report import iso
from incident.services import Services, new_request_id
from incident.vocabulary import Actor, Permission
from observability import metrics
from web.ops_auth import Authenticator, FailureThrottle, bearer
from web.ops_errors import OpsError, body_payload, invalid_json, invalid_payload, unauthenticated

log = structlog.get_logger("klaxon.ops_api")
ACK_BODY_MAX = 64 * 1024
ALERTS_BODY_MAX = 1024 * 1024
ALERTS_MAX = 1000
JSON_DEPTH_MAX = 32
REASON_MAX = 500
# What a caller is told to wait while the database is away (a restart or a failover).
DATABASE_RETRY_AFTER = 15


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


def _target(incident_id: str) -> str | refs.IncidentRef:
    try:
        return incident_id if _looks_like_uuid(incident_id) else refs.parse(incident_id)
    except refs.MalformedRef:
        raise _not_found(incident_id) from None


def _not_found(incident_id: str) -> OpsError:
    return OpsError(falcon.HTTP_404, "NOT_FOUND", f"No incident {incident_id[:80]}.")


def _looks_like_uuid(text: str) -> bool:
    return len(text.replace("-", "")) == 32 and all(c in "0123456789abcdefABCDEF-" for c in text)


def _reason(body: dict) -> str:
    reason = body.get("reason")
    if reason is None:
        return ""
    if not isinstance(reason, str):
        raise invalid_json("reason must be a string.")
    return reason[:REASON_MAX]


class Ack:
    """Checked cheapest first, and nothing reaches the database before the caller has shown
    both a valid JWT and a valid signature: throttle, JWT, signature, body, then (in the
    database) the signature's single use, the role, and the acknowledgement."""

    def __init__(self, services: Services, auth: Authenticator, throttle: FailureThrottle):
        self._services, self._auth, self._throttle = services, auth, throttle

    def on_post(self, request: falcon.Request, response: falcon.Response, incident_id: str):
        services = self._services
        request_id = request.context.request_id
        self._throttle.check(request)
        identity = self._auth.identity(request)
        raw = _read(request, ACK_BODY_MAX)
        signature = self._auth.verify_signature(request, raw)
        reason = _reason(_json(raw))
        target = _target(incident_id)
        with services.database.connection_context():
            self._auth.use_signature(request, signature)
            caller = Caller(Actor(email=identity), Permission.ACKNOWLEDGE, request_id)
            if access.check(services, caller, target=incident_id):
                raise _forbidden(services.config.ack_role)
            outcome = acknowledge.acknowledge(services, caller, target, reason=reason)
        if isinstance(outcome, acknowledge.RateLimited):
            raise OpsError(
                falcon.HTTP_429,
                "RATE_LIMIT_EXCEEDED",
                f"Rate limit exceeded, try again in {outcome.retry_after} s",
                {"Retry-After": str(outcome.retry_after)},
            )
        if isinstance(outcome, NotFound):
            raise _not_found(incident_id)
        if isinstance(outcome, access.Denied):
            raise _forbidden(services.config.ack_role)
        if isinstance(outcome, acknowledge.AlreadyResolved):
            raise OpsError(
                falcon.HTTP_409,
                "INCIDENT_RESOLVED",
                f"{outcome.incident.display_ref} is resolved; there is nothing to acknowledge.",
            )
        body = {"ok": True, "incident": incident_json(outcome.incident)}
        if isinstance(outcome, acknowledge.AlreadyAcknowledged):
            body["already_acknowledged"] = True
        response.media = body


def _forbidden(role: str) -> OpsError:
    return OpsError(
        falcon.HTTP_403,
        "FORBIDDEN",
        f"Access denied. Required role: {role}",
        auth_failure="role_missing",
    )


ALERT_TEXT_FIELDS = ("startsAt", "endsAt", "generatorURL", "fingerprint")


def _alerts(body: dict) -> list[alerts.Alert]:
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


class Alerts:
    def __init__(self, services: Services, throttle: FailureThrottle) -> None:
        self._services, self._throttle = services, throttle

    def on_post(self, request: falcon.Request, response: falcon.Response):
        self._throttle.check(request)
        token = bearer(request)
        expected = self._services.config.ops_alert_token
        if token is None:
            raise unauthenticated("A valid bearer token is required.", "token_missing")
        if not hmac.compare_digest(token.encode(), expected.encode()):
            raise unauthenticated("A valid bearer token is required.", "alert_token_invalid")
        parsed = _alerts(_json(_read(request, ALERTS_BODY_MAX)))
        with self._services.database.connection_context():
            results = alerts.ingest(self._services, parsed, request_id=request.context.request_id)
        response.media = {"ok": True, "results": results}


class RequestIds:
    """Falcon middleware: every request gets an id, in the log context and in errors."""

    def process_request(self, request, _response):
        request.context.request_id = new_request_id()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request.context.request_id, interaction=f"http:{request.path}"
        )


class ErrorHandlers:
    """Every refusal in one shape, `{"ok": false, "error": {code, message, request_id}}`.

    Failed authentication is counted (metric and throttle) and 401s are logged with their
    reason; the database being away is a 503 to retry, never a 500.
    """

    def __init__(self, throttle: FailureThrottle) -> None:
        self._throttle = throttle

    def install(self, app: falcon.App) -> None:
        app.add_error_handler(Exception, self.unexpected)
        app.add_error_handler(falcon.HTTPError, self.unexpected)  # Falcon's own 404/405/…
        app.add_error_handler((peewee.OperationalError, peewee.InterfaceError), self.database)
        app.add_error_handler(OpsError, self.refused)

    def refused(self, request, response, error: OpsError, _params):
        if error.auth_failure:
            self._count(request, error)
        self._answer(request, response, error.status, error.code, error.message)
        for name, value in error.headers.items():
            response.set_header(name, value)

    def _count(self, request, error: OpsError) -> None:
        metrics.ops_auth_failures.labels(error.auth_failure).inc()
        if error.status == falcon.HTTP_429:
            return
        address = request.remote_addr or ""
        if error.status == falcon.HTTP_401:
            log.warning(
                "ops_api_unauthenticated",
                reason=error.auth_failure,
                client=address,
                path=request.path[:200],
            )
        if self._throttle.failed(address):
            log.warning("ops_api_auth_throttled", client=address, reason=error.auth_failure)

    def database(self, request, response, error, _params):
        log.error("database_unavailable", task="ops_api", error=str(error).strip()[:200])
        self._answer(
            request,
            response,
            falcon.HTTP_503,
            "DATABASE_UNAVAILABLE",
            "Klaxon cannot reach its database right now, so nothing was changed. Try again.",
        )
        response.set_header("Retry-After", str(DATABASE_RETRY_AFTER))

    def unexpected(self, request, response, error, _params):
        if isinstance(error, falcon.HTTPError):
            code = "_".join(w for w in error.title.upper().split() if not w.isdigit())
            self._answer(request, response, error.status, code, error.description or error.title)
            return
        log.error("ops_api_failed", exc_info=error)
        self._answer(
            request,
            response,
            falcon.HTTP_500,
            "INTERNAL_ERROR",
            "Something went wrong on our side.",
        )

    @staticmethod
    def _answer(request, response, status, code: str, message: str) -> None:
        response.status = status
        response.media = body_payload(code, message, getattr(request.context, "request_id", ""))


def add_routes(app: falcon.App, services: Services) -> list[str]:
    """Mount the endpoints whose secrets are configured; returns the paths mounted."""
    config = services.config
    mounted = []
    throttle = FailureThrottle(
        config.ops_auth_failure_limit, config.ops_auth_failure_window.total_seconds()
    )
    app.add_middleware(RequestIds())
    ErrorHandlers(throttle).install(app)
    if (config.ops_jwt_secret or config.jwks_url) and config.ops_hmac_secrets:
        app.add_route(
            "/ops/incidents/{incident_id}/ack", Ack(services, Authenticator(config), throttle)
        )
        mounted.append("/ops/incidents/{id}/ack")
    if config.ops_alert_token:
        app.add_route("/ops/alerts", Alerts(services, throttle))
        mounted.append("/ops/alerts")
    return mounted
