"""A committee's page and set-up: member units, contacts (masked; each reveal logged), pledges
and goals changed by the committee's own staff in the console, each change an event; the
needs list drawn live; who may read and who may change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgrid.committees import access, committees, goals, needlist
from civicgrid.committees.models import CommitteeEvent, Goal, GoalMeasure, ListedNeed, Pledge
from civicgrid.committees.tests.factories import board, escalated_need, task
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.core.models import RevealLog
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as needf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Membership, Organisation, Role
from civicgrid.network.tests import factories as nf

pytestmark = pytest.mark.django_db


def _setup_events(committee) -> list[tuple[str, str | None, str | None]]:
    rows = CommitteeEvent.objects.filter(
        committee=committee,
        task__isnull=True,
        meeting__isnull=True,
        consultation__isnull=True,
        assessment__isnull=True,
    )
    return [
        (e.data["thing"], e.data.get("before"), e.data.get("after")) for e in rows.order_by("seq")
    ]


def test_the_staff_set_up_units_contacts_and_pledges_each_change_an_event(client):
    b = board()
    client.force_login(b.secretary)
    page = reverse("committees:detail", args=[b.committee.pk])
    response = client.post(
        reverse("committees:unit_add", args=[b.committee.pk]),
        {"name": "巴音宝力格嘎查", "unit_kind": "gacha"},
    )
    assert response.status_code == 302
    gacha = Organisation.objects.get(name="巴音宝力格嘎查", committee=b.committee)
    response = client.post(
        reverse("committees:contact_add", args=[b.committee.pk]),
        {"unit": gacha.pk, "name": "嘎查书记", "mobile": "13900000001", "title": "书记"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("committees:pledge_add", args=[b.committee.pk]),
        {"unit": gacha.pk, "kind": "vehicle", "description": "铲车", "quantity": 2},
    )
    assert response.status_code == 302
    pledge = Pledge.objects.get(unit=gacha)
    client.post(
        reverse("committees:pledge_change", args=[b.committee.pk, pledge.pk]),
        {"quantity": 3, "active": "on"},
    )
    text = client.get(page).content.decode()
    assert "巴音宝力格嘎查" in text and "铲车" in text and "139****0001" in text
    assert "13900000001" not in text  # masked until revealed
    assert [thing for thing, _b, _a in _setup_events(b.committee)] == [
        "unit",
        "contact",
        "pledge",
        "pledge",
    ]
    assert _setup_events(b.committee)[-1][1].endswith("× 2")


def test_bad_input_is_a_message_on_the_form_not_a_500(client):
    b = board()
    client.force_login(b.secretary)
    response = client.post(
        reverse("committees:contact_add", args=[b.committee.pk]),
        {"unit": b.army.pk, "name": "某人", "mobile": "12345"},
    )
    assert response.status_code == 400
    assert "11" in response.content.decode()
    response = client.post(
        reverse("committees:goal_add", args=[b.committee.pk]),
        {"year": "2026", "title": "", "measure": "typed", "target": "x"},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("committees:contact_add", args=[b.committee.pk]),
        {"unit": b.outsider_unit.pk, "name": "某人", "mobile": "13900000002"},
    )
    assert response.status_code == 404  # another committee's unit does not exist here


def test_a_reveal_shows_the_number_and_is_logged(client):
    b = board()
    client.force_login(b.secretary)
    url = reverse("committees:contact_reveal", args=[b.committee.pk, b.army_contact.pk])
    response = client.post(url)
    assert response.status_code == 200 and b.army_contact.mobile in response.content.decode()
    assert (
        RevealLog.objects.filter(actor=b.secretary, subject=f"person:{b.army_contact.pk}").count()
        == 1
    )
    # A unit's contact reads the page but reveals nothing; a stranger's number is refused.
    client.force_login(b.police_contact)
    assert client.post(url).status_code == 403
    with pytest.raises(NotAllowed):
        committees.contact_reveal(
            committee=b.committee, by=By(person=b.secretary), person=b.w.dispatcher
        )


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("secretary", 200, 302),
        ("army_contact", 200, 403),
        ("leader", 200, 403),
        ("dispatcher", 200, 403),  # community staff under the committee's town read it
        ("outsider", 404, 404),  # a unit of another committee
        ("town2_staff", 404, 404),  # staff of another town
    ],
)
def test_who_reads_and_who_changes_the_committee(client, who, read, write):
    b = board()
    town2 = nf.person("二镇干部", roles=[(Role.COMMUNITY_STAFF, b.w.t["town2"])])
    person = {"leader": b.w.leader, "dispatcher": b.w.dispatcher, "town2_staff": town2}.get(
        who
    ) or getattr(b, who)
    client.force_login(person)
    assert client.get(reverse("committees:detail", args=[b.committee.pk])).status_code == read
    # The list's SQL form of the rule says the same as the page's Python form.
    listed = access.visible_committees(person).filter(pk=b.committee.pk).exists()
    assert listed == access.may_see(person, b.committee) == (read == 200)
    staff = b.committee.pk in access.staff_of(person, [b.committee])
    assert staff == access.is_committee_staff(person, b.committee) == (write == 302)
    response = client.post(
        reverse("committees:unit_add", args=[b.committee.pk]),
        {"name": "新单位", "unit_kind": "other"},
    )
    assert response.status_code == write
    assert Organisation.objects.filter(name="新单位").exists() == (write == 302)


def test_a_unit_may_not_change_the_set_up_through_the_services():
    b = board()
    with pytest.raises(NotAllowed):
        committees.pledge_add(
            committee=b.committee,
            by=By(person=b.army_contact),
            unit=b.army,
            kind="people",
            description="民兵",
            quantity=3,
        )
    with pytest.raises(NotAllowed):
        committees.pledge_add(
            committee=b.committee,
            by=By(person=b.secretary),
            unit=b.outsider_unit,
            kind="people",
            description="民兵",
            quantity=3,
        )


def test_a_unit_with_open_tasks_cannot_leave():
    b = board()
    task(b)
    from civicgrid.core.errors import Conflict

    with pytest.raises(Conflict):
        committees.unit_leave(committee=b.committee, by=By(person=b.secretary), unit=b.army)
    committees.unit_leave(committee=b.committee, by=By(person=b.secretary), unit=b.police)
    assert Organisation.objects.get(pk=b.police.pk).committee_id is None
    assert Membership.objects.filter(organisation=b.police).exists()  # its people stay its own


def test_the_needs_list_is_live_escalated_overdue_and_asked_for():
    b = board()
    escalated = escalated_need(b)
    overdue = needf.raise_need(b.w, description="路灯坏了很久")
    needf.force(overdue, overdue_at=timezone.now())
    quiet = needf.raise_need(b.w, description="还在处理")
    asked = needf.raise_need(b.w, description="请部队帮忙清雪")
    needlist.ask(
        committee=b.committee,
        by=By(person=b.army_contact),
        unit=b.army,
        number=asked.number,
        note="部队有铲车",
    )
    items = {
        i.need.pk: i for theme in needlist.needs_list(b.committee, b.secretary) for i in theme.items
    }
    assert set(items) == {escalated.pk, overdue.pk, asked.pk}
    assert quiet.pk not in items
    assert items[asked.pk].asked_by == ["驻地部队"]
    # Live: the list follows the need, nothing was copied.
    Need.objects.filter(pk=overdue.pk).update(overdue_at=None)
    items = {
        i.need.pk for theme in needlist.needs_list(b.committee, b.secretary) for i in theme.items
    }
    assert overdue.pk not in items
    # A unit's person reads no resident's words that are not public.
    unit_view = {
        i.need.pk: i for t in needlist.needs_list(b.committee, b.police_contact) for i in t.items
    }
    assert unit_view[asked.pk].text == ""


def test_a_unit_asks_only_for_a_need_of_the_area_and_only_for_itself():
    b = board()
    need = needf.raise_need(b.w)
    with pytest.raises(NotAllowed):
        needlist.ask(
            committee=b.committee, by=By(person=b.police_contact), unit=b.army, number=need.number
        )
    with pytest.raises(Invalid):
        needlist.ask(
            committee=b.committee, by=By(person=b.army_contact), unit=b.army, number="NOPE0000"
        )
    needlist.ask(
        committee=b.committee, by=By(person=b.army_contact), unit=b.army, number=need.number.lower()
    )
    assert ListedNeed.objects.get().need_id == need.pk
    with pytest.raises(Invalid):
        needlist.ask(
            committee=b.committee, by=By(person=b.army_contact), unit=b.army, number=need.number
        )


def test_goals_track_their_figure_against_the_year():
    b = board()
    year = timezone.localdate().year
    typed = goals.goal_create(
        committee=b.committee,
        by=By(person=b.secretary),
        year=year,
        title="修建道路",
        measure=GoalMeasure.TYPED,
        target="20",
        unit_label="km",
    )
    goals.goal_set_figure(goal=typed, by=By(person=b.secretary), value="5")
    counted = goals.goal_create(
        committee=b.committee,
        by=By(person=b.secretary),
        year=year,
        title="完成任务",
        measure=GoalMeasure.TASKS_DONE,
        target="2",
    )
    t = task(b, goal=counted)
    from civicgrid.committees import work

    work.task_accept(task=t, by=By(person=b.army_contact))
    work.task_done(task=t, by=By(person=b.army_contact), result="完成")
    found = {p.goal.pk: p for p in goals.goals_of(b.committee, year)}
    assert found[typed.pk].value == Decimal("5.00") and found[typed.pk].percent == 25
    assert found[counted.pk].value == 1 and found[counted.pk].percent == 50
    with pytest.raises(Invalid):
        goals.goal_set_figure(goal=counted, by=By(person=b.secretary), value="9")
    with pytest.raises(NotAllowed):
        goals.goal_set_figure(goal=typed, by=By(person=b.army_contact), value="9")
    with pytest.raises(Invalid):
        goals.goal_create(
            committee=b.committee,
            by=By(person=b.secretary),
            year=year,
            title="x",
            measure=GoalMeasure.TYPED,
            target="-3",
        )
    assert Goal.objects.count() == 2
