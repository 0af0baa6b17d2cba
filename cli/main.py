"""The `klaxon` command: the parser and the dispatch. Each group of commands has its own
module (cli/roles.py, cli/incidents.py, cli/purge.py, cli/checks.py, cli/audit.py,
cli/credentials.py, cli/forget.py, cli/stats.py); `run` belongs to the
composition root, which passes it in."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from cli.audit import audit
from cli.credentials import sign, token
from cli.forget import forget
from cli.incidents import incidents, report
from cli.purge import purge
from cli.roles import roles
from cli.shared import EXIT_USAGE, database_failure
from cli.stats import stats
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
    purge.add_argument(
        "--older-than",
        metavar="AGE",
        help='only resolved incidents, resolved longer ago than AGE (e.g. "90d"); '
        "without it, everything [retention] says is old enough",
    )
    purge.add_argument("--dry-run", action="store_true", help="only say what would go")
    purge.add_argument("--yes", action="store_true", help="really delete")
    _operations_commands(commands)
    return root


def _operations_commands(commands) -> None:
    """audit, token, sign, forget: the commands for operating Klaxon over the years."""
    trail = commands.add_parser(
        "audit",
        help="search the audit trail, newest first",
        description="List audit records newest first: a table, or JSON lines with --json.",
    )
    trail.add_argument("--since", metavar="AGE", help='only records newer than AGE, e.g. "7d"')
    trail.add_argument(
        "--actor",
        action="append",
        metavar="WHO",
        help="a Slack user id (U…) or an email; repeat for one person's two identities",
    )
    trail.add_argument("--action", metavar="ACTION", help="e.g. ops_admin_access_denied")
    trail.add_argument("--incident", metavar="INC-42", help="records about this incident")
    trail.add_argument("--limit", type=int, metavar="N", help="at most N records")
    trail.add_argument("--json", action="store_true", help="one JSON object per line")
    numbers = commands.add_parser(
        "stats",
        help="incident counts, MTTA and MTTR (median, p90) per group",
        description="Incident counts, and the median and 90th percentile of the time to "
        "acknowledge (MTTA) and to resolve (MTTR), per severity, type or month, measured from "
        "impact start (else the declaration). Private incidents are counted, never named.",
    )
    numbers.add_argument(
        "--since", metavar="AGE", default="90d", help="incidents declared in the last AGE (90d)"
    )
    numbers.add_argument(
        "--by", choices=("severity", "type", "month"), default="severity", help="the groups"
    )
    numbers.add_argument("--csv", action="store_true", help="CSV (durations in seconds)")
    numbers.add_argument("--chart", metavar="FILE.svg", help="also draw the numbers as SVG")
    token = commands.add_parser(
        "token",
        help="print a JWT for the ops API (signed with OPS_JWT_SECRET)",
        description="Print an HS256 JWT for [ops_api].jwt_audience, signed with "
        "OPS_JWT_SECRET, to test a caller of the ops API.",
    )
    token.add_argument("--email", required=True, help="the identity the token carries")
    token.add_argument("--ttl", default="10m", metavar="AGE", help="lifetime (default 10m)")
    sign = commands.add_parser(
        "sign",
        help="print the X-Timestamp and X-Signature headers for an ops API request",
        description="Sign a request with OPS_HMAC_SECRET as the ops API checks it; send "
        "it within 5 minutes, once.",
    )
    sign.add_argument("--path", required=True, help="e.g. /ops/incidents/INC-42/ack")
    sign.add_argument("--body", default="", help="the exact body you will send")
    sign.add_argument("--method", default="POST", help="default POST")
    forget = commands.add_parser(
        "forget",
        help="remove or anonymise one person's data",
        description="Remove or anonymise one person's data (docs/data.md says what and "
        "where). Without --yes, show what would change and change nothing.",
    )
    forget.add_argument(
        "--user",
        action="append",
        required=True,
        metavar="WHO",
        help="a Slack user id (U…) or an email; repeat for one person's two identities",
    )
    forget.add_argument("--yes", action="store_true", help="really change it")


COMMANDS = {
    "migrate": _migrate,
    "roles": roles,
    "report": report,
    "check": _check,
    "incidents": incidents,
    "purge": purge,
    "audit": audit,
    "stats": stats,
    "token": token,
    "sign": sign,
    "forget": forget,
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
