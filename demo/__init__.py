"""`make demo`: Klaxon against the bundled Slack emulator, one incident played end to end.

Not an installed package (pyproject's packages.find leaves it out, like bench/): it
drives the emulator in tests/, which is not installed either, so it runs from the
repository root, as `make demo` runs it.
"""
