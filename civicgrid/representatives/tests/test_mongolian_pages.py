"""The representatives' resident pages in traditional Mongolian, with no word of Chinese,
English or Cyrillic left (as `needs/tests/test_mongolian_pages.py` holds the needs' pages): the
index of places, a place's stations and representatives, a representative's profile and a
station's page with its timetable. Data a resident reads is given in Mongolian (`*_mn`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicgrid.needs.tests.test_mongolian_pages import assert_all_mongolian
from civicgrid.representatives.models import LiaisonStation, Representative
from civicgrid.representatives.tests import factories as rf

pytestmark = pytest.mark.django_db

NAMES = {
    "town1": "ᠨᠢᠭᠡ ᠪᠠᠯᠭᠠᠰᠤ",
    "comm1": "ᠨᠢᠭᠡ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "big1": "ᠨᠢᠭᠡ ᠲᠣᠮᠣ ᠲᠣᠣᠷ",
    "gridA": "ᠠ ᠲᠣᠣᠷ",
    "gridB": "ᠪᠡ ᠲᠣᠣᠷ",
    "unitA": "ᠠ ᠪᠦᠯᠦᠭ",
}


def name_places_in_mongolian(w) -> None:
    for number, (key, node) in enumerate(w.t.items(), start=1):
        node.name_mn = NAMES.get(key, f"{number}\u202fᠳᠤᠭᠠᠷ ᠭᠠᠵᠠᠷ")
        node.save(update_fields=["name_mn"])


@pytest.fixture
def reps() -> rf.Reps:
    r = rf.reps()
    name_places_in_mongolian(r.w)
    LiaisonStation.objects.filter(pk=r.station.pk).update(
        name_mn="ᠨᠢᠭᠡ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ ᠤᠨ ᠲᠥᠯᠦᠭᠡᠴᠢ ᠶᠢᠨ ᠭᠡᠷ",
        address_mn="ᠨᠢᠭᠡ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ ᠤᠨ ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡ ᠶᠢᠨ ᠲᠥᠪ",
    )
    Representative.objects.filter(pk=r.deputy.pk).update(
        name_mn="ᠴᠧᠨ ᠲᠥᠯᠦᠭᠡᠴᠢ",
        title_mn="ᠨᠢᠭᠡ ᠪᠠᠯᠭᠠᠰᠤ ᠶᠢᠨ ᠳᠤᠮᠳᠠᠳᠤ ᠰᠤᠷᠭᠠᠭᠤᠯᠢ ᠶᠢᠨ ᠪᠠᠭᠰᠢ",
        profile_mn="ᠠᠷᠠᠳ ᠤᠨ ᠲᠥᠯᠦᠭᠡ",
    )
    Representative.objects.filter(pk=r.delegate.pk).update(name_mn="ᠸᠠᠩ ᠲᠥᠯᠦᠭᠡᠴᠢ")
    return r


def test_the_index_of_places(reps, mongolian):
    assert_all_mongolian(mongolian.get(reverse("representatives_public:index")))


def test_a_places_stations_and_representatives(reps, mongolian):
    for key in ("town1", "comm1"):
        url = reverse("representatives_public:place", args=[reps.w.t[key].pk])
        assert_all_mongolian(mongolian.get(url))


def test_a_representatives_profile(reps, mongolian):
    for rep in (reps.deputy, reps.delegate):
        url = reverse("representatives_public:representative", args=[rep.pk])
        assert_all_mongolian(mongolian.get(url))


def test_a_stations_page_with_its_timetable(reps, mongolian):
    url = reverse("representatives_public:station", args=[reps.station.pk])
    assert_all_mongolian(mongolian.get(url))
