"""Block Kit validation as strict as Slack's: what Slack refuses, this refuses.

Each problem reads like Slack's own, "<what is wrong> [json-pointer:/blocks/0/text/text]"; the
emulator answers them the way Slack does (`invalid_blocks` with `errors` and
`response_metadata.messages` for messages, `invalid_arguments` with
`response_metadata.messages` for views).

The rules come from Slack's Block Kit reference (docs.slack.dev/reference/block-kit/...):
- blocks: section (text 3000, up to 10 fields of 2000, text or fields required), header
  (plain_text 150), context (up to 10 text or image elements), actions (up to 25 elements),
  divider, input (plain_text label and hint 2000, an element required), image; block_id at
  most 255 characters and "unique for each message or view"; 50 blocks in a message, 100 in
  a modal or Home tab;
- elements and the blocks each works in (the reference's "works with block types" table):
  button (plain_text 75, value 2000, url 3000, accessibility_label 75, style primary or
  danger), select menus (placeholder 150; static_select: options or option_groups, 100 each,
  initial_option exactly one of them), overflow (1 to 5 options), checkboxes and radio
  buttons (10 options), datepicker (YYYY-MM-DD), plain_text_input (min_length 0..3000,
  max_length 1..3000), image; action_id at most 255 characters and "unique among all other
  action_ids in the containing block" (so the same action_id in two blocks is fine, and is
  what every modal with two inputs of action_id "value" does); only one focus_on_load;
- composition objects: text (1 to 3000 characters, emoji only on plain_text, verbatim only
  on mrkdwn), option (text 75, value 150, description 75, url 3000 in overflow menus only),
  option group (label 75, up to 100 options), confirm (title 100, text 300, confirm and deny
  30);
- views: modal (title, submit and close plain_text 24, submit required with an input block,
  private_metadata 3000, callback_id 255) and home (blocks, private_metadata, callback_id,
  external_id).
Any property the reference does not list for a block, element or object is refused, as Slack
refuses it ("invalid additional property"). Where the reference names an action_id
"Optional" (buttons included), Slack makes one up, so it is not required here either.

Block and element types Klaxon does not use and this module does not model are refused with
a message that says so, so a new one fails loudly until its rules are added from the
reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MESSAGE_TEXT_MAX = 40_000  # past this Slack truncates `text` and warns (message_truncated)

PLAIN = ("plain_text",)
ANY_TEXT = ("plain_text", "mrkdwn")

Check = Callable[["Problems", Any, str], None]


class Problems(list):
    """Slack-worded problems, each with the JSON pointer of what is wrong."""

    def add(self, pointer: str, message: str) -> None:
        self.append(f"{message} [json-pointer:{pointer}]")


# ----- values -----


def _string(max_length: int | None = None, min_length: int = 0) -> Check:
    def check(problems: Problems, value, pointer: str) -> None:
        if not isinstance(value, str):
            problems.add(pointer, "must be a string")
        elif len(value) < min_length:
            problems.add(pointer, f"must be more than {min_length - 1} characters")
        elif max_length is not None and len(value) > max_length:
            problems.add(pointer, f"must be less than {max_length + 1} characters")

    return check


def _boolean(problems: Problems, value, pointer: str) -> None:
    if not isinstance(value, bool):
        problems.add(pointer, "must be a boolean")


def _integer(low: int, high: int) -> Check:
    def check(problems: Problems, value, pointer: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            problems.add(pointer, "must be an integer")
        elif not low <= value <= high:
            problems.add(pointer, f"must be between {low} and {high}")

    return check


def _one_of(*allowed: str) -> Check:
    def check(problems: Problems, value, pointer: str) -> None:
        if value not in allowed:
            problems.add(pointer, f"must be one of {', '.join(allowed)}")

    return check


def _date(problems: Problems, value, pointer: str) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        problems.add(pointer, "must be a date in the format YYYY-MM-DD")


def _any_object(problems: Problems, value, pointer: str) -> None:
    """An object whose inner rules the emulator does not model (filter, slack_file...)."""
    if not isinstance(value, dict):
        problems.add(pointer, "must provide an object")


def _array(item: Check, max_items: int, min_items: int = 1) -> Check:
    def check(problems: Problems, value, pointer: str) -> None:
        if not isinstance(value, list):
            problems.add(pointer, "must provide an array")
            return
        if len(value) < min_items:
            problems.add(pointer, f"must provide at least {min_items} items")
        if len(value) > max_items:
            problems.add(pointer, f"no more than {max_items} items allowed")
        for index, entry in enumerate(value):
            item(problems, entry, f"{pointer}/{index}")

    return check


def _object(
    problems: Problems,
    value,
    pointer: str,
    required: dict[str, Check],
    optional: dict[str, Check],
) -> bool:
    """Check an object's known properties; refuse unknown ones. False if it is no object."""
    if not isinstance(value, dict):
        problems.add(pointer, "must provide an object")
        return False
    for key in value:
        if key not in required and key not in optional:
            problems.add(pointer, f"invalid additional property: {key}")
    for key, check in {**required, **optional}.items():
        if key in value:
            check(problems, value[key], f"{pointer}/{key}")
        elif key in required:
            problems.add(pointer, f"missing required field: {key}")
    return True


