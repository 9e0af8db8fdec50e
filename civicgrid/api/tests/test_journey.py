"""The API journey a hotline system makes, and the rules it meets on the way: idempotent
creates, cursor pagination, the workflow's actions with their conflicts, scope."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from civicgrid.api.models import IdempotencyKey
from civicgrid.api.tests.conftest import Api, assert_error
from civicgrid.needs.models import Channel, Need, State
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db

ROAD = {
    "category": "roads",
    "description": "路面塌了一个坑",
    "contact_phone": "13912345678",
    "contact_name": "巴特尔",
    "answers": {"passable": "no"},
}


def test_the_whole_journey_through_the_api(w, as_person):
    dispatcher = as_person(w.dispatcher)
    worker = as_person(w.grid_worker)

    # Create with an idempotency key, then retry: one need, the same number.
    body = {**ROAD, "node": w.t["gridA"].pk, "channel": "phone", "on_behalf_of": "巴特尔"}
    first = dispatcher.post("/needs", body, **{"Idempotency-Key": "hotline-call-0001"})
    assert first.status_code == 201, first.content
    number = first.json()["number"]
    assert first["Location"] == f"/api/v1/needs/{number}"
    retry = dispatcher.post("/needs", body, **{"Idempotency-Key": "hotline-call-0001"})
    assert retry.status_code == 200
    assert retry["Idempotent-Replay"] == "true"
    assert retry.json()["number"] == number
    assert Need.objects.count() == 1
    assert Need.objects.get().channel == Channel.PHONE

    # It is listed.
    listed = dispatcher.get("/needs").json()
    assert [n["number"] for n in listed["items"]] == [number]
    assert listed["items"][0]["contact_phone"] == "139****5678"

    # Dispatch, undirected: any grid worker of the grid may take it.
    dispatched = dispatcher.post(f"/needs/{number}/actions/dispatch", {})
    assert dispatched.status_code == 200, dispatched.content
    assert dispatched.json()["state"] == State.DISPATCHED

    # Take; a second taker is told who has it.
    taken = worker.post(f"/needs/{number}/actions/take", {})
    assert taken.json()["state"] == State.TAKEN
    again = as_person(w.grid_worker).post(f"/needs/{number}/actions/take", {})
    error = assert_error(again, 409, "already_taken")
    assert error["details"]["holder"] == w.grid_worker.name

    # Resolve, then read the timeline.
    resolved = worker.post(f"/needs/{number}/actions/resolve", {"reason": "填平了"})
    assert resolved.json()["state"] == State.RESOLVED
    detail = dispatcher.get(f"/needs/{number}").json()
    assert [e["action"] for e in detail["timeline"]] == ["raise", "dispatch", "take", "resolve"]
    assert [e["seq"] for e in detail["timeline"]] == [1, 2, 3, 4]
    assert detail["timeline"][2]["actor_name"] == w.grid_worker.name
    assert detail["timeline"][3]["note"] == "填平了"
    assert detail["timeline"][3]["from_state"] == State.TAKEN
    assert detail["contact_phone"] == "139****5678"
    assert set(detail["allowed_actions"]) == {"confirm", "reopen"}


def test_an_idempotency_key_belongs_to_its_client(w, as_person):
    body = {**ROAD, "node": w.t["gridA"].pk}
    a = as_person(w.dispatcher).post("/needs", body, **{"Idempotency-Key": "same"})
    b = as_person(w.town_staff).post("/needs", body, **{"Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 201
    assert a.json()["number"] != b.json()["number"]
    assert IdempotencyKey.objects.count() == 2


def test_a_create_that_fails_keeps_no_key(w, as_person):
    api = as_person(w.dispatcher)
    bad = api.post("/needs", {**ROAD, "node": w.t["gridA"].pk, "contact_phone": "123"},
                   **{"Idempotency-Key": "k1"})  # fmt: skip
    assert_error(bad, 400, "phone_invalid")
    good = api.post("/needs", {**ROAD, "node": w.t["gridA"].pk}, **{"Idempotency-Key": "k1"})
    assert good.status_code == 201


def test_an_overlong_idempotency_key_is_a_validation_error(w, as_person):
    response = as_person(w.dispatcher).post(
        "/needs", {**ROAD, "node": w.t["gridA"].pk}, **{"Idempotency-Key": "k" * 101}
    )
    assert_error(response, 400, "validation")
    assert Need.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_key_make_one_need(w):
    from civicgrid.api.tests.conftest import token_of

    token = token_of(w.dispatcher)
    body = {**ROAD, "node": w.t["gridA"].pk}
    results: list[int] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        try:
            barrier.wait()
            response = Api(token).post("/needs", body, **{"Idempotency-Key": "race"})
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[-1] == 201
    assert results.count(201) == 1
    assert set(results) <= {200, 201}
    assert Need.objects.count() == 1


def test_cursor_pagination_walks_every_need_once(w, as_person):
    numbers = {nf.raise_need(w).number for _ in range(7)}
    api = as_person(w.dispatcher)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/needs", params).json()
        seen += [n["number"] for n in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == numbers


def test_a_forged_cursor_is_refused(w, as_person):
    response = as_person(w.dispatcher).get("/needs", {"cursor": "not-a-cursor"})
    assert_error(response, 400, "bad_cursor")


def test_filters_and_inboxes(w, as_person):
    urgent = nf.raise_need(w, priority="urgent", description="水管爆了")
    other = nf.raise_need(w, node=w.t["gridB"])
    api = as_person(w.dispatcher)

    def numbers(**params) -> set[str]:
        response = api.get("/needs", params)
        assert response.status_code == 200, response.content
        return {n["number"] for n in response.json()["items"]}

    assert numbers(q="水管") == {urgent.number}
    assert numbers(node=w.t["gridB"].pk) == {other.number}
    assert numbers(inbox="to_accept") == {urgent.number, other.number}
    assert numbers(inbox="to_dispatch") == set()
    assert numbers(state="closed") == set()
    assert numbers(category="roads") == {urgent.number, other.number}
    assert_error(api.get("/needs", {"category": "no-such"}), 400, "bad_category")
    assert_error(api.get("/needs", {"state": "sleeping"}), 400, "validation")
    # A node outside the caller's scope does not exist for them.
    assert_error(api.get("/needs", {"node": w.t["comm2"].pk}), 404, "not_found")


def test_a_grid_workers_token_sees_only_their_grid(w, as_person):
    mine = nf.raise_need(w)
    elsewhere = nf.raise_need(w, node=w.t["gridC"])
    api = as_person(w.grid_worker)
    assert [n["number"] for n in api.get("/needs").json()["items"]] == [mine.number]
    assert_error(api.get(f"/needs/{elsewhere.number}"), 404, "not_found")
    assert_error(api.get("/needs/ZZZZZZZZ"), 404, "not_found")


def test_a_leaders_token_reads_but_may_not_act(w, as_person):
    need = nf.raise_need(w)
    api = as_person(w.leader)
    assert [n["number"] for n in api.get("/needs").json()["items"]] == [need.number]
    assert api.get(f"/needs/{need.number}").json()["allowed_actions"] == []
    assert_error(api.post(f"/needs/{need.number}/actions/accept", {}), 403, "not_allowed")
    assert_error(api.post(f"/needs/{need.number}/actions/dispatch", {}), 403, "not_allowed")
    assert Need.objects.get(pk=need.pk).state == State.SUBMITTED


def test_workflow_refusals_keep_their_codes(w, as_person):
    need = nf.raise_need(w)
    api = as_person(w.dispatcher)
    assert_error(api.post(f"/needs/{need.number}/actions/reject", {}), 400, "reason_required")
    assert_error(api.post(f"/needs/{need.number}/actions/resolve", {}), 409, "wrong_state")
    assert_error(api.post(f"/needs/{need.number}/actions/fly", {}), 400, "validation")


def test_dispatch_to_a_person_outside_the_choices_is_refused(w, as_person):
    need = nf.raise_need(w)
    api = as_person(w.dispatcher)
    response = api.post(f"/needs/{need.number}/actions/dispatch", {"assignee_id": w.stranger.pk})
    error = assert_error(response, 400, "validation")
    assert "target" in error["details"]["fields"]
    ok = api.post(f"/needs/{need.number}/actions/dispatch", {"assignee_id": w.handler.pk})
    assert ok.status_code == 200, ok.content
    assert ok.json()["assignee_name"] == w.handler.name
    both = api.post(
        f"/needs/{need.number}/actions/dispatch",
        {"assignee_id": w.handler.pk, "assignee_org_id": w.unit.pk},
    )
    assert_error(both, 400, "validation")


def test_reveal_phone_is_logged(w, as_person):
    from civicgrid.core.models import RevealLog

    need = nf.raise_need(w)
    response = as_person(w.dispatcher).post(f"/needs/{need.number}/reveal-phone")
    assert response.json() == {
        "number": need.number,
        "contact_phone": "13912345678",
        "contact_email": "",
    }
    assert RevealLog.objects.filter(actor=w.dispatcher, subject=f"need:{need.number}").exists()
