"""Paging settings: pagerduty:/opsgenie: targets need their keys in the environment, an
unknown provider stops the start, and the daemon says so in one line with status 2."""

from __future__ import annotations

import pytest

from settings.config import ConfigError, load
from tests.test_cli import klaxon
from tests.test_config import TOKENS, env_with

KEY = "a" * 32


def policy(*targets: str) -> str:
    listed = ", ".join(f'"{t}"' for t in targets)
    return f'[escalation]\nSEV1 = [{{ after = "0m", notify = [{listed}] }}]\n'


def test_a_pagerduty_target_takes_its_own_routing_key_or_the_single_one(tmp_path):
    config = load(
        env_with(
            tmp_path,
            policy("#incidents", "pagerduty:payments", "pagerduty:web-shop"),
            PAGERDUTY_ROUTING_KEY_PAYMENTS=KEY,
            PAGERDUTY_ROUTING_KEY="b" * 32,
        )
    )
    assert config.pagerduty_routing_keys == {"payments": KEY, "web-shop": "b" * 32}
    assert config.pagerduty_events_url == "https://events.pagerduty.com/v2/enqueue"
    assert config.escalation["SEV1"][0].notify[1] == "pagerduty:payments"


def test_routing_key_names_are_upper_cased_with_underscores(tmp_path):
    config = load(
        env_with(tmp_path, policy("pagerduty:web-shop"), PAGERDUTY_ROUTING_KEY_WEB_SHOP=KEY)
    )
    assert config.pagerduty_routing_keys == {"web-shop": KEY}


def test_a_pagerduty_target_without_a_key_names_the_variable(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load(env_with(tmp_path, policy("pagerduty:payments")))
    assert str(refused.value) == (
        "config error: [escalation].SEV1[1].notify: pagerduty:payments needs "
        "PAGERDUTY_ROUTING_KEY_PAYMENTS (or PAGERDUTY_ROUTING_KEY) in the environment"
    )


def test_an_opsgenie_target_needs_the_api_key(tmp_path):
    with pytest.raises(ConfigError, match="opsgenie:platform needs OPSGENIE_API_KEY"):
        load(env_with(tmp_path, policy("opsgenie:platform")))
    config = load(
        env_with(
            tmp_path,
            policy("opsgenie:platform"),
            OPSGENIE_API_KEY="genie",
            OPSGENIE_API_URL="http://127.0.0.1:9",
        )
    )
    assert (config.opsgenie_api_key, config.opsgenie_api_url) == ("genie", "http://127.0.0.1:9")


@pytest.mark.parametrize(
    "target, problem",
    [
        ("victorops:team", "unknown paging provider 'victorops'"),
        ("pagerduty:", "expected pagerduty:<name>"),
        ("opsgenie:two words", "expected opsgenie:<name>"),
    ],
)
def test_unknown_providers_and_bad_names_are_refused(tmp_path, target, problem):
    with pytest.raises(ConfigError, match=problem):
        load(env_with(tmp_path, policy(target), PAGERDUTY_ROUTING_KEY=KEY, OPSGENIE_API_KEY="k"))


def test_the_events_url_must_be_the_https_enqueue_url(tmp_path):
    for url, problem in (
        ("http://127.0.0.1/v2/enqueue", "expected an https:// URL"),
        ("https://events.example.com/", "ending in /v2/enqueue"),
    ):
        with pytest.raises(ConfigError, match=problem):
            load(env_with(tmp_path, "", PAGERDUTY_EVENTS_URL=url))


def test_webhook_secrets_and_their_previous_companions(tmp_path):
    config = load(
        env_with(
            tmp_path,
            "[paging]\nresolve_from_pager = true\n",
            PAGERDUTY_WEBHOOK_SECRET="new",
            PAGERDUTY_WEBHOOK_SECRET_PREVIOUS="old",
            OPSGENIE_WEBHOOK_TOKEN="token",
        )
    )
    assert config.pagerduty_webhook_secrets == ("new", "old")
    assert config.opsgenie_webhook_tokens == ("token",)
    assert config.paging_resolve_from_pager is True


def test_the_daemon_refuses_a_page_target_without_its_key_in_one_line(tmp_path):
    (tmp_path / "config.toml").write_text(policy("pagerduty:payments"))
    result = klaxon("-m", "bot", env=dict(TOKENS), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "PAGERDUTY_ROUTING_KEY_PAYMENTS" in result.stderr and "Traceback" not in result.stderr


def test_the_daemon_refuses_an_unknown_provider_in_one_line(tmp_path):
    (tmp_path / "config.toml").write_text(policy("pagerdutty:payments"))
    result = klaxon("-m", "bot", env=dict(TOKENS), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("config error: [escalation].SEV1[1].notify: unknown paging")


def test_klaxon_check_verifies_the_paging_keys(tmp_path):
    from cli.checks import _paging
    from tests.emulator.opsgenie import OpsgenieEmulator

    opsgenie = OpsgenieEmulator("genie-good").start()
    try:
        toml = policy("pagerduty:payments", "pagerduty:web", "opsgenie:platform")
        base = {
            "PAGERDUTY_ROUTING_KEY_PAYMENTS": KEY,
            "PAGERDUTY_ROUTING_KEY_WEB": "short",
            "OPSGENIE_API_URL": opsgenie.url,
        }
        good = list(_paging(load(env_with(tmp_path, toml, **base, OPSGENIE_API_KEY="genie-good"))))
        bad = list(_paging(load(env_with(tmp_path, toml, **base, OPSGENIE_API_KEY="genie-bad"))))
    finally:
        opsgenie.stop()
    assert [(c.name, c.ok) for c in good] == [
        ("pagerduty:payments", True),
        ("pagerduty:web", False),
        (f"Opsgenie at {opsgenie.url}", True),
    ]
    assert "5 characters, not 32" in good[1].detail
    assert all(KEY not in c.line() and "genie-good" not in c.line() for c in good)
    assert (bad[2].ok, bad[2].detail) == (False, "HTTP 401: Could not authenticate")
