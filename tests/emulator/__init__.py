from tests.emulator.server import APP_TOKEN, BOT_TOKEN, BOT_USER, SlackEmulator

__all__ = ["APP_TOKEN", "BOT_TOKEN", "BOT_USER", "SlackEmulator"]
