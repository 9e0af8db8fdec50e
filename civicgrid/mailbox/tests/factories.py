"""Builders for the mailbox's tests, on top of `needs.tests.factories.world()`: town1's
mailbox with a call open today, and proposals in any state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from civicgrid.mailbox import workflow
from civicgrid.mailbox.models import Call, Mailbox, Proposal, ProposalState
from civicgrid.needs.tests.factories import World, world

CODE = "123456"
PHONE = "13912345678"
OTHER = "13712345678"


@dataclass
class MW:
    w: World
    mailbox: Mailbox
    call: Call


def mworld(*, open_days: int = 10) -> MW:
    w = world()
    today = timezone.localdate()
    mailbox = Mailbox.objects.create(node=w.t["town1"], created_at=timezone.now())
    call = Call.objects.create(
        mailbox=mailbox,
        year=today.year,
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=open_days),
        text="征集民生实事项目",
        text_mn="ᠠᠷᠠᠳ",
    )
    return MW(w=w, mailbox=mailbox, call=call)


def proposal(mw: MW, state: str = ProposalState.SUBMITTED, **fields: Any) -> Proposal:
    values: dict[str, Any] = {
        "call": mw.call,
        "node": mw.w.t["comm1"],
        "title": "老旧小区路灯",
        "body": "3号楼院里晚上太黑",
        "place": "3号楼",
        "estimated_cost": "20000",
        "proposer_name": "巴特尔",
        "proposer_phone": PHONE,
        "by": workflow.RESIDENT,
    }
    values.update(fields)
    made = workflow.proposal_submit(**values)
    if state != ProposalState.SUBMITTED:
        extra: dict[str, Any] = {"state": state}
        if state == ProposalState.PUBLISHED:
            extra["published_at"] = timezone.now()
        if state == ProposalState.MERGED:
            extra["merged_into"] = proposal(mw)
        Proposal.objects.filter(pk=made.pk).update(**extra)
        made.refresh_from_db()
    return made


def close_call(mw: MW) -> None:
    """Test set-up only: the call ended yesterday."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Call.objects.filter(pk=mw.call.pk).update(
        opens_on=yesterday - dt.timedelta(days=30), closes_on=yesterday
    )
    mw.call.refresh_from_db()


@pytest.fixture
def fixed_code(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every code texted is CODE (the real check still runs against its stored digest)."""
    from civicgrid.core import phonecode

    monkeypatch.setattr(phonecode.secrets, "randbelow", lambda n: int(CODE))
    return CODE
