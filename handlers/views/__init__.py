"""Slack views listeners."""
