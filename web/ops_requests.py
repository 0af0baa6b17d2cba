"""What wraps every ops API request: an id (in the log context and in errors), and every
refusal answered in one shape."""

from __future__ import annotations

import falcon
import peewee
import structlog

from incident.services import new_request_id
from observability import metrics
from web.ops_auth import FailureThrottle
from web.ops_errors import OpsError, body_payload

log = structlog.get_logger("klaxon.ops_api")
# What a caller is told to wait while the database is away (a restart or a failover).
DATABASE_RETRY_AFTER = 15


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
