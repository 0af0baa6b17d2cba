"""The `klaxon` command: `run` is the daemon this package builds, the rest is `cli`."""

from __future__ import annotations

from cli.main import main as cli_main


def main(argv: list[str] | None = None) -> int:
    from bot import app  # only `run` needs the daemon's imports

    return cli_main(argv, run=app.run)


if __name__ == "__main__":
    import sys

    sys.exit(main())
