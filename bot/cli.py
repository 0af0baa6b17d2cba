"""The `klaxon` command."""

from __future__ import annotations

import argparse
import os
import sys

from bot import config as configuration

EXIT_USAGE = 2


def _run(_args) -> int:
    from bot import app

    return app.run(configuration.load())


def _migrate(_args) -> int:
    from store import db, migrate

    url = configuration.database_url(os.environ)
    database = db.open_database(url)
    applied = migrate.apply(database)
    db.close(database)
    where = db.safe_url(url)
    print(f"{where}: applied {', '.join(applied)}" if applied else f"{where}: up to date")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="klaxon", description="Incident response for Slack.")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run",
        help="start the daemon (the same as `python -m bot`)",
        description="Connect to Slack over Socket Mode and serve until stopped.",
    )
    commands.add_parser(
        "migrate",
        help="apply pending database migrations",
        description="Apply pending migrations to the database in DATABASE_URL.",
    )
    return root


COMMANDS = {"run": _run, "migrate": _migrate}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from bot.app import StartupError
    from store.db import DatabaseURLError

    try:
        return COMMANDS[args.command](args)
    except (configuration.ConfigError, DatabaseURLError) as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except StartupError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
