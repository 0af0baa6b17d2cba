"""What a declaration's Slack steps achieved is on the incident row even when a later step
fails: the next try must not post or create again what is already there."""

from __future__ import annotations

import pytest

from tests.helpers import declare, incidents_in, wait_declared

pytestmark = pytest.mark.e2e


def test_a_failed_pin_still_records_the_summary_and_the_channel(daemon, emulator, database_url):
    emulator.fail("pins.add", error="not_pinnable")
    command, _, _ = declare(emulator, "Pin refused")
    confirmation = wait_declared(emulator, command)
    assert "not pinned" in confirmation["text"]

    [incident] = incidents_in(database_url)
    channel = emulator.channel_named(incident.channel_name)
    [summary] = emulator.messages_in(channel.id)
    assert (incident.channel_id, incident.summary_ts) == (channel.id, summary.ts)
    assert not incident.summary_pinned
    assert incident.next_reconcile_at is not None, "the pin is tried again later"
