"""`klaxon roles grant|revoke|list`: roles stored in the database, on top of [roles]."""

from __future__ import annotations

import sys

from cli.shared import EXIT_USAGE, open_store, operator
from settings import config as configuration
from settings.roles import HOLDER


def roles(args) -> int:
    from store import audit
    from store import roles as stored

    database = open_store()
    try:
        if args.action == "list":
            return _list(args.role)
        if not HOLDER.fullmatch(args.holder):
            print(
                f"roles: {args.holder!r} is not a user id (U…), @usergroup or email",
                file=sys.stderr,
            )
            return EXIT_USAGE
        if args.action == "grant":
            changed = stored.grant(args.role, args.holder, granted_by=operator())
            verb = "granted" if changed else "already held"
        else:
            changed = stored.revoke(args.role, args.holder)
            verb = "revoked" if changed else "was not held"
        if changed:
            action = {"grant": "role_granted", "revoke": "role_revoked"}[args.action]
            audit.record(action, actor_id=operator(), role=args.role, holder=args.holder)
        print(f"{args.role} {verb}: {args.holder}")
        return 0
    finally:
        database.close()


def _list(role: str | None) -> int:
    """Holders from the config and stored grants, sorted together."""
    from store import roles as stored

    config = configuration.load(require_tokens=False)
    rows = [
        (name, holder, "config")
        for name, holders in config.roles.items()
        for holder in holders
        if role in (None, name)
    ]
    rows += [
        (
            g.role,
            g.holder,
            f"granted by {g.granted_by or '?'} {g.granted_at:%Y-%m-%dT%H:%M:%SZ}",
        )
        for g in stored.grants(role)
    ]
    for name, holder, source in sorted(rows):
        print(f"{name}\t{holder}\t{source}")
    if not rows:
        print("no role holders" + (f" for {role}" if role else ""))
    return 0