def _shape(required: dict[str, Check], optional: dict[str, Check]) -> Check:
    def check(problems: Problems, value, pointer: str) -> None:
        _object(problems, value, pointer, required, optional)

    return check


def _no_check(problems: Problems, value, pointer: str) -> None:
    """`type`, already checked by whoever chose the shape by it."""


# ----- composition objects -----


def _text(max_length: int, kinds: tuple[str, ...] = ANY_TEXT) -> Check:
    def check(problems: Problems, value, pointer: str) -> None:
        if not isinstance(value, dict):
            problems.add(pointer, "must provide an object")
            return
        kind = value.get("type")
        if kind not in kinds:
            problems.add(f"{pointer}/type", f"unsupported type: {kind}")
            return
        flag = {"emoji": _boolean} if kind == "plain_text" else {"verbatim": _boolean}
        required = {"type": _no_check, "text": _string(max_length, min_length=1)}
        _object(problems, value, pointer, required, flag)

    return check


def _option(kinds: tuple[str, ...] = PLAIN, url: bool = False) -> Check:
    optional = {"description": _text(75, kinds)}
    if url:  # "The url attribute is only available in overflow menus."
        optional["url"] = _string(3000)
    return _shape({"text": _text(75, kinds), "value": _string(150)}, optional)


_OPTION_GROUP = _shape({"label": _text(75, PLAIN), "options": _array(_option(), 100)}, {})
_CONFIRM = _shape(
    {
        "title": _text(100, PLAIN),
        "text": _text(300),
        "confirm": _text(30, PLAIN),
        "deny": _text(30, PLAIN),
    },
    {"style": _one_of("primary", "danger")},
)

# ----- elements -----

_ACTION_ID = {"action_id": _string(255)}
_PLACEHOLDER = {"placeholder": _text(150, PLAIN)}
_FOCUS = {"focus_on_load": _boolean}
_SELECT = {**_ACTION_ID, "confirm": _CONFIRM, **_FOCUS, **_PLACEHOLDER}

ELEMENTS: dict[str, tuple[dict[str, Check], dict[str, Check]]] = {
    # type: (required besides `type`, optional)
    "button": (
        {"text": _text(75, PLAIN)},
        {
            **_ACTION_ID,
            "url": _string(3000),
            "value": _string(2000),
            "style": _one_of("primary", "danger"),
            "confirm": _CONFIRM,
            "accessibility_label": _string(75),
        },
    ),
    "static_select": (
        {},
        {
            **_SELECT,
            "options": _array(_option(), 100),
            "option_groups": _array(_OPTION_GROUP, 100),
            "initial_option": _option(),
        },
    ),
    "users_select": ({}, {**_SELECT, "initial_user": _string()}),
    "conversations_select": (
        {},
        {
            **_SELECT,
            "initial_conversation": _string(),
            "default_to_current_conversation": _boolean,
            "response_url_enabled": _boolean,
            "filter": _any_object,
        },
    ),
    "channels_select": (
        {},
        {**_SELECT, "initial_channel": _string(), "response_url_enabled": _boolean},
    ),
    "overflow": (
        {"options": _array(_option(url=True), 5)},
        {**_ACTION_ID, "confirm": _CONFIRM},
    ),
    "datepicker": ({}, {**_SELECT, "initial_date": _date}),
    # A UNIX time in seconds, "in the format of 10 digits" (the reference).
    "datetimepicker": (
        {},
        {
            **_ACTION_ID,
            "initial_date_time": _integer(1_000_000_000, 9_999_999_999),
            "confirm": _CONFIRM,
            **_FOCUS,
        },
    ),
    "checkboxes": (
        {"options": _array(_option(ANY_TEXT), 10)},
        {
            **_ACTION_ID,
            "initial_options": _array(_option(ANY_TEXT), 10),
            "confirm": _CONFIRM,
            **_FOCUS,
        },
    ),
    "radio_buttons": (
        {"options": _array(_option(ANY_TEXT), 10)},
        {**_ACTION_ID, "initial_option": _option(ANY_TEXT), "confirm": _CONFIRM, **_FOCUS},
    ),
    "plain_text_input": (
        {},
        {
            **_ACTION_ID,
            "initial_value": _string(3000),
            "multiline": _boolean,
            "min_length": _integer(0, 3000),
            "max_length": _integer(1, 3000),
            "dispatch_action_config": _any_object,
            **_FOCUS,
            **_PLACEHOLDER,
        },
    ),
    "image": ({"alt_text": _string()}, {"image_url": _string(3000), "slack_file": _any_object}),
}

