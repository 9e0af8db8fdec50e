"""The public pages (the QR landing page, proposing, supporting, a project) and the console
(lists, screening, reveal, selection, projects, counts, ledger, poster, the call): who may
read, who may write (a leader 403 before the form, another town 404), what is never public."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicgrid.core.models import RevealLog
from civicgrid.mailbox.models import Call, Mailbox, Proposal, ProposalState, Support
from civicgrid.mailbox.tests import factories as f
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db
S = ProposalState


def client(person: Person | None = None) -> Client:
    c = Client(headers={"accept-language": "en"})
    if person is not None:
        c.force_login(person)
    return c


def test_landing_shows_only_published_proposals_and_no_proposer() -> None:
    mw = f.mworld()
    f.proposal(mw, state=S.PUBLISHED, title="院落路灯")
    f.proposal(mw, title="未审核的")
    f.proposal(mw, state=S.DECLINED, title="不予采纳的")
    r = client().get(reverse("mailbox_public:landing", args=[mw.w.t["town1"].pk]))
    page = r.content.decode()
    assert r.status_code == 200
    assert "院落路灯" in page and "未审核的" not in page and "不予采纳的" not in page
    assert f.PHONE not in page and "巴特尔" not in page
    assert reverse("mailbox_public:propose", args=[mw.w.t["town1"].pk]) in page
    assert (
        client().get(reverse("mailbox_public:landing", args=[mw.w.t["town2"].pk])).status_code
        == 404
    )


def test_a_proposal_page_is_public_once_published() -> None:
    mw = f.mworld()
    hidden = f.proposal(mw)
    assert client().get(reverse("mailbox_public:proposal", args=[hidden.pk])).status_code == 404
    shown = f.proposal(mw, state=S.PUBLISHED)
    r = client().get(reverse("mailbox_public:proposal", args=[shown.pk]))
    assert r.status_code == 200 and f.PHONE not in r.content.decode()
    assert "巴特尔" not in r.content.decode()


def propose_data(**extra: str) -> dict[str, str]:
    return {
        "title": "楼道扶手",
        "body": "老人上楼不方便",
        "place": "5号楼",
        "estimated_cost": "8000",
        "name": "其木格",
        "phone": f.OTHER,
        **extra,
    }


def test_proposing_with_a_code_once(fixed_code: str) -> None:
    mw = f.mworld()
    url = reverse("mailbox_public:propose", args=[mw.w.t["town1"].pk])
    c = client()
    assert c.get(url).status_code == 200
    key = "k" * 32
    data = propose_data(node=str(mw.w.t["comm1"].pk), once=key)
    sent = c.post(url, {**data, "send_code": "1"})
    assert sent.status_code == 200 and 'name="code"' in sent.content.decode()
    assert Proposal.objects.count() == 0
    wrong = c.post(url, {**data, "code": "000000"})
    assert wrong.status_code == 400 and Proposal.objects.count() == 0
    done = c.post(url, {**data, "code": f.CODE})
    assert done.status_code == 200
    again = c.post(url, {**data, "code": f.CODE})  # the same form sent twice
    assert again.status_code == 200
    (p,) = Proposal.objects.all()
    assert (p.state, p.proposer_phone, p.node_id) == (S.SUBMITTED, f.OTHER, mw.w.t["comm1"].pk)


def test_proposing_says_what_to_fix(fixed_code: str) -> None:
    mw = f.mworld()
    url = reverse("mailbox_public:propose", args=[mw.w.t["town1"].pk])
    r = client().post(
        url, propose_data(node=str(mw.w.t["comm2"].pk), title="", estimated_cost="很多")
    )
    assert r.status_code == 400
    assert set(r.context["form"].errors) >= {"title", "node"}
    assert Proposal.objects.count() == 0


def test_proposing_closed_after_the_call() -> None:
    mw = f.mworld()
    f.close_call(mw)
    url = reverse("mailbox_public:propose", args=[mw.w.t["town1"].pk])
    r = client().get(url)
    assert r.status_code == 200 and 'name="title"' not in r.content.decode()


def test_supporting_on_the_page(fixed_code: str) -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    url = reverse("mailbox_public:proposal", args=[p.pk])
    c = client()
    assert c.post(url, {"phone": f.OTHER, "send_code": "1"}).context["code_sent"]
    r = c.post(url, {"phone": f.OTHER, "code": f.CODE})
    assert r.status_code == 200 and r.context["supports"] == 1 and r.context["created"]
    c.post(url, {"phone": f.OTHER, "send_code": "1"})
    r = c.post(url, {"phone": f.OTHER, "code": f.CODE})
    assert r.context["supports"] == 1 and not r.context["created"]
    bad = c.post(url, {"phone": f.OTHER, "code": "1"})
    assert bad.status_code == 400 and "code" in bad.context["form"].errors
    assert Support.objects.count() == 1


def test_console_lists_are_scoped_and_masked() -> None:
    mw = f.mworld()
    p = f.proposal(mw)
    url = reverse("mailbox:proposals", args=[mw.mailbox.pk])
    r = client(mw.w.town_staff).get(url)
    assert r.status_code == 200 and p.title in r.content.decode()
    assert "139****5678" in r.content.decode() and f.PHONE not in r.content.decode()
    assert client(mw.w.leader).get(url).status_code == 200
    assert client(mw.w.stranger).get(url).status_code == 404
    assert client(mw.w.stranger).get(reverse("mailbox:proposal", args=[p.pk])).status_code == 404
    filtered = client(mw.w.town_staff).get(url, {"state": "published"})
    assert filtered.context["rows"] == []
    assert client().get(url).status_code == 302


def test_screening_and_the_leader_403() -> None:
    mw = f.mworld()
    p = f.proposal(mw)
    act = reverse("mailbox:proposal_act", args=[p.pk])
    assert client(mw.w.leader).post(act, {"action": "publish"}).status_code == 403
    assert client(mw.w.stranger).post(act, {"action": "publish"}).status_code == 404
    r = client(mw.w.town_staff).post(act, {"action": "publish"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.state == S.PUBLISHED
    q = f.proposal(mw)
    client(mw.w.town_staff).post(
        reverse("mailbox:proposal_act", args=[q.pk]), {"action": "merge", "into": str(p.pk)}
    )
    q.refresh_from_db()
    assert q.merged_into_id == p.pk


def test_reveal_is_logged_and_refused_to_readers() -> None:
    mw = f.mworld()
    p = f.proposal(mw)
    url = reverse("mailbox:proposal_phone", args=[p.pk])
    assert client(mw.w.leader).post(url).status_code == 403
    r = client(mw.w.town_staff).post(url)
    assert r.status_code == 200 and f.PHONE in r.content.decode()
    assert RevealLog.objects.filter(subject=f"mailbox-proposal:{p.pk}").count() == 1


def test_selection_page_and_projects() -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    other = f.proposal(mw, state=S.PUBLISHED)
    f.close_call(mw)
    url = reverse("mailbox:selection", args=[mw.mailbox.pk])
    assert client(mw.w.leader).get(url).status_code == 200
    assert client(mw.w.leader).post(url, {"select": [p.pk]}).status_code == 403
    no_reason = client(mw.w.town_staff).post(url, {"select": [str(p.pk)]})
    assert no_reason.status_code == 400
    r = client(mw.w.town_staff).post(url, {"select": [str(p.pk)], f"reason_{p.pk}": "急需"})
    assert r.status_code == 302
    other.refresh_from_db()
    assert other.state == S.NOT_SELECTED
    project = p.project if hasattr(p, "project") else Proposal.objects.get(pk=p.pk).project
    page = reverse("mailbox:project", args=[project.pk])
    assert client(mw.w.leader).post(page, {"form": "finish"}).status_code == 403
    added = client(mw.w.town_staff).post(
        page, {"form": "milestone", "title": "施工", "due": "2030-01-01"}
    )
    assert added.status_code == 302 and project.milestones.count() == 1
    bad = client(mw.w.town_staff).post(page, {"form": "milestone", "title": "", "due": "x"})
    assert bad.status_code == 400
    public = client().get(reverse("mailbox_public:project", args=[project.pk]))
    assert public.status_code == 200 and "施工" in public.content.decode()
    assert (
        client(mw.w.town_staff).get(reverse("mailbox:projects", args=[mw.mailbox.pk])).status_code
        == 200
    )


def test_counts_ledger_poster() -> None:
    mw = f.mworld()
    f.proposal(mw)
    staff = client(mw.w.town_staff)
    assert staff.get(reverse("mailbox:counts", args=[mw.mailbox.pk])).status_code == 200
    ledger = staff.get(reverse("mailbox:ledger", args=[mw.mailbox.pk]))
    assert ledger.status_code == 200 and ledger["Content-Type"].startswith("application/vnd")
    poster = staff.get(reverse("mailbox:poster", args=[mw.mailbox.pk]))
    assert poster.status_code == 200 and "<svg" in poster.content.decode()
    assert (
        client(mw.w.stranger).get(reverse("mailbox:ledger", args=[mw.mailbox.pk])).status_code
        == 404
    )
    assert staff.get(reverse("mailbox:home")).status_code == 200


def test_writing_the_call() -> None:
    mw = f.mworld()
    town2 = mw.w.t["town2"]
    url = reverse("mailbox:call_edit", args=[town2.pk])
    assert client(mw.w.town_staff).get(url).status_code == 404  # another town
    assert client(mw.w.leader).get(url).status_code == 403
    boss = Person.objects.create_superuser("13800000000", name="管理员", password="x")
    data = {"year": "2030", "opens_on": "2030-03-01", "closes_on": "2030-02-01"}
    assert client(boss).post(url, data).status_code == 400
    r = client(boss).post(url, {**data, "closes_on": "2030-10-31", "text": "征集"})
    assert r.status_code == 302
    assert Call.objects.filter(mailbox__node=town2, year=2030).exists()
    assert Mailbox.objects.filter(node=town2).exists()
