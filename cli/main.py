"""The `klaxon` command."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from settings import config as configuration
from settings.config import Config

EXIT_USAGE = 2


def _migrate(_args) -> int:
    from store import db, migrate

    url = configuration.database_url(os.environ)
    database = db.open_database(url)
    applied = migrate.apply(database)
    db.close(database)
    where = db.safe_url(url)
    print(f"{where}: applied {', '.join(applied)}" if applied else f"{where}: up to date")
    return 0


def _operator() -> str:
    """Who ran the command, for the audit trail."""
    return f"cli:{os.environ.get('USER') or os.environ.get('LOGNAME') or 'unknown'}"


def _open_store():
    from store import db, migrate

    database = db.open_database(configuration.database_url(os.environ))
    database.connect()
    if migrate.pending(database):
        database.close()
        raise configuration.ConfigError(
            "database error: migrations are pending; run `klaxon migrate` first"
        )
    return database


def _roles(args) -> int:
    from store import audit
    from store import roles as stored

    holder_pattern = configuration.HOLDER
    database = _open_store()
    try:
        if args.action == "list":
            config = configuration.load(require_tokens=False)
            rows = [
                (role, holder, "config")
                for role, holders in config.roles.items()
                for holder in holders
                if args.role in (None, role)
            ]
            rows += [
                (
                    g.role,
                    g.holder,
                    f"granted by {g.granted_by or '?'} {g.granted_at:%Y-%m-%dT%H:%M:%SZ}",
                )
                for g in stored.grants(args.role)
            ]
            for role, holder, source in sorted(rows):
                print(f"{role}\t{holder}\t{source}")
            if not rows:
                print("no role holders" + (f" for {args.role}" if args.role else ""))
            return 0
        if not holder_pattern.fullmatch(args.holder):
            print(
                f"roles: {args.holder!r} is not a user id (U…), @usergroup or email",
                file=sys.stderr,
            )
            return EXIT_USAGE
        if args.action == "grant":
            changed = stored.grant(args.role, args.holder, granted_by=_operator())
            verb = "granted" if changed else "already held"
        else:
            changed = stored.revoke(args.role, args.holder)
            verb = "revoked" if changed else "was not held"
        if changed:
            action = {"grant": "role_granted", "revoke": "role_revoked"}[args.action]
            audit.record(action, actor_id=_operator(), role=args.role, holder=args.holder)
        print(f"{args.role} {verb}: {args.holder}")
        return 0
    finally:
        database.close()


def _find_incident(ref: str):
    from incident import refs

    try:
        target = refs.parse(ref)
    except refs.MalformedRef as error:
        raise configuration.ConfigError(f"{error}") from None
    incident = refs.find(target)
    if incident is None:
        raise LookupError(f"no incident {target}")
    return incident


def _report(args) -> int:
    from incident.report import for_incident

    database = _open_store()
    try:
        print(for_incident(_find_incident(args.ref)), end="")
        return 0
    finally:
        database.close()


def _check(_args) -> int:
    from cli.checks import run_checks

    checks = run_checks(configuration.load())
    for check in checks:
        print(check.line())
    return 0 if all(check.ok for check in checks) else 1


def _incident_json(incident) -> dict:
    from incident.report import iso

    return {
        "id": str(incident.id),
        "ref": incident.display_ref,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "lead": incident.lead_id,
        "reporter": incident.reporter_id,
        "channel": incident.channel_name,
        "incident_key": incident.incident_key,
        "escalation_level": incident.escalation_level,
        "declared_at": iso(incident.declared_at),
        "acknowledged_at": iso(incident.acknowledged_at) if incident.acknowledged_at else None,
        "acknowledged_by": incident.acknowledged_by_email or incident.acknowledged_by_id,
        "resolved_at": iso(incident.resolved_at) if incident.resolved_at else None,
    }


def _incidents(args) -> int:
    from store.models import Incident

    database = _open_store()
    try:
        if args.action == "show":
            return _show_incident(_find_incident(args.ref))
        query = Incident.select().order_by(Incident.ref.desc())
        if args.open:
            query = query.where(Incident.status != "resolved")
        rows = [_incident_json(incident) for incident in query]
        if args.json:
            print(json.dumps(rows, indent=2))
            return 0
        for row in rows:
            print(
                f"{row['ref']:<8} {row['severity']} {row['status']:<12} {row['declared_at']}  "
                f"#{row['channel'] or '-'}  {row['title']}"
            )
        if not rows:
            print("no incidents" + (" open" if args.open else ""))
        return 0
    finally:
        database.close()


def _show_incident(incident) -> int:
    from incident.report import iso
    from store import incidents

    for key, value in _incident_json(incident).items():
        print(f"{key + ':':<18}{value if value is not None else '—'}")
    print("timeline:")
    for event in incidents.timeline(incident):
        print(
            f"  {iso(event.occurred_at)}  {event.actor_id or 'klaxon':<10} {event.kind:<14} "
            f"{event.text}"
        )
    return 0


def _purge(args) -> int:
    from store import audit, retention
    from store.fields import utcnow

    try:
        age = configuration.parse_duration(args.older_than)
    except ValueError as error:
        raise configuration.ConfigError(f"purge: --older-than: {error}") from None
    if not args.dry_run and not args.yes:
        print("purge: deleting needs --yes (or look first with --dry-run)", file=sys.stderr)
        return EXIT_USAGE
    database = _open_store()
    try:
        cutoff = utcnow() - age
        doomed = retention.purgeable(cutoff)
        refs = [incident.display_ref for incident in doomed]
        verb = "would remove" if args.dry_run else "removed"
        if args.dry_run:
            counts = {"incidents": len(doomed)}
        else:
            counts = retention.purge(doomed)
            audit.record(
                "incidents_purged",
                actor_id=_operator(),
                refs=refs,
                older_than=args.older_than,
                **counts,
            )
        print(
            f"{verb} {counts['incidents']} resolved incident(s) resolved before "
            f"{cutoff:%Y-%m-%dT%H:%M:%SZ}" + (f": {', '.join(refs)}" if refs else "")
        )
        return 0
    finally:
        database.close()


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
    show = incident_actions.add_parser(
        "show",
        help="one incident and its timeline",
        description="Show one incident and its timeline.",
    )
    show.add_argument("ref", metavar="INC-42", help="the incident: INC-42, 42 or #channel")
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
    "roles": _roles,
    "report": _report,
    "check": _check,
    "incidents": _incidents,
    "purge": _purge,
}


def _database_failure(error: Exception) -> str:
    """One line for a database that cannot be reached or opened (the drivers' messages run
    over several lines)."""
    from store.db import safe_url

    where = safe_url(configuration.database_url(os.environ))
    return f"database error: {where}: {' '.join(str(error).split())}"


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
        print(_database_failure(error), file=sys.stderr)
        return 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
