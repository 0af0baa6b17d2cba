"""Errors that end a command with one line and an exit code, never a traceback."""


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it."""


class StartupError(Exception):
    """The daemon cannot start; the message says why in one line."""
