"""The one clock that validation and policies read (API key expiries are judged against it).

``TENANCY_NOW`` (an ISO 8601 instant with its offset, e.g. ``2027-11-01T00:00:00Z``) replaces the
wall clock: the test suite pins it, and an operator asks "what fails on that day?" with it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

NOW_ENV = "TENANCY_NOW"


class ClockError(ValueError):
    pass


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with an offset (``Z`` or ``+hh:mm``), as an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ClockError(f"{text!r} is not an ISO 8601 instant") from None
    if value.tzinfo is None:
        raise ClockError(f"{text!r} has no offset (write it in UTC with Z)")
    return value.astimezone(UTC)


def now() -> datetime:
    pinned = os.environ.get(NOW_ENV)
    if pinned:
        try:
            return parse_instant(pinned)
        except ClockError as exc:
            raise ClockError(f"{NOW_ENV}: {exc}") from None
    return datetime.now(UTC)


def today() -> str:
    """The UTC date of ``now()``: judgements that read the clock are cached per day."""
    return now().date().isoformat()
