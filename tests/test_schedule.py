"""Due-time arithmetic with a controlled clock."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from incident.due_times import (
    escalation_step,
    next_reconcile,
    on_changed,
    on_declared,
    resume_escalation_at,
    snoozed,
)
from settings.config import Config
from settings.escalation import EscalationLevel

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)
LEVELS = (
    EscalationLevel(after=0 * M, notify=("#incidents",)),
    EscalationLevel(after=5 * M, notify=("@oncall",)),
    EscalationLevel(after=15 * M, notify=("U1",), repeat=15 * M),
)
CONFIG = Config(
    bot_token="xoxb-x",
    app_token="xapp-x",
    escalation={"default": LEVELS, "SEV4": (EscalationLevel(10 * M, ("#low",)),)},
)


def incident(level=0, severity="SEV2", status="open", **extra):
    return SimpleNamespace(
        declared_at=T0, escalation_level=level, severity=severity, status=status, **extra
    )


def test_on_declared():
    due = on_declared(CONFIG, "SEV1", None, T0)
    assert due == {
        "next_update_nudge_at": T0 + 15 * M,
        "next_lead_nudge_at": T0 + 10 * M,
        "next_escalation_at": T0,
    }
    assert on_declared(CONFIG, "SEV4", "U9", T0)["next_lead_nudge_at"] is None
    assert on_declared(CONFIG, "SEV4", "U9", T0)["next_escalation_at"] == T0 + 10 * M
    no_policy = Config(bot_token="xoxb-x", app_token="xapp-x")
    assert on_declared(no_policy, "SEV2", None, T0)["next_escalation_at"] is None


def test_any_change_resets_the_update_clock_with_the_new_severity():
    now = T0 + 7 * M
    due = on_changed(CONFIG, incident(), {"severity": "SEV1"}, now)
    assert due["next_update_nudge_at"] == now + 15 * M and due["last_update_at"] == now
    assert on_changed(CONFIG, incident(), {}, now)["next_update_nudge_at"] == now + 30 * M
    assert on_changed(CONFIG, incident(), {"lead_id": "U2"}, now)["next_lead_nudge_at"] is None


def test_resolving_stops_nudges_and_escalation_and_schedules_the_reminder():
    now = T0 + 40 * M
    due = on_changed(CONFIG, incident(), {"status": "resolved"}, now)
    assert due["next_update_nudge_at"] is None and due["next_escalation_at"] is None
    assert due["next_lead_nudge_at"] is None
    assert due["next_followup_at"] == now + timedelta(hours=24)
    reopened = on_changed(CONFIG, incident(status="resolved"), {"status": "monitoring"}, now)
    assert reopened["next_followup_at"] is None
    assert reopened["next_update_nudge_at"] == now + 30 * M


def test_snooze():
    assert snoozed(T0, 120) == {"next_update_nudge_at": T0 + 120 * M}


def test_escalation_climbs_level_by_level():
    step = escalation_step(CONFIG, incident(0), T0)
    assert (step.level, step.targets, step.skipped, step.next_at) == (
        1,
        ("#incidents",),
        (),
        T0 + 5 * M,
    )
    step = escalation_step(CONFIG, incident(1), T0 + 5 * M)
    assert (step.level, step.targets, step.next_at) == (2, ("@oncall",), T0 + 15 * M)
    assert escalation_step(CONFIG, incident(2), T0 + 10 * M) is None
    assert resume_escalation_at(CONFIG, incident(2)) == T0 + 15 * M
    step = escalation_step(CONFIG, incident(2), T0 + 15 * M)
    assert (step.level, step.repeat, step.next_at) == (3, False, T0 + 30 * M)


def test_the_last_level_repeats():
    step = escalation_step(CONFIG, incident(3), T0 + 31 * M)
    assert (step.level, step.repeat, step.next_at) == (3, True, T0 + 46 * M)
    once = Config(
        bot_token="xoxb-x",
        app_token="xapp-x",
        escalation={"default": (EscalationLevel(0 * M, ("#a",)),)},
    )
    assert escalation_step(once, incident(1), T0 + 99 * M) is None
    assert resume_escalation_at(once, incident(1)) is None


def test_after_downtime_the_highest_due_level_fires_once_naming_the_skipped():
    step = escalation_step(CONFIG, incident(0), T0 + 3 * 60 * M)
    assert (step.level, step.skipped, step.repeat) == (3, (1, 2), False)
    assert step.next_at == T0 + 3 * 60 * M + 15 * M, "coalesced: one repeat interval from now"
    step = escalation_step(CONFIG, incident(1), T0 + 20 * M)
    assert (step.level, step.skipped) == (3, (2,))


def test_severity_policies_fall_back_to_default():
    assert escalation_step(CONFIG, incident(0, "SEV4"), T0 + 9 * M) is None
    assert escalation_step(CONFIG, incident(0, "SEV4"), T0 + 10 * M).targets == ("#low",)


def test_reconcile_backs_off_to_ten_minutes():
    assert [next_reconcile(CONFIG, n, T0) - T0 for n in (0, 1, 2, 5, 10)] == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(minutes=10),
    ]
