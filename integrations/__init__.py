"""The services Klaxon talks to (Slack today)."""
