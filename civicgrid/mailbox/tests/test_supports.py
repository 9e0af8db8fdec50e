"""Supports: one per phone per proposal (twice → once; at once → once), the code required and
checked (and bound to its proposal), throttled, only while the call is open and the proposal
published; only a digest of the phone is stored. Proposing checks its code too."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from civicgrid.core.errors import Conflict, Invalid
from civicgrid.core.hashing import phone_digest
from civicgrid.mailbox import residents
from civicgrid.mailbox.models import Proposal, ProposalState, Support
from civicgrid.mailbox.tests import factories as f

pytestmark = pytest.mark.django_db
IP = "10.0.0.1"
S = ProposalState


def support(p: Proposal, phone: str = f.PHONE, code: str = f.CODE) -> residents.Supported:
    residents.support_code_send(proposal=p, phone=phone, ip=IP)
    return residents.support_add(proposal=p, phone=phone, code=code, ip=IP)


def test_one_support_per_phone(fixed_code: str) -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    first = support(p)
    again = support(p)
    other = support(p, phone=f.OTHER)
    assert (first.created, first.count) == (True, 1)
    assert (again.created, again.count) == (False, 1)
    assert (other.created, other.count) == (True, 2)
    digests = set(Support.objects.values_list("phone_digest", flat=True))
    assert digests == {phone_digest(f.PHONE), phone_digest(f.OTHER)}
    assert f.PHONE not in str(list(Support.objects.values()))


def test_the_constraint_holds_one_per_phone() -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    now = timezone.now()
    Support.objects.create(proposal=p, phone_digest="d" * 64, created_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(proposal=p, phone_digest="d" * 64, created_at=now)
    assert residents.record_support(proposal_id=p.pk, digest="d" * 64, now=now) is False
    assert Support.objects.count() == 1


def test_the_code_is_required_and_checked(fixed_code: str) -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    with pytest.raises(Invalid) as none:
        residents.support_add(proposal=p, phone=f.PHONE, code="", ip=IP)
    assert none.value.code == "code_required"
    with pytest.raises(Invalid) as unsent:
        residents.support_add(proposal=p, phone=f.PHONE, code=f.CODE, ip=IP)
    assert unsent.value.code == "code_spent"  # no code was texted
    residents.support_code_send(proposal=p, phone=f.PHONE, ip=IP)
    with pytest.raises(Invalid) as wrong:
        residents.support_add(proposal=p, phone=f.PHONE, code="654321", ip=IP)
    assert wrong.value.code == "code_wrong"
    with pytest.raises(Invalid) as other_phone:
        residents.support_add(proposal=p, phone=f.OTHER, code=f.CODE, ip=IP)
    assert other_phone.value.code == "code_spent"
    assert Support.objects.count() == 0
    assert residents.support_add(proposal=p, phone=f.PHONE, code=f.CODE, ip=IP).created
    with pytest.raises(Invalid) as reused:  # a code proves the number once
        residents.support_add(proposal=p, phone=f.PHONE, code=f.CODE, ip=IP)
    assert reused.value.code == "code_spent"


def test_a_code_supports_only_its_proposal(fixed_code: str) -> None:
    mw = f.mworld()
    a = f.proposal(mw, state=S.PUBLISHED)
    b = f.proposal(mw, state=S.PUBLISHED)
    residents.support_code_send(proposal=a, phone=f.PHONE, ip=IP)
    with pytest.raises(Invalid) as refused:
        residents.support_add(proposal=b, phone=f.PHONE, code=f.CODE, ip=IP)
    assert refused.value.code == "code_spent"


@pytest.mark.parametrize("state", [S.SUBMITTED, S.DECLINED, S.MERGED, S.SELECTED, S.NOT_SELECTED])
def test_only_published_proposals_take_supports(fixed_code: str, state: str) -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=state)
    with pytest.raises(Conflict) as refused:
        residents.support_code_send(proposal=p, phone=f.PHONE, ip=IP)
    assert refused.value.code == "not_published"


def test_supports_close_with_the_call(fixed_code: str) -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    residents.support_code_send(proposal=p, phone=f.PHONE, ip=IP)
    f.close_call(mw)
    p.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        residents.support_add(proposal=p, phone=f.PHONE, code=f.CODE, ip=IP)
    assert refused.value.code == "call_closed"
    with pytest.raises(Conflict):
        residents.support_code_send(proposal=p, phone=f.OTHER, ip=IP)
    assert Support.objects.count() == 0


def test_codes_are_throttled_per_address_and_per_phone(
    fixed_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    monkeypatch.setattr(residents, "PER_IP", 2)
    residents.support_code_send(proposal=p, phone=f.PHONE, ip=IP)
    residents.support_code_send(proposal=p, phone=f.OTHER, ip=IP)
    with pytest.raises(residents.Throttled) as per_ip:
        residents.support_code_send(proposal=p, phone="13612345678", ip=IP)
    assert per_ip.value.code == "rate_limited" and per_ip.value.status == 429
    monkeypatch.setattr(residents, "PER_IP", 100)
    monkeypatch.setattr(residents, "SUPPORTS_PER_PHONE", 1)
    q = f.proposal(mw, state=S.PUBLISHED)
    with pytest.raises(residents.Throttled):  # the number's first send counted already
        residents.support_code_send(proposal=q, phone=f.PHONE, ip="10.0.0.2")


def test_support_adds_are_throttled_per_address(
    fixed_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    monkeypatch.setattr(residents, "PER_IP", 1)  # adds allow 4 × PER_IP
    for _ in range(4):
        with pytest.raises(Invalid):
            residents.support_add(proposal=p, phone=f.PHONE, code="000000", ip=IP)
    with pytest.raises(residents.Throttled):
        residents.support_add(proposal=p, phone=f.PHONE, code="000000", ip=IP)


def test_proposing_needs_the_code(fixed_code: str) -> None:
    mw = f.mworld()
    fields: dict[str, Any] = {
        "call": mw.call, "node": mw.w.t["comm1"], "title": "路灯", "body": "太黑",
        "phone": f.PHONE, "ip": IP,
    }  # fmt: skip
    with pytest.raises(Invalid) as unsent:
        residents.proposal_propose(**fields, code=f.CODE)
    assert unsent.value.code == "code_spent"
    residents.propose_code_send(call=mw.call, phone=f.PHONE, ip=IP)
    with pytest.raises(Invalid) as bad:  # the fields are checked before the code is spent
        residents.proposal_propose(**{**fields, "title": ""}, code=f.CODE)
    assert bad.value.code == "title_required"
    p = residents.proposal_propose(**fields, code=f.CODE)
    assert (p.state, p.proposer_phone) == (S.SUBMITTED, f.PHONE)


def test_proposals_are_throttled_per_phone(
    fixed_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mw = f.mworld()
    monkeypatch.setattr(residents, "PROPOSALS_PER_PHONE", 1)
    fields: dict[str, Any] = {
        "call": mw.call, "node": mw.w.t["comm1"], "title": "路灯", "body": "太黑",
        "phone": f.PHONE, "ip": IP,
    }  # fmt: skip
    residents.propose_code_send(call=mw.call, phone=f.PHONE, ip=IP)
    residents.proposal_propose(**fields, code=f.CODE)
    residents.propose_code_send(call=mw.call, phone=f.PHONE, ip=IP)
    with pytest.raises(residents.Throttled):
        residents.proposal_propose(**fields, code=f.CODE)
    assert Proposal.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_supports_from_one_phone_count_once() -> None:
    """N requests from one number at the same moment, each on its own connection as N app
    processes would: the unique constraint lets one in; the others are told it is counted."""
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    digest = phone_digest(f.PHONE)
    n = 6
    barrier = threading.Barrier(n)
    results: list[object] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(
                residents.record_support(proposal_id=p.pk, digest=digest, now=timezone.now())
            )
        except Exception as failure:  # the test reads what each one got
            results.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [False] * (n - 1) + [True], results
    assert Support.objects.filter(proposal=p).count() == 1
