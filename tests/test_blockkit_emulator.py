"""The emulator refuses what Slack refuses: each Block Kit rule accepts a payload within it and
refuses one just past it, and every endpoint that takes blocks or a view answers like Slack."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.emulator.blockkit import validate_blocks, validate_view
from tests.emulator.server import BOT_TOKEN, SlackEmulator


def plain(text: str = "Hi") -> dict:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str = "Hi") -> dict:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "Hello", **extra) -> dict:
    return {"type": "section", "text": mrkdwn(text), **extra}


def button(action_id: str = "go", label: str = "Go", **extra) -> dict:
    return {"type": "button", "action_id": action_id, "text": plain(label), **extra}


def actions(*elements, **extra) -> dict:
    return {"type": "actions", "elements": list(elements), **extra}


def option(value: str = "a", label: str = "A", **extra) -> dict:
    return {"text": plain(label), "value": value, **extra}


def select(**extra) -> dict:
    return {"type": "static_select", "action_id": "pick", **extra}


def text_input(**extra) -> dict:
    return {"type": "plain_text_input", "action_id": "value", **extra}


def input_block(element=None, **extra) -> dict:
    element = text_input() if element is None else element
    return {"type": "input", "block_id": "b", "label": plain("Label"), "element": element, **extra}


def modal(*blocks, **extra) -> dict:
    view = {"type": "modal", "title": plain("Title"), "submit": plain("Save"), **extra}
    return {**view, "blocks": list(blocks)}


def home(*blocks, **extra) -> dict:
    return {"type": "home", "blocks": list(blocks), **extra}


def dividers(count: int) -> list[dict]:
    return [{"type": "divider"} for _ in range(count)]


def options(count: int) -> list[dict]:
    return [option(str(n), f"Option {n}") for n in range(count)]


def message(*blocks) -> list[dict]:
    return list(blocks)


# (rule, accepted, refused, words of the refusal). A list is a message's blocks, a dict a view.
RULES = [
    (
        "action_id unique within a block",
        message(actions(button("a"), button("b"))),
        message(actions(button("a"), button("a"))),
        "action_id must be unique among the elements of a block: a",
    ),
    (
        "action_id longest 255",
        message(actions(button("a" * 255))),
        message(actions(button("a" * 256))),
        "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
    ),
    (
        "block_id unique in a message",
        message(section(block_id="x"), section(block_id="y")),
        message(section(block_id="x"), section(block_id="x")),
        "block_id must be unique within a message or view: x [json-pointer:/blocks/1/block_id]",
    ),
    (
        "block_id unique in a view",
        modal(input_block(block_id="x"), input_block(block_id="y")),
        modal(input_block(block_id="x"), input_block(block_id="x")),
        "block_id must be unique within a message or view: x [json-pointer:/view/blocks/1",
    ),
    (
        "block_id longest 255",
        message(section(block_id="b" * 255)),
        message(section(block_id="b" * 256)),
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
    ),
    (
        "50 blocks in a message",
        dividers(50),
        dividers(51),
        "no more than 50 items allowed [json-pointer:/blocks]",
    ),
    (
        "100 blocks in a modal",
        modal(*dividers(100)),
        modal(*dividers(101)),
        "no more than 100 items allowed [json-pointer:/view/blocks]",
    ),
    (
        "100 blocks in a Home tab",
        home(*dividers(100)),
        home(*dividers(101)),
        "no more than 100 items allowed [json-pointer:/view/blocks]",
    ),
    (
        "25 elements in an actions block",
        message(actions(*(button(f"b{n}") for n in range(25)))),
        message(actions(*(button(f"b{n}") for n in range(26)))),
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
    ),
    (
        "an actions block needs elements",
        message(actions(button())),
        message(actions()),
        "must provide at least 1 items [json-pointer:/blocks/0/elements]",
    ),
    (
        "10 context elements",
        message({"type": "context", "elements": [mrkdwn()] * 10}),
        message({"type": "context", "elements": [mrkdwn()] * 11}),
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
    ),
    (
        "context takes text and images, not buttons",
        message({"type": "context", "elements": [plain(), mrkdwn()]}),
        message({"type": "context", "elements": [button()]}),
        "unsupported type: button",
    ),
    (
        "10 section fields",
        message({"type": "section", "fields": [mrkdwn()] * 10}),
        message({"type": "section", "fields": [mrkdwn()] * 11}),
        "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
    ),
    (
        "section field text 2000",
        message({"type": "section", "fields": [mrkdwn("f" * 2000)]}),
        message({"type": "section", "fields": [mrkdwn("f" * 2001)]}),
        "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
    ),
    (
        "section text 3000",
        message(section("s" * 3000)),
        message(section("s" * 3001)),
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ),
    (
        "a section needs text or fields",
        message({"type": "section", "fields": [mrkdwn()]}),
        message({"type": "section", "accessory": button()}),
        "must define either `text` or `fields` [json-pointer:/blocks/0/type]",
    ),
    (
        "text is never empty",
        message(section("x")),
        message(section("")),
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
    ),
    (
        "header text 150",
        message({"type": "header", "text": plain("h" * 150)}),
        message({"type": "header", "text": plain("h" * 151)}),
        "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
    ),
    (
        "header text is plain_text",
        message({"type": "header", "text": plain()}),
        message({"type": "header", "text": mrkdwn()}),
        "unsupported type: mrkdwn [json-pointer:/blocks/0/text/type]",
    ),
    (
        "button text 75",
        message(actions(button(label="b" * 75))),
        message(actions(button(label="b" * 76))),
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    ),
    (
        "button needs text",
        message(actions(button())),
        message(actions({"type": "button", "action_id": "go"})),
        "missing required field: text [json-pointer:/blocks/0/elements/0]",
    ),
    (
        "button value 2000",
        message(actions(button(value="v" * 2000))),
        message(actions(button(value="v" * 2001))),
        "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
    ),
    (
        "button url 3000",
        message(actions(button(url="https://x.test/" + "u" * 2985))),
        message(actions(button(url="https://x.test/" + "u" * 2986))),
        "must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]",
    ),
    (
        "button style primary or danger",
        message(actions(button(style="danger"))),
        message(actions(button(style="secondary"))),
        "must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]",
    ),
    (
        "placeholder 150",
        message(actions({"type": "users_select", "placeholder": plain("p" * 150)})),
        message(actions({"type": "users_select", "placeholder": plain("p" * 151)})),
        "must be less than 151 characters [json-pointer:/blocks/0/elements/0/placeholder/text]",
    ),
    (
        "option text 75",
        message(actions(select(options=[option(label="o" * 75)]))),
        message(actions(select(options=[option(label="o" * 76)]))),
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]",
    ),
    (
        "option value 150",
        message(actions(select(options=[option(value="v" * 150)]))),
        message(actions(select(options=[option(value="v" * 151)]))),
        "must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]",
    ),
    (
        "100 options",
        message(actions(select(options=options(100)))),
        message(actions(select(options=options(101)))),
        "no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]",
    ),
    (
        "100 option groups",
        message(actions(select(option_groups=[{"label": plain(), "options": options(1)}] * 100))),
        message(actions(select(option_groups=[{"label": plain(), "options": options(1)}] * 101))),
        "no more than 100 items allowed [json-pointer:/blocks/0/elements/0/option_groups]",
    ),
    (
        "option group label 75",
        message(actions(select(option_groups=[{"label": plain("l" * 75), "options": options(1)}]))),
        message(actions(select(option_groups=[{"label": plain("l" * 76), "options": options(1)}]))),
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/option_groups/0/label",
    ),
    (
        "a static select needs options or option groups",
        message(actions(select(options=options(2)))),
        message(actions(select())),
        "must provide exactly one of options or option_groups",
    ),
    (
        "a static select takes options or option groups, not both",
        message(actions(select(option_groups=[{"label": plain(), "options": options(1)}]))),
        message(
            actions(
                select(
                    options=options(1), option_groups=[{"label": plain(), "options": options(1)}]
                )
            )
        ),
        "must provide exactly one of options or option_groups",
    ),
    (
        "initial_option is one of the options",
        message(actions(select(options=options(3), initial_option=options(3)[2]))),
        message(actions(select(options=options(3), initial_option=option("9", "Option 9")))),
        "must exactly match one of the options provided",
    ),
    (
        "overflow menus have at most 5 options",
        message(actions({"type": "overflow", "options": options(5)})),
        message(actions({"type": "overflow", "options": options(6)})),
        "no more than 5 items allowed",
    ),
    (
        "only overflow options have a url",
        message(actions({"type": "overflow", "options": [option(url="https://x.test")]})),
        message(actions(select(options=[option(url="https://x.test")]))),
        "invalid additional property: url [json-pointer:/blocks/0/elements/0/options/0]",
    ),
    (
        "modal title 24",
        modal(section(), title=plain("t" * 24)),
        modal(section(), title=plain("t" * 25)),
        "must be less than 25 characters [json-pointer:/view/title/text]",
    ),
    (
        "modal submit 24",
        modal(section(), submit=plain("s" * 24)),
        modal(section(), submit=plain("s" * 25)),
        "must be less than 25 characters [json-pointer:/view/submit/text]",
    ),
    (
        "modal close 24",
        modal(section(), close=plain("c" * 24)),
        modal(section(), close=plain("c" * 25)),
        "must be less than 25 characters [json-pointer:/view/close/text]",
    ),
    (
        "a modal needs a title",
        modal(section()),
        {"type": "modal", "blocks": [section()]},
        "missing required field: title [json-pointer:/view]",
    ),
    (
        "a modal with an input needs submit",
        {"type": "modal", "title": plain(), "blocks": [section()]},
        {"type": "modal", "title": plain(), "blocks": [input_block()]},
        "must define `submit` to use an `input` block in modals",
    ),
    (
        "private_metadata 3000",
        modal(section(), private_metadata="m" * 3000),
        modal(section(), private_metadata="m" * 3001),
        "must be less than 3001 characters [json-pointer:/view/private_metadata]",
    ),
    (
        "callback_id 255",
        modal(section(), callback_id="c" * 255),
        modal(section(), callback_id="c" * 256),
        "must be less than 256 characters [json-pointer:/view/callback_id]",
    ),
    (
        "input label 2000",
        modal(input_block(label=plain("l" * 2000))),
        modal(input_block(label=plain("l" * 2001))),
        "must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]",
    ),
    (
        "input hint 2000",
        modal(input_block(hint=plain("h" * 2000))),
        modal(input_block(hint=plain("h" * 2001))),
        "must be less than 2001 characters [json-pointer:/view/blocks/0/hint/text]",
    ),
    (
        "an input needs an element",
        modal(input_block()),
        modal({"type": "input", "label": plain()}),
        "missing required field: element [json-pointer:/view/blocks/0]",
    ),
    (
        "an input needs a label",
        modal(input_block()),
        modal({"type": "input", "element": text_input()}),
        "missing required field: label [json-pointer:/view/blocks/0]",
    ),
    (
        "a button is no input element",
        modal(input_block(select(options=options(2)))),
        modal(input_block(button())),
        "unsupported type: button [json-pointer:/view/blocks/0/element/type]",
    ),
    (
        "a text input belongs in an input block",
        modal(input_block(text_input())),
        modal(actions(text_input())),
        "unsupported type: plain_text_input [json-pointer:/view/blocks/0/elements/0/type]",
    ),
    (
        "plain_text_input max_length 1..3000",
        modal(input_block(text_input(max_length=3000))),
        modal(input_block(text_input(max_length=3001))),
        "must be between 1 and 3000 [json-pointer:/view/blocks/0/element/max_length]",
    ),
    (
        "plain_text_input min_length 0..3000",
        modal(input_block(text_input(min_length=0))),
        modal(input_block(text_input(min_length=-1))),
        "must be between 0 and 3000 [json-pointer:/view/blocks/0/element/min_length]",
    ),
    (
        "plain_text_input min_length within max_length",
        modal(input_block(text_input(min_length=10, max_length=10))),
        modal(input_block(text_input(min_length=11, max_length=10))),
        "min_length must not be greater than max_length",
    ),
    (
        "plain_text_input initial_value within max_length",
        modal(input_block(text_input(max_length=5, initial_value="12345"))),
        modal(input_block(text_input(max_length=5, initial_value="123456"))),
        "must be less than 6 characters [json-pointer:/view/blocks/0/element/initial_value]",
    ),
    (
        "only one element has focus_on_load",
        modal(input_block(text_input(focus_on_load=True), block_id="x"), input_block()),
        modal(
            input_block(text_input(focus_on_load=True), block_id="x"),
            input_block(text_input(focus_on_load=True)),
        ),
        "only one element can have focus_on_load set to true",
    ),
    (
        "datetimepicker initial_date_time is a 10-digit UNIX time",
        modal(input_block({"type": "datetimepicker", "initial_date_time": 1628633820})),
        modal(input_block({"type": "datetimepicker", "initial_date_time": 1628633820000})),
        "must be between 1000000000 and 9999999999 "
        "[json-pointer:/view/blocks/0/element/initial_date_time]",
    ),
    (
        "no unknown property on a block",
        message(section()),
        message(section(colour="red")),
        "invalid additional property: colour [json-pointer:/blocks/0]",
    ),
    (
        "no unknown property on an element",
        message(actions(button())),
        message(actions(button(label_text="Go"))),
        "invalid additional property: label_text [json-pointer:/blocks/0/elements/0]",
    ),
    (
        "emoji only on plain_text",
        message({"type": "header", "text": {**plain(), "emoji": True}}),
        message({"type": "section", "text": {**mrkdwn(), "emoji": True}}),
        "invalid additional property: emoji [json-pointer:/blocks/0/text]",
    ),
    (
        "no unknown property on a view",
        modal(section()),
        modal(section(), subtitle=plain()),
        "invalid additional property: subtitle [json-pointer:/view]",
    ),
    (
        "a Home tab has no title",
        home(section()),
        home(section(), title=plain()),
        "invalid additional property: title [json-pointer:/view]",
    ),
    (
        "a view is a modal or a Home tab",
        home(section()),
        {"type": "workflow_step", "blocks": []},
        "unsupported type: workflow_step [json-pointer:/view/type]",
    ),
    (
        "unmodelled block types are refused, saying so",
        message({"type": "divider"}),
        message({"type": "rich_text", "elements": []}),
        "unsupported type: rich_text (tests/emulator/blockkit.py does not model it)",
    ),
]


def problems_with(payload) -> list[str]:
    return validate_blocks(payload) if isinstance(payload, list) else validate_view(payload)


@pytest.mark.parametrize(("rule", "accepted", "refused", "words"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_accepts_within_it_and_refuses_past_it(rule, accepted, refused, words):
    assert problems_with(accepted) == []
    problems = problems_with(refused)
    assert any(words in problem for problem in problems), problems


def test_the_same_action_id_in_two_blocks_is_fine():
    """Slack's rule is per block: every modal with two inputs of action_id "value" relies on it."""
    two_blocks = [
        actions(button("done"), block_id="one"),
        actions(button("done"), block_id="two"),
        section("item", accessory=button("done")),
    ]
    assert validate_blocks(two_blocks) == []
    assert validate_view(modal(input_block(block_id="a"), input_block(block_id="b"))) == []


