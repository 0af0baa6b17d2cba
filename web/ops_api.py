"""The machines' API on the operators' HTTP port.

    POST /ops/incidents/{id}/ack   acknowledge (JWT, signature used once, role, rate limit)
    POST /ops/alerts               Prometheus Alertmanager webhook (bearer token)

This layer authenticates (web/ops_auth.py), refuses malformed input before the database
(web/ops_input.py), and translates HTTP to and from the use cases; the use cases do the
rest, exactly as for Slack, so an ack over HTTP edits the pinned summary like a click.
Every request gets an id and every refusal one shape (web/ops_requests.py).
"""

from __future__ import annotations

import falcon

from incident import access, acknowledge, alerts, refs
from incident.access import Caller
from incident.outcomes import NotFound
from incident.report import iso
from incident.services import Services
from incident.vocabulary import Actor, Permission
from settings.rotation import matches_any
from web import ops_input, pager_webhooks
from web.ops_auth import Authenticator, FailureThrottle, bearer
from web.ops_errors import OpsError, unauthenticated
from web.ops_requests import ErrorHandlers, RequestIds

ACK_BODY_MAX = 64 * 1024
ALERTS_BODY_MAX = 1024 * 1024


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
        raw = ops_input.read(request, ACK_BODY_MAX)
        signature = self._auth.verify_signature(request, raw)
        reason = ops_input.reason(ops_input.json_object(raw))
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


class Alerts:
    def __init__(self, services: Services, throttle: FailureThrottle) -> None:
        self._services, self._throttle = services, throttle

    def on_post(self, request: falcon.Request, response: falcon.Response):
        self._throttle.check(request)
        token = bearer(request)
        if token is None:
            raise unauthenticated("A valid bearer token is required.", "token_missing")
        # OPS_ALERT_TOKEN, or OPS_ALERT_TOKEN_PREVIOUS during a rotation.
        if not matches_any(token, self._services.config.ops_alert_tokens):
            raise unauthenticated("A valid bearer token is required.", "alert_token_invalid")
        body = ops_input.json_object(ops_input.read(request, ALERTS_BODY_MAX))
        parsed = ops_input.alerts_of(body)
        with self._services.database.connection_context():
            results = alerts.ingest(self._services, parsed, request_id=request.context.request_id)
        response.media = {"ok": True, "results": results}


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
    mounted += pager_webhooks.add_routes(app, services, throttle)
    return mounted
