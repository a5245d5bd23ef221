"""The one source of "now" for the core.

Every store and service takes a ``clock`` so that a test (or an import of historical
data) can give them all the same time: a ledger stamping real time while the coach
reckons "today" from a test clock is how a daily allowance test passes on one day only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The wall clock, timezone-aware (UTC)."""
    return datetime.now(UTC)
