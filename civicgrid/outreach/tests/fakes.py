"""A backend for tests: does what its script says, one entry per call, and keeps what it was
given. Script entries: an exception to raise, or a provider id to return."""

from __future__ import annotations

from typing import ClassVar

from civicgrid.outreach.backends.base import Text


class FakeBackend:
    channel = "sms"
    script: ClassVar[list[object]] = []
    sent: ClassVar[list[Text]] = []
    reaches = True

    @classmethod
    def reset(cls, *script: object) -> None:
        cls.script = list(script)
        cls.sent = []

    def can_send(self, text: Text) -> bool:
        return self.reaches and bool(text.mobile)

    def send(self, text: Text) -> str:
        outcome = self.script.pop(0) if self.script else f"fake-{len(self.sent) + 1}"
        if isinstance(outcome, Exception):
            raise outcome
        self.sent.append(text)
        return str(outcome)


class Unreachable(FakeBackend):
    reaches = False