# Which elements each place takes ("works with block types" in the reference).
_SELECTS = {"static_select", "users_select", "conversations_select", "channels_select"}
ACCESSORY_ELEMENTS = {
    "button",
    "checkboxes",
    "datepicker",
    "image",
    "overflow",
    "radio_buttons",
    *_SELECTS,
}
ACTIONS_ELEMENTS = (ACCESSORY_ELEMENTS - {"image"}) | {"datetimepicker"}
INPUT_ELEMENTS = {
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "plain_text_input",
    "radio_buttons",
    *_SELECTS,
}


def _unmodelled(kind) -> str:
    return f"unsupported type: {kind} (tests/emulator/blockkit.py does not model it)"


def _element_rules(problems: Problems, element: dict, pointer: str) -> None:
    """The rules across properties that the reference states in words."""
    kind = element["type"]
    if kind == "static_select":
        has_options, has_groups = "options" in element, "option_groups" in element
        if has_options == has_groups:
            problems.add(pointer, "must provide exactly one of options or option_groups")
    if kind in ("static_select", "radio_buttons") and "initial_option" in element:
        choices = _choices(element)
        if element["initial_option"] not in choices:
            problems.add(
                f"{pointer}/initial_option", "must exactly match one of the options provided"
            )
    if kind == "checkboxes":
        choices = _choices(element)
        for index, initial in enumerate(element.get("initial_options") or []):
            if initial not in choices:
                problems.add(
                    f"{pointer}/initial_options/{index}",
                    "must exactly match one of the options provided",
                )
    if kind == "plain_text_input":
        low, high = element.get("min_length", 0), element.get("max_length", 3000)
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.add(pointer, "min_length must not be greater than max_length")
        initial = element.get("initial_value")
        if isinstance(initial, str) and isinstance(high, int) and len(initial) > high:
            # Slack refuses an initial value the input itself would refuse.
            problems.add(f"{pointer}/initial_value", f"must be less than {high + 1} characters")
    if kind == "image" and ("image_url" in element) == ("slack_file" in element):
        problems.add(pointer, "must provide exactly one of image_url or slack_file")


def _choices(element: dict) -> list:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        if isinstance(group, dict):
            options.extend(group.get("options") or [])
    return options


def _element(allowed: set[str]) -> Check:
    def check(problems: Problems, element, pointer: str) -> None:
        if not isinstance(element, dict):
            problems.add(pointer, "must provide an object")
            return
        kind = element.get("type")
        if kind not in ELEMENTS:
            problems.add(f"{pointer}/type", _unmodelled(kind))
            return
        if kind not in allowed:
            problems.add(f"{pointer}/type", f"unsupported type: {kind}")
            return
        required, optional = ELEMENTS[kind]
        if _object(problems, element, pointer, {"type": _no_check, **required}, optional):
            _element_rules(problems, element, pointer)

    return check


def _context_element(problems: Problems, element, pointer: str) -> None:
    kind = element.get("type") if isinstance(element, dict) else None
    if kind == "image":
        _element({"image"})(problems, element, pointer)
    else:
        _text(3000)(problems, element, pointer)


# ----- blocks -----

_BLOCK_ID = {"block_id": _string(255)}

BLOCKS: dict[str, tuple[dict[str, Check], dict[str, Check]]] = {
    "section": (
        {},
        {
            **_BLOCK_ID,
            "text": _text(3000),
            "fields": _array(_text(2000), 10),
            "accessory": _element(ACCESSORY_ELEMENTS),
            "expand": _boolean,
        },
    ),
    "header": ({"text": _text(150, PLAIN)}, _BLOCK_ID),
    "context": ({"elements": _array(_context_element, 10)}, _BLOCK_ID),
    "actions": ({"elements": _array(_element(ACTIONS_ELEMENTS), 25)}, _BLOCK_ID),
    "divider": ({}, _BLOCK_ID),
    "input": (
        {"label": _text(2000, PLAIN), "element": _element(INPUT_ELEMENTS)},
        {
            **_BLOCK_ID,
            "hint": _text(2000, PLAIN),
            "optional": _boolean,
            "dispatch_action": _boolean,
        },
    ),
    "image": (
        {"alt_text": _string(2000)},
        {
            **_BLOCK_ID,
            "image_url": _string(3000),
            "slack_file": _any_object,
            "title": _text(2000, PLAIN),
        },
    ),
}


