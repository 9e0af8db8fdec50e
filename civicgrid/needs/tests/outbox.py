"""A notification backend for tests run across processes: appends one line per message to
the file named by CIVICGRID_TEST_OUTBOX (set for a worker started by a test)."""

from __future__ import annotations

import os

from civicgrid.core.notifications import Message


class FileOutbox:
    def send(self, messages: list[Message]) -> None:
        with open(os.environ["CIVICGRID_TEST_OUTBOX"], "a", encoding="utf-8") as outbox:
            for m in messages:
                outbox.write(f"{m.recipient_id}\t{m.url}\t{m.text}\n")
            outbox.flush()
            os.fsync(outbox.fileno())
