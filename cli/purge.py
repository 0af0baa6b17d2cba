"""`klaxon purge`: remove old records now, through the code the scheduler's retention job
runs (store/retention.py). With --older-than, only resolved incidents resolved longer ago
than that; without it, everything [retention] says is old enough. Open incidents are never
touched, and nothing is deleted without --yes."""

from __future__ import annotations

import sys

from cli.shared import EXIT_USAGE, open_store, operator
from settings import config as configuration
from settings.durations import humanize, parse_duration
from settings.errors import ConfigError
from settings.retention import KINDS


def purge(args) -> int:
    if args.older_than is not None:
        try:
            parse_duration(args.older_than)
        except ValueError as error:
            raise ConfigError(f"purge: --older-than: {error}") from None
    if not args.dry_run and not args.yes:
        print("purge: deleting needs --yes (or look first with --dry-run)", file=sys.stderr)
        return EXIT_USAGE
    config = configuration.load(require_tokens=False)
    database = open_store()
    try:
        if args.older_than is not None:
            return _older_than(args, config)
        return _retention(args, config)
    finally:
        database.close()


def _older_than(args, config) -> int:
    from store import audit, retention
    from store.fields import utcnow

    cutoff = utcnow() - parse_duration(args.older_than)
    if args.dry_run:
        verb, refs = "would remove", [i.display_ref for i in retention.purgeable(cutoff)]
    else:
        removed = retention.Removed()
        retention.purge_incidents(
            cutoff, batch=config.retention.batch, removed=removed, between=lambda: None
        )
        verb, refs = "removed", removed.refs
        audit.record(
            "incidents_purged",
            actor_id=operator(),
            refs=refs[: retention.REFS_LISTED],
            older_than=args.older_than,
            incidents=removed.counts.get("resolved_incidents", 0),
            **{name: removed.counts.get(name, 0) for _, name in retention.INCIDENT_CHILDREN},
            batches=removed.batches,
        )
    print(
        f"{verb} {len(refs)} resolved incident(s) resolved before "
        f"{cutoff:%Y-%m-%dT%H:%M:%SZ}" + (f": {', '.join(refs)}" if refs else "")
    )
    return 0


def _retention(args, config) -> int:
    from store import retention
    from store.fields import utcnow

    policy, now = config.retention, utcnow()
    if args.dry_run:
        removed = retention.preview(policy, now=now, rate_window=config.ack_rate_window)
    else:
        removed = retention.run(
            policy, now=now, rate_window=config.ack_rate_window, actor=operator()
        )
    verb = "would remove" if args.dry_run else "removed"
    for kind in retention.COUNTED:
        keep = policy.keep(kind) if kind in KINDS else policy.resolved_incidents
        kept = "kept forever" if keep is None else f"older than {humanize(keep)}"
        print(f"{verb} {removed.counts.get(kind, 0):>6} {kind} ({kept})")
    if removed.refs:
        print(f"incidents: {', '.join(removed.refs)}")
    return 0
