"""`klaxon stats [--since 90d] [--by severity|type|month] [--csv] [--chart FILE.svg]`:
incident counts, MTTA and MTTR (median and p90) per group, as a table, CSV, or a chart.

Private incidents are counted like the others and never named: the numbers carry no
title, ref or channel (incident/stats.py)."""

from __future__ import annotations

import csv
import sys

from cli.shared import open_store
from settings.durations import humanize, parse_duration
from settings.errors import ConfigError

COLUMNS = (
    "group",
    "incidents",
    "acknowledged",
    "resolved",
    "mtta_median",
    "mtta_p90",
    "mttr_median",
    "mttr_p90",
)


def _human(span) -> str:
    return humanize(span) if span is not None else "—"


def _seconds(span) -> str:
    return str(int(span.total_seconds())) if span is not None else ""


def _rows(groups, show) -> list[list[str]]:
    return [
        [
            group.name,
            str(group.incidents),
            str(group.acknowledged),
            str(group.resolved),
            show(group.mtta.median),
            show(group.mtta.p90),
            show(group.mttr.median),
            show(group.mttr.p90),
        ]
        for group in groups
    ]


def _table(groups, by: str, since: str) -> str:
    header = [by, *COLUMNS[1:]]
    rows = _rows(groups, _human)
    total = sum(group.incidents for group in groups)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in [header, *rows]
    ]
    lines.append(f"{total} incident(s) declared in the last {since}; times from impact start")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def stats(args) -> int:
    from incident import stats as numbers
    from store.fields import utcnow

    try:
        since = utcnow() - parse_duration(args.since)
    except ValueError as error:
        raise ConfigError(f"stats: --since: {error}") from None
    if args.chart is not None and not args.chart.lower().endswith(".svg"):
        raise ConfigError(
            f"stats: --chart: expected a file name ending in .svg, got {args.chart!r}"
        )
    database = open_store()
    try:
        groups = numbers.summarise(numbers.declared_since(since), args.by)
    finally:
        database.close()
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([args.by, *[f"{c}_seconds" if "_" in c else c for c in COLUMNS[1:]]])
        writer.writerows(_rows(groups, _seconds))
    else:
        sys.stdout.write(_table(groups, args.by, args.since))
    if args.chart:
        from cli.stats_chart import draw  # matplotlib: only when a chart is asked for

        draw(groups, args.by, args.since, args.chart)
    return 0