def test_a_button_without_action_id_is_fine():
    """The reference names it optional: Slack generates one."""
    assert validate_blocks([actions(button(), {"type": "button", "text": plain("Two")})]) == []


# ----- the endpoints -----


@pytest.fixture
def emulator():
    """Its own emulator: these tests send what Slack refuses on purpose, which the shared
    fixture would count against them."""
    slack = SlackEmulator().start()
    yield slack
    slack.stop()


@pytest.fixture
def slack(emulator) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=emulator.api_url)


BAD_BLOCKS = [actions(button("same"), button("same"))]
POINTER = "[json-pointer:/blocks/0/elements/1/action_id]"


def assert_invalid_blocks(error: SlackApiError) -> None:
    data = error.response.data
    assert data["error"] == "invalid_blocks"
    assert any(POINTER in problem for problem in data["errors"])
    assert all(m.startswith("[ERROR] ") for m in data["response_metadata"]["messages"])


def test_chat_post_message_answers_invalid_blocks_like_slack(slack, emulator):
    with pytest.raises(SlackApiError) as refused:
        slack.chat_postMessage(channel="CINCIDENTS", text="t", blocks=BAD_BLOCKS)
    assert_invalid_blocks(refused.value)
    assert emulator.messages_in("CINCIDENTS") == []
    assert [kind for kind, _ in emulator.refusals] == ["blocks"]


