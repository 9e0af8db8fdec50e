"""The task and consultation pages through the client: the forms reach the services, bad input
is a message on the form (400), never a 500; who may post what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgrid.committees.models import (
    Consultation,
    ConsultationState,
    Contribution,
    Task,
    TaskState,
)
from civicgrid.committees.tests.factories import board, escalated_need, task
from civicgrid.needs.models import State

pytestmark = pytest.mark.django_db


def _due(days: int = 5) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_a_task_is_given_worked_and_verified_through_its_pages(client):
    b = board()
    client.force_login(b.secretary)
    new = reverse("committees:task_new", args=[b.committee.pk])
    assert client.get(new).status_code == 200
    response = client.post(new, {"title": "清理积雪", "unit": b.army.pk, "due": _due()})
    assert response.status_code == 302
    t = Task.objects.get(title="清理积雪")
    client.force_login(b.army_contact)
    act = lambda a: reverse("committees:task_act", args=[t.pk, a])  # noqa: E731
    assert client.post(act("accept")).status_code == 302
    response = client.post(act("done"), {"result": ""})
    assert response.status_code == 400  # "what was done" is required: said on the form
    assert client.post(act("done"), {"result": "已清理"}).status_code == 302
    assert (
        client.post(act("verify")).status_code == 403
        or Task.objects.get(pk=t.pk).state == TaskState.DONE
    )
    assert Task.objects.get(pk=t.pk).state == TaskState.DONE
    client.force_login(b.secretary)
    assert client.post(act("verify")).status_code == 302
    assert Task.objects.get(pk=t.pk).state == TaskState.VERIFIED
    page = client.get(reverse("committees:task", args=[t.pk])).content.decode()
    assert "已清理" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "unit": "", "due": ""}, "title"),
        ({"title": "x", "unit": "999999", "due": "2026-01-01"}, "unit"),
        ({"title": "x", "unit": "", "due": "not a date"}, "due"),
    ],
)
def test_a_bad_new_task_says_what_to_fix(client, data, field):
    b = board()
    client.force_login(b.secretary)
    response = client.post(reverse("committees:task_new", args=[b.committee.pk]), data)
    assert response.status_code == 400
    assert f'name="{field}"' in response.content.decode()
    assert not Task.objects.exists()


def test_no_one_else_moves_a_task_and_an_unknown_action_is_a_404(client):
    b = board()
    t = task(b)
    for who, status in ((b.police_contact, 403), (b.w.leader, 403), (b.outsider, 404)):
        client.force_login(who)
        assert (
            client.post(reverse("committees:task_act", args=[t.pk, "accept"])).status_code == status
        )
    client.force_login(b.army_contact)
    assert client.post(reverse("committees:task_act", args=[t.pk, "explode"])).status_code == 404
    assert Task.objects.get(pk=t.pk).state == TaskState.ASSIGNED


def test_a_consultation_is_arranged_contributed_to_and_decided_through_its_page(client):
    b = board()
    need = escalated_need(b)
    c = Consultation.objects.get(need=need)
    url = lambda name: reverse(f"committees:{name}", args=[c.pk])  # noqa: E731
    client.force_login(b.army_contact)
    assert client.get(url("consultation")).status_code == 200
    assert (
        client.post(
            url("consultation_contribute"), {"unit": b.army.pk, "text": "可出机械"}
        ).status_code
        == 302
    )
    assert client.post(url("consultation_arrange"), {"units": [b.army.pk]}).status_code == 403
    client.force_login(b.secretary)
    assert (
        client.post(url("consultation_arrange"), {"units": [b.army.pk, b.police.pk]}).status_code
        == 302
    )
    rows = {"task-TOTAL_FORMS": "3", "task-INITIAL_FORMS": "0"}
    # A decision without any task says so on the form.
    response = client.post(url("consultation_decide"), {"text": "部队修路", **rows})
    assert response.status_code == 400
    response = client.post(
        url("consultation_decide"),
        {
            "text": "部队修路",
            "outcome": "由驻地部队修路",
            **rows,
            "task-0-unit": b.army.pk,
            "task-0-title": "修路",
            "task-0-due": _due(),
            "task-0-resolves_need": "on",
        },
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.state == ConsultationState.DECIDED and c.outcome == "由驻地部队修路"
    assert Contribution.objects.get().unit == b.army
    need.refresh_from_db()
    assert need.state == State.DISPATCHED
    assert set(c.units.values_list("pk", flat=True)) == {b.army.pk, b.police.pk}


def test_a_consultation_is_returned_through_its_page_and_a_leader_cannot(client):
    b = board()
    c = Consultation.objects.get(need=escalated_need(b))
    url = reverse("committees:consultation_return", args=[c.pk])
    client.force_login(b.w.leader)
    assert client.post(url, {"outcome": "x"}).status_code == 403
    client.force_login(b.secretary)
    assert client.post(url, {"outcome": ""}).status_code == 400
    assert client.post(url, {"outcome": "由社区协调"}).status_code == 302
    c.refresh_from_db()
    assert c.state == ConsultationState.RETURNED
