"""Reading `/incident statuspage [status] [Component=impact …] message`."""

from __future__ import annotations

from incident.status_page import PublicInput
from incident.vocabulary import COMPONENT_IMPACTS, OPERATIONAL, PUBLIC_STATUSES

# Short words people type for an impact.
IMPACT_WORDS = {
    "degraded": "degraded_performance",
    "partial": "partial_outage",
    "major": "major_outage",
    "ok": OPERATIONAL,
    "none": OPERATIONAL,
    "operational": OPERATIONAL,
    **{impact: impact for impact in COMPONENT_IMPACTS},
}


def parse(text: str) -> PublicInput:
    """The leading status word and `Name=impact` words, then the message. Names and
    impacts are checked by the use case (which knows the configured components)."""
    words = text.split(" ")
    status = None
    changes: dict[str, str] = {}
    while words:
        word = words[0].strip()
        if not word:
            words.pop(0)
            continue
        if status is None and not changes and word.lower() in PUBLIC_STATUSES:
            status = word.lower()
        elif "=" in word and not word.startswith("=") and not word.endswith("="):
            name, _, impact = word.partition("=")
            changes[name] = IMPACT_WORDS.get(impact.lower(), impact)
        else:
            break
        words.pop(0)
    return PublicInput(
        message=" ".join(words).strip(),
        status=status,
        component_changes=changes or None,
    )
