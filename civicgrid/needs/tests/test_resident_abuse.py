"""The resident pages under attack (issue 11, points 2 and 5): owner actions need the tracking
link, the last-four fallback is throttled and logged and never hands out the key, staff can
restore a withdrawn need; the form and the tracking actions are rate-limited, and a form sent
twice makes one need."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from civicgrid.api.tests.conftest import Api, token_of
from civicgrid.core import once
from civicgrid.core.models import OnceKey
from civicgrid.insights.kpis import Period
from civicgrid.insights.models import DailyStat
from civicgrid.insights.tests.checks import assert_rollups_equal_a_recount
from civicgrid.needs import selectors, services, workflow
from civicgrid.needs.models import Need, Rating, State
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tests.test_resident_views import (
    english,
    form_data,
    raise_url,
    resolved_need,
    track,
)
from civicgrid.needs.tracking import tracking_key
from civicgrid.needs.workflow import Action, By

KEY = re.compile(r'name="once" value="([A-Za-z0-9_-]+)"')


def rate(
    client: Client,
    need: Need,
    rating: str,
    *,
    k: str | None = None,
    last4: str = "",
    addr: str = "",
) -> Any:
    key = tracking_key(need.number) if k is None else k
    data = {"op": "rate", "rate-rating": rating, "rate-k": key, "rate-last4": last4}
    extra: dict[str, Any] = {"REMOTE_ADDR": addr} if addr else {}
    return client.post(track(need, key=key), data, **extra)


def withdraw(client: Client, need: Need, *, k: str = "", last4: str = "", **extra: Any) -> Any:
    data = {"op": "withdraw", "withdraw-sure": "on", "withdraw-k": k, "withdraw-last4": last4}
    url = reverse("resident:track", args=[need.number]) + (f"?k={k}" if k else "")
    return client.post(url, data, **extra)


# --- Point 2: owner actions need the link ---------------------------------------------------


@pytest.mark.django_db
def test_the_last_four_digits_do_not_withdraw_a_need():
    w = nf.world()
    need = nf.raise_need(w)  # phone 13912345678
    response = withdraw(english(Client()), need, last4="5678")
    assert response.status_code == 403
    assert "To withdraw, open the link from your receipt" in response.content.decode()
    need.refresh_from_db()
    assert need.state == State.SUBMITTED
    # The keyed link still does.
    assert withdraw(Client(), need, k=tracking_key(need.number)).status_code == 302
    need.refresh_from_db()
    assert need.state == State.WITHDRAWN


@pytest.mark.django_db
def test_rating_by_the_last_four_digits_never_hands_out_the_key(client):
    w = nf.world()
    need = resolved_need(w)
    response = rate(client, need, Rating.SATISFIED, k="", last4="5678")
    assert response.status_code == 302
    assert tracking_key(need.number) not in response["Location"]
    assert "k=" not in response["Location"]
    followed = client.get(response["Location"]).content.decode()
    assert tracking_key(need.number) not in followed


@pytest.mark.django_db
def test_last_four_tries_are_limited_per_need_whatever_the_address(client, settings):
    settings.RESIDENT_LAST4_PER_NEED = 3
    w = nf.world()
    need = resolved_need(w)
    for n, guess in enumerate(["0000", "1111", "2222"]):
        response = rate(client, need, Rating.SATISFIED, k="", last4=guess, addr=f"10.0.0.{n}")
        assert response.status_code == 403
    # The right digits from yet another address: too late, nothing changes.
    response = rate(english(client), need, Rating.SATISFIED, k="", last4="5678", addr="10.0.0.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many tries" in response.content.decode()
    need.refresh_from_db()
    assert need.state == State.RESOLVED
    # The link is not limited by the guesses of others.
    assert rate(client, need, Rating.SATISFIED).status_code == 302


@pytest.mark.django_db
def test_last_four_tries_are_limited_per_address_across_needs(client, settings):
    settings.RESIDENT_LAST4_PER_ADDRESS = 2
    w = nf.world()
    needs = [resolved_need(w) for _ in range(3)]
    assert rate(client, needs[0], Rating.SATISFIED, k="", last4="0000").status_code == 403
    assert rate(client, needs[1], Rating.SATISFIED, k="", last4="0000").status_code == 403
    assert rate(client, needs[2], Rating.SATISFIED, k="", last4="5678").status_code == 429
    elsewhere = rate(client, needs[2], Rating.SATISFIED, k="", last4="5678", addr="10.9.9.9")
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_each_last_four_try_is_logged_in_the_timeline_for_staff_only(client):
    w = nf.world()
    need = resolved_need(w)
    rate(client, need, Rating.SATISFIED, k="", last4="0000")
    rate(client, need, Rating.SATISFIED, k="", last4="5678")
    tries = list(need.events.filter(action=workflow.OWNER_CHECK).order_by("seq"))
    assert [(e.data["ok"], e.data["op"]) for e in tries] == [(False, "rate"), (True, "rate")]
    assert all(e.data["address"] and "127.0.0.1" not in str(e.data) for e in tries)
    assert workflow.OWNER_CHECK not in {t.event.action for t in selectors.public_timeline(need)}
    staff = Client(headers={"accept-language": "en"})
    staff.force_login(w.dispatcher)
    page = staff.get(reverse("needs:detail", args=[need.number])).content.decode()
    assert "Owner check without the link" in page


# --- Point 2: staff restore a withdrawn need ------------------------------------------------


def withdrawn_from_taken(w: nf.World) -> Need:
    need = nf.raise_need(w)
    nf.follow_up()
    services.need_act(need=need, action="dispatch", by=By(w.dispatcher), to=w.handler)
    services.need_act(need=need, action="take", by=By(w.handler))
    services.need_act(need=need, action="withdraw", by=workflow.RESIDENT, reason="")
    return Need.objects.get(pk=need.pk)


@pytest.mark.django_db
def test_a_dispatcher_restores_a_withdrawn_need_to_where_it_was():
    w = nf.world()
    need = withdrawn_from_taken(w)
    assert workflow.allowed_actions(need, workflow.RESIDENT) == []
    assert not workflow.may(need, By(w.handler), Action.RESTORE)
    assert not workflow.may(need, By(w.leader), Action.RESTORE)
    assert not workflow.may(need, By(w.stranger), Action.RESTORE)
    with pytest.raises(workflow.Invalid):
        workflow.transition(need, Action.RESTORE, By(w.dispatcher), reason="")
    restored = workflow.transition(need, Action.RESTORE, By(w.dispatcher), reason="撤回不是本人")
    assert restored.state == State.TAKEN and restored.closed_at is None
    event = restored.events.last()
    assert (event.action, event.from_state, event.to_state) == ("restore", "withdrawn", "taken")
    assert event.note == "撤回不是本人"


@pytest.mark.django_db
def test_a_need_withdrawn_straight_after_raising_is_restored_as_submitted():
    w = nf.world()
    need = nf.raise_need(w)
    services.need_act(need=need, action="withdraw", by=workflow.RESIDENT, reason="")
    services.need_act(need=need, action="restore", by=By(w.dispatcher), reason="误操作")
    need.refresh_from_db()
    assert need.state == State.SUBMITTED


@pytest.mark.django_db
def test_a_restored_need_counts_again_in_the_rollups():
    w = nf.world()
    need = withdrawn_from_taken(w)
    banner = w.t["banner"]
    day = timezone.localdate(need.created_at)
    row = DailyStat.objects.get(node=banner, day=day, category_id=need.category_id)
    assert (row.received, row.excluded) == (1, 1)
    services.need_act(need=need, action="restore", by=By(w.dispatcher), reason="误操作")
    row.refresh_from_db()
    assert (row.received, row.excluded) == (1, 0)
    assert_rollups_equal_a_recount(banner, Period(day - dt.timedelta(days=1), day))


@pytest.mark.django_db
def test_the_console_offers_restore_with_a_required_reason():
    w = nf.world()
    need = withdrawn_from_taken(w)
    staff = Client(headers={"accept-language": "en"})
    staff.force_login(w.dispatcher)
    page = staff.get(reverse("needs:detail", args=[need.number])).content.decode()
    assert reverse("needs:act", args=[need.number, "restore"]) in page
    url = reverse("needs:act", args=[need.number, "restore"])
    assert staff.post(url, {"reason": ""}).status_code == 400
    assert staff.post(url, {"reason": "居民说不是他撤的"}).status_code == 302
    need.refresh_from_db()
    assert need.state == State.TAKEN
    tracking = english(Client()).get(track(need)).content.decode()
    assert "Restored by the community" in tracking


@pytest.mark.django_db
def test_the_api_restores_a_withdrawn_need():
    w = nf.world()
    need = withdrawn_from_taken(w)
    api = Api(token_of(w.dispatcher))
    assert api.post(f"/needs/{need.number}/actions/restore", {}).status_code == 400
    response = api.post(f"/needs/{need.number}/actions/restore", {"reason": "误操作"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "taken"


# --- Point 5: rate limits -------------------------------------------------------------------


@pytest.mark.django_db
def test_raising_through_the_form_is_rate_limited_per_address(client, settings):
    settings.RESIDENT_RAISE_LIMIT = 2
    w = nf.world()
    assert client.post(raise_url(), form_data(w)).status_code == 302
    assert client.post(raise_url(), form_data(w)).status_code == 302
    refused = client.post(raise_url(), form_data(w))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    text = refused.content.decode()
    # The resident's language: Chinese by default (the words as the catalogue has them).
    with translation.override("zh-hans"):
        assert (
            'lang="zh-hans"' in text and f"<h1>{translation.gettext('Too many tries')}</h1>" in text
        )
    english_page = english(client).post(raise_url(), form_data(w)).content.decode()
    assert "Too many tries" in english_page and "Please wait" in english_page
    assert Need.objects.count() == 2
    other = client.post(raise_url(), form_data(w), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


@pytest.mark.django_db
def test_tracking_actions_are_rate_limited_per_address(client, settings):
    settings.RESIDENT_TRACK_LIMIT = 2
    w = nf.world()
    need = resolved_need(w)
    for _ in range(2):
        rate(client, need, Rating.SATISFIED, k="0000000000")
    response = rate(client, need, Rating.SATISFIED)
    assert response.status_code == 429 and response["Retry-After"]
    need.refresh_from_db()
    assert need.state == State.RESOLVED
    assert client.get(track(need)).status_code == 200  # reading is not limited


# --- Point 5: a form sent twice makes one need ----------------------------------------------


@pytest.mark.django_db
def test_the_form_carries_a_fresh_one_time_key(client):
    nf.world()
    first = KEY.findall(client.get(raise_url()).content.decode())
    second = KEY.findall(client.get(raise_url()).content.decode())
    assert len(first) == 1 and len(second) == 1 and first != second
    assert once.well_formed(first[0])


@pytest.mark.django_db
def test_the_same_form_sent_twice_makes_one_need_and_shows_the_first_receipt(client):
    w = nf.world()
    key = KEY.findall(client.get(raise_url()).content.decode())[0]
    first = client.post(raise_url(), form_data(w, once=key))
    again = client.post(raise_url(), form_data(w, once=key))
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Need.objects.count() == 1
    # A key that was not drawn by the form (too short to be unguessable) is not trusted.
    client.post(raise_url(), form_data(w, once="a"))
    client.post(raise_url(), form_data(w, once="a"))
    assert Need.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_make_one_need():
    w = nf.world()
    key = once.new_key()
    data = form_data(w, once=key)
    start = threading.Barrier(2)
    answers: list[Any] = []

    def click() -> None:
        try:
            start.wait()
            answers.append(Client().post(raise_url(), data))
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert Need.objects.count() == 1


@pytest.mark.django_db
def test_old_one_time_keys_are_pruned():
    once.claim("test", once.new_key(), "old")
    OnceKey.objects.update(created_at=timezone.now() - once.KEEP - dt.timedelta(minutes=1))
    kept = once.new_key()
    once.claim("test", kept, "new")
    assert once.prune() == 1
    assert once.result_of("test", kept) == "new"
