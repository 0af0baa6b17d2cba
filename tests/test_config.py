from datetime import timedelta
from pathlib import Path

import pytest

from settings.config import ConfigError, load
from settings.durations import parse_duration

ROOT = Path(__file__).resolve().parent.parent
TOKENS = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test"}


def env_with(tmp_path, toml: str, **extra):
    path = tmp_path / "config.toml"
    path.write_text(toml)
    return {**TOKENS, "KLAXON_CONFIG": str(path), **extra}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("45s", timedelta(seconds=45)),
        ("5m", timedelta(minutes=5)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(minutes=90)),
        ("0m", timedelta(0)),
        ("250ms", timedelta(milliseconds=250)),
        ("1s500ms", timedelta(milliseconds=1500)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "m", "5 minutes", "-5m", "5x", "1.5h", "5mss", 5])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_durations_stop_at_a_century():
    assert parse_duration("36500d") == timedelta(days=36500)
    for text in ("36501d", "99999999999d", "9" * 5000 + "s"):
        with pytest.raises(ValueError, match="expected at most 36500d"):
            parse_duration(text)


def test_the_example_config_is_valid_and_complete(tmp_path):
    config = load({**TOKENS, "KLAXON_CONFIG": str(ROOT / "config.example.toml")})
    assert config.incidents_channel == "incidents"
    assert config.ack_rate_window == timedelta(minutes=1)
    assert config.update_every["SEV4"] == timedelta(hours=4)
    assert config.escalation["default"][2].repeat == timedelta(minutes=15)
    assert config.roles["ops_admin"] == ("U0123ABCD", "@oncall")
    assert (config.archive_after, config.archive_after_max) == (
        timedelta(days=7),
        timedelta(days=30),
    )


def test_archiving_is_off_by_default_and_with_zero(tmp_path):
    assert load(env_with(tmp_path, "")).archive_after is None
    assert load(env_with(tmp_path, '[lifecycle]\narchive_after = "0"')).archive_after is None


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load(dict(TOKENS))
    assert (config.channel_prefix, config.ack_role, config.ack_rate_limit) == (
        "inc",
        "ops_admin",
        10,
    )
    assert config.database_url == "sqlite:///klaxon.db"
    assert config.api_url == "https://slack.com/api/"


def test_environment_endpoints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load(
        {
            **TOKENS,
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "DATABASE_URL": "postgresql://db/klaxon",
        }
    )
    assert config.api_url == "http://127.0.0.1:9/api/"
    assert config.database_url == "postgresql://db/klaxon"


@pytest.mark.parametrize(
    "toml, key",
    [
        ("[slack]\nchannel = 'x'", "[slack].channel"),
        ("[nope]\na = 1", "[nope]"),
        ("[ack]\nrate_limit = 'ten'", "[ack].rate_limit"),
        ("[ack]\nrate_limit = 0", "[ack].rate_limit"),
        ("[ack]\nrate_window = '1 minute'", "[ack].rate_window"),
        ("[scheduler]\ntick = '0s'", "[scheduler].tick"),
        ("[http]\nport = 70000", "[http].port"),
        ("[slack]\nchannel_prefix = 'Inc!'", "[slack].channel_prefix"),
        ("[roles]\nops_admin = 'U1'", "[roles].ops_admin"),
        ("[roles]\nops_admin = ['not a user']", "[roles].ops_admin"),
        ("[nudges]\nupdate_every = { SEV9 = '5m' }", "[nudges].update_every.SEV9"),
        ("[escalation]\nSEV1 = [{ after = '5m' }]", "[escalation].SEV1[1].notify"),
        (
            "[escalation]\nSEV1 = [{ after = '5m', notify = ['nobody'] }]",
            "[escalation].SEV1[1].notify",
        ),
        (
            "[escalation]\nSEV1 = [{ after = '5m', notify = ['#a'], repeat = '1m' }, "
            "{ after = '6m', notify = ['#b'] }]",
            "[escalation].SEV1[1].repeat",
        ),
        (
            "[escalation]\nSEV1 = [{ after = '5m', notify = ['#a'] }, "
            "{ after = '1m', notify = ['#b'] }]",
            "[escalation].SEV1[2].after",
        ),
        ("[escalation]\nSEV7 = [{ after = '5m', notify = ['#a'] }]", "[escalation].SEV7"),
        # Past what a date can hold: these used to end in an OverflowError traceback.
        ("[nudges]\nupdate_every.SEV1 = '99999999999d'", "[nudges].update_every.SEV1"),
        ("[ack]\nrate_window = '99999999999d'", "[ack].rate_window"),
        ("[lifecycle]\narchive_after = 'soon'", "[lifecycle].archive_after"),
        ("[lifecycle]\narchive_after_max = '0'", "[lifecycle].archive_after_max"),
        (
            "[escalation]\nSEV1 = [{ after = '99999999999d', notify = ['#a'] }]",
            "[escalation].SEV1[1].after",
        ),
    ],
)
def test_bad_settings_name_the_key(tmp_path, toml, key):
    with pytest.raises(ConfigError) as error:
        load(env_with(tmp_path, toml))
    assert str(error.value).startswith(f"config error: {key}: ")
    assert "\n" not in str(error.value)


