"""Helpers shared by the end-to-end tests and the benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime

from store.db import open_database
from store.models import Incident


def form_values(title="Checkout is down", severity="SEV2", impact="", description="", lead=None):
    values = {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "severity": {
            "value": {
                "type": "static_select",
                "selected_option": (
                    {"text": {"type": "plain_text", "text": severity}, "value": severity}
                    if severity
                    else None
                ),
            }
        },
        "impact": {"value": {"type": "plain_text_input", "value": impact or None}},
        "description": {"value": {"type": "plain_text_input", "value": description or None}},
        "lead": {"value": {"type": "users_select", "selected_user": lead}},
    }
    return values


def declare(emulator, title="Checkout is down", *, user="UALICE", channel="CGENERAL", **form):
    command = emulator.slash_command("/incident", title, user=user, channel=channel)
    view = emulator.view_opened_by(command["trigger_id"])
    ack = emulator.submit_view(view["id"], form_values(title=title, **form), user=user)
    return command, view, ack


def wait_declared(emulator, command, timeout=10):
    """The reporter's confirmation arrives last; wait for it."""
    return emulator.wait_for(
        lambda: emulator.replies(command["response_url"]),
        timeout=timeout,
        what="the reporter's confirmation",
    )[-1]


def incidents_in(database_url):
    database = open_database(database_url)
    with database.connection_context():
        return list(Incident.select().order_by(Incident.ref))


def today():
    return datetime.now(UTC).strftime("%Y%m%d")
