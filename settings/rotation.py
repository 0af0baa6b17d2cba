"""Checking a presented secret against every secret accepted during a rotation.

Settings read a rotating secret with `settings.sources.rotating_secret(env, NAME)`, which
gives (NAME, NAME_PREVIOUS) without the unset ones; a verifier passes that tuple here.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable


def matches_any(presented: str, accepted: Iterable[str]) -> bool:
    """Whether `presented` equals one of the accepted secrets, in constant time each.

    Every secret is compared (no early exit), so the time taken does not tell which one
    matched.
    """
    found = False
    for secret in accepted:
        found |= hmac.compare_digest(presented.encode(), secret.encode())
    return found
