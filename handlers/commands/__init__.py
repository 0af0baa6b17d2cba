"""Slack commands listeners."""
