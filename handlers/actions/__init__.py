"""Slack button and menu listeners."""