def test_invalid_toml(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(env_with(tmp_path, "[slack\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="KLAXON_CONFIG: no such file"):
        load({**TOKENS, "KLAXON_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize("name", ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"])
def test_missing_tokens_point_to_the_manifest(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    env = {key: value for key, value in TOKENS.items() if key != name}
    with pytest.raises(ConfigError) as error:
        load(env)
    assert name in str(error.value) and "slack-manifest.yml" in str(error.value)


def test_a_token_of_the_wrong_kind_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN: expected a token starting with xoxb-"):
        load({**TOKENS, "SLACK_BOT_TOKEN": "xapp-wrong"})


def test_tokens_from_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bot").write_text("xoxb-from-file\n")
    (tmp_path / "app").write_text("xapp-from-file")
    config = load(
        {
            "SLACK_BOT_TOKEN_FILE": str(tmp_path / "bot"),
            "SLACK_APP_TOKEN_FILE": str(tmp_path / "app"),
        }
    )
    assert (config.bot_token, config.app_token) == ("xoxb-from-file", "xapp-from-file")


def test_an_unreadable_token_file_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN_FILE: cannot read"):
        load({"SLACK_BOT_TOKEN_FILE": str(tmp_path / "missing"), "SLACK_APP_TOKEN": "xapp-x"})


def test_a_directory_as_the_config_file(tmp_path):
    with pytest.raises(ConfigError) as error:
        load({**TOKENS, "KLAXON_CONFIG": str(tmp_path)})
    assert str(error.value) == (
        f"config error: KLAXON_CONFIG: {tmp_path} is a directory; name the TOML file in it"
    )


def test_a_config_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'[slack]\nincidents_channel = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=r"not UTF-8 text .*TOML files must be UTF-8"):
        load({**TOKENS, "KLAXON_CONFIG": str(path)})


@pytest.mark.parametrize(
    "content, problem",
    [(b"", "is empty"), (b"\n  \n", "is empty"), (b"xoxb-\xff", "is not UTF-8 text")],
)
def test_a_token_file_that_is_empty_or_not_text(tmp_path, monkeypatch, content, problem):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bot").write_bytes(content)
    with pytest.raises(ConfigError) as error:
        load({"SLACK_BOT_TOKEN_FILE": str(tmp_path / "bot"), "SLACK_APP_TOKEN": "xapp-x"})
    assert str(error.value) == f"config error: SLACK_BOT_TOKEN_FILE: {tmp_path / 'bot'} {problem}"


@pytest.mark.parametrize("level, expected", [("debug", "DEBUG"), (" WARNING ", "WARNING")])
def test_log_level(tmp_path, monkeypatch, level, expected):
    monkeypatch.chdir(tmp_path)
    assert load({**TOKENS, "LOG_LEVEL": level}).log_level == expected


def test_an_unknown_log_level_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as error:
        load({**TOKENS, "LOG_LEVEL": "LOUD"})
    assert str(error.value) == (
        "config error: LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'"
    )