def test_chat_update_and_post_ephemeral_validate_too(slack):
    posted = slack.chat_postMessage(channel="CINCIDENTS", text="t", blocks=[section()])
    with pytest.raises(SlackApiError) as refused:
        slack.chat_update(channel="CINCIDENTS", ts=posted["ts"], text="t", blocks=BAD_BLOCKS)
    assert_invalid_blocks(refused.value)
    with pytest.raises(SlackApiError) as refused:
        slack.chat_postEphemeral(channel="CINCIDENTS", user="UALICE", text="t", blocks=BAD_BLOCKS)
    assert_invalid_blocks(refused.value)


def test_views_open_answers_invalid_arguments_like_slack(slack, emulator):
    trigger_id = "1.trigger"
    emulator.triggers[trigger_id] = {"issued": time.time(), "used": False, "user": "UALICE"}
    view = modal(input_block(), title=plain("A title far longer than 24"))
    with pytest.raises(SlackApiError) as refused:
        slack.views_open(trigger_id=trigger_id, view=view)
    data = refused.value.response.data
    assert data["error"] == "invalid_arguments"
    assert data["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert emulator.views == {}


def test_views_update_answers_like_slack(slack, emulator):
    trigger_id = "1.trigger"
    emulator.triggers[trigger_id] = {"issued": time.time(), "used": False, "user": "UALICE"}
    opened = slack.views_open(trigger_id=trigger_id, view=modal(input_block()))["view"]
    longer = modal(section("Recent"), input_block())

    def refusal(**params) -> dict:
        with pytest.raises(SlackApiError) as refused:
            slack.api_call("views.update", json={"view": longer, **params})
        return refused.value.response.data

    assert refusal()["error"] == "invalid_arguments", "view_id or external_id is required"
    assert refusal(view_id="V404")["error"] == "not_found"
    assert refusal(external_id="nobody")["error"] == "not_found"
    assert refusal(view_id=opened["id"], hash="stale")["error"] == "hash_conflict"
    too_long = modal(input_block(), title=plain("A title far longer than 24"))
    with pytest.raises(SlackApiError) as refused:
        slack.views_update(view_id=opened["id"], view=too_long)
    assert refused.value.response["error"] == "invalid_arguments"
    assert emulator.views[opened["id"]]["blocks"] == opened["blocks"], "nothing changed yet"

    updated = slack.views_update(view_id=opened["id"], hash=opened["hash"], view=longer)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert emulator.views[opened["id"]]["blocks"] == longer["blocks"]
    assert refusal(view_id=opened["id"], hash=opened["hash"])["error"] == "hash_conflict"


def post_response(url: str, body: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_response_url_refuses_invalid_blocks_like_slack(emulator):
    url = emulator.new_response_url()
    assert post_response(url, {"text": "t", "blocks": BAD_BLOCKS}) == (400, b"invalid_blocks")
    assert post_response(url, {}) == (400, b"missing_text_or_fallback_or_attachments")
    assert emulator.replies(url) == []
    assert post_response(url, {"text": "t", "blocks": [section()]}) == (200, b"ok")
    assert len(emulator.replies(url)) == 1


def test_text_past_40000_characters_is_truncated_with_a_warning(slack, emulator):
    """Slack does not refuse a long `text`: it posts the first 40,000 characters and warns."""
    posted = slack.chat_postMessage(channel="CINCIDENTS", text="x" * 40_001)
    assert posted["response_metadata"]["warnings"] == ["message_truncated"]
    [message] = emulator.messages_in("CINCIDENTS")
    assert len(message.text) == 40_000
    short = slack.chat_postMessage(channel="CINCIDENTS", text="x" * 40_000)
    assert "warnings" not in short.get("response_metadata", {})
