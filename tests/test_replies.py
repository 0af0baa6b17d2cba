"""From a use case's outcome to what the person is told: the wording in one place."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from incident.access import Denied
from incident.acknowledge import (
    Acknowledged,
    AlreadyAcknowledged,
    AlreadyResolved,
    Malformed,
    RateLimited,
    Waiting,
)
from incident.declare import Declared, TakenOver
from incident.followups import Added, AlreadyDone, MarkedDone
from incident.lifecycle import Blocked, Unchanged, Updated
from incident.nudges import Snoozed
from incident.outcomes import Done, NotFound
from incident.ports import Change
from incident.vocabulary import Permission, Reason, Refused
from integrations.slack import replies

AT = datetime(2026, 3, 14, 9, 26, tzinfo=UTC)
INC = SimpleNamespace(
    id="i1",
    display_ref="INC-7",
    acknowledged_by_id="UBOB",
    acknowledged_by_email=None,
    acknowledged_at=AT,
    channel_id="C7",
    channel_name="inc-7",
)
ITEM = SimpleNamespace(text="Alert on <5xx>")
STEER = Denied(Permission.STEER, "ops_admin", "severity")


@pytest.mark.parametrize(
    ("outcome", "text"),
    [
        (Acknowledged(INC), ":white_check_mark: You acknowledged INC-7."),
        (AlreadyResolved(INC), "INC-7 is resolved; there is nothing to acknowledge."),
        (RateLimited(12), "Rate limit exceeded, try again in 12 s"),
        (NotFound("INC-404"), "There is no incident INC-404."),
        (Denied(Permission.ACKNOWLEDGE, "ops_admin"), "Access denied. Required role: ops_admin"),
        (Malformed("Use INC-42."), "Use INC-42."),
    ],
)
def test_acknowledge_replies(outcome, text):
    assert replies.ack_reply(outcome) == replies.Reply(text)


def test_already_acknowledged_names_who_and_when():
    text = replies.ack_reply(AlreadyAcknowledged(INC)).text
    assert text.startswith("Already acknowledged by <@UBOB> at <!date^")


def test_the_waiting_list_comes_with_blocks():
    reply = replies.ack_reply(Waiting([]))
    assert reply.text == "0 incident(s) waiting for acknowledgement" and reply.blocks


def change(after, note=""):
    return Updated(INC, Change(before={}, after=after, note=note, actor_id="UBOB"))


@pytest.mark.parametrize(
    ("outcome", "text"),
    [
        (change({"status": "monitoring"}), "INC-7: status is now *monitoring*."),
        (
            change({"severity": "SEV1", "lead_id": "UCAROL"}),
            "INC-7: severity is now *SEV1*, <@UCAROL> is now the lead.",
        ),
        (change({"title": "New"}, note="Rolled back"), "INC-7: title updated, update posted."),
        (Unchanged(INC), "Nothing to change: INC-7 already has that."),
        (
            Blocked(INC, Refused(Reason.BACK_TO_OPEN, "status")),
            "An incident cannot go back to open.",
        ),
        (
            Blocked(INC, Refused(Reason.BAD_TRANSITION, "status", ("resolved", "acknowledged"))),
            "Cannot move from resolved to acknowledged.",
        ),
        (Blocked(INC, Refused(Reason.TOO_LONG, "title")), "Keep the title under 100 characters."),
        (
            Blocked(INC, STEER),
            "Only the lead, the reporter or a holder of the ops_admin role can change status, "
            "severity or lead, or resolve.",
        ),
        (Blocked(INC, RateLimited(3)), "Rate limit exceeded, try again in 3 s"),
    ],
)
def test_change_texts(outcome, text):
    assert replies.change_text(outcome) == text


def test_a_submitted_form_is_answered_only_when_it_was_refused_meanwhile():
    assert replies.submitted_change_reply(change({"title": "x"})) is None
    assert replies.submitted_change_reply(NotFound("i1")) is None
    assert replies.submitted_change_reply(Blocked(INC, STEER)).text.startswith("INC-7: Only the")


def test_form_errors_point_at_the_input():
    assert replies.form_errors(STEER) == {"severity": replies.refusal_text(STEER)}
    assert replies.form_errors(Refused(Reason.BAD_SEVERITY, "severity")) == {
        "severity": "Severity is SEV1 (worst) to SEV4."
    }
    assert replies.form_errors(NotFound("i1")) == {"status": "This incident no longer exists."}


def test_the_lead_nudge_replies():
    reply_for = replies.lead_reply("UCAROL")
    assert reply_for(NotFound("i1")) is None
    assert reply_for(Unchanged(INC)).text == "<@UCAROL> already leads INC-7."
    assert reply_for(change({"lead_id": "UCAROL"})).text == "INC-7: <@UCAROL> is now the lead."


def test_follow_up_report_snooze_and_form_replies():
    assert replies.follow_up_added_reply(Added(INC, ITEM)).text == "Follow-up added to INC-7."
    assert replies.follow_up_done_reply(MarkedDone(ITEM)).text == (
        ":white_check_mark: Done: Alert on &lt;5xx&gt;"
    )
    assert replies.follow_up_done_reply(AlreadyDone(ITEM)).text == "That follow-up is already done."
    assert replies.follow_up_done_reply(NotFound("9")).text == "That follow-up no longer exists."
    assert replies.report_reply(Done(INC)).text == (
        "The report for INC-7 is posted in the channel."
    )
    assert replies.snooze_reply(Snoozed(INC, 30)).text == (
        ":zzz: INC-7: the next update nudge comes in 30 min."
    )
    assert replies.snooze_reply(AlreadyResolved(INC)).text == (
        "INC-7 is resolved; there is nothing to snooze."
    )
    assert replies.snooze_reply(NotFound("i1")).text == "That nudge no longer applies."
    assert replies.form_refused_reply(Blocked(INC, AlreadyResolved(INC))).text == (
        "INC-7 is already resolved."
    )
    assert replies.form_refused_reply(NotFound("i1")).text == "That incident no longer exists."


def test_the_declaration_reply():
    assert replies.declared_reply(Declared(INC, [])).text == (
        ":white_check_mark: INC-7 declared. Join <#C7>."
    )
    assert replies.declared_reply(TakenOver(INC)) is None
