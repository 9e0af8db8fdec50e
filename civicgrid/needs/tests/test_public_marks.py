"""A need's public timeline marks (`public_updated_at`, `public_changed_at`, `public_reply`)
say what its events say, however it got there: kept by the workflow as it appends events, and
filled from the events by migration 0008 for needs raised before."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Need, NeedEvent, Rating
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import RESIDENT, By
from civicgrid.privacy import services as privacy

pytestmark = pytest.mark.django_db


def from_events(need: Need) -> tuple[dt.datetime | None, dt.datetime | None, str]:
    """What the marks stood for before they were kept: read from the public timeline."""
    public = list(
        NeedEvent.objects.filter(need=need)
        .exclude(action__in=workflow.STAFF_ONLY_ACTIONS)
        .order_by("seq")
    )
    changes = [e for e in public if e.to_state]
    last = changes[-1] if changes else None
    staff_reply = last and last.public and last.actor_kind not in ("resident", "system")
    # No copy of a note is kept once the need is anonymised.
    reply = last.note if last and staff_reply and need.anonymised_at is None else ""
    return (
        public[-1].created_at if public else None,
        last.created_at if last else None,
        reply,
    )


def marks(need: Need) -> tuple[dt.datetime | None, dt.datetime | None, str]:
    need.refresh_from_db()
    return need.public_updated_at, need.public_changed_at, need.public_reply


@pytest.fixture
def lives(w: nf.World) -> list[Need]:
    """Needs taken down many paths: public and internal replies, comments after closing,
    system entries, a resident's notes, a merge, a withdrawal, an anonymisation."""
    by, handler = By(w.dispatcher), By(w.handler)
    raised = nf.raise_need(w)
    replied = workflow.need_accept(
        need=nf.raise_need(w), by=by, reason="收到，马上安排", public=True
    )
    internal = workflow.need_accept(need=nf.raise_need(w), by=by, reason="内部备注")
    commented = workflow.need_dispatch(
        need=workflow.need_accept(need=nf.raise_need(w), by=by), by=by, to=w.handler
    )
    services.need_comment(need=commented, by=by, text="已电话联系", public=True)
    services.need_comment(need=commented, by=by, text="内部")
    resolved = workflow.need_take(need=commented, by=handler)
    resolved = workflow.need_resolve(need=resolved, by=handler, reason="路灯已修复", public=True)
    closed = workflow.need_confirm(
        need=resolved, by=RESIDENT, rating=Rating.SATISFIED, reason="谢谢"
    )
    services.need_comment(need=closed, by=by, text="回访：一切正常", public=True)
    overdue = nf.raise_need(w)
    workflow.mark_overdue(overdue.pk, timezone.now())
    withdrawn = workflow.need_withdraw(need=nf.raise_need(w), by=RESIDENT, reason="已自行解决")
    target = nf.raise_need(w)
    merged = workflow.need_merge(need=nf.raise_need(w), by=by, into=target, reason="重复")
    rejected = workflow.need_reject(
        need=nf.raise_need(w), by=by, reason="不属于本社区", public=True
    )
    forgotten = workflow.need_reject(
        need=nf.raise_need(w), by=by, reason="联系人13800000000", public=True
    )
    privacy.need_anonymise(need=forgotten, by=w.dispatcher, reason="到期", log_request=False)
    return [
        raised,
        replied,
        internal,
        closed,
        overdue,
        withdrawn,
        target,
        merged,
        rejected,
        forgotten,
    ]


@pytest.fixture
def w() -> nf.World:
    return nf.world()


def test_the_workflow_keeps_the_marks_its_events_say(lives: list[Need]):
    for need in lives:
        assert marks(need) == from_events(need), need.number
    replied, closed, forgotten = lives[1], lives[3], lives[-1]
    assert marks(replied)[2] == "收到，马上安排"
    assert marks(closed)[2] == ""  # the resident's rating comment is no reply
    grew, changed, _reply = marks(closed)
    assert grew and changed and grew > changed  # a comment after closing grew the timeline
    assert marks(forgotten)[2] == ""  # anonymised: no copy of a note is kept


def test_the_migration_fills_the_marks_from_the_events(lives: list[Need]):
    Need.objects.update(public_updated_at=None, public_changed_at=None, public_reply="")
    migration = importlib.import_module("civicgrid.needs.migrations.0008_public_timeline_marks")
    migration.fill(apps, None)
    for need in lives:
        assert marks(need) == from_events(need), need.number
