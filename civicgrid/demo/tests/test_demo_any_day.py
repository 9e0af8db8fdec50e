"""The demo builds whatever the day of the month: early in a month the current month's
activities that have not happened yet are left out (on the 4th, Qingyuan's second vanguard
service of the month, due mid-month, once raised an error)."""

from __future__ import annotations

import pytest
import time_machine

from civicgrid.demo.region import build_demo_region
from civicgrid.demo.volunteers import build_demo_volunteers
from civicgrid.volunteers.models import Activity

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("when", ["2026-12-04 10:00 +08:00", "2027-01-14 18:00 +08:00"])
def test_the_people_who_serve_build_early_in_a_month(when: str) -> None:
    with time_machine.travel(when, tick=False):
        build_demo_region()
        build_demo_volunteers(days=40)
    assert Activity.objects.exists()
