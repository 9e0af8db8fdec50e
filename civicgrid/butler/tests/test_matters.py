"""An enterprise's matter through the need's workflow: raised by QR, dispatched to the
department, escalated (the leader told), resolved, rated by the enterprise."""

from __future__ import annotations

import pytest

from civicgrid.butler import matters
from civicgrid.butler.models import Matter, Via
from civicgrid.butler.tests import factories as bf
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.needs import workflow
from civicgrid.needs.models import Channel, Rating, State
from civicgrid.needs.tests.factories import follow_up

pytestmark = pytest.mark.django_db


def test_the_enterprise_matter_runs_through_the_need_workflow() -> None:
    b = bf.butler_world()
    matter = bf.raise_by_qr(b)
    need = matter.need
    assert need.category.code == matters.CATEGORY
    assert need.channel == Channel.QR
    assert need.node_id == b.project.node_id
    assert need.contact_phone == bf.CONTACT_PHONE and need.contact_name == "王经理"
    assert matter.via == Via.QR and matter.contact_id == b.contact.pk
    assert need.state == State.SUBMITTED
    # The cadre is told of the new matter.
    assert Notification.objects.filter(recipient=b.cadre, kind=matters.NOTICE_NEW).count() == 1
    follow_up()

    staff = workflow.By(person=b.w.dispatcher)
    need = workflow.need_dispatch(need=need, by=staff, to=b.department)
    clerk = workflow.By(person=b.clerk)
    need = workflow.need_take(need=need, by=clerk)
    assert not Notification.objects.filter(
        recipient=b.leader, kind=matters.NOTICE_ESCALATED
    ).exists()
    need = workflow.need_escalate(need=need, by=clerk, reason="需要区领导协调土地指标")
    assert need.state == State.ESCALATED
    told = Notification.objects.get(recipient=b.leader, kind=matters.NOTICE_ESCALATED)
    assert told.url == matters.matter_url(matter.pk)
    need = workflow.need_dispatch(need=need, by=staff, to=b.department)
    need = workflow.need_take(need=need, by=clerk)
    need = workflow.need_resolve(need=need, by=clerk, reason="批复已下达")
    assert need.state == State.RESOLVED
    need = workflow.need_confirm(need=need, by=workflow.RESIDENT, rating=Rating.SATISFIED)
    assert need.state == State.CLOSED and need.rating == Rating.SATISFIED


def test_an_overdue_matter_tells_the_leader() -> None:
    b = bf.butler_world()
    matter = bf.raise_by_qr(b)
    from civicgrid.needs import events as need_events
    from civicgrid.needs.models import NeedEvent

    event = NeedEvent(
        need=matter.need, seq=99, action=workflow.OVERDUE, created_at=matter.created_at
    )
    matters.on_need_event(
        need_events.Happened(need=matter.need, event=event, data=need_events.Plain())
    )
    assert Notification.objects.filter(recipient=b.leader, kind=matters.NOTICE_OVERDUE).count() == 1


def test_other_needs_tell_the_leader_nothing() -> None:
    b = bf.butler_world()
    from civicgrid.needs.tests.factories import raise_need

    need = raise_need(b.w)
    workflow.need_escalate(need=need, by=workflow.By(person=b.w.dispatcher), reason="上报")
    assert not Notification.objects.filter(recipient=b.leader).exists()


def test_only_a_contact_phone_raises_by_qr() -> None:
    b = bf.butler_world()
    with pytest.raises(Invalid) as refused:
        matters.matter_raise_by_contact(
            project=b.project, phone="13800000002", kind="approval", description="x"
        )
    assert refused.value.code == "not_a_contact"
    with pytest.raises(Invalid) as refused:
        matters.matter_raise_by_contact(
            project=b.project, phone="123", kind="approval", description="x"
        )
    assert refused.value.code == "phone_invalid"
    with pytest.raises(Invalid) as refused:
        matters.matter_raise_by_contact(
            project=b.project, phone=bf.CONTACT_PHONE, kind="wish", description="x"
        )
    assert refused.value.code == "bad_kind"
    assert not Matter.objects.exists()


def test_one_time_key_raises_once() -> None:
    b = bf.butler_world()
    key = "k" * 32
    first, made = matters.matter_raise_by_contact(
        project=b.project, phone=bf.CONTACT_PHONE, kind="problem", description="停电", once_key=key
    )
    again, made_again = matters.matter_raise_by_contact(
        project=b.project, phone=bf.CONTACT_PHONE, kind="problem", description="停电", once_key=key
    )
    assert made and not made_again and again.pk == first.pk
    assert Matter.objects.count() == 1


def test_console_entry_by_team_and_refused_to_the_leader() -> None:
    b = bf.butler_world()
    matter, _ = matters.matter_raise(
        by=b.clerk, project=b.project, kind="problem", description="道路未通", contact=b.contact
    )
    # The department's clerk may not raise at the place: the cadre enters it for them.
    assert matter.need.entered_by_id == b.cadre.pk and matter.need.source_person_id == b.clerk.pk
    assert matter.raised_by_id == b.clerk.pk
    with pytest.raises(NotAllowed) as refused:
        matters.matter_raise(by=b.leader, project=b.project, kind="problem", description="x")
    assert refused.value.code == "read_only"
    with pytest.raises(NotAllowed):
        matters.matter_raise(by=b.w.stranger, project=b.project, kind="problem", description="x")
