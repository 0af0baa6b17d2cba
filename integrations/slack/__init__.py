"""Slack: Web API client, Block Kit messages and modals, replies, the incident's Slack side."""
