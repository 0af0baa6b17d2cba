"""The incident's vocabulary and who holds which permission (pure: no database, no Slack)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from incident import access
from incident.access import Caller
from incident.vocabulary import (
    LIMITS,
    PERMISSIONS,
    SETTABLE_STATUSES,
    SEVERITIES,
    STATUSES,
    Actor,
    Holder,
    Permission,
    Reason,
    Refused,
    fit,
    is_raised,
    is_slack_user,
    permission_for,
    transition_refusal,
)
from integrations.slack import subcommands
from settings import config as settings_config
from store.models import incident as incident_tables


def test_one_vocabulary_for_store_and_config():
    assert incident_tables.SEVERITIES is SEVERITIES and incident_tables.STATUSES is STATUSES
    assert settings_config.SEVERITIES is SEVERITIES
    assert STATUSES == ("open", "acknowledged", "monitoring", "resolved")
    assert SETTABLE_STATUSES == ("acknowledged", "monitoring", "resolved")
    assert is_raised("SEV3", "SEV1") and not is_raised("SEV1", "SEV2")


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        ("open", "open", None),
        ("open", "resolved", None),
        ("resolved", "monitoring", None),
        ("acknowledged", "open", Refused(Reason.BACK_TO_OPEN, "status")),
        (
            "resolved",
            "acknowledged",
            Refused(Reason.BAD_TRANSITION, "status", ("resolved", "acknowledged")),
        ),
    ],
)
def test_transitions(current, target, expected):
    assert transition_refusal(current, target) == expected


def test_limits_are_one_table_used_for_trimming():
    assert LIMITS["title"] == 100 and LIMITS["follow_up"] == 500 and LIMITS["pin"] == 1000
    assert fit("x" * 150, "title") == "x" * 99 + "…"
    assert fit("short", "title") == "short"


def test_slack_user_ids():
    assert is_slack_user("UALICE") and is_slack_user("W012ABC")
    assert not is_slack_user("alertmanager") and not is_slack_user("ops@example.com")
    assert not is_slack_user(None) and not is_slack_user("")


@pytest.mark.parametrize(
    ("changed", "lead_seat_empty", "needs"),
    [
        ({"title", "impact"}, False, Permission.EDIT),
        ({"lead_id"}, True, Permission.TAKE_LEAD),
        ({"lead_id"}, False, Permission.STEER),
        ({"lead_id", "severity"}, True, Permission.STEER),
        ({"status"}, False, Permission.STEER),
    ],
)
def test_what_a_change_needs(changed, lead_seat_empty, needs):
    assert permission_for(changed, lead_seat_empty=lead_seat_empty) == needs


def test_every_permission_has_holders():
    assert set(PERMISSIONS) == set(Permission)
    assert PERMISSIONS[Permission.ACKNOWLEDGE] == {Holder.ACK_ROLE}
    # Holders of the incident's [incident_roles] steer like the lead (PRODUCT.md §15).
    steerers = {Holder.LEAD, Holder.REPORTER, Holder.ACK_ROLE, Holder.ROLE_HOLDER}
    assert PERMISSIONS[Permission.STEER] == steerers
    assert PERMISSIONS[Permission.CHANGE_TYPE] == steerers
    assert PERMISSIONS[Permission.ASSIGN_ROLE] == steerers
    assert PERMISSIONS[Permission.CLAIM_ROLE] == {Holder.ANYONE}
    assert PERMISSIONS[Permission.TICK] == {Holder.ANYONE}


class Roles:
    def __init__(self, holders):
        self.holders = holders

    def holds(self, user_id, role):
        held = {role} if user_id in self.holders else set()
        return role in held, held

    def holds_email(self, email, role):
        return self.holds(email, role)


SERVICES = SimpleNamespace(config=SimpleNamespace(ack_role="ops_admin"), roles=Roles({"UDAVE"}))
INCIDENT = SimpleNamespace(lead_id="UBOB", reporter_id="UALICE")


@pytest.mark.parametrize(
    ("permission", "allowed"),
    [
        (Permission.ACKNOWLEDGE, {"UDAVE"}),
        (Permission.STEER, {"UBOB", "UALICE", "UDAVE", "UERIN"}),
        (Permission.CHANGE_TYPE, {"UBOB", "UALICE", "UDAVE", "UERIN"}),
        (Permission.ASSIGN_ROLE, {"UBOB", "UALICE", "UDAVE", "UERIN"}),
        (Permission.EDIT, {"UBOB", "UALICE", "UDAVE", "UCAROL", "UERIN"}),
        (Permission.FOLLOW_UP, {"UBOB", "UALICE", "UDAVE", "UCAROL", "UERIN"}),
        (Permission.TICK, {"UBOB", "UALICE", "UDAVE", "UCAROL", "UERIN"}),
    ],
)
def test_who_holds_what(permission, allowed, monkeypatch):
    # UERIN holds one of the incident's roles (comms, say): steers like the lead.
    monkeypatch.setattr(access.incident_roles, "holds_any", lambda _, user_id: user_id == "UERIN")
    people = {"UBOB", "UALICE", "UDAVE", "UCAROL", "UERIN"}
    holding = {
        user_id
        for user_id in people
        if access._holds(SERVICES, Actor(user_id=user_id), permission, INCIDENT)[0]
    }
    assert holding == allowed


def test_an_email_identity_holds_the_ack_role_by_email():
    assert access._holds(SERVICES, Actor(email="UDAVE"), Permission.ACKNOWLEDGE, None) == (
        True,
        {"ops_admin"},
    )
    assert not access._holds(SERVICES, Actor(email="x@example.com"), Permission.STEER, INCIDENT)[0]


def test_one_audit_action_per_refused_permission():
    assert access.DENIED_ACTIONS[Permission.ACKNOWLEDGE] == "ops_admin_access_denied"
    assert access.DENIED_ACTIONS[Permission.STEER] == "incident_change_denied"


def test_a_caller_is_keyed_like_the_rate_limit():
    assert Caller(Actor(user_id="UBOB"), Permission.ACKNOWLEDGE).key == "UBOB"
    assert Caller(Actor(email=" Ops@Example.com "), Permission.ACKNOWLEDGE).key == "ops@example.com"


def test_subcommands_read_the_same_limits_and_statuses():
    with pytest.raises(subcommands.SubcommandError, match="under 500 characters"):
        subcommands.parse("followup " + "x" * 501, user_id="UBOB")
    assert subcommands.parse("followup " + "x" * 500, user_id="UBOB").value == "x" * 500
    assert subcommands.parse("status monitoring", user_id="UBOB").value == "monitoring"
    with pytest.raises(subcommands.SubcommandError, match="cannot go back to open"):
        subcommands.parse("status open", user_id="UBOB")
