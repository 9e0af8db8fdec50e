"""The yearly selection makes projects; milestones and progress; the counts and the ledger;
personal data (export, forget, retention)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.hashing import phone_digest
from civicgrid.mailbox import counts, personal, projects, residents, selection, workflow
from civicgrid.mailbox.models import (
    LivelihoodProject,
    Proposal,
    ProposalState,
    ProposerNotice,
    Support,
)
from civicgrid.mailbox.tests import factories as f

pytestmark = pytest.mark.django_db
S = ProposalState


def supported(p: Proposal, n: int) -> Proposal:
    for i in range(n):
        residents.record_support(proposal_id=p.pk, digest=f"{i:064d}", now=timezone.now())
    return p


def test_ranked_by_supports_then_cost() -> None:
    mw = f.mworld()
    a = supported(f.proposal(mw, state=S.PUBLISHED, estimated_cost="500"), 1)
    b = supported(f.proposal(mw, state=S.PUBLISHED, estimated_cost="900"), 3)
    c = supported(f.proposal(mw, state=S.PUBLISHED, estimated_cost="100"), 1)
    f.proposal(mw)  # submitted: not ranked
    assert [p.pk for p in selection.ranked(mw.call)] == [b.pk, c.pk, a.pk]


def test_selection_makes_projects_and_the_rest_are_not_selected() -> None:
    mw = f.mworld()
    a = f.proposal(mw, state=S.PUBLISHED, estimated_cost="30000")
    b = f.proposal(mw, state=S.PUBLISHED)
    declined = f.proposal(mw, state=S.DECLINED)
    with pytest.raises(Conflict) as early:
        selection.selection_make(by=mw.w.town_staff, call=mw.call, selected={a.pk: "群众呼声高"})
    assert early.value.code == "call_open"
    f.close_call(mw)
    with pytest.raises(NotAllowed):
        selection.selection_make(by=mw.w.leader, call=mw.call, selected={a.pk: "x"})
    with pytest.raises(Invalid) as no_reason:
        selection.selection_make(by=mw.w.town_staff, call=mw.call, selected={a.pk: ""})
    assert no_reason.value.code == "reason_required"
    with pytest.raises(Invalid) as wrong:
        selection.selection_make(by=mw.w.town_staff, call=mw.call, selected={declined.pk: "x"})
    assert wrong.value.code == "not_in_call"
    (project,) = selection.selection_make(
        by=mw.w.town_staff, call=mw.call, selected={a.pk: "群众呼声高"}
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, a.reason, b.state) == (S.SELECTED, "群众呼声高", S.NOT_SELECTED)
    assert project.proposal_id == a.pk and project.budget == a.estimated_cost
    assert project.planned_finish == dt.date(mw.call.year, 12, 31)
    assert set(ProposerNotice.objects.values_list("proposal_id", "action")) == {
        (a.pk, "select"),
        (b.pk, "not_select"),
    }
    mw.call.refresh_from_db()
    assert mw.call.selected_at is not None
    with pytest.raises(Conflict) as twice:
        selection.selection_make(by=mw.w.town_staff, call=mw.call, selected={b.pk: "x"})
    assert twice.value.code == "already_selected"


def test_milestones_and_progress() -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    f.close_call(mw)
    (project,) = selection.selection_make(by=mw.w.town_staff, call=mw.call, selected={p.pk: "x"})
    today = timezone.localdate()
    m1 = projects.milestone_add(by=mw.w.town_staff, project=project, title="设计", due=today)
    projects.milestone_add(by=mw.w.town_staff, project=project, title="安装", due=today)
    with pytest.raises(NotAllowed):
        projects.milestone_add(by=mw.w.leader, project=project, title="x", due=today)
    projects.milestone_done(by=mw.w.town_staff, milestone=m1)
    assert projects.progress(project)["percent"] == 50
    with pytest.raises(Conflict) as open_ms:
        projects.project_finish(by=mw.w.town_staff, project=project)
    assert open_ms.value.code == "milestones_open"
    with pytest.raises(Invalid) as future:
        projects.milestone_done(
            by=mw.w.town_staff,
            milestone=project.milestones.get(title="安装"),
            done_on=today + dt.timedelta(days=1),
        )
    assert future.value.code == "done_in_future"
    projects.milestone_done(by=mw.w.town_staff, milestone=project.milestones.get(title="安装"))
    projects.project_finish(by=mw.w.town_staff, project=project)
    project.refresh_from_db()
    assert projects.progress(project)["percent"] == 100 and projects.on_time(project)


def test_counts_and_ledger() -> None:
    mw = f.mworld()
    a = supported(f.proposal(mw, state=S.PUBLISHED), 2)
    f.proposal(mw, state=S.DECLINED)
    f.proposal(mw, node=mw.w.t["town1"])
    f.close_call(mw)
    (project,) = selection.selection_make(by=mw.w.town_staff, call=mw.call, selected={a.pk: "x"})
    projects.project_finish(by=mw.w.town_staff, project=project)
    figures = counts.counts(mw.call)
    assert figures["proposals"] == 3
    assert figures["by_state"][S.SELECTED] == 1 and figures["by_state"][S.DECLINED] == 1
    assert figures["by_state"][S.SUBMITTED] == 1
    assert {c["name"]: c["proposals"] for c in figures["by_community"]} == {"一社区": 2, "一镇": 1}
    assert (figures["supports"], figures["selected"], figures["projects"]) == (2, 1, 1)
    assert (figures["projects_done"], figures["projects_done_on_time"]) == (1, 1)
    out = io.BytesIO()
    counts.write_ledger(mw.call, out)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    first = rows[1]
    assert first[0] == a.pk and first[6] == 2 and first[7] == "139****5678"
    assert f.PHONE not in str(rows)


def test_personal_export_forget_and_retention() -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    residents.record_support(proposal_id=p.pk, digest=phone_digest(f.PHONE), now=timezone.now())
    found = personal.personal_export(phone=f.PHONE, by=mw.w.town_staff)
    assert [x["id"] for x in found["proposals"]] == [p.pk]
    assert [x["proposal"] for x in found["supports"]] == [p.pk]
    assert personal.personal_export(phone=f.PHONE, by=mw.w.stranger) == {
        "proposals": [],
        "supports": [],
    }
    gone = personal.phone_forget(phone=f.PHONE, by=None)
    assert (gone.proposals, gone.supports) == (1, 1)
    p.refresh_from_db()
    assert (p.proposer_phone, p.proposer_name) == ("", "")
    assert Support.objects.filter(proposal=p).count() == 1  # still counted
    assert not Support.objects.filter(phone_digest=phone_digest(f.PHONE)).exists()
    q = f.proposal(mw)
    assert personal.retention().proposals == 0
    later = timezone.now() + dt.timedelta(days=personal.DEFAULT_RETENTION_DAYS + 400)
    assert personal.retention(now=later).proposals == 1
    q.refresh_from_db()
    assert q.proposer_phone == ""


def test_a_selected_project_is_one_per_proposal() -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    f.close_call(mw)
    selection.selection_make(by=mw.w.town_staff, call=mw.call, selected={p.pk: "x"})
    assert LivelihoodProject.objects.filter(proposal=p).count() == 1
    assert workflow.allowed_actions(mw.w.town_staff, Proposal.objects.get(pk=p.pk)) == []
