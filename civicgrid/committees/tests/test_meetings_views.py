"""The console pages of joint meetings: they render for the committee's staff, are a 404 for an
outsider, show a read-only leader no form and answer their posts with 403; the forms post,
redirect and put errors where the input is; the check-in page, the poster and the PDF."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from civicgrid.committees import meetings
from civicgrid.committees.models import (
    AgendaItem,
    Attendance,
    Consultation,
    ConsultationState,
    Meeting,
    MeetingSeries,
    MeetingState,
)
from civicgrid.committees.tests.factories import Board, board, escalated_need
from civicgrid.core import pdf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db


def zh(text: str) -> str:
    """A message as the pages show it (in Chinese, the default language, once translated)."""
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def make_meeting(b: Board, *, held: bool = False) -> Meeting:
    starts = timezone.now() + timedelta(minutes=30)
    meeting = meetings.meeting_create(
        committee=b.committee,
        by=By(person=b.secretary),
        title="边境党建联席会议",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        node=b.w.t["town1"],
    )
    if held:
        meeting = meetings.meeting_hold(meeting=meeting, by=By(person=b.secretary))
    return meeting


def pages(b: Board, meeting: Meeting) -> list[str]:
    c, m = b.committee.pk, meeting.pk
    return [
        reverse("committees:meetings", kwargs={"committee_id": c}),
        reverse("committees:meeting_new", args=[c]),
        reverse("committees:series_new", args=[c]),
        reverse("committees:meeting", args=[m]),
        reverse("committees:meeting_poster", args=[m]),
    ]


def posts(b: Board, meeting: Meeting) -> list[tuple[str, dict[str, Any]]]:
    c, m = b.committee.pk, meeting.pk
    series = meetings.series_create(
        committee=b.committee,
        by=By(person=b.secretary),
        title="月度会",
        day_of_month=10,
        time=timezone.localtime().time().replace(microsecond=0),
        node=b.w.t["town1"],
    )
    return [
        (reverse("committees:meeting_new", args=[c]), {"title": "x"}),
        (reverse("committees:series_new", args=[c]), {"title": "x"}),
        (reverse("committees:series_active", args=[c, series.pk]), {"active": "0"}),
        (reverse("committees:meeting_act", args=[m, "hold"]), {}),
        (reverse("committees:meeting_act", args=[m, "cancel"]), {"reason": "x"}),
        (reverse("committees:meeting_act", args=[m, "notify"]), {}),
        (reverse("committees:meeting_minutes", args=[m]), {"minutes": "x"}),
        (reverse("committees:meeting_agenda_add", args=[m]), {"text": "x"}),
        (reverse("committees:meeting_attendance", args=[m]), {"who": "0-1"}),
        (reverse("committees:meeting_decide", args=[m]), {"text": "x"}),
    ]


def test_pages_render_for_staff():
    b = board()
    escalated_need(b)
    meeting = make_meeting(b)
    client = client_for(b.secretary)
    for url in pages(b, meeting):
        response = client.get(url)
        assert response.status_code == 200, url
    detail = client.get(reverse("committees:meeting", args=[meeting.pk])).content.decode()
    assert "边境党建联席会议" in detail
    assert reverse("committees:meeting_act", args=[meeting.pk, "notify"]) in detail
    assert reverse("committees:meeting_agenda_add", args=[meeting.pk]) in detail
    held = make_meeting(b, held=True)
    detail = client.get(reverse("committees:meeting", args=[held.pk])).content.decode()
    assert reverse("committees:meeting_decide", args=[held.pk]) in detail
    assert reverse("committees:meeting_minutes", args=[held.pk]) in detail
    listing = client.get(reverse("committees:meetings", args=[b.committee.pk])).content.decode()
    assert "边境党建联席会议" in listing


def test_an_outsider_gets_404_everywhere():
    b = board()
    meeting = make_meeting(b)
    client = client_for(b.outsider)
    for url in pages(b, meeting):
        assert client.get(url).status_code == 404, url
    for url, data in posts(b, meeting):
        assert client.post(url, data).status_code == 404, url
    checkin = reverse("committees:meeting_checkin", args=[meeting.pk, meeting.checkin_key])
    assert client.post(checkin).status_code == 400  # the key is right; they are refused
    assert not Attendance.objects.exists()


def test_a_read_only_leader_sees_without_forms_and_posts_are_403():
    b = board()
    meeting = make_meeting(b, held=True)
    before = Meeting.objects.values().get(pk=meeting.pk)
    client = client_for(b.w.leader)
    page = client.get(reverse("committees:meeting", args=[meeting.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "边境党建联席会议" in body
    assert f"/console/committees/meetings/{meeting.pk}/" in body  # the nav, the PDF link
    for name in ("meeting_decide", "meeting_minutes", "meeting_agenda_add", "meeting_attendance"):
        assert reverse(f"committees:{name}", args=[meeting.pk]) not in body, name
    assert reverse("committees:meeting_poster", args=[meeting.pk]) not in body
    assert client.get(reverse("committees:meetings", args=[b.committee.pk])).status_code == 200
    for url in (
        reverse("committees:meeting_new", args=[b.committee.pk]),
        reverse("committees:series_new", args=[b.committee.pk]),
        reverse("committees:meeting_poster", args=[meeting.pk]),
    ):
        assert client.get(url).status_code == 403, url
    for url, data in posts(b, meeting):
        assert client.post(url, data).status_code == 403, url
    assert Meeting.objects.values().get(pk=meeting.pk) == before
    assert not AgendaItem.objects.filter(meeting=meeting, text="x").exists()


def test_a_unit_person_adds_an_agenda_item_but_nothing_else():
    b = board()
    meeting = make_meeting(b)
    client = client_for(b.army_contact)
    body = client.get(reverse("committees:meeting", args=[meeting.pk])).content.decode()
    assert reverse("committees:meeting_agenda_add", args=[meeting.pk]) in body
    assert reverse("committees:meeting_decide", args=[meeting.pk]) not in body
    response = client.post(
        reverse("committees:meeting_agenda_add", args=[meeting.pk]),
        {"text": "冬季联合巡逻", "unit": str(b.army.pk)},
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=meeting, text="冬季联合巡逻")
    assert item.unit_id == b.army.pk
    # For another unit: the choice is not offered, so the form refuses it.
    refused = client.post(
        reverse("committees:meeting_agenda_add", args=[meeting.pk]),
        {"text": "替别人说", "unit": str(b.police.pk)},
    )
    assert refused.status_code == 400
    assert not AgendaItem.objects.filter(text="替别人说").exists()
    assert (
        client.post(reverse("committees:meeting_act", args=[meeting.pk, "hold"])).status_code == 403
    )


def test_staff_create_a_meeting_and_a_schedule_through_the_forms():
    b = board()
    client = client_for(b.secretary)
    start = timezone.localtime() + timedelta(days=5)
    data = {
        "title": "季度联席会议",
        "starts_at": start.strftime("%Y-%m-%dT09:00"),
        "ends_at": start.strftime("%Y-%m-%dT08:00"),
        "node": b.w.t["town1"].pk,
    }
    bad = client.post(reverse("committees:meeting_new", args=[b.committee.pk]), data)
    assert bad.status_code == 400
    assert zh("It must end after it starts.") in bad.content.decode()
    data["ends_at"] = start.strftime("%Y-%m-%dT11:00")
    outside = client.post(
        reverse("committees:meeting_new", args=[b.committee.pk]),
        {**data, "node": b.w.t["town2"].pk},
    )
    assert outside.status_code == 400  # town2 is not among the choices
    made = client.post(reverse("committees:meeting_new", args=[b.committee.pk]), data)
    meeting = Meeting.objects.get(title="季度联席会议")
    assert made.status_code == 302 and made["Location"].endswith(f"/meetings/{meeting.pk}/")
    series = client.post(
        reverse("committees:series_new", args=[b.committee.pk]),
        {
            "title": "月度边境党建联席会议",
            "day_of_month": "10",
            "time": "09:00",
            "duration_minutes": "120",
            "node": b.w.t["town1"].pk,
            "lead_days": "14",
        },
    )
    assert series.status_code == 302
    assert MeetingSeries.objects.filter(title="月度边境党建联席会议", active=True).exists()


def test_the_meeting_page_runs_a_meeting_to_its_record():
    b = board()
    need = escalated_need(b)
    meeting = make_meeting(b)
    client = client_for(b.secretary)
    m = meeting.pk

    def act(action: str, **data: Any) -> Any:
        return client.post(reverse("committees:meeting_act", args=[m, action]), data)

    assert act("notify").status_code == 302
    again = act("notify")
    assert again.status_code == 302  # the refusal is a message on the page
    assert act("hold").status_code == 302
    response = client.post(
        reverse("committees:meeting_attendance", args=[m]),
        {"who": f"{b.army.pk}-{b.army_contact.pk}"},
    )
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting).unit_id == b.army.pk
    no_minutes = act("record")
    assert no_minutes.status_code == 302
    assert Meeting.objects.get(pk=m).state == MeetingState.HELD
    client.post(reverse("committees:meeting_minutes", args=[m]), {"minutes": "一、道路问题。"})
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    decision = {
        "text": "驻地部队出动机械修路",
        "need": str(need.pk),
        "task-TOTAL_FORMS": "3",
        "task-INITIAL_FORMS": "0",
        "task-MIN_NUM_FORMS": "0",
        "task-MAX_NUM_FORMS": "10",
        "task-0-unit": str(b.army.pk),
        "task-0-title": "出动机械修通道路",
        "task-0-due": due,
        "task-0-resolves_need": "on",
        "task-1-unit": str(b.police.pk),  # a half-filled row: its errors show on it
    }
    half = client.post(reverse("committees:meeting_decide", args=[m]), decision)
    assert half.status_code == 400
    assert zh("Say what the task is.") in half.content.decode()
    del decision["task-1-unit"]
    past = client.post(
        reverse("committees:meeting_decide", args=[m]),
        {**decision, "task-0-due": (timezone.localdate() - timedelta(days=1)).isoformat()},
    )
    assert past.status_code == 400
    assert zh("The deadline must be in the future.") in past.content.decode()
    done = client.post(reverse("committees:meeting_decide", args=[m]), decision)
    assert done.status_code == 302
    consultation = Consultation.objects.get(need=need)
    assert consultation.state == ConsultationState.DECIDED
    task = meeting.decisions.get().tasks.get()
    assert task.unit_id == b.army.pk and task.resolves_need
    assert act("record").status_code == 302
    assert Meeting.objects.get(pk=m).state == MeetingState.RECORDED
    page = client.get(reverse("committees:meeting", args=[m])).content.decode()
    assert "出动机械修通道路" in page
    assert reverse("committees:meeting_decide", args=[m]) not in page


def test_cancel_needs_a_reason_on_the_form():
    b = board()
    meeting = make_meeting(b)
    client = client_for(b.secretary)
    url = reverse("committees:meeting_act", args=[meeting.pk, "cancel"])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "暴雪封路"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CANCELLED and meeting.cancel_reason == "暴雪封路"
    assert (
        client.post(reverse("committees:meeting_act", args=[meeting.pk, "nope"])).status_code == 404
    )


def test_the_pdf_is_served_and_a_missing_weasyprint_is_a_503():
    b = board()
    meeting = make_meeting(b)
    client = client_for(b.army_contact)  # a unit person may read the record
    response = client.get(reverse("committees:meeting_pdf", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="meeting-{meeting.pk}-' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    with mock.patch.object(pdf, "render_pdf", side_effect=pdf.PdfUnavailable("no pango")):
        missing = client.get(reverse("committees:meeting_pdf", args=[meeting.pk]))
    assert missing.status_code == 503
    assert "PDF" in missing.content.decode()


def test_the_check_in_page_from_the_qr_code():
    b = board()
    meeting = make_meeting(b)
    client = client_for(b.army_contact)
    url = reverse("committees:meeting_checkin", args=[meeting.pk, meeting.checkin_key])
    wrong = client.get(reverse("committees:meeting_checkin", args=[meeting.pk, "guessed"]))
    assert wrong.status_code == 404
    assert zh("This check-in code is not valid") in wrong.content.decode()
    missing = client.get(reverse("committees:meeting_checkin", args=[999999, "guessed"]))
    assert missing.status_code == 404
    assert Client().get(url).status_code == 302  # to the login
    page = client.get(url)
    assert page.status_code == 200 and "边境党建联席会议" in page.content.decode()
    done = client.post(url, {"lat": "", "lon": ""})
    assert done.status_code == 200
    assert Attendance.objects.get(meeting=meeting, person=b.army_contact).unit_id == b.army.pk
    again = client.post(url, {"lat": "", "lon": ""})
    assert again.status_code == 200  # a friendly answer: when they checked in
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert "act-done" in again.content.decode()


def test_the_poster_carries_the_check_in_address():
    b = board()
    meeting = make_meeting(b)
    response = client_for(b.secretary).get(reverse("committees:meeting_poster", args=[meeting.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"/console/committees/meetings/{meeting.pk}/check-in/{meeting.checkin_key}/" in body
    assert "<svg" in body
    assert (
        client_for(b.army_contact)
        .get(reverse("committees:meeting_poster", args=[meeting.pk]))
        .status_code
        == 403
    )
