"""The assessment's console pages: who sees what, who may post, and the forms' round trips."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from civicgrid.committees import assessment as service
from civicgrid.committees.models import (
    Assessment,
    AssessmentRow,
    AssessmentState,
    PeerScore,
)
from civicgrid.committees.tests.factories import Board, board
from civicgrid.needs.workflow import By

pytestmark = pytest.mark.django_db


def opened(b: Board) -> Assessment:
    return service.assessment_open(
        committee=b.committee,
        by=By(person=b.secretary),
        title="2025年一季度",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 3, 31),
    )


def as_(client: Client, who) -> Client:
    client.force_login(who)
    return client


def test_staff_open_an_assessment_and_see_its_page(client: Client):
    b = board()
    c = as_(client, b.secretary)
    listed = c.get(reverse("committees:assessments", args=[b.committee.pk]))
    assert listed.status_code == 200
    assert reverse("committees:assessment_new", args=[b.committee.pk]) in listed.text
    new = reverse("committees:assessment_new", args=[b.committee.pk])
    assert c.get(new).status_code == 200
    bad = c.post(new, {"title": "倒置", "starts_on": "2025-04-01", "ends_on": "2025-03-01"})
    assert bad.status_code == 200 and "field-error" in bad.text
    assert not Assessment.objects.exists()
    made = c.post(new, {"title": "一季度", "starts_on": "2025-01-01", "ends_on": "2025-03-31"})
    a = Assessment.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse(
        "committees:assessment", args=[a.pk]
    )
    again = c.post(new, {"title": "重复", "starts_on": "2025-01-01", "ends_on": "2025-03-31"})
    assert again.status_code == 200 and Assessment.objects.count() == 1
    page = c.get(made["Location"])
    assert page.status_code == 200
    assert reverse("committees:assessment_recompute", args=[a.pk]) in page.text
    assert reverse("committees:assessment_close", args=[a.pk]) in page.text
    # The staff score for the community: every unit has a row.
    assert f'name="unit_{b.police.pk}"' in page.text and f'name="unit_{b.army.pk}"' in page.text
    assert 'value="community"' in page.text
    assert c.post(reverse("committees:assessment_recompute", args=[a.pk])).status_code == 302
    assert AssessmentRow.objects.filter(assessment=a).count() == 2
    page = c.get(reverse("committees:assessment", args=[a.pk]))
    assert "边境派出所" in page.text and "驻地部队" in page.text
    assert c.post(reverse("committees:assessment_close", args=[a.pk])).status_code == 302
    a.refresh_from_db()
    assert a.state == AssessmentState.CLOSED
    closed = c.get(reverse("committees:assessment", args=[a.pk]))
    assert reverse("committees:assessment_score", args=[a.pk]) not in closed.text
    late = c.post(
        reverse("committees:assessment_score", args=[a.pk]),
        {"scorer": "community", f"unit_{b.army.pk}": "70"},
    )
    assert late.status_code == 302 and not PeerScore.objects.exists()


def test_a_unit_person_scores_the_other_units_and_not_their_own(client: Client):
    b = board()
    a = opened(b)
    c = as_(client, b.police_contact)
    url = reverse("committees:assessment", args=[a.pk])
    page = c.get(url)
    assert page.status_code == 200
    assert f'name="unit_{b.army.pk}"' in page.text
    assert f'name="unit_{b.police.pk}"' not in page.text
    assert reverse("committees:assessment_recompute", args=[a.pk]) not in page.text
    score_url = reverse("committees:assessment_score", args=[a.pk])
    # Out of range: the form says so, nothing is kept.
    bad = c.post(score_url, {"scorer": b.police.pk, f"unit_{b.army.pk}": "150"})
    assert bad.status_code == 200 and "field-error" in bad.text
    # Its own unit's row is not a field: ignored, and nothing else was written.
    own = c.post(score_url, {"scorer": b.police.pk, f"unit_{b.police.pk}": "100"})
    assert own.status_code == 200 and not PeerScore.objects.exists()
    done = c.post(score_url, {"scorer": b.police.pk, f"unit_{b.army.pk}": "85"})
    assert done.status_code == 302 and done["Location"] == url
    assert list(PeerScore.objects.values_list("by_unit_id", "unit_id", "score")) == [
        (b.police.pk, b.army.pk, 85)
    ]
    # Scored: the army's row is gone from the form, and a second post changes nothing.
    page = c.get(url)
    assert f'name="unit_{b.army.pk}"' not in page.text
    c.post(score_url, {"scorer": b.police.pk, f"unit_{b.army.pk}": "10"})
    assert PeerScore.objects.get().score == 85
    # Speaking for another unit, or for the community: refused.
    assert c.post(score_url, {"scorer": b.army.pk, f"unit_{b.police.pk}": "99"}).status_code == 403
    assert c.post(score_url, {"scorer": "community", f"unit_{b.army.pk}": "1"}).status_code == 403
    assert c.post(reverse("committees:assessment_recompute", args=[a.pk])).status_code == 403
    assert c.post(reverse("committees:assessment_close", args=[a.pk])).status_code == 403


def test_community_staff_over_the_town_score_for_the_community(client: Client):
    b = board()
    a = opened(b)
    c = as_(client, b.w.town_staff)
    page = c.get(reverse("committees:assessment", args=[a.pk]))
    assert page.status_code == 200 and 'value="community"' in page.text
    answer = c.post(
        reverse("committees:assessment_score", args=[a.pk]),
        {"scorer": "community", f"unit_{b.army.pk}": "70", f"unit_{b.police.pk}": "60"},
    )
    assert answer.status_code == 302
    assert sorted(PeerScore.objects.values_list("by_unit_id", "unit_id", "score")) == sorted(
        [(None, b.army.pk, 70), (None, b.police.pk, 60)]
    )


def test_a_read_only_leader_sees_the_table_and_gets_no_form(client: Client):
    b = board()
    a = opened(b)
    service.compute(a)
    c = as_(client, b.w.leader)
    page = c.get(reverse("committees:assessment", args=[a.pk]))
    assert page.status_code == 200 and "驻地部队" in page.text
    assert reverse("committees:assessment_score", args=[a.pk]) not in page.text
    assert reverse("committees:assessment_close", args=[a.pk]) not in page.text
    assert c.get(reverse("committees:assessments", args=[b.committee.pk])).status_code == 200
    assert c.get(reverse("committees:assessment_xlsx", args=[a.pk])).status_code == 200
    for name in ("assessment_score", "assessment_recompute", "assessment_close"):
        data = {"scorer": "community", f"unit_{b.army.pk}": "1"}
        assert c.post(reverse(f"committees:{name}", args=[a.pk]), data).status_code == 403
    new = reverse("committees:assessment_new", args=[b.committee.pk])
    assert c.get(new).status_code == 403
    assert (
        c.post(new, {"title": "x", "starts_on": "2025-05-01", "ends_on": "2025-05-31"}).status_code
        == 403
    )
    assert not PeerScore.objects.exists() and Assessment.objects.count() == 1
    a.refresh_from_db()
    assert a.state == AssessmentState.SCORING


def test_a_unit_of_another_committee_finds_nothing(client: Client):
    b = board()
    a = opened(b)
    c = as_(client, b.outsider)
    for name, arg in (
        ("assessments", b.committee.pk),
        ("assessment_new", b.committee.pk),
        ("assessment", a.pk),
        ("assessment_xlsx", a.pk),
    ):
        assert c.get(reverse(f"committees:{name}", args=[arg])).status_code == 404, name
    for name in ("assessment_score", "assessment_recompute", "assessment_close"):
        data = {"scorer": b.outsider_unit.pk, f"unit_{b.army.pk}": "1"}
        assert c.post(reverse(f"committees:{name}", args=[a.pk]), data).status_code == 404
    assert c.get(reverse("committees:assessment", args=[999999])).status_code == 404
    assert not PeerScore.objects.exists()


def test_the_xlsx_download_opens_with_the_rows(client: Client):
    b = board()
    a = opened(b)
    service.peer_score(assessment=a, by=By(person=b.army_contact), unit=b.police, score=90)
    service.compute(a)
    answer = as_(client, b.army_contact).get(reverse("committees:assessment_xlsx", args=[a.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True)][5:]
    assert [(r[0], r[1], r[9], r[11]) for r in rows] == [
        (1, "边境派出所", 90, 90),
        (2, "驻地部队", None, 0),
    ]
