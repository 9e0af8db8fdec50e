"""Notifications: the inbox row with the change, the other backends after the commit, texts in
the reader's language, the bell's count and marking read."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from civicgrid.core import notifications
from civicgrid.core.context_processors import unread_notifications
from civicgrid.core.models import Notification
from civicgrid.network.models import Person
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> list[Person]:
    return [netf.person("乌兰"), netf.person("其其格")]


def login(person: Person, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(person)
    return client


def send(people: list[Person], kind: str = "need_dispatched", **data: str) -> None:
    notifications.notify(
        people, kind=kind, data={"number": "K7M4QXP2", **data}, url="/console/needs/K7M4QXP2/"
    )


def sent(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "civicgrid.notifications"]


def test_notify_writes_one_inbox_row_per_recipient(people):
    send([*people, people[0], None])
    rows = Notification.objects.order_by("recipient_id")
    assert [r.recipient for r in rows] == sorted(people, key=lambda p: p.pk)
    assert all(r.read_at is None and r.url == "/console/needs/K7M4QXP2/" for r in rows)


def test_nobody_to_tell_writes_nothing():
    notifications.notify([], kind="need_new", data={})
    assert not Notification.objects.exists()


def test_the_log_backend_hears_only_after_the_commit(
    people, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.INFO, logger="civicgrid.notifications")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(people)
    # Inside the transaction: inbox rows exist, nothing has gone out.
    assert Notification.objects.count() == 2
    assert len(callbacks) == 1
    assert not sent(caplog)

    with django_capture_on_commit_callbacks(execute=True):
        send(people[:1], kind="need_overdue")
    lines = sent(caplog)
    assert len(lines) == 1
    assert f"person={people[0].pk}" in lines[0]
    # Sent in the site's language (Chinese) with the link.
    assert "诉求 K7M4QXP2" in lines[0] and "/console/needs/K7M4QXP2/" in lines[0]


def test_render_speaks_the_readers_language():
    data = {"number": "K7M4QXP2"}
    with translation.override("zh-hans"):
        assert notifications.render("need_dispatched", data) == "诉求 K7M4QXP2 已派给您"
    with translation.override("en"):
        assert (
            notifications.render("need_dispatched", data) == "Need K7M4QXP2 was dispatched to you"
        )


def test_render_survives_unknown_kinds_and_missing_data():
    assert notifications.render("something_new", {}) == "something_new"
    with translation.override("en"):
        assert notifications.render("need_returned", {"number": "X"}) == (
            "Need %(number)s was returned: %(note)s"
        )


def test_the_bell_shows_the_unread_count(people):
    for _ in range(3):
        send(people[:1])
    Notification.objects.create(
        recipient=people[0], kind="need_new", data={}, read_at="2026-01-01T00:00Z"
    )
    content = login(people[0]).get(reverse("inbox:list")).content.decode()
    assert 'aria-label="3 unread notifications"' in content
    assert '<span class="bell-count" aria-hidden="true">3</span>' in content
    quiet = login(people[1]).get(reverse("inbox:list")).content.decode()
    assert 'aria-label="0 unread notifications"' in quiet and "bell-count" not in quiet


def test_the_bell_counts_up_to_a_hundred_and_says_more_than_99(people):
    """Someone back from leave with thousands unread sees "99+", and every page they open
    stops counting at a hundred (the count read every unread row: ~1 ms for 5,000)."""
    Notification.objects.bulk_create(
        Notification(recipient=people[0], kind="need_new", data={}) for _ in range(150)
    )
    with CaptureQueriesContext(connection) as queries:
        content = login(people[0]).get(reverse("inbox:list")).content.decode()
    assert 'aria-label="More than 99 unread notifications"' in content
    assert '<span class="bell-count" aria-hidden="true">99+</span>' in content
    bell = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "IS NULL" in q["sql"]]
    assert len(bell) == 1 and "LIMIT 100" in bell[0] and "ORDER BY" not in bell[0], bell
    Notification.objects.filter(pk__in=Notification.objects.values("pk")[:51]).delete()
    content = login(people[0]).get(reverse("inbox:list")).content.decode()
    assert 'aria-label="99 unread notifications"' in content
    assert '<span class="bell-count" aria-hidden="true">99</span>' in content


def test_the_bell_costs_one_query_and_nothing_when_logged_out(
    people, rf, django_assert_num_queries
):
    request = rf.get("/")
    request.user = people[0]
    with django_assert_num_queries(1):
        assert unread_notifications(request) == {
            "unread_notifications": 0,
            "unread_past_most": False,
        }
        # Again in the same request (a panel rendered with the request): counted once.
        assert unread_notifications(request)["unread_notifications"] == 0
    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notifications(request) == {}


def test_the_inbox_lists_newest_first_in_the_readers_language(people):
    send(people[:1], kind="need_new", place="一社区")
    send(people[:1], kind="need_overdue")
    en = login(people[0]).get(reverse("inbox:list")).content.decode()
    assert en.index("Need K7M4QXP2 is overdue") < en.index("New need K7M4QXP2 to accept in 一社区")
    zh = login(people[0], "zh-hans").get(reverse("inbox:list")).content.decode()
    assert "一社区 有新诉求 K7M4QXP2 待受理" in zh


def test_opening_an_item_marks_it_read_and_follows_its_link(people):
    send(people)
    mine = Notification.objects.get(recipient=people[0])
    client = login(people[0])
    response = client.get(reverse("inbox:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/console/needs/K7M4QXP2/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert Notification.objects.get(recipient=people[1]).read_at is None
    # Someone else's notification is not there for them.
    other = Notification.objects.get(recipient=people[1])
    assert client.get(reverse("inbox:open", args=[other.pk])).status_code == 404


def test_a_stored_link_off_the_site_is_not_followed(people):
    row = Notification.objects.create(
        recipient=people[0], kind="need_new", data={}, url="//evil.example/"
    )
    response = login(people[0]).get(reverse("inbox:open", args=[row.pk]))
    assert response["Location"] == reverse("inbox:list")


def test_mark_all_read(people):
    for _ in range(2):
        send(people)
    client = login(people[0])
    response = client.post(reverse("inbox:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=people[0], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=people[1], read_at__isnull=True).count() == 2
    assert client.get(reverse("inbox:read_all")).status_code == 405


def test_the_inbox_needs_a_login():
    response = Client().get(reverse("inbox:list"))
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_an_apps_notice_text_is_registered_once():
    kind = "test_registered_once"
    try:
        notifications.register_text(kind, "Need %(number)s")
        notifications.register_text(kind, "Need %(number)s")  # the same text again: harmless
        assert notifications.render(kind, {"number": "N1"}) == "Need N1"
        with pytest.raises(ValueError):
            notifications.register_text(kind, "Another text")
    finally:
        notifications.TEXTS.pop(kind, None)
    # Care's welfare check notice is registered by its app at start-up.
    assert "care_welfare_check" in notifications.TEXTS
