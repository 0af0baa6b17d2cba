"""What the store knows of an incident channel's archiving (PRODUCT.md §16): whether Klaxon
was shut out of it (it archived it, or Slack refused because a person had), and the one
conditional write that says it is back."""

from __future__ import annotations

from store.fields import utcnow
from store.models import Incident


def shut_out(incident: Incident) -> bool:
    """Klaxon archived the channel, or tried to and Slack refused (a person had archived
    it, say): either way Slack removed Klaxon from it."""
    return incident.archived_at is not None or incident.archive_error is not None


def mark_back(incident: Incident) -> bool:
    """The channel is no longer archived and Klaxon is in it again. One conditional UPDATE:
    True for the one caller that changed it, False if it was not shut out (any more)."""
    shut = Incident.archived_at.is_null(False) | Incident.archive_error.is_null(False)
    changed = (
        Incident.update(archived_at=None, archive_error=None, updated_at=utcnow())
        .where((Incident.id == incident.id) & shut)
        .execute()
    )
    incident.archived_at = incident.archive_error = None
    return changed == 1
