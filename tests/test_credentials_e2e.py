"""Secrets rotate without downtime, and a caller is tested in one command: `klaxon token`
and `klaxon sign` against the real daemon, which accepts the current and the previous
secret of each pair during a rotation."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jwt
import pytest

from cli.credentials import signing_string as client_signing_string
from tests.daemon import ROOT
from tests.test_cli_operations import klaxon
from tests.test_operations_e2e import free_port
from tests.test_ops_api_e2e import (
    ack_path,
    alert,
    declared,
    error_of,
    post,
    send_alerts,
    settings,
    signed,
    token,
    webhook,
)
from web.ops_auth import signing_string

pytestmark = pytest.mark.e2e

NEW_JWT, OLD_JWT = "jwt-new-secret-0123456789abcdef01234", "jwt-old-secret-0123456789abcdef01234"
NEW_HMAC, OLD_HMAC = "hmac-new-secret", "hmac-old-secret"
NEW_ALERT, OLD_ALERT = "alert-new-token", "alert-old-token"
ROTATING = {
    "OPS_JWT_SECRET": NEW_JWT,
    "OPS_JWT_SECRET_PREVIOUS": OLD_JWT,
    "OPS_HMAC_SECRET": NEW_HMAC,
    "OPS_HMAC_SECRET_PREVIOUS": OLD_HMAC,
    "OPS_ALERT_TOKEN": NEW_ALERT,
    "OPS_ALERT_TOKEN_PREVIOUS": OLD_ALERT,
}


@pytest.fixture
def rotating(daemon_factory, emulator):
    port = free_port()
    daemon_factory(settings(port), env=ROTATING)
    return port


def test_what_klaxon_token_and_sign_print_is_accepted(rotating, emulator, database_url, tmp_path):
    incident = declared(emulator, database_url)
    body = '{"reason":"test"}'
    path = ack_path(f"INC-{incident.ref}")
    secrets = {"OPS_JWT_SECRET": NEW_JWT, "OPS_HMAC_SECRET": NEW_HMAC}
    issued = klaxon(
        "token", "--email", "Ops@Example.com", "--ttl", "10m",
        database_url=database_url, tmp_path=tmp_path, **secrets,
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    claims = jwt.decode(issued.stdout.strip(), NEW_JWT, algorithms=["HS256"], audience="klaxon")
    assert claims["email"] == "ops@example.com" and claims["exp"] - claims["iat"] == 600
    headers = klaxon(
        "sign", "--path", path, "--body", body,
        database_url=database_url, tmp_path=tmp_path, **secrets,
    )  # fmt: skip
    assert headers.returncode == 0, headers.stderr
    sent = dict(line.split(": ", 1) for line in headers.stdout.splitlines())
    assert set(sent) == {"X-Timestamp", "X-Signature"}
    sent["Authorization"] = f"Bearer {issued.stdout.strip()}"
    status, answer, _ = post(rotating, path, body.encode(), headers=sent)
    assert status == 200, answer
    assert answer["incident"]["acknowledged_by"] == "ops@example.com"


def test_the_previous_secrets_are_accepted_during_a_rotation(rotating, emulator, database_url):
    incident = declared(emulator, database_url)
    raw = json.dumps({"reason": "old caller"}).encode()
    path = ack_path(incident.id)

    def ack_with(jwt_secret, hmac_secret):
        headers = {"Authorization": f"Bearer {token(secret=jwt_secret)}"}
        headers.update(signed(raw, path, secret=hmac_secret))
        return post(rotating, path, raw, headers=headers)

    stranger = "jwt-unknown-secret-0123456789abcdef0"
    assert error_of(ack_with(stranger, NEW_HMAC)[1]) == "UNAUTHENTICATED"
    assert error_of(ack_with(OLD_JWT, "hmac-unknown")[1]) == "UNAUTHORIZED"
    status, body, _ = ack_with(OLD_JWT, OLD_HMAC)
    assert status == 200 and body["incident"]["status"] == "acknowledged"
    expired = token(secret=OLD_JWT, expires_in=-10)
    headers = {"Authorization": f"Bearer {expired}", **signed(raw, path, secret=NEW_HMAC)}
    assert error_of(post(rotating, path, raw, headers=headers)[1]) == "UNAUTHENTICATED"

    for bearer in (NEW_ALERT, OLD_ALERT):
        status, _, _ = send_alerts(rotating, webhook(alert(name=f"a-{bearer}")), bearer=bearer)
        assert status == 200
    assert error_of(send_alerts(rotating, webhook(alert()), bearer="alert-unknown")[1]) == (
        "UNAUTHENTICATED"
    )


@pytest.mark.parametrize("name", ["OPS_JWT_SECRET", "OPS_ALERT_TOKEN", "OPS_HMAC_SECRET"])
def test_a_previous_secret_without_a_current_one_stops_the_start(tmp_path, name):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPS_"))}
    environment.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_APP_TOKEN="xapp-test",
        PYTHONPATH=str(ROOT),
        KLAXON_CONFIG=str(tmp_path / "config.toml"),
        **{f"{name}_PREVIOUS": "old-secret"},
    )
    (tmp_path / "config.toml").write_text("")
    started = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2
    [line] = started.stderr.strip().splitlines()
    assert line.startswith(f"config error: {name}_PREVIOUS is set but {name} is not")
    assert "old-secret" not in started.stderr


def test_token_and_sign_refuse_without_their_secret(db, database_url, tmp_path):
    no_jwt = klaxon("token", "--email", "ops@example.com", database_url=database_url,
                    tmp_path=tmp_path)  # fmt: skip
    assert no_jwt.returncode == 2 and not no_jwt.stdout
    assert no_jwt.stderr.startswith("token: OPS_JWT_SECRET is not set")
    no_hmac = klaxon("sign", "--path", "/ops/incidents/INC-1/ack", database_url=database_url,
                     tmp_path=tmp_path)  # fmt: skip
    assert no_hmac.returncode == 2 and not no_hmac.stdout
    assert no_hmac.stderr.startswith("sign: OPS_HMAC_SECRET is not set")
    jwks = klaxon(
        "token", "--email", "ops@example.com", database_url=database_url, tmp_path=tmp_path,
        config='[ops_api]\njwks_url = "https://idp.example.com/jwks"\n', OPS_JWT_SECRET="x" * 40,
    )  # fmt: skip
    assert jwks.returncode == 2 and "jwks_url is set" in jwks.stderr


@pytest.mark.parametrize(
    "args, problem",
    [
        (["token", "--email", "not an email"], "token: --email: expected an email address"),
        (["token", "--email", "a@b.c", "--ttl", "30d"], "token: --ttl: expected more than 0s"),
        (["token", "--email", "a@b.c", "--ttl", "soon"], "token: --ttl: expected a duration"),
        (["sign", "--path", "ops/INC-1/ack"], "sign: --path: expected the request path"),
        (["sign", "--path", "/ops/x?y=1"], "sign: --path: expected the request path"),
    ],
)
def test_token_and_sign_refuse_bad_input(db, database_url, tmp_path, args, problem):
    result = klaxon(
        *args, database_url=database_url, tmp_path=tmp_path,
        OPS_JWT_SECRET="x" * 40, OPS_HMAC_SECRET="y" * 40,
    )  # fmt: skip
    assert result.returncode == 2 and result.stderr.startswith(problem), result.stderr


def test_the_client_signs_the_string_the_server_checks():
    for stamp, method, path, body in (
        ("1700000000", "POST", "/ops/incidents/INC-42/ack", b'{"reason":"x"}'),
        ("1", "PUT", "/ops/incidents/%C3%A9/ack", b""),
    ):
        assert client_signing_string(stamp, method, path, body) == signing_string(
            stamp, method, path, body
        )
