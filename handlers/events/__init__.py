"""Slack Events API listeners."""
