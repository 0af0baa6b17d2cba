"""`klaxon stats --chart FILE.svg`: the numbers drawn with matplotlib, readable at a
glance: how many incidents per group on the left, MTTA and MTTR (median solid, p90
lighter) on the right, in minutes or hours as fits."""

from __future__ import annotations

from datetime import timedelta

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt  # after the backend is chosen

ACK_COLOUR = "#1f77b4"
RESOLVE_COLOUR = "#d62728"


def _unit(groups) -> tuple[str, float]:
    longest = max(
        (
            span
            for g in groups
            for span in (g.mtta.median, g.mtta.p90, g.mttr.median, g.mttr.p90)
            if span is not None
        ),
        default=timedelta(0),
    )
    return ("hours", 3600.0) if longest >= timedelta(hours=3) else ("minutes", 60.0)


def _value(span, size: float) -> float:
    return span.total_seconds() / size if span is not None else 0.0


def draw(groups, by: str, since: str, path: str) -> None:
    names = [g.name for g in groups]
    positions = list(range(len(groups)))
    figure, (counts, times) = plt.subplots(
        1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [1, 2]}
    )
    figure.suptitle(f"Incidents by {by}, last {since}", fontsize=14)
    if not groups:
        for axes in (counts, times):
            axes.text(0.5, 0.5, "No incidents", ha="center", va="center", fontsize=12)
            axes.set_axis_off()
    else:
        bars = counts.bar(positions, [g.incidents for g in groups], color="#555555")
        counts.bar_label(bars)
        counts.set_title("Incidents")
        counts.set_xticks(positions, names, rotation=30, ha="right")
        counts.yaxis.get_major_locator().set_params(integer=True)

        unit, size = _unit(groups)
        width = 0.2
        series = (
            ("MTTA median", [g.mtta.median for g in groups], ACK_COLOUR, 1.0, -1.5),
            ("MTTA p90", [g.mtta.p90 for g in groups], ACK_COLOUR, 0.45, -0.5),
            ("MTTR median", [g.mttr.median for g in groups], RESOLVE_COLOUR, 1.0, 0.5),
            ("MTTR p90", [g.mttr.p90 for g in groups], RESOLVE_COLOUR, 0.45, 1.5),
        )
        for label, spans, colour, alpha, offset in series:
            times.bar(
                [p + offset * width for p in positions],
                [_value(span, size) for span in spans],
                width,
                label=label,
                color=colour,
                alpha=alpha,
            )
        times.set_title(f"Time to acknowledge and to resolve ({unit})")
        times.set_ylabel(unit)
        times.set_xticks(positions, names, rotation=30, ha="right")
        times.legend(frameon=False)
        for axes in (counts, times):
            axes.spines[["top", "right"]].set_visible(False)
            axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    with plt.rc_context({"svg.fonttype": "none"}):  # text stays text: smaller, searchable
        figure.savefig(path, format="svg")
    plt.close(figure)
