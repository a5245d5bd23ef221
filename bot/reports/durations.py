"""How long things took, as reports give it."""

from __future__ import annotations

import statistics
from datetime import timedelta


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return _whole_seconds(statistics.median(v.total_seconds() for v in values))


def _worst(values: list[timedelta]) -> timedelta | None:
    """The longest, rounded as ``_median`` rounds: rounding the median alone could show a
    worst below it (median 3.0 s, worst 2.6 s)."""
    return _whole_seconds(max(values).total_seconds()) if values else None


def _whole_seconds(seconds: float) -> timedelta:
    # Whole seconds: nobody waiting for a manager cares about microseconds.
    return timedelta(seconds=round(seconds))
