"""What every channel that carries messages to residents implements.

The outreach app (civicgrid/outreach/) decides who is told what and when, renders the text in
the resident's language, resolves the provider's template for it, and calls one backend per
attempt from the worker. A backend only carries one message and says how that went: it returns
the provider's message id, or raises `TemporaryFailure` (try again later, with back-off) or
`PermanentFailure` (never retried: an invalid number, a template the provider refuses).

A message never carries the need's description: only its number, its state in a few words and
the keyed tracking link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class TemplateRef:
    """A provider's approved template for one kind of message in one language (templates are
    data: `outreach.models.ProviderTemplate`, set up by an operator after the provider approves
    them). `params` names, in the provider's order, which of `Text.params` fill it."""

    template_id: str
    sign_name: str = ""
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Text:
    """One message to one resident."""

    kind: str  # "received", "taken", "resolved", "answered", "more_info"
    language: str  # a LANGUAGES code: "zh-hans", "en", "mn-mong"
    body: str  # the whole text, rendered in `language` (the log backend prints it)
    params: dict[str, str] = field(default_factory=dict)  # "number", "link", "state"
    mobile: str = ""  # a mainland mobile number, 11 digits, or ""
    openid: str = ""  # the resident's WeChat openid, or ""
    template: TemplateRef | None = None


class Failure(Exception):
    """A message that did not go. `code` is the provider's error code (for the log)."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(Failure):
    """The provider was unreachable, busy or rate-limited us: try again later."""


class PermanentFailure(Failure):
    """Trying again cannot help (an invalid number, a refused template, no template)."""


class Backend(Protocol):
    channel: str  # "log", "sms", "wechat"

    def can_send(self, text: Text) -> bool:
        """Whether this backend can reach this resident at all (a number, an openid)."""

    def send(self, text: Text) -> str:
        """Send one message; the provider's message id. Raises a `Failure`."""
