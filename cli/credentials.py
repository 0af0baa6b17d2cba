"""`klaxon token` and `klaxon sign`: what a caller of the ops API sends, in one command
each, to test a caller or a rotation. Both refuse to run without their secret."""

from __future__ import annotations

import hashlib
import hmac
import sys
import time
from datetime import timedelta

from cli.shared import EXIT_USAGE
from settings import config as configuration
from settings.durations import parse_duration
from settings.errors import ConfigError

# Longer-lived tokens are for your identity provider to issue, not for a test.
MAX_TTL = timedelta(days=1)


def token(args) -> int:
    import jwt

    from store.roles import canonical_holder

    config = configuration.load(require_tokens=False)
    if config.jwks_url:
        print(
            "token: [ops_api].jwks_url is set, so the ops API takes RS256 tokens from your "
            "identity provider; a token signed with OPS_JWT_SECRET would be refused",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not config.ops_jwt_secret:
        print(
            "token: OPS_JWT_SECRET is not set (or OPS_JWT_SECRET_FILE): the token is signed "
            "with the secret the daemon checks",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        ttl = parse_duration(args.ttl)
    except ValueError as error:
        raise ConfigError(f"token: --ttl: {error}") from None
    if not timedelta(0) < ttl <= MAX_TTL:
        raise ConfigError(f"token: --ttl: expected more than 0s and at most 1d, got {args.ttl!r}")
    email = canonical_holder(args.email)
    if "@" not in email[1:] or any(not ch.isprintable() or ch.isspace() for ch in email):
        raise ConfigError(f"token: --email: expected an email address, got {args.email!r}")
    now = int(time.time())
    claims = {
        "email": email,
        "sub": email,
        "aud": config.jwt_audience,
        "iat": now,
        "exp": now + int(ttl.total_seconds()),
    }
    if config.jwt_issuer:
        claims["iss"] = config.jwt_issuer
    print(jwt.encode(claims, config.ops_jwt_secret, algorithm="HS256"))
    return 0


def signing_string(stamp: str, method: str, path: str, body: bytes) -> bytes:
    """The client's half of web/ops_auth.signing_string (the two are tested against each
    other, and what `klaxon sign` prints against the running daemon)."""
    return b"\n".join((b"v1", stamp.encode(), method.encode(), path.encode("latin-1"), body))


def sign(args) -> int:
    config = configuration.load(require_tokens=False)
    if not config.ops_hmac_secrets:
        print(
            "sign: OPS_HMAC_SECRET is not set (or OPS_HMAC_SECRET_FILE): the signature is "
            "made with the secret the daemon checks",
            file=sys.stderr,
        )
        return EXIT_USAGE
    path = args.path
    if not path.startswith("/") or "?" in path or any(ch in path for ch in "\r\n "):
        raise ConfigError(
            f"sign: --path: expected the request path as sent, e.g. /ops/incidents/INC-42/ack, "
            f"got {path!r}"
        )
    try:
        path.encode("latin-1")
    except UnicodeEncodeError:
        raise ConfigError("sign: --path: percent-encode characters outside Latin-1") from None
    stamp = str(int(time.time()))
    message = signing_string(stamp, args.method.upper(), path, args.body.encode())
    signature = hmac.new(config.ops_hmac_secrets[0].encode(), message, hashlib.sha256)
    print(f"X-Timestamp: {stamp}")
    print(f"X-Signature: {signature.hexdigest()}")
    return 0
