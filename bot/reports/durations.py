"""How long things took, as reports give it."""

from __future__ import annotations

import statistics
from datetime import timedelta


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    # Whole seconds: nobody waiting for a manager cares about microseconds.
    return timedelta(seconds=round(statistics.median(v.total_seconds() for v in values)))
