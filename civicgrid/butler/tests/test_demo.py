"""The demo's project butler: 龙马重工 with its team and a year of matters through the need's
workflow (built on a small window to stay fast)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from civicgrid.butler import counts
from civicgrid.butler.models import Matter, Project, TeamRole, Visit
from civicgrid.demo.butler import PROJECTS, Built, build_butler
from civicgrid.demo.region import build_demo_region
from civicgrid.needs.models import Category, NeedEvent, State
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
        if not Category.objects.filter(code="enterprise_matters").exists():
            seed_everything()
        build_demo_region()
        yield build_butler(days=365, end=_end())
        transaction.set_rollback(True)


def test_longma_with_its_team_and_matters(built: Built) -> None:
    assert built.projects == len(PROJECTS)
    longma = Project.objects.get(name=PROJECTS[0][1])
    assert longma.enterprise.name == "内蒙古龙马重工集团有限公司"
    roles = list(longma.team.values_list("role", flat=True))
    assert sorted(roles) == sorted(["leader", "department", "department", "cadre"])
    cadre = longma.team.get(role=TeamRole.CADRE).person
    assert cadre is not None and cadre.mobile == "19900000009"
    assert Visit.objects.filter(project=longma, visited_on=dt.date(2026, 8, 20)).exists()
    states = set(Matter.objects.filter(project=longma).values_list("need__state", flat=True))
    assert State.CLOSED in states and State.TAKEN in states
    escalated = NeedEvent.objects.filter(need__butler_matter__project=longma, action="escalate")
    assert escalated.count() == built.escalated == 1
    f = counts.per_project([longma.pk])[longma.pk]
    assert f.raised == 7 and f.resolved == 6 and f.average_rating is not None
    assert f.milestones_done >= 3


def test_a_second_build_changes_nothing(built: Built) -> None:
    assert build_butler(days=365, end=_end()).projects == 0
