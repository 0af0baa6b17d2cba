"""The composition root: `python -m bot` and `klaxon run` build everything and run the daemon."""
