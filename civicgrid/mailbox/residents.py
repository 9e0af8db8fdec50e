"""What residents do without an account, for every surface (the pages and the REST API):
propose a project and support a published one, each with a phone proven by a one-time code
texted to it (`core/phonecode.py`). There is no way around the code: `proposal_propose` and
`support_add` take the typed code and check it themselves.

- Codes: one per purpose, and a support's purpose names the proposal, so a code texted to
  support one proposal cannot support another. `phonecode` limits codes per number and
  purpose; the functions here also limit per client address and per number overall
  (`core/ratelimit.hit`), refusing with `Throttled` (429, `rate_limited`).
- One support per phone per proposal: only a keyed digest of the number is stored
  (`core/hashing.phone_digest`), under a unique (proposal, phone_digest) constraint, so two
  supports sent at once from one number count once (`record_support`).
- Supports are taken while the call is open and the proposal published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import phonecode, ratelimit
from civicgrid.core.errors import Conflict, DomainError, Invalid
from civicgrid.core.hashing import phone_digest
from civicgrid.mailbox import publication, workflow
from civicgrid.mailbox.models import Call, Proposal, ProposalState, Support
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import Node

PROPOSE_PURPOSE = "mailbox-propose"
# Per client address (a phone shop's Wi-Fi serves many people: generous).
PER_IP = 30
PER_IP_WINDOW = 3600
# Per number: proposals a day, supports an hour.
PROPOSALS_PER_PHONE = 5
PROPOSALS_WINDOW = 86400
SUPPORTS_PER_PHONE = 30
SUPPORTS_WINDOW = 3600


class Throttled(DomainError):
    """Too many requests from one address or for one number: try again in `wait` seconds."""

    status = 429
    code = "rate_limited"


def support_purpose(proposal_id: int) -> str:
    return f"mailbox-support:{proposal_id}"


def _throttle(scope: str, who: str, *, limit: int, per: int) -> None:
    wait = ratelimit.hit(scope, who, limit=limit, per=per)
    if wait:
        raise Throttled(
            _("Too many requests: try again in %(minutes)d minutes.")
            % {"minutes": max(1, wait // 60)},
            wait=wait,
        )


def _phone(phone: str) -> str:
    try:
        return clean_phone(phone, required=True)
    except Invalid as failure:
        raise Invalid(
            failure.message, code=failure.code, fields={"phone": [failure.message]}
        ) from failure


def _check_code(phone: str, purpose: str, code: str) -> None:
    if not (code or "").strip():
        message = _("Type the 6-digit code we texted to your phone.")
        raise Invalid(message, code="code_required", fields={"code": [message]})
    checked = phonecode.check(phone, purpose=purpose, code=code)
    if checked is phonecode.Checked.WRONG:
        message = _("That code is not right. Check the text message and type it again.")
        raise Invalid(message, code="code_wrong", fields={"code": [message]})
    if checked is phonecode.Checked.SPENT:
        message = _(
            "This code can no longer be used: it expired, was used, or was typed wrong too "
            "often. Ask for a new one."
        )
        raise Invalid(message, code="code_spent", fields={"code": [message]})


def _send(phone: str, purpose: str, text: str) -> None:
    wait = phonecode.send(phone, purpose=purpose, text=text)
    if wait:
        raise Throttled(
            _("Too many codes for this number: try again in %(minutes)d minutes.")
            % {"minutes": max(1, wait // 60)},
            wait=wait,
        )


# --- Proposing --------------------------------------------------------------------------------


def propose_code_send(*, call: Call, phone: str, ip: str, now: dt.datetime | None = None) -> str:
    """Text a code to prove `phone` before proposing. Returns the cleaned number.
    Refusals: `call_closed`, `phone_required`, `phone_invalid`, `rate_limited`."""
    if not publication.is_open(call, timezone.localdate(now or timezone.now())):
        raise Conflict(_("The call for proposals is closed."), code="call_closed")
    number = _phone(phone)
    _throttle("mailbox-code-ip", ip, limit=PER_IP, per=PER_IP_WINDOW)
    text = _(
        "CivicGrid: your code is %(code)s. It proves your number for a livelihood project "
        "proposal, once, within 10 minutes. Staff never ask you for it."
    )
    _send(number, PROPOSE_PURPOSE, text)
    return number


def proposal_propose(
    *,
    call: Call,
    node: Node,
    title: str,
    body: str,
    place: str = "",
    estimated_cost: Any = None,
    proposer_name: str = "",
    phone: str,
    code: str,
    ip: str,
    also: Any = None,
    now: dt.datetime | None = None,
) -> Proposal:
    """A resident's proposal, the phone proven by `code`. `also(proposal)` runs in the same
    transaction (the page's one-time key). Refusals: those of `workflow.proposal_submit`,
    `code_required`, `code_wrong`, `code_spent`, `rate_limited`."""
    number = _phone(phone)
    _throttle("mailbox-propose-ip", ip, limit=PER_IP, per=PER_IP_WINDOW)
    if not publication.is_open(call, timezone.localdate(now or timezone.now())):
        raise Conflict(_("The call for proposals is closed."), code="call_closed")
    # Say what to fix before the code is spent.
    workflow.check_submission(
        call=call, node=node, title=title, body=body, estimated_cost=estimated_cost
    )
    _check_code(number, PROPOSE_PURPOSE, code)
    _throttle(
        "mailbox-propose-phone", phone_digest(number), limit=PROPOSALS_PER_PHONE,
        per=PROPOSALS_WINDOW,
    )  # fmt: skip
    with transaction.atomic():
        proposal = workflow.proposal_submit(
            by=workflow.RESIDENT,
            call=call,
            node=node,
            title=title,
            body=body,
            place=place,
            estimated_cost=estimated_cost,
            proposer_name=proposer_name,
            proposer_phone=number,
            now=now,
        )
        if also is not None:
            also(proposal)
    return proposal


# --- Supporting -------------------------------------------------------------------------------


def check_supportable(proposal: Proposal, today: dt.date | None = None) -> None:
    """Refusals: `not_published` (not, or no longer, on the public list), `call_closed`."""
    if proposal.state != ProposalState.PUBLISHED or proposal.forgotten_at is not None:
        raise Conflict(_("This proposal takes no supports."), code="not_published")
    if not publication.is_open(proposal.call, today):
        raise Conflict(
            _("The call for proposals is closed: supports are over."), code="call_closed"
        )


def support_code_send(*, proposal: Proposal, phone: str, ip: str) -> str:
    """Text a code to `phone` to support `proposal`. Returns the cleaned number."""
    check_supportable(proposal)
    number = _phone(phone)
    _throttle("mailbox-code-ip", ip, limit=PER_IP, per=PER_IP_WINDOW)
    _throttle(
        "mailbox-support-phone", phone_digest(number), limit=SUPPORTS_PER_PHONE,
        per=SUPPORTS_WINDOW,
    )  # fmt: skip
    text = _(
        "CivicGrid: your code is %(code)s. It supports one livelihood project proposal, once, "
        "within 10 minutes. Staff never ask you for it."
    )
    _send(number, support_purpose(proposal.pk), text)
    return number


@dataclass(frozen=True)
class Supported:
    created: bool  # False: this number had supported it already (counted once)
    count: int


def support_add(
    *, proposal: Proposal, phone: str, code: str, ip: str, now: dt.datetime | None = None
) -> Supported:
    """One support of `proposal` by `phone`, proven by the code texted for it. The same
    number again counts once. Refusals: `not_published`, `call_closed`, `phone_invalid`,
    `code_required`, `code_wrong`, `code_spent`, `rate_limited`."""
    now = now or timezone.now()
    number = _phone(phone)
    _throttle("mailbox-support-ip", ip, limit=PER_IP * 4, per=PER_IP_WINDOW)
    check_supportable(proposal, timezone.localdate(now))
    _check_code(number, support_purpose(proposal.pk), code)
    created = record_support(proposal_id=proposal.pk, digest=phone_digest(number), now=now)
    return Supported(created=created, count=Support.objects.filter(proposal_id=proposal.pk).count())


def record_support(*, proposal_id: int, digest: str, now: dt.datetime) -> bool:
    """Store one support (after the phone was proven); False when the number's support was
    there already, however many arrive at once (the unique constraint decides)."""
    try:
        with transaction.atomic():
            Support.objects.create(proposal_id=proposal_id, phone_digest=digest, created_at=now)
    except IntegrityError:
        if not Support.objects.filter(proposal_id=proposal_id, phone_digest=digest).exists():
            raise
        return False
    return True
