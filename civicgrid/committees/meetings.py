"""Joint meetings (联席会议). Being written."""

from __future__ import annotations

import datetime as dt


def schedule(now: dt.datetime) -> int:
    return 0
