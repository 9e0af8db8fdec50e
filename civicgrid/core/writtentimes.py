"""Times written as text, remembered: what the lists clients poll print again and again.

An Open311 list of a thousand requests prints three times each, a REST page of a hundred
needs four; the same needs come back on every poll. Writing one (`isoformat`, a zone's
offset) cost ~4 µs on the benchmark machine, finding it again a dictionary lookup
(issue 13). What is written depends on the moment alone, so nothing can go stale; what is
remembered is forgotten all at once past `limit`, so memory stays bounded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from civicgrid.core.remembered import Remembered


class WrittenTimes:
    """`write`, a pure function of a time, remembered (`core/remembered.py`). A time is found
    again by its value and its offset: two equal times with the same zone object but a
    different offset (a clock set back in the autumn) are written differently."""

    def __init__(self, write: Callable[[dt.datetime], str], limit: int = 30_000) -> None:
        self.written: Remembered[tuple[dt.datetime, dt.timedelta | None], str] = Remembered(
            lambda key: write(key[0]), limit=limit
        )

    def __call__(self, moment: dt.datetime | None) -> str | None:
        if moment is None:
            return None
        return self.written((moment, moment.utcoffset()))
