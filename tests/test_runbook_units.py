"""PRODUCT.md §15 below the daemon: [types] and [incident_roles] settings, the checklist's
Block Kit within Slack's limits, the subcommands, the emulator's scopes and private
channels, the private-safe lines and the usergroup check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from incident.privacy import is_private, safe_headline, safe_title
from integrations.slack import runbook, runbook_messages, subcommands
from integrations.slack.declare_choices import blocks as declare_choices
from integrations.slack.declare_choices import read as read_choices
from settings.config import load
from settings.errors import ConfigError
from tests.emulator.blockkit import validate_blocks, validate_view
from tests.emulator.server import BOT_TOKEN, SlackEmulator
from tests.test_config import env_with

TYPES = """
[escalation]
security = [{ after = "0m", notify = ["@security"] }]

[types.security]
label = "Security"
private = true
severity = "SEV2"
invite = ["@security", "U0123ABCD"]
escalation = "security"
checklist = [
  { item = "Contain: isolate affected systems", within = "15m" },
  { item = "Notify the data protection officer" },
]

[types.outage]

[incident_roles]
comms = "Communications lead"
scribe = "Scribe"
"""


def test_types_and_roles_are_read(tmp_path):
    config = load(env_with(tmp_path, TYPES))
    security = config.types["security"]
    assert (security.label, security.severity, security.private) == ("Security", "SEV2", True)
    assert security.invite == ("@security", "U0123ABCD")
    assert security.checklist[0].within == timedelta(minutes=15)
    assert security.checklist[1].within is None
    assert config.types["outage"].label == "Outage" and not config.types["outage"].private
    assert config.incident_roles == {"comms": "Communications lead", "scribe": "Scribe"}
    assert config.announce_private is True
    assert not load(env_with(tmp_path, "[slack]\nannounce_private = false")).announce_private


@pytest.mark.parametrize(
    "toml, key, words",
    [
        (
            "[types.security]\nescalation = 'security'",
            "[types.security].escalation",
            "unknown escalation policy 'security'; [escalation] has: none defined",
        ),
        ("[types.security]\nprivate = 'yes'", "[types.security].private", "true or false"),
        ("[types.security]\nseverity = 'SEV9'", "[types.security].severity", "SEV1"),
        ("[types.security]\ninvite = ['security']", "[types.security].invite", "@usergroups"),
        ("[types.security]\ncolour = 'red'", "[types.security].colour", "unknown key"),
        ("[types.Security]\nlabel = 'S'", "[types.Security]", "lowercase"),
        (
            "[types.security]\nchecklist = [{ item = '" + "x" * 76 + "' }]",
            "[types.security].checklist[1].item",
            "at most 75",
        ),
        (
            "[types.security]\nchecklist = [{ item = 'a', within = 'soon' }]",
            "[types.security].checklist[1].within",
            "",
        ),
        ("[incident_roles]\nlead = 'Lead'", "[incident_roles].lead", "not 'lead'"),
        ("[slack]\nannounce_private = 'no'", "[slack].announce_private", ""),
    ],
)
def test_bad_types_and_roles_name_the_key(tmp_path, toml, key, words):
    with pytest.raises(ConfigError) as error:
        load(env_with(tmp_path, toml))
    message = str(error.value)
    assert message.startswith(f"config error: {key}: ") and words in message
    assert "\n" not in message


def item(position, text, done=False, due=None):
    return SimpleNamespace(
        id=position + 1,
        position=position,
        text=text,
        done_at=datetime.now(UTC) if done else None,
        due_at=due,
    )


def test_the_checklist_fits_slack_however_long():
    incident = SimpleNamespace(id=uuid.uuid4(), display_ref="INC-7")
    items = [item(n, f"Step {n} " + "x" * 70, done=n % 3 == 0) for n in range(25)]
    items[0].due_at = datetime.now(UTC)
    blocks = runbook_messages.checklist_blocks(incident, items)
    assert validate_blocks(blocks) == []
    groups = [b for b in blocks if b["type"] == "actions"]
    assert [len(g["elements"][0]["options"]) for g in groups] == [10, 10, 5]
    assert runbook_messages.checklist_block(groups[2]["block_id"]) == (str(incident.id), 2)
    assert runbook_messages.checklist_block("incident_actions") == ("", 0)
    assert "9/25" in blocks[0]["text"]["text"]


def test_the_summary_section_and_claim_buttons_fit_slack():
    incident = SimpleNamespace(id=uuid.uuid4())
    roles = tuple((f"r{n}", f"Role {n}", None if n % 2 else "UBOB") for n in range(8))
    book = runbook_messages.Runbook("Security", True, roles, (2, 3))
    blocks = runbook_messages.summary_section(book) + runbook_messages.claim_buttons(incident, book)
    assert validate_blocks(blocks) == []
    assert "Checklist 2/3" in str(blocks)
    assert runbook_messages.summary_section(None) == []


def test_the_declare_form_offers_types_and_a_private_box(tmp_path):
    types = load(env_with(tmp_path, TYPES)).types
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Declare"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": declare_choices(types),
    }
    assert validate_view(view) == []
    errors: dict = {}
    chosen = {"type": {"value": {"selected_option": {"value": "security"}}}}
    kind, private = read_choices(chosen, types, errors)
    assert kind.name == "security" and private  # the type forces it
    boxes = {"private": {"value": {"selected_options": [{"value": "private"}]}}}
    assert read_choices(boxes, types, errors) == (None, True)
    assert read_choices({}, types, errors) == (None, False)
    read_choices({"type": {"value": {"selected_option": {"value": "gone"}}}}, types, errors)
    assert "no longer configured" in errors["type"]


def test_role_and_type_subcommands():
    assert subcommands.parse("role comms <@UBOB>", user_id="UALICE").value == "comms UBOB"
    assert subcommands.parse("role Scribe me", user_id="UALICE").value == "scribe UALICE"
    assert subcommands.parse("type Security", user_id="UALICE").value == "security"
    for bad in ("role comms", "role comms bob", "role", "type", "type a b"):
        with pytest.raises(subcommands.SubcommandError):
            subcommands.parse(bad, user_id="UALICE")


def test_the_private_safe_lines():
    public = SimpleNamespace(private=False, title="Checkout down", display_ref="INC-1")
    private = SimpleNamespace(private=True, title="Keys leaked", display_ref="INC-2")
    assert not is_private(public) and is_private(private)
    assert safe_title(public) == "Checkout down" and safe_title(private) == "Private incident"
    assert safe_headline(private) == "INC-2 (private)"
    assert "Keys" not in runbook_messages.private_announcement_text(
        SimpleNamespace(display_ref="INC-2", lead_id=None)
    )


@pytest.fixture
def emulator():
    slack = SlackEmulator().start()
    yield slack
    slack.stop()


def test_the_emulator_wants_groups_write_for_a_private_channel(emulator):
    slack = WebClient(token=BOT_TOKEN, base_url=emulator.api_url)
    assert slack.conversations_create(name="open-one")["ok"]
    emulator.scopes.discard("groups:write")
    with pytest.raises(SlackApiError) as error:
        slack.conversations_create(name="closed-one", is_private=True)
    data = error.value.response.data
    assert (data["error"], data["needed"]) == ("missing_scope", "groups:write")
    assert "channels:manage" in data["provided"].split(",")
    assert emulator.channel_named("closed-one") is None


def test_a_private_channel_is_invisible_to_a_bot_outside_it(emulator):
    slack = WebClient(token=BOT_TOKEN, base_url=emulator.api_url)
    emulator.add_channel("GSECRET", "secret", members={"UALICE"}, is_private=True)
    for call in (
        lambda: slack.chat_postMessage(channel="GSECRET", text="hi"),
        lambda: slack.conversations_info(channel="GSECRET"),
        lambda: slack.chat_postMessage(channel="secret", text="hi"),
    ):
        with pytest.raises(SlackApiError) as error:
            call()
        assert error.value.response["error"] == "channel_not_found"
    names = [c["name"] for c in slack.conversations_list(types="private_channel")["channels"]]
    assert "secret" not in names


def test_a_type_inviting_an_unknown_usergroup_is_one_line(tmp_path):
    config = load(env_with(tmp_path, TYPES))
    known = SimpleNamespace(refresh_groups=lambda: None, group_id=lambda h: "S1")
    unknown = SimpleNamespace(refresh_groups=lambda: None, group_id=lambda h: None)
    assert runbook.missing_groups(config, known) == []
    assert runbook.missing_groups(config, unknown) == [
        "config error: [types.security].invite: user group @security does not exist in Slack"
    ]
