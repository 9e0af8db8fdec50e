"""The console list's rows are written once and remembered by everything they show (issue 13):
a row is written again whenever any value it prints changes, in another language or time zone,
and with or without the dispatcher's checkbox; never found again by its number alone."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicgrid.core import fragments
from civicgrid.core.remembered import Remembered
from civicgrid.needs.models import Category, Need, State
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.views import console
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db

ROW_TEMPLATE = "needs/console/_row.html"


@pytest.fixture
def w() -> nf.World:
    # Another test's rows and forms must not count as this one's.
    console.ROWS.forget()
    fragments.FRAGMENTS.forget()
    return nf.world()


def login(person: Person, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(person)
    return client


def written(client: Client) -> tuple[int, str]:
    """How many rows this listing wrote, and the page."""
    response = client.get(reverse("needs:list"), {"tab": "all"})
    assert response.status_code == 200
    rows = [t for t in response.templates if t.name == ROW_TEMPLATE]
    return len(rows), response.content.decode()


def row(page: str, need: Need) -> str:
    found = re.search(rf'<tr data-number="{need.number}".*?</tr>', page, re.S)
    assert found is not None, need.number
    return found[0]


def test_a_row_is_written_once_and_read_again_while_nothing_it_shows_changes(w):
    needs = [nf.raise_need(w) for _ in range(3)]
    client = login(w.dispatcher)
    first, page = written(client)
    assert first == 3
    again, same = written(client)
    assert again == 0
    assert [row(same, n) for n in needs] == [row(page, n) for n in needs]


def test_a_row_is_written_again_when_anything_it_shows_changes(w):
    need = nf.raise_need(w, contact_phone="13812345678")
    other = nf.raise_need(w)
    client = login(w.dispatcher)
    _count, before = written(client)
    assert "Submitted" in row(before, need) and "138****5678" in row(before, need)

    nf.force(need, state=State.TAKEN, assignee=w.grid_worker)
    count, after = written(client)
    assert count == 1  # the other need's row is remembered
    assert w.grid_worker.name in row(after, need) and "to resolve" in row(after, need)
    assert row(after, other) == row(before, other)

    nf.force(need, overdue_at=timezone.now())
    count, overdue = written(client)
    assert count == 1 and "is-overdue" in row(overdue, need)

    need.category.name_en = "Renamed for the test"
    need.category.save()
    count, renamed = written(client)
    assert count == 2 and "Renamed for the test" in row(renamed, need)  # both share it


def test_each_language_and_time_zone_has_its_own_rows(w):
    need = nf.raise_need(w)
    _count, english = written(login(w.dispatcher, "en"))
    count, chinese = written(login(w.dispatcher, "zh-hans"))
    assert count == 1 and row(chinese, need) != row(english, need)

    client = login(w.dispatcher, "en")
    with timezone.override("Europe/London"):
        count, london = written(client)
    assert count == 1 and row(london, need) != row(english, need)


def test_the_dispatchers_checkbox_is_part_of_the_row(w):
    need = nf.force(nf.raise_need(w), state=State.DISPATCHED, assignee=w.grid_worker)
    _count, dispatcher = written(login(w.dispatcher))
    assert 'name="numbers"' in row(dispatcher, need)
    count, worker = written(login(w.grid_worker))
    assert count == 1 and 'name="numbers"' not in row(worker, need)


def test_what_is_remembered_is_bounded():
    calls: list[int] = []

    def write(key: int) -> str:
        calls.append(key)
        return str(key)

    remembered = Remembered(write, limit=3)
    assert [remembered(k) for k in (1, 2, 1, 3)] == ["1", "2", "1", "3"]
    assert calls == [1, 2, 3]
    remembered(4)  # past the limit: everything is forgotten, then 4 remembered
    remembered(1)
    assert calls == [1, 2, 3, 4, 1]
    assert len(remembered) <= 3


FILTERS_TEMPLATE = "needs/console/_filters.html"


def filters_written(client: Client, **params: str) -> tuple[int, str]:
    response = client.get(reverse("needs:list"), params)
    assert response.status_code == 200
    return sum(t.name == FILTERS_TEMPLATE for t in response.templates), response.content.decode()


def test_the_unfiltered_lists_filters_are_written_once_and_again_for_a_new_category(w):
    nf.raise_need(w)
    client = login(w.dispatcher)
    assert filters_written(client)[0] == 1
    assert filters_written(client)[0] == 0
    category = Category.objects.create(code="fresh", name="新类别", name_en="A fresh category")
    count, page = filters_written(client)
    assert count == 1 and f'<option value="{category.pk}">A fresh category</option>' in page


def test_a_filtered_lists_filters_are_written_for_its_request(w):
    need = nf.raise_need(w)
    client = login(w.dispatcher)
    filters_written(client)
    for _ in range(2):
        count, page = filters_written(client, category=str(need.category_id), tab="all")
        assert count == 1
        assert f'<option value="{need.category_id}" selected>' in page
