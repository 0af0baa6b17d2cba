"""Who may call the ops API: the JWT identity, the request signature and its one use, and
the throttle on clients that keep failing to authenticate.

The bearer JWT is HS256 with OPS_JWT_SECRET (or OPS_JWT_SECRET_PREVIOUS during a rotation)
or RS256 from [ops_api].jwks_url. The signature (X-Signature) is the hex HMAC-SHA256, with
OPS_HMAC_SECRET or during a rotation OPS_HMAC_SECRET_PREVIOUS, of these five parts joined
by a newline (0x0A):

    v1
    <X-Timestamp>     Unix seconds, ASCII digits
    <METHOD>          POST
    <path>            exactly as on the request line: no scheme, host or query string,
                      percent-encoding untouched (/ops/incidents/INC-42/ack)
    <body>            the raw body bytes, possibly empty

None of the first four can hold a newline, so no two requests share a signed string. With
`[ops_api].legacy_body_signature = true` the older "<X-Timestamp>.<body>" is accepted too;
it does not bind the method and path, so a captured request can be sent to another
incident within the window (but still only once).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import falcon
import jwt
import structlog

from settings.config import Config
from settings.rotation import matches_any
from store import signatures
from store.roles import canonical_holder
from web.ops_errors import OpsError, unauthenticated, unauthorized

log = structlog.get_logger("klaxon.ops_api")
SIGNATURE_MAX_AGE = 300  # seconds either way
# Replicas' clocks differ a little: an accepted signature is remembered this much longer
# than any replica could still take it.
CLOCK_SLACK = 60
IDENTITY_MAX = 320
_TIMESTAMP = re.compile(r"[0-9]{1,15}")  # ASCII only: not "١٢٣", "²" or 10,000 digits
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def signing_string(stamp: str, method: str, path: str, body: bytes) -> bytes:
    return b"\n".join((b"v1", stamp.encode(), method.encode(), path.encode("latin-1"), body))


def legacy_signing_string(stamp: str, body: bytes) -> bytes:
    return stamp.encode() + b"." + body


def raw_path(request: falcon.Request) -> str:
    """The path as the client sent it on the request line, without the query string."""
    target = request.env.get("REQUEST_URI") or quote(request.path)
    if not target.startswith("/"):  # absolute-form, through a proxy
        target = urlsplit(target).path or "/"
    return target.partition("?")[0]


def bearer(request: falcon.Request) -> str | None:
    header = request.get_header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _usable_identity(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = canonical_holder(value)
    if not 0 < len(value) <= IDENTITY_MAX:
        return None
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        return None  # NUL, controls, lone surrogates: nothing to store or compare
    return value


class Authenticator:
    def __init__(self, config: Config) -> None:
        self._config = config
        self._jwks = jwt.PyJWKClient(config.jwks_url, cache_keys=True) if config.jwks_url else None

    def identity(self, request: falcon.Request) -> str:
        """The caller's email (or `sub`) from a verified JWT, in canonical form."""
        token = bearer(request)
        if token is None:
            raise unauthenticated("A bearer token is required.", "token_missing")
        try:
            claims = self._verified_claims(token)
        except jwt.PyJWTError as error:
            log.info("ops_api_token_refused", error=type(error).__name__)
            raise unauthenticated("The bearer token is not valid.", "token_invalid") from None
        identity = _usable_identity(claims.get("email") or claims.get("sub"))
        if identity is None:
            raise unauthenticated("The token names nobody.", "token_no_identity")
        return identity

    def _verified_claims(self, token: str) -> dict:
        """The token's claims, checked with the JWKS key or, during a rotation, with
        OPS_JWT_SECRET and then OPS_JWT_SECRET_PREVIOUS (only a signature mismatch moves
        on to the next secret; an expired token or a wrong audience is refused at once)."""
        if self._jwks is not None:
            key = self._jwks.get_signing_key_from_jwt(token).key
            return self._decode(token, key, "RS256")
        secrets = self._config.ops_jwt_secrets
        for secret in secrets[:-1]:
            try:
                return self._decode(token, secret, "HS256")
            except jwt.InvalidSignatureError:
                continue
        return self._decode(token, secrets[-1], "HS256")

    def _decode(self, token: str, key, algorithm: str) -> dict:
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=self._config.jwt_audience,
            issuer=self._config.jwt_issuer or None,
            options={"require": ["exp", "aud"]},
        )

    def verify_signature(self, request: falcon.Request, raw: bytes) -> str:
        """Check X-Timestamp and X-Signature (no database); returns the signature."""
        stamp = request.get_header("X-Timestamp") or ""
        signature = (request.get_header("X-Signature") or "").strip().lower()
        if not stamp or not signature:
            raise unauthorized("X-Timestamp and X-Signature are required.", "signature_missing")
        if not _TIMESTAMP.fullmatch(stamp):
            raise unauthorized("X-Timestamp must be Unix time in seconds.", "signature_malformed")
        if not _SIGNATURE.fullmatch(signature):
            raise unauthorized(
                "X-Signature must be 64 hex digits (HMAC-SHA256).", "signature_malformed"
            )
        if abs(time.time() - int(stamp)) > SIGNATURE_MAX_AGE:
            raise unauthorized("The signature has expired.", "signature_expired")
        signed = [signing_string(stamp, request.method, raw_path(request), raw)]
        if self._config.ops_legacy_body_signature:
            signed.append(legacy_signing_string(stamp, raw))
        expected = [
            hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
            for secret in self._config.ops_hmac_secrets
            for message in signed
        ]
        if matches_any(signature, expected):
            return signature
        raise unauthorized("The signature does not match.", "signature_mismatch")

    @staticmethod
    def use_signature(request: falcon.Request, signature: str) -> None:
        """Spend the signature (one INSERT, shared by every replica); refuse a replay."""
        stamp = int(request.get_header("X-Timestamp"))
        expires = datetime.fromtimestamp(stamp, UTC) + timedelta(
            seconds=SIGNATURE_MAX_AGE + CLOCK_SLACK
        )
        if not signatures.accept(signature, expires):
            raise unauthorized("This signed request was already used.", "signature_replayed")


class FailureThrottle:
    """Failed authentications (401, 403) per client address, in this process's memory.

    Past `limit` failures in a window, the address gets 429 until the window ends, before
    anything touches the database. At most `capacity` addresses are remembered; the one
    seen longest ago is forgotten first, so a flood of addresses cannot exhaust memory.
    """

    def __init__(self, limit: int, window: float, capacity: int = 10_000) -> None:
        self._limit, self._window, self._capacity = limit, window, capacity
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, list[float]] = OrderedDict()  # address → [start, count]

    def retry_after(self, address: str, now: float | None = None) -> int:
        """0 when the address may try, else the seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._seen.get(address)
            if entry is None or now - entry[0] >= self._window or entry[1] < self._limit:
                return 0
            return max(1, math.ceil(entry[0] + self._window - now))

    def failed(self, address: str, now: float | None = None) -> bool:
        """Count a failure; True when this one reached the limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entry = self._seen.pop(address, None)
            if entry is None or now - entry[0] >= self._window:
                entry = [now, 0]
            entry[1] += 1
            self._seen[address] = entry
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return entry[1] == self._limit

    def check(self, request: falcon.Request) -> None:
        wait = self.retry_after(request.remote_addr or "")
        if wait:
            raise OpsError(
                falcon.HTTP_429,
                "RATE_LIMIT_EXCEEDED",
                f"Too many failed authentications from this address; try again in {wait} s.",
                {"Retry-After": str(wait)},
                auth_failure="throttled",
            )
