import json

from incident.declare import DeclareForm
from integrations.slack import declare_modal
from tests.emulator.blockkit import validate_view


def values(title="Checkout down", severity="SEV2", impact=None, description=None, lead=None):
    return {
        "title": {"value": {"value": title}},
        "severity": {"value": {"selected_option": {"value": severity} if severity else None}},
        "impact": {"value": {"value": impact}},
        "description": {"value": {"value": description}},
        "lead": {"value": {"selected_user": lead}},
    }


def test_the_modal_is_valid_block_kit_and_prefilled():
    view = declare_modal.modal("Checkout down", {"response_url": "https://x"})
    assert validate_view(view) == []
    assert view["blocks"][0]["element"]["initial_value"] == "Checkout down"
    assert json.loads(view["private_metadata"]) == {"response_url": "https://x"}


def test_an_overlong_prefill_is_trimmed_to_the_input_limit():
    view = declare_modal.modal("x" * 500)
    assert validate_view(view) == []


def test_a_valid_submission():
    form, errors = declare_modal.parse(
        values(title="  Checkout\n down ", lead="UBOB", impact="EU", description="500s")
    )
    assert errors == {}
    assert form == DeclareForm("Checkout down", "SEV2", "EU", "500s", "UBOB")


def test_errors_are_per_field():
    form, errors = declare_modal.parse(values(title=" \u200b\x00 ", severity="SEV9"))
    assert form is None
    assert set(errors) == {"severity"} | ({"title"} if "title" in errors else set())
    form, errors = declare_modal.parse(values(title="", severity=None, lead="bad"))
    assert set(errors) == {"title", "severity", "lead"}


def test_oversized_fields_are_refused():
    _, errors = declare_modal.parse(
        values(title="t" * 101, impact="i" * 1001, description="d" * 2501)
    )
    assert set(errors) == {"title", "impact", "description"}


def test_missing_blocks_are_errors_not_crashes():
    _, errors = declare_modal.parse({})
    assert set(errors) == {"title", "severity"}


def test_metadata_is_read_defensively():
    assert declare_modal.read_metadata({"private_metadata": "not json"}) == {}
    assert declare_modal.read_metadata({"private_metadata": "[1]"}) == {}
    assert declare_modal.read_metadata({}) == {}


def test_recent_incidents_are_listed_above_the_form():
    from types import SimpleNamespace

    recent = [
        SimpleNamespace(severity="SEV1", display_ref="INC-3", title="<!here> DB", channel_id="C9"),
        SimpleNamespace(severity="SEV4", display_ref="INC-2", title="Typo", channel_id=None),
    ]
    view = declare_modal.modal("x", recent=recent)
    assert validate_view(view) == []
    text = view["blocks"][0]["text"]["text"]
    assert "*SEV1 INC-3* &lt;!here&gt; DB · <#C9>" in text
    assert "*SEV4 INC-2* Typo · _no channel yet_" in text
    assert view["blocks"][2]["block_id"] == "title"
