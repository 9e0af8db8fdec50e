"""Writes each message to the log instead of sending it: the demo's and development's
backend (the one `OUTREACH_BACKENDS` names by default)."""

from __future__ import annotations

import logging
import uuid

from civicgrid.network.models import mask_mobile
from civicgrid.outreach.backends.base import Text

log = logging.getLogger("civicgrid.outreach")


class LogBackend:
    channel = "log"

    def can_send(self, text: Text) -> bool:
        return True

    def send(self, text: Text) -> str:
        log.info("message to %s (%s): %s", mask_mobile(text.mobile), text.language, text.body)
        return f"log-{uuid.uuid4().hex}"
