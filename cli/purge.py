"""`klaxon purge`: remove resolved incidents past an age (open incidents are never touched)."""

from __future__ import annotations

import sys

from cli.shared import EXIT_USAGE, open_store, operator
from settings.durations import parse_duration
from settings.errors import ConfigError


def purge(args) -> int:
    from store import audit, retention
    from store.fields import utcnow

    try:
        age = parse_duration(args.older_than)
    except ValueError as error:
        raise ConfigError(f"purge: --older-than: {error}") from None
    if not args.dry_run and not args.yes:
        print("purge: deleting needs --yes (or look first with --dry-run)", file=sys.stderr)
        return EXIT_USAGE
    database = open_store()
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
                actor_id=operator(),
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
