"""Klaxon's core: configuration, workflows, rendering, the Slack client and the composition root."""
