"""The demo's reviews (demo/reviews.py) on the small world with Hongxing's codes: last year's
round published with about 200 reviews of six departments, this year's open, the staff login
serving the town, the public results page holding them; a second build adds nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicgrid.demo.reviews import DISTRICT, HONGXING, STAFF_LOGIN, Built, build_reviews
from civicgrid.network.models import Node, Person
from civicgrid.reviews import access, publication, results
from civicgrid.reviews.models import Response, Round, RoundState
from civicgrid.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db


def test_the_demo_builds_hongxings_rounds():
    w = rf.nf.world()
    Node.objects.filter(pk=w.t["town1"].pk).update(code=HONGXING)
    Node.objects.filter(pk=w.t["banner"].pk).update(code=DISTRICT)
    built = build_reviews(days=365)
    assert built.rounds == 2 and len(built.departments) == 6
    last, current = Round.objects.order_by("opens")
    assert last.state == RoundState.PUBLISHED and current.state == RoundState.OPEN
    answered = Response.objects.filter(round=last).count()
    assert 180 <= answered <= 210
    rows = publication.public_results(last)
    assert len(rows) == 6 and sum(r.responses for r in rows) == answered
    averages = {r.name: r.average for r in rows}
    assert averages["红星派出所"] > averages["通辽市热力公司"]
    assert any(c.public for r in rows for q in r.questions for c in q.comments)
    staff = Person.objects.get(mobile=STAFF_LOGIN[1])
    assert access.serves(staff, last.node)
    shown = Client().get(reverse("reviews_public:results", args=[last.pk]))
    assert shown.status_code == 200
    assert results.tally(current)[0].responses >= 0
    assert build_reviews(days=365) == Built()
