"""Block Kit validation with Slack's documented limits. Returns a list of problems."""

from __future__ import annotations

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100

_TEXT_ELEMENTS = {"plain_text", "mrkdwn"}
_INPUT_ELEMENTS = {
    "plain_text_input",
    "static_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "channels_select",
    "datepicker",
    "checkboxes",
    "radio_buttons",
    "number_input",
}
_ACTION_ELEMENTS = {"button", "static_select", "users_select", "overflow", "datepicker"}


class Problems(list):
    def check(self, condition: bool, where: str, message: str) -> None:
        if not condition:
            self.append(f"{where}: {message}")


def _text(problems: Problems, obj, where: str, limit: int, plain_only=False) -> None:
    if not isinstance(obj, dict):
        problems.append(f"{where}: must be a text object")
        return
    kind = obj.get("type")
    problems.check(kind in _TEXT_ELEMENTS, where, f"unknown text type {kind!r}")
    if plain_only:
        problems.check(kind == "plain_text", where, "must be plain_text")
    text = obj.get("text")
    problems.check(isinstance(text, str) and len(text) >= 1, where, "text must not be empty")
    if isinstance(text, str):
        problems.check(len(text) <= limit, where, f"text longer than {limit} ({len(text)})")


def _option(problems: Problems, option, where: str) -> None:
    _text(problems, option.get("text"), f"{where}.text", 75, plain_only=True)
    value = option.get("value", "")
    problems.check(isinstance(value, str) and 1 <= len(value) <= 150, where, "bad option value")


def _element(problems: Problems, element, where: str, allowed: set[str]) -> None:
    kind = element.get("type")
    problems.check(kind in allowed, where, f"element type {kind!r} not allowed here")
    action_id = element.get("action_id", "")
    problems.check(len(action_id) <= 255, where, "action_id longer than 255")
    if kind == "button":
        _text(problems, element.get("text"), f"{where}.text", 75, plain_only=True)
        problems.check(len(element.get("value", "")) <= 2000, where, "button value > 2000")
        problems.check(element.get("style") in (None, "primary", "danger"), where, "bad style")
    if kind == "plain_text_input":
        max_length = element.get("max_length", 3000)
        problems.check(1 <= max_length <= 3000, where, "max_length must be 1..3000")
        initial = element.get("initial_value")
        if initial is not None:
            problems.check(len(initial) <= max_length, where, "initial_value over max_length")
    if kind == "static_select":
        options = element.get("options") or []
        problems.check(1 <= len(options) <= 100, where, "static_select needs 1..100 options")
        for index, option in enumerate(options):
            _option(problems, option, f"{where}.options[{index}]")
    if "placeholder" in element:
        _text(problems, element["placeholder"], f"{where}.placeholder", 150, plain_only=True)


def _block(problems: Problems, block, where: str, surface: str) -> None:
    if not isinstance(block, dict):
        problems.append(f"{where}: must be an object")
        return
    kind = block.get("type")
    block_id = block.get("block_id")
    if block_id is not None:
        problems.check(isinstance(block_id, str) and len(block_id) <= 255, where, "bad block_id")
    if kind == "section":
        problems.check("text" in block or "fields" in block, where, "section needs text or fields")
        if "text" in block:
            _text(problems, block["text"], f"{where}.text", 3000)
        fields = block.get("fields", [])
        problems.check(len(fields) <= 10, where, "more than 10 fields")
        for index, field in enumerate(fields):
            _text(problems, field, f"{where}.fields[{index}]", 2000)
        if "accessory" in block:
            _element(problems, block["accessory"], f"{where}.accessory", _ACTION_ELEMENTS)
    elif kind == "header":
        _text(problems, block.get("text"), f"{where}.text", 150, plain_only=True)
    elif kind == "context":
        elements = block.get("elements") or []
        problems.check(1 <= len(elements) <= 10, where, "context needs 1..10 elements")
        for index, element in enumerate(elements):
            _text(problems, element, f"{where}.elements[{index}]", 3000)
    elif kind == "actions":
        elements = block.get("elements") or []
        problems.check(1 <= len(elements) <= 25, where, "actions needs 1..25 elements")
        for index, element in enumerate(elements):
            _element(problems, element, f"{where}.elements[{index}]", _ACTION_ELEMENTS)
    elif kind == "divider":
        pass
    elif kind == "input":
        problems.check(surface == "modal", where, "input blocks only belong in modals")
        _text(problems, block.get("label"), f"{where}.label", 2000, plain_only=True)
        element = block.get("element")
        if not isinstance(element, dict):
            problems.append(f"{where}: input needs an element")
        else:
            _element(problems, element, f"{where}.element", _INPUT_ELEMENTS)
    else:
        problems.append(f"{where}: unknown block type {kind!r}")


def validate_blocks(blocks, surface: str = "message") -> list[str]:
    problems = Problems()
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    limit = MODAL_BLOCKS_MAX if surface == "modal" else MESSAGE_BLOCKS_MAX
    problems.check(len(blocks) <= limit, "blocks", f"more than {limit} blocks")
    seen_ids = set()
    for index, block in enumerate(blocks):
        _block(problems, block, f"blocks[{index}]", surface)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id:
            problems.check(block_id not in seen_ids, f"blocks[{index}]", "duplicate block_id")
            seen_ids.add(block_id)
    return problems


def validate_view(view) -> list[str]:
    problems = Problems()
    if not isinstance(view, dict):
        return ["view must be an object"]
    problems.check(view.get("type") == "modal", "view", "type must be modal")
    _text(problems, view.get("title"), "view.title", 24, plain_only=True)
    for key in ("submit", "close"):
        if key in view:
            _text(problems, view[key], f"view.{key}", 24, plain_only=True)
    problems.check(len(view.get("callback_id", "")) <= 255, "view", "callback_id > 255")
    problems.check(len(view.get("private_metadata", "")) <= 3000, "view", "private_metadata > 3000")
    problems.extend(validate_blocks(view.get("blocks"), surface="modal"))
    return problems


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
