"""Errors that end a command with one line and an exit code, never a traceback."""


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it."""


class StartupError(Exception):
    """The daemon cannot start; the message says why in one line."""


def config_error(key: str, problem: str) -> ConfigError:
    """The one-line error for a setting: `config error: <key>: <problem>`."""
    return ConfigError(f"config error: {key}: {problem}")
