"""The smaller modules' personal data (privacy/services.PERSONAL_MODULES) in a resident's data
export, its workbook, the removal by phone and the retention pass: a message left for a
representative and a proposal to the livelihood mailbox stand for all five."""

from __future__ import annotations

import io

import openpyxl
import pytest

from civicgrid.liaison.models import Message
from civicgrid.liaison.tests import factories as lf
from civicgrid.mailbox.models import Proposal
from civicgrid.mailbox.tests import factories as mf
from civicgrid.privacy import exports, services

pytestmark = pytest.mark.django_db

PHONE = mf.PHONE


def test_every_module_answers_the_export_and_the_removal():
    assert [name for name, _ in services.PERSONAL_MODULES] == [
        "representatives",
        "liaison",
        "mailbox",
        "reviews",
        "butler",
    ]
    data = services.personal_data_export(phone="13900009999", by=None, via="command")
    assert set(data["modules"]) == {name for name, _ in services.PERSONAL_MODULES}


def test_a_message_and_a_proposal_are_exported_then_forgotten_by_phone():
    lw = lf.liaison_world()
    message = lf.message(lw, phone=PHONE, name="张女士")
    mw = mf.mworld()
    proposal = mf.proposal(mw)  # proposed with PHONE by 巴特尔

    data = services.personal_data_export(phone=PHONE, by=None, via="command")
    messages = data["modules"]["liaison"]["messages"]
    assert [m["number"] for m in messages] == [message.number]
    assert data["modules"]["mailbox"]
    book = openpyxl.load_workbook(io.BytesIO(exports.as_xlsx(data)))
    assert "liaison-messages" in book.sheetnames
    cells = [c.value for r in book["liaison-messages"].iter_rows() for c in r]
    assert PHONE in cells and "张女士" in cells

    result = services.phone_anonymise(phone=PHONE, by=None, reason="asked", via="command")
    assert result.modules["liaison"] >= 1 and result.modules["mailbox"] >= 1
    message = Message.objects.get(pk=message.pk)
    assert PHONE not in (message.phone, message.name) and "张女士" not in message.name
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.proposer_phone == "" and proposal.proposer_name == ""
    again = services.personal_data_export(phone=PHONE, by=None, via="command")
    assert again["modules"]["liaison"]["messages"] == []


def test_the_retention_pass_asks_every_module(monkeypatch):
    asked = []
    for name, module in services.PERSONAL_MODULES:
        monkeypatch.setattr(module, "retention", lambda *, now=None, n=name: asked.append(n))
    services.anonymise_expired()
    assert asked == [name for name, _ in services.PERSONAL_MODULES]
