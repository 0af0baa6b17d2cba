"""`make demo`: Klaxon against the bundled Slack emulator, one incident played end to end."""
