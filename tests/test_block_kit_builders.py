"""Every message and modal Klaxon builds is one Slack accepts, for ordinary and for hostile
incidents (long or markup-laden text, every status, many follow-ups)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from integrations.slack import declare_modal, incident_modals, messages, nudge_messages
from tests.emulator.blockkit import validate_blocks, validate_view

DECLARED = datetime(2026, 11, 22, 10, 2, tzinfo=UTC)
TEXTS = {
    "empty": "",
    "short": "x",
    "markup": "<!channel> & <@U1> *bold* " * 300,
    "long": "t" * 12_000,
    "emoji": "é🔥" * 2_000,
}
STATUSES = ("open", "acknowledged", "monitoring", "resolved")


def incident(status: str, text: str) -> SimpleNamespace:
    return SimpleNamespace(
        id="7c4f9c9e-7a43-4a43-9a43-0a43a43a43a4",
        ref=42,
        display_ref="INC-42",
        title=text or "Checkout is down",
        severity="SEV2",
        status=status,
        lead_id=None if text else "UBOB",
        reporter_id="UALICE",
        impact=text,
        description=text,
        latest_update=text,
        resolution=text,
        root_cause=text,
        impact_started_at=None if text else DECLARED,
        declared_at=DECLARED,
        updated_at=DECLARED,
        acknowledged_at=None if status == "open" else DECLARED,
        acknowledged_by_id=None,
        acknowledged_by_email="ops@example.com",
        resolved_at=DECLARED if status == "resolved" else None,
        channel_id="C1",
        channel_name="inc-x",
        escalation_level=3,
        alert_count=12,
    )


def follow_ups(text: str) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(id=n, text=text or "Add an alert", done_at=DECLARED if n % 2 else None,
                        owner_id="UBOB")
        for n in range(messages.FOLLOWUPS_SHOWN + 5)
    ]  # fmt: skip


def built_messages(item: SimpleNamespace, text: str) -> dict[str, list[dict]]:
    return {
        "summary": messages.summary_blocks(item, follow_ups(text)),
        "announcement": messages.announcement_blocks(item),
        "awaiting ack": messages.awaiting_ack_blocks([item] * 20),
        "nothing awaiting ack": messages.awaiting_ack_blocks([]),
        "update nudge": nudge_messages.update_nudge_blocks(item, "1 h"),
        "lead nudge": nudge_messages.lead_nudge_blocks(item, "10 min"),
        "escalation": nudge_messages.escalation_blocks(
            item, level=2, skipped=[1], repeat=False, waited="5 min", mention="<!here> "
        ),
    }


def views(item: SimpleNamespace, text: str) -> dict[str, dict]:
    return {
        "declare": declare_modal.modal(text, {"response_url": "u" * 5000}, [item] * 5),
        "update": incident_modals.update_modal(item),
        "resolve": incident_modals.resolve_modal(item),
        "follow-up": incident_modals.followup_modal(item),
    }


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_every_message_is_one_slack_accepts(status, text):
    for name, blocks in built_messages(incident(status, text), text).items():
        assert validate_blocks(blocks) == [], name


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_every_modal_is_one_slack_accepts(status, text):
    for name, view in views(incident(status, text), text).items():
        assert validate_view(view) == [], name
