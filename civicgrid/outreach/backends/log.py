"""The log backend: each message goes to the log (the console in development, a file or the
journal on a server that has no SMS account yet).

A log is read by more people than a resident's messages are, so the mobile is masked the way
every list masks it (138****1234) and the openid shows only its last four characters.
"""

from __future__ import annotations

import logging
import uuid

from civicgrid.network.models import mask_mobile
from civicgrid.outreach.backends.base import Text

log = logging.getLogger("civicgrid.outreach")


def masked_openid(openid: str) -> str:
    """****wxyz: enough to tell two residents apart in a log, not enough to message one."""
    return f"****{openid[-4:]}" if len(openid) > 8 else "****"


def recipient(text: Text) -> str:
    parts = []
    if text.mobile:
        parts.append(f"mobile {mask_mobile(text.mobile)}")
    if text.openid:
        parts.append(f"openid {masked_openid(text.openid)}")
    return ", ".join(parts) or "nobody"


class LogBackend:
    channel = "log"

    def can_send(self, text: Text) -> bool:
        return True

    def send(self, text: Text) -> str:
        message_id = f"log-{uuid.uuid4().hex}"
        log.info(
            "%s %s (%s) to %s: %s", message_id, text.kind, text.language, recipient(text), text.body
        )
        return message_id
