"""Where the configuration comes from: the TOML file KLAXON_CONFIG names (or ./config.toml),
and the environment for secrets (or the files their NAME_FILE variables name) and
endpoints. Every problem is one ConfigError naming the variable or the file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from settings.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///klaxon.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MANIFEST_HINT = (
    "create the Slack app from slack-manifest.yml (README, 'Create the Slack app'), "
    "then export SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-...); "
    "or try `make demo` for a first look without a workspace"
)


def _read_secret_file(variable: str, file_name: str) -> str:
    try:
        value = Path(file_name).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(
            f"config error: {variable}: cannot read {file_name}: {error.strerror}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"config error: {variable}: {file_name} is not UTF-8 text") from None
    if not value:
        raise ConfigError(f"config error: {variable}: {file_name} is empty")
    return value


def secret(env: Mapping[str, str], name: str, prefix: str) -> str:
    """A token from NAME, or from the file named by NAME_FILE (Kubernetes secrets)."""
    value = env.get(name, "").strip()
    file_name = env.get(f"{name}_FILE", "").strip()
    if not value and file_name:
        value = _read_secret_file(f"{name}_FILE", file_name)
    if not value:
        raise ConfigError(f"config error: {name} is not set: {MANIFEST_HINT}")
    if not value.startswith(prefix):
        raise ConfigError(f"config error: {name}: expected a token starting with {prefix}")
    return value


def optional_secret(env: Mapping[str, str], name: str) -> str:
    """A secret that may be absent (the feature it enables is then off)."""
    if not env.get(name, "").strip() and not env.get(f"{name}_FILE", "").strip():
        return ""
    return secret(env, name, "")


def rotating_secret(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """NAME, then NAME_PREVIOUS during a rotation: every secret that is accepted now.

    Each may come from its *_FILE. A previous secret without a current one is refused: it
    would leave the feature running on the secret being retired. Verifiers try each in
    turn (`settings.rotation.matches_any`), so callers using either secret keep working
    until the previous one is removed.
    """
    current = optional_secret(env, name)
    previous = optional_secret(env, f"{name}_PREVIOUS")
    if previous and not current:
        raise ConfigError(
            f"config error: {name}_PREVIOUS is set but {name} is not: set the new secret in "
            f"{name} and keep the old one in {name}_PREVIOUS until every caller has moved"
        )
    return tuple(value for value in (current, previous) if value)


def config_path(env: Mapping[str, str]) -> Path | None:
    explicit = env.get("KLAXON_CONFIG", "").strip()
    if explicit:
        return Path(explicit)
    default = Path("config.toml")
    return default if default.is_file() else None


def read_document(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config error: KLAXON_CONFIG: no such file: {path}") from None
    except IsADirectoryError:
        raise ConfigError(
            f"config error: KLAXON_CONFIG: {path} is a directory; name the TOML file in it"
        ) from None
    except OSError as error:
        raise ConfigError(
            f"config error: KLAXON_CONFIG: cannot read {path}: {error.strerror}"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config error: {path}: not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config error: {path}: not UTF-8 text (byte {error.object[error.start]:#04x} "
            f"at offset {error.start}); TOML files must be UTF-8"
        ) from None


def database_url(env: Mapping[str, str]) -> str:
    return env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


def log_level(env: Mapping[str, str]) -> str:
    """LOG_LEVEL, checked with the rest so a typo stops the start with one line."""
    level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigError(
            f"config error: LOG_LEVEL: expected one of {', '.join(LOG_LEVELS)}, "
            f"got {env['LOG_LEVEL']!r}"
        )
    return level
