"""Slack shortcut listeners (message shortcuts declared in slack-manifest.yml)."""
