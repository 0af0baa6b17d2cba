"""Helpers shared by the end-to-end tests and the benchmarks."""

from __future__ import annotations

import json
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


def in_channel(emulator, incident, text, user="UBOB") -> str:
    """/incident <text> typed in the incident's channel by `user`; the answer they see."""
    sent = emulator.slash_command("/incident", text, user=user, channel=incident.channel_id)
    [answer] = emulator.wait_for(
        lambda: emulator.replies(sent["response_url"]), what=f"the answer to /incident {text}"
    )
    return answer["text"]


def incident_by_ref(database_url, ref=1) -> Incident:
    """INC-<ref> as the database has it now."""
    database = open_database(database_url)
    with database.connection_context():
        return Incident.get(Incident.ref == ref)


def incidents_in(database_url):
    database = open_database(database_url)
    with database.connection_context():
        return list(Incident.select().order_by(Incident.ref))


def today():
    return datetime.now(UTC).strftime("%Y%m%d")


def modal_values(view: dict, **overrides) -> dict:
    """A submission of `view`: every input at its initial value, except the overrides
    (text for text inputs, the option value for selects, a user id for user pickers, the
    option values ticked for checkboxes, a UNIX time for a datetimepicker)."""
    values = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        block_id, element = block["block_id"], block["element"]
        kind = element["type"]
        given = overrides.get(block_id, ...)
        if kind == "plain_text_input":
            value = element.get("initial_value") if given is ... else given
            state = {"type": kind, "value": value or None}
        elif kind == "static_select":
            chosen = (element.get("initial_option") or {}).get("value") if given is ... else given
            option = next((o for o in element["options"] if o["value"] == chosen), None)
            state = {"type": kind, "selected_option": option}
        elif kind == "users_select":
            state = {
                "type": kind,
                "selected_user": element.get("initial_user") if given is ... else given,
            }
        elif kind == "checkboxes":
            if given is ...:
                chosen = element.get("initial_options") or []
            else:
                chosen = [o for o in element["options"] if o["value"] in given]
            state = {"type": kind, "selected_options": chosen}
        elif kind == "datetimepicker":  # a UNIX time in seconds, or None for empty
            picked = element.get("initial_date_time") if given is ... else given
            state = {"type": kind, "selected_date_time": picked}
        else:
            raise AssertionError(f"no helper for {kind}")
        values[block_id] = {element["action_id"]: state}
    return values


def summary_of(emulator, incident):
    return emulator.message(incident.channel_id, incident.summary_ts)


def button(message, action_id: str) -> dict:
    found = [
        element
        for block in message.blocks
        for element in (block.get("elements") or [block.get("accessory") or {}])
        if isinstance(element, dict) and element.get("action_id") == action_id
    ]
    assert found, f"no {action_id} button on the message"
    return found[0]


def answer_auth_test(handler) -> None:
    """Answer the request a test's own HTTP server read, as Slack answers auth.test."""
    body = json.dumps({"ok": True, "user_id": "U1"}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
