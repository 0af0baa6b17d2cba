"""The `klaxon` command: the parser and the dispatch. Each group of commands has its own
module (cli/roles.py, cli/incidents.py, cli/purge.py, cli/checks.py); `run` belongs to the
composition root, which passes it in."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from cli.incidents import incidents, report
from cli.purge import purge
from cli.roles import roles
from cli.shared import EXIT_USAGE, database_failure
from settings import config as configuration
from settings.config import Config
from settings.sources import database_url


def _migrate(_args) -> int:
    from store import db, migrate

    url = database_url(os.environ)
    database = db.open_database(url)
    applied = migrate.apply(database)
    db.close(database)
    where = db.safe_url(url)
    print(f"{where}: applied {', '.join(applied)}" if applied else f"{where}: up to date")
    return 0


def _check(_args) -> int:
    from cli.checks import run_checks  # the Slack and websocket libraries: only here

    checks = run_checks(configuration.load())
    for check in checks:
        print(check.line())
    return 0 if all(check.ok for check in checks) else 1


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
    roles = commands.add_parser(
        "roles",
        help="grant, revoke and list roles",
        description="Roles stored in the database, on top of the holders in [roles].",
    )
    role_actions = roles.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (("grant", "give ROLE to HOLDER"), ("revoke", "take ROLE from HOLDER")):
        sub = role_actions.add_parser(action, help=text, description=text.capitalize() + ".")
        sub.add_argument("role", metavar="ROLE", help="e.g. ops_admin")
        sub.add_argument("holder", metavar="HOLDER", help="a Slack user id, @usergroup or email")
    listing = role_actions.add_parser(
        "list",
        help="who holds which role",
        description="Holders from the config and stored grants.",
    )
    listing.add_argument("role", metavar="ROLE", nargs="?", help="only this role")
    report = commands.add_parser(
        "report",
        help="print the post-incident report (Markdown)",
        description="Print the Markdown post-incident report of an incident.",
    )
    report.add_argument("ref", metavar="INC-42", help="the incident: INC-42, 42 or #channel")
    report.add_argument(
        "--include-private", action="store_true", help="also the report of a private incident"
    )
    commands.add_parser(
        "check",
        help="check Slack tokens, Socket Mode, the database and channels",
        description="One line per check; exits 1 when any fails.",
    )
    listing = commands.add_parser(
        "incidents",
        help="list or show incidents",
        description="List incidents, or show one with its timeline.",
    )
    incident_actions = listing.add_subparsers(dest="action", required=True, metavar="ACTION")
    list_parser = incident_actions.add_parser(
        "list", help="newest first", description="List incidents, newest first."
    )
    list_parser.add_argument("--open", action="store_true", help="only unresolved incidents")
    list_parser.add_argument("--json", action="store_true", help="JSON instead of a table")
    list_parser.add_argument(
        "--include-private",
        action="store_true",
        help="private incidents too (without it they are left out entirely)",
    )
    show = incident_actions.add_parser(
        "show",
        help="one incident and its timeline",
        description="Show one incident and its timeline.",
    )
    show.add_argument("ref", metavar="INC-42", help="the incident: INC-42, 42 or #channel")
    show.add_argument("--include-private", action="store_true", help="also show a private incident")
    purge = commands.add_parser(
        "purge",
        help="remove resolved incidents past an age",
        description="Remove resolved incidents (with timelines and follow-ups) resolved "
        "longer ago than --older-than. Open incidents are never touched.",
    )
    purge.add_argument("--older-than", required=True, metavar="AGE", help='e.g. "90d"')
    purge.add_argument("--dry-run", action="store_true", help="only say what would go")
    purge.add_argument("--yes", action="store_true", help="really delete")
    return root


COMMANDS = {
    "migrate": _migrate,
    "roles": roles,
    "report": report,
    "check": _check,
    "incidents": incidents,
    "purge": purge,
}


def main(argv: list[str] | None = None, *, run: Callable[[Config], int] | None = None) -> int:
    """Carry out one `klaxon` command. `run` starts the daemon: the composition root
    (bot.main) passes it in, so this package never imports the daemon."""
    args = parser().parse_args(argv)
    import peewee

    from settings.errors import StartupError
    from store.db import DatabaseURLError

    try:
        if args.command == "run":
            if run is None:
                raise StartupError("start the daemon with `klaxon run` or `python -m bot`")
            return run(configuration.load())
        return COMMANDS[args.command](args)
    except (configuration.ConfigError, DatabaseURLError) as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except (StartupError, LookupError) as error:
        print(str(error).strip("'"), file=sys.stderr)
        return 1
    except peewee.OperationalError as error:
        print(database_failure(error), file=sys.stderr)
        return 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
