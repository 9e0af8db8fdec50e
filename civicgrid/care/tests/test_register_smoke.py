import datetime as dt

import pytest

from civicgrid.care.models import age_on
from civicgrid.care.tests import factories as cf

pytestmark = pytest.mark.django_db


def test_age_on_birthdays() -> None:
    born = dt.date(1941, 12, 4)
    assert age_on(born, dt.date(2026, 12, 3)) == 84
    assert age_on(born, dt.date(2026, 12, 4)) == 85
    leap = dt.date(1960, 2, 29)
    assert age_on(leap, dt.date(2025, 2, 28)) == 64
    assert age_on(leap, dt.date(2025, 3, 1)) == 65


def test_the_care_world_builds() -> None:
    c = cf.care()
    assert c.aged_86.age_on(cf.DAY) == 86
    assert c.aged_70.age_on(cf.DAY) == 70
