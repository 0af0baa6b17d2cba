"""`klaxon audit`: the audit trail, newest first, as a table for people or JSON lines for
tools. Filters: --since 7d, --actor (a Slack user id or an email; repeat it for one
person's two identities), --action, --incident INC-42."""

from __future__ import annotations

import json
import re
import sys

from cli.shared import EXIT_USAGE, open_store
from settings.durations import parse_duration
from settings.errors import ConfigError

_REF = re.compile(r"(?:inc-?)?(\d{1,9})", re.IGNORECASE)
# A table keeps to this many characters of the detail; --json gives it whole.
DETAIL_SHOWN = 100


def _incident_ref(text: str | None) -> int | None:
    if text is None:
        return None
    match = _REF.fullmatch(text.strip())
    if match is None:
        raise ConfigError(f"audit: --incident: expected a ref such as INC-42, got {text!r}")
    return int(match.group(1))


def audit(args) -> int:
    from store import audit as trail
    from store.fields import utcnow
    from store.roles import canonical_holder

    since = None
    if args.since is not None:
        try:
            since = utcnow() - parse_duration(args.since)
        except ValueError as error:
            raise ConfigError(f"audit: --since: {error}") from None
    ref = _incident_ref(args.incident)
    database = open_store()
    try:
        if args.action is not None and args.action not in trail.known_actions():
            print(
                f"audit: unknown action {args.action!r}; known actions:\n  "
                + "\n  ".join(trail.known_actions()),
                file=sys.stderr,
            )
            return EXIT_USAGE
        records = trail.search(
            since=since,
            actors=tuple(canonical_holder(actor) for actor in args.actor or ()),
            action=args.action,
            incident_ref=ref,
            limit=args.limit,
        )
        for line in (_json_lines if args.json else _table)(records):
            print(line)
        return 0
    finally:
        database.close()


def _as_dict(record) -> dict:
    try:
        detail = json.loads(record.detail or "{}")
    except ValueError:
        detail = {"unreadable": record.detail}
    return {
        "id": record.id,
        "occurred_at": record.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "action": record.action,
        "actor": record.actor_id,
        "incident": f"INC-{record.incident_ref}" if record.incident_ref is not None else None,
        "request_id": record.request_id,
        "detail": detail,
    }


def _json_lines(records):
    for record in records:
        yield json.dumps(_as_dict(record), sort_keys=True, ensure_ascii=False)


def _printable(text: str) -> str:
    """Stored text comes from people and machines: no control characters reach the
    terminal (an escape sequence in an identity must not repaint the operator's screen)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _table(records):
    if not records:
        yield "no audit records match"
        return
    rows = []
    for record in records:
        row = _as_dict(record)
        detail = " ".join(f"{key}={json.dumps(value)}" for key, value in row["detail"].items())
        if len(detail) > DETAIL_SHOWN:
            detail = detail[: DETAIL_SHOWN - 1] + "…"
        rows.append(
            [row["occurred_at"], row["action"], row["actor"] or "-", row["incident"] or "-", detail]
        )
    rows = [[_printable(cell) for cell in row] for row in rows]
    header = ["WHEN (UTC)", "ACTION", "ACTOR", "INCIDENT", "DETAIL"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        yield "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + (
            "  " + row[4]
        )
