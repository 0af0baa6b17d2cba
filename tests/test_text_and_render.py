import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from integrations.slack import messages
from integrations.slack.blocks import date_token
from integrations.slack.text import channel_name, escape, slugify, trim
from tests.emulator.blockkit import validate_blocks

DECLARED = datetime(2026, 11, 22, 10, 2, tzinfo=UTC)


def incident(**overrides):
    fields = dict(
        id="7c4f9c9e-7a43-4a43-9a43-0a43a43a43a4",
        resolution="",
        ref=42,
        display_ref="INC-42",
        title="Checkout is down",
        severity="SEV1",
        status="open",
        lead_id="UBOB",
        reporter_id="UALICE",
        impact="EU customers",
        description="500s",
        latest_update="",
        declared_at=DECLARED,
        updated_at=DECLARED,
        acknowledged_at=None,
        acknowledged_by_id=None,
        resolved_at=None,
        channel_id="C1",
        channel_name="inc-x",
    )
    fields.update(overrides)
    return SimpleNamespace(**fields)


def test_escape():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_trim():
    assert trim("abc", 3) == "abc"
    assert trim("abcdef", 4) == "abc…"
    assert len(trim("x" * 5000, 3000)) == 3000


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Checkout is DOWN!", "checkout-is-down"),
        ("Café crème — 500s", "cafe-creme-500s"),
        ("🔥🔥", ""),
        ("  --weird__name--  ", "weird-name"),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_channel_names_follow_slack_rules():
    name = channel_name("inc", DECLARED, "Checkout is down", "INC-42")
    assert name == "inc-20261122-checkout-is-down"
    assert channel_name("inc", DECLARED, "🔥", "INC-42") == "inc-20261122-inc-42"
    assert channel_name("inc", DECLARED, "1234 5678", "INC-42") == "inc-20261122-inc-42"
    assert channel_name("inc", DECLARED, "x", "INC-1", attempt=3) == "inc-20261122-x-3"
    long_name = channel_name("inc", DECLARED, "word " * 50, "INC-42", attempt=12)
    assert len(long_name) <= 80 and long_name.endswith("-12") and "--" not in long_name


def test_date_tokens_carry_a_fallback():
    assert date_token(DECLARED) == (
        f"<!date^{int(DECLARED.timestamp())}^{{date_short_pretty}} at {{time}}"
        "|2026-11-22 10:02 UTC>"
    )


def test_summary_shows_every_field():
    blocks = messages.summary_blocks(incident(latest_update="Rolled back"))
    text = json.dumps(blocks, ensure_ascii=False)
    for expected in (
        "INC-42 · Checkout is down",
        "Open",
        "SEV1",
        "<@UBOB>",
        "<@UALICE>",
        "EU customers",
        "500s",
        "Rolled back",
        "<!date^",
        "_not yet_",
    ):
        assert expected in text
    assert validate_blocks(blocks) == []


def test_summary_without_a_lead_or_text():
    text = json.dumps(messages.summary_blocks(incident(lead_id=None, impact="", description="")))
    assert "_none yet_" in text and "_not given_" in text


def test_user_text_is_escaped_in_mrkdwn():
    nasty = incident(title="<!channel>", impact="<!here> & co", description="<@U999>")
    blocks = messages.summary_blocks(nasty) + messages.announcement_blocks(nasty)
    mrkdwn = json.dumps([b for b in blocks if b["type"] != "header"])
    assert "<!here>" not in mrkdwn and "<!channel>" not in mrkdwn and "<@U999>" not in mrkdwn
    assert "&lt;!here&gt; &amp; co" in mrkdwn
    assert "&lt;!channel&gt;" in messages.summary_text(nasty)
    assert "&lt;!channel&gt;" in messages.announcement_text(nasty)


def test_oversized_text_stays_within_block_kit_limits():
    huge = incident(
        title="t" * 200, impact="i" * 10_000, description="d" * 10_000, latest_update="u" * 10_000
    )
    assert validate_blocks(messages.summary_blocks(huge)) == []
    assert validate_blocks(messages.announcement_blocks(huge)) == []
    assert len(messages.summary_text(huge)) <= 3000


def test_announcement_links_the_channel():
    text = json.dumps(messages.announcement_blocks(incident()))
    assert "<#C1>" in text and "SEV1 INC-42" in text
    assert "#inc-x" in json.dumps(messages.announcement_blocks(incident(channel_id=None)))


def test_confirmation_lists_what_failed():
    assert "INC-42 declared. Join <#C1>" in messages.confirmation_text(incident(), [])
    text = messages.confirmation_text(incident(channel_id=None), ["the channel could not be made"])
    assert "INC-42 is saved" in text and "• the channel could not be made" in text


@pytest.mark.parametrize(
    "escaped, plain",
    [
        ("DB down for <@U123|bob>", "DB down for @bob"),
        ("see <#C1|ops> and <https://status.example.com|status>", "see #ops and status"),
        ("<!here> cache &amp; queue &lt;3", "@here cache & queue <3"),
        ("<https://x.example>", "https://x.example"),
        ("plain", "plain"),
    ],
)
def test_readable(escaped, plain):
    from integrations.slack.text import readable

    assert readable(escaped) == plain
