"""Incident workflows. Each one persists first, then drives Slack."""
