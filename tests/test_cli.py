import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def klaxon(*args, env=None, cwd):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KLAXON_"))}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args]
        if args[:1] != ("-m",)
        else [sys.executable, *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=60,
    )


def test_run_without_tokens_says_how_to_get_them(tmp_path):
    result = klaxon("-m", "bot", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "slack-manifest.yml" in result.stderr and "SLACK_APP_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_setting_stops_the_start_with_one_line(tmp_path):
    (tmp_path / "config.toml").write_text("[ack]\nrate_limit = -1\n")
    env = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_APP_TOKEN": "xapp-x"}
    result = klaxon("-m", "bot", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("config error: [ack].rate_limit:")
    assert result.stderr.strip().count("\n") == 0


def test_slack_unreachable_is_one_line_not_a_traceback(tmp_path):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_APP_TOKEN": "xapp-x",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    result = klaxon("-m", "bot", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot reach Slack at http://127.0.0.1:9/api/" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/k.db"}
    first = klaxon("-m", "cli.main", "migrate", env=env, cwd=tmp_path)
    assert (
        first.returncode == 0 and "applied 0001_initial, 0002_roles_and_rate_limit" in first.stdout
    )
    again = klaxon("-m", "cli.main", "migrate", env=env, cwd=tmp_path)
    assert again.returncode == 0 and "up to date" in again.stdout


def test_a_bad_database_url(tmp_path):
    result = klaxon("-m", "cli.main", "migrate", env={"DATABASE_URL": "mysql://x/y"}, cwd=tmp_path)
    assert result.returncode == 2 and "DATABASE_URL: unsupported scheme" in result.stderr


def test_help(tmp_path):
    result = klaxon("-m", "cli.main", "--help", cwd=tmp_path)
    assert result.returncode == 0 and "migrate" in result.stdout and "run" in result.stdout


TOKENS = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_APP_TOKEN": "xapp-x"}
NO_DIRECTORY = "/nonexistent/klaxon-dir/k.db"


@pytest.mark.parametrize(
    "args, env, config, line",
    [
        (
            ("-m", "bot"),
            TOKENS,
            '[nudges]\nupdate_every.SEV1 = "99999999999d"\n',
            "config error: [nudges].update_every.SEV1: expected at most 36500d, got '99999999999d'",
        ),
        (
            ("-m", "cli.main", "purge", "--older-than", "99999999999d", "--dry-run"),
            {},
            None,
            "purge: --older-than: expected at most 36500d, got '99999999999d'",
        ),
        (
            ("-m", "bot"),
            {**TOKENS, "KLAXON_CONFIG": "."},
            None,
            "config error: KLAXON_CONFIG: . is a directory; name the TOML file in it",
        ),
        (
            ("-m", "bot"),
            {**TOKENS, "LOG_LEVEL": "LOUD"},
            None,
            "config error: LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'",
        ),
        (
            ("-m", "bot"),
            {**TOKENS, "DATABASE_URL": f"sqlite:///{NO_DIRECTORY}"},
            None,
            "DATABASE_URL: the directory /nonexistent/klaxon-dir does not exist; create it first",
        ),
        (
            ("-m", "cli.main", "migrate"),
            {"DATABASE_URL": f"sqlite:///{NO_DIRECTORY}"},
            None,
            "DATABASE_URL: the directory /nonexistent/klaxon-dir does not exist; create it first",
        ),
        (
            ("-m", "cli.main", "migrate"),
            {"DATABASE_URL": "sqlite:///."},
            None,
            "DATABASE_URL: . is a directory; name a file in it",
        ),
        (
            ("-m", "cli.main", "migrate"),
            {"DATABASE_URL": "postgresql://127.0.0.1:99999/klaxon"},
            None,
            "DATABASE_URL: the port must be a number from 1 to 65535",
        ),
        (
            ("-m", "cli.main", "incidents", "list"),
            {"DATABASE_URL": "postgresql://127.0.0.1/klaxon?max_connections=lots"},
            None,
            "DATABASE_URL: ?max_connections must be a whole number from 1 to 10000, got 'lots'",
        ),
        (
            ("-m", "cli.main", "migrate"),
            {"DATABASE_URL": "postgresql://127.0.0.1/klaxon?connect_timeout=\u00b2"},
            None,
            "DATABASE_URL: ?connect_timeout must be a whole number from 1 to 10000, got '\u00b2'",
        ),
        (
            ("-m", "cli.main", "migrate"),
            {"DATABASE_URL": "postgresql://127.0.0.1/klaxon?sslmod=require"},
            None,
            'DATABASE_URL: invalid dsn: invalid connection option "sslmod"',
        ),
    ],
)
def test_mistakes_end_in_one_line_and_status_2(tmp_path, args, env, config, line):
    if config is not None:
        (tmp_path / "config.toml").write_text(config)
    result = klaxon(*args, env=env, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, line + "\n")


def test_an_unreachable_database_is_one_line(tmp_path):
    url = "postgresql://klaxon:secret@127.0.0.1:9/klaxon"
    result = klaxon("-m", "cli.main", "migrate", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("database error: postgresql://klaxon:***@127.0.0.1:9/klaxon: ")
    assert "Connection refused" in result.stderr and result.stderr.count("\n") == 1
    assert "secret" not in result.stderr
