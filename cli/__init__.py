"""The `klaxon` command."""