def _block(problems: Problems, block, pointer: str) -> None:
    if not isinstance(block, dict):
        problems.add(pointer, "must provide an object")
        return
    kind = block.get("type")
    if kind not in BLOCKS:
        problems.add(f"{pointer}/type", _unmodelled(kind))
        return
    required, optional = BLOCKS[kind]
    _object(problems, block, pointer, {"type": _no_check, **required}, optional)
    if kind == "section" and "text" not in block and "fields" not in block:
        problems.add(f"{pointer}/type", "must define either `text` or `fields`")
    if kind == "image" and ("image_url" in block) == ("slack_file" in block):
        problems.add(pointer, "must provide exactly one of image_url or slack_file")
    if kind == "actions" and isinstance(block.get("elements"), list):
        _unique_action_ids(problems, block["elements"], f"{pointer}/elements")


def _unique_action_ids(problems: Problems, elements: list, pointer: str) -> None:
    seen: set[str] = set()
    for index, element in enumerate(elements):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if action_id is None:
            continue  # Slack generates a unique one
        if action_id in seen:
            problems.add(
                f"{pointer}/{index}/action_id",
                f"action_id must be unique among the elements of a block: {action_id}",
            )
        seen.add(action_id)


def _interactive_elements(block: dict) -> list:
    found = [block.get("accessory"), block.get("element"), *(block.get("elements") or [])]
    return [element for element in found if isinstance(element, dict)]


def validate_blocks(blocks, surface: str = "message", pointer: str = "/blocks") -> list[str]:
    """Problems with `blocks` for a message ("message") or a view ("modal", "home")."""
    problems = Problems()
    if not isinstance(blocks, list):
        problems.add(pointer, "must provide an array")
        return problems
    limit = MESSAGE_BLOCKS_MAX if surface == "message" else VIEW_BLOCKS_MAX
    if len(blocks) > limit:
        problems.add(pointer, f"no more than {limit} items allowed")
    block_ids: set[str] = set()
    focused = 0
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        _block(problems, block, where)
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in block_ids:
                problems.add(
                    f"{where}/block_id",
                    f"block_id must be unique within a message or view: {block_id}",
                )
            block_ids.add(block_id)
        focused += sum(e.get("focus_on_load") is True for e in _interactive_elements(block))
    if focused > 1:
        problems.add(pointer, "only one element can have focus_on_load set to true")
    return problems


_VIEW_COMMON = {
    "private_metadata": _string(3000),
    "callback_id": _string(255),
    "external_id": _string(),
}
_MODAL = {
    **_VIEW_COMMON,
    "close": _text(24, PLAIN),
    "submit": _text(24, PLAIN),
    "clear_on_close": _boolean,
    "notify_on_close": _boolean,
    "submit_disabled": _boolean,
}


def validate_view(view) -> list[str]:
    """Problems with a view for views.open/update/push (modal) or views.publish (home)."""
    problems = Problems()
    if not isinstance(view, dict):
        problems.add("/view", "must provide an object")
        return problems
    kind = view.get("type")
    skip = {"type": _no_check, "blocks": _no_check}  # blocks are checked below
    if kind == "modal":
        _object(problems, view, "/view", {**skip, "title": _text(24, PLAIN)}, _MODAL)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and "submit" not in view:
            problems.add("/view", "must define `submit` to use an `input` block in modals")
    elif kind == "home":
        _object(problems, view, "/view", skip, _VIEW_COMMON)
    else:
        problems.add("/view/type", f"unsupported type: {kind}")
        return problems
    if "blocks" in view:
        problems.extend(validate_blocks(view["blocks"], kind, "/view/blocks"))
    return problems


def slack_messages(problems: list[str]) -> list[str]:
    """`response_metadata.messages` as Slack words them: each problem marked [ERROR]."""
    return [f"[ERROR] {problem}" for problem in problems]


def mrkdwn_texts(text: str | None, blocks) -> list[str]:
    """Every piece of text Slack would parse for mentions: the message text and mrkdwn."""
    found = [text] if text else []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks or [])
    return found
