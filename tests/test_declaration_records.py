"""What a declaration's branches made is written without competing with the summary's pin:
a branch that ends first leaves its record to the summary's write (integrations/slack/
branches.py Records). The end-to-end tests hold the rest: a stalled announcement
does not hold the summary's record back, and a failed pin still records the post."""

from __future__ import annotations

from integrations.slack.branches import Records
from store.models import Incident


def test_a_branch_ending_beside_the_summary_leaves_its_record_to_the_summary():
    incident = Incident(ref=1, title="Checkout is down", channel_id=None)
    records = Records(incident)
    incident.channel_id = "C1"  # created before the branches start
    records.summary_starts()
    incident.announcement_channel_id, incident.announcement_ts = "CINC", "1.1"
    assert records.to_write() == {}  # the pin is in flight
    incident.summary_ts, incident.summary_pinned = "2.2", True
    assert records.to_write(summary=True) == {
        "channel_id": "C1",
        "summary_ts": "2.2",
        "summary_pinned": True,
        "announcement_channel_id": "CINC",
        "announcement_ts": "1.1",
    }
    assert records.to_write() == {}  # nothing is written twice


def test_a_branch_ending_after_the_summary_writes_its_own():
    incident = Incident(ref=1, title="Checkout is down", channel_id="C1", summary_ts="2.2")
    records = Records(incident)
    records.summary_starts()
    incident.summary_pinned = True
    assert records.to_write(summary=True) == {"summary_pinned": True}
    incident.announcement_channel_id, incident.announcement_ts = "CINC", "1.1"
    assert records.to_write() == {"announcement_channel_id": "CINC", "announcement_ts": "1.1"}
