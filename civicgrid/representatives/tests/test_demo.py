"""The demo's representatives (`demo/representatives.py`) over a year: Hongxing's home and two
stations, about a dozen representatives with 陈建华 (the demo login) at the home, a weekly
timetable, and receptions whose figures are the newspaper's: 20+ held, ~150 people, ~100
participations, matters raised with some made needs. Built twice, it builds nothing new."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from civicgrid.demo.region import build_demo_region
from civicgrid.demo.representatives import HOME_NAME, HONGXING, Built, build_representatives
from civicgrid.needs.models import Category, Channel, Need
from civicgrid.network.models import Node
from civicgrid.representatives import counts
from civicgrid.representatives.models import LiaisonStation, ReceptionTime, Representative
from civicgrid.seed import seed_everything

pytestmark = pytest.mark.django_db


def _end() -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 11, 20, 10, 15))


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Built]:
    with (
        django_db_blocker.unblock(),
        time_machine.travel(_end(), tick=False),
        transaction.atomic(),
    ):
        if not Category.objects.filter(code="care_visits").exists():
            seed_everything()
        build_demo_region()
        yield build_representatives(days=365, end=_end())
        transaction.set_rollback(True)


def test_hongxing_has_its_home_stations_and_representatives(built: Built) -> None:
    stations = list(LiaisonStation.objects.order_by("pk"))
    assert [s.kind for s in stations] == ["home", "station", "station"]
    assert stations[0].name == HOME_NAME and stations[0].room is not None
    reps = Representative.objects.select_related("person")
    assert 10 <= reps.count() <= 12
    login = reps.get(person__mobile="19900000008")
    assert (login.person.name, login.station_id) == ("陈建华", stations[0].pk)
    assert {r.body for r in reps} == {"peoples_congress", "party_congress"}
    assert {r.level for r in reps} == {"league", "banner"}
    assert ReceptionTime.objects.filter(station=stations[0]).count() >= 2


def test_a_year_of_receptions_adds_up_like_the_newspaper(built: Built) -> None:
    hongxing = Node.objects.get(code=HONGXING)
    end = timezone.localdate(_end())
    figures = counts.reception_counts(hongxing, end - dt.timedelta(days=365), end)
    assert figures["receptions"] == built.receptions >= 20
    assert 130 <= figures["people"] == built.people <= 180
    assert 80 <= figures["participations"] == built.participations <= 120
    assert 45 <= figures["matters"] == built.matters <= 70
    assert figures["needs"] == built.needs >= 2
    needs = Need.objects.filter(channel=Channel.REPRESENTATIVE)
    assert needs.count() == built.needs
    assert all(n.source_person_id is not None for n in needs)


def test_building_again_builds_nothing(built: Built) -> None:
    assert build_representatives(days=365, end=_end()) == Built()
