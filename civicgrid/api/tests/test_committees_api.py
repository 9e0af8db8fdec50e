"""The joint committees' endpoints (/api/v1/committees/...): the committees and the three lists,
work tasks (a member unit works its own), consultations and joint meetings, each for the right
person and refused to the others — the committee's secretary, a member unit's contact, another
unit's contact, a read-only leader over the area, a unit of another committee; bad input is a
4xx in the one error shape naming the field, never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from civicgrid.api.tests.conftest import Api, assert_error, token_of
from civicgrid.api.tests.test_schema_fuzz import (
    OPERATIONS,
    PLAIN,
    SCHEMA,
    fuzz,
    same_connection,  # noqa: F401 (a fixture)
)
from civicgrid.committees import goals, meetings, work
from civicgrid.committees.models import (
    Consultation,
    ConsultationState,
    Contribution,
    GoalMeasure,
    Meeting,
    Pledge,
    PledgeKind,
    Task,
    TaskState,
)
from civicgrid.committees.tests.factories import Board, board, escalated_need, task
from civicgrid.needs.models import State
from civicgrid.needs.workflow import By
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db

MOBILE = "13912340000"
LAT, LON = 46.0800, 121.9500


class Session(Api):
    """Someone without a staff role (a unit's person, the outsider): the site's session."""

    def __init__(self, person: Person) -> None:
        super().__init__()
        self.client.force_login(person)


@pytest.fixture
def b() -> Board:
    found = board()
    Person.objects.filter(pk=found.army_contact.pk).update(mobile=MOBILE)
    return found


def secretary(b: Board) -> Api:
    return Api(token_of(b.secretary))


def army(b: Board) -> Api:
    return Api(token_of(b.army_contact))


def police(b: Board) -> Api:
    return Session(b.police_contact)


def leader(b: Board) -> Api:
    return Api(token_of(b.w.leader))


def outsider(b: Board) -> Api:
    return Session(b.outsider)


def later(days: int = 5) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def ids(response: Any) -> list[int]:
    return [item["id"] for item in ok(response)["items"]]


def fields_of(error: dict[str, Any]) -> set[str]:
    """The body fields an error names: the schema's (loc) or the domain's (a dict)."""
    fields = error["details"].get("fields")
    if isinstance(fields, dict):
        return set(fields)
    return {str(f["loc"][-1]) for f in fields or []}


# --- The document and who may call at all ---------------------------------------------------

PATHS = (
    "/committees",
    "/committees/{committee_id}",
    "/committees/{committee_id}/goals",
    "/committees/{committee_id}/needs",
    "/committees/{committee_id}/tasks",
    "/committees/tasks/{task_id}",
    "/committees/tasks/{task_id}/{action}",
    "/committees/{committee_id}/consultations",
    "/committees/consultations/{consultation_id}",
    "/committees/consultations/{consultation_id}/contributions",
    "/committees/consultations/{consultation_id}/decision",
    "/committees/consultations/{consultation_id}/return",
    "/committees/{committee_id}/meetings",
    "/committees/meetings/{meeting_id}",
    "/committees/meetings/{meeting_id}/agenda",
    "/committees/meetings/{meeting_id}/check-in",
)


def test_the_openapi_document_has_the_committee_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in PATHS:
        assert f"/api/v1{path}" in paths, path
    actions = paths["/api/v1/committees/tasks/{task_id}/{action}"]["post"]["parameters"]
    action = next(p for p in actions if p["name"] == "action")
    assert "verify" in str(action["schema"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/committees"),
        ("get", "/committees/1"),
        ("get", "/committees/1/tasks"),
        ("post", "/committees/1/tasks"),
        ("post", "/committees/tasks/1/accept"),
        ("get", "/committees/consultations/1"),
        ("post", "/committees/meetings/1/check-in"),
    ],
)
def test_anonymous_callers_are_asked_for_credentials(anonymous, method, path):
    assert_error(getattr(anonymous, method)(path), 401, "unauthenticated")


READS = (
    "/committees/{committee}",
    "/committees/{committee}/goals",
    "/committees/{committee}/needs",
    "/committees/{committee}/tasks",
    "/committees/tasks/{task}",
    "/committees/{committee}/consultations",
    "/committees/consultations/{consultation}",
    "/committees/{committee}/meetings",
    "/committees/meetings/{meeting}",
)


@pytest.mark.parametrize("path", READS)
def test_every_read_answers_the_committee_its_units_and_the_area_and_no_one_else(b, path):
    real = {
        "committee": b.committee.pk,
        "task": task(b).pk,
        "consultation": Consultation.objects.get(need=escalated_need(b)).pk,
        "meeting": meeting(b).pk,
    }
    url = path.format(**real)
    for who in (secretary, army, police, leader):
        assert who(b).get(url).status_code == 200, (who.__name__, url)
    assert_error(outsider(b).get(url), 404, "not_found")
    # Town two's staff: neither the committee's area nor a unit of it.
    assert_error(Api(token_of(b.w.stranger)).get(url), 404, "not_found")


def test_the_task_list_costs_a_fixed_number_of_queries(b, django_assert_max_num_queries):
    for i in range(8):
        task(b, unit=b.army if i % 2 else b.police, title=f"任务{i}")
    api = secretary(b)
    with django_assert_max_num_queries(12):
        assert len(ids(api.get(f"/committees/{b.committee.pk}/tasks"))) == 8


# --- Committees and the three lists ---------------------------------------------------------


def test_who_sees_which_committee(b):
    # The secretary's role is bound to the town: both committees there are in sight.
    mine = {c["id"]: c for c in ok(secretary(b).get("/committees"))["items"]}
    assert mine[b.committee.pk]["staff"] is True
    assert mine[b.committee.pk]["name"] == "一镇联合党委"

    unit = {c["id"]: c for c in ok(army(b).get("/committees"))["items"]}
    assert unit[b.committee.pk]["staff"] is False
    assert unit[b.committee.pk]["my_units"] == [{"id": b.army.pk, "name": "驻地部队"}]
    # The police's person has no role: their unit's committee only.
    assert ids(police(b).get("/committees")) == [b.committee.pk]

    assert b.committee.pk in ids(leader(b).get("/committees"))
    # The outsider's unit belongs to another committee: they see that one only.
    assert ids(outsider(b).get("/committees")) == [b.outsider_unit.committee_id]
    for path in ("", "/goals", "/needs", "/tasks", "/consultations", "/meetings"):
        assert_error(outsider(b).get(f"/committees/{b.committee.pk}{path}"), 404, "not_found")
    assert_error(army(b).get("/committees/999999999"), 404, "not_found")
    assert_error(army(b).get("/committees/abc"), 400, "validation")
    # An organisation that is not a committee is no committee.
    assert_error(secretary(b).get(f"/committees/{b.army.pk}"), 404, "not_found")


def test_the_committee_lists_its_units_pledges_and_masked_contacts(b):
    Pledge.objects.create(unit=b.army, kind=PledgeKind.VEHICLE, description="推土机", quantity=2)
    task(b)
    body = ok(leader(b).get(f"/committees/{b.committee.pk}"))
    units = {u["name"]: u for u in body["units"]}
    assert set(units) == {"驻地部队", "边境派出所"}
    armed = units["驻地部队"]
    assert armed["unit_kind"] == "army" and armed["open_tasks"] == 1 and not armed["mine"]
    assert armed["pledges"][0] | {"id": 0} == {
        "id": 0,
        "kind": "vehicle",
        "kind_label": "Vehicles",
        "description": "推土机",
        "quantity": 2,
        "active": True,
    }
    assert armed["contacts"] == [{"name": "连指导员", "title": "指导员", "mobile": "139****0000"}]
    for api in (leader(b), secretary(b), army(b)):
        assert MOBILE not in api.get(f"/committees/{b.committee.pk}").content.decode()
    seen = ok(army(b).get(f"/committees/{b.committee.pk}"))["units"]
    assert {u["name"]: u["mine"] for u in seen} == {"驻地部队": True, "边境派出所": False}


def test_the_goals_list_against_the_year(b):
    year = timezone.localdate().year
    goal = goals.goal_create(
        committee=b.committee,
        by=By(person=b.secretary),
        year=year,
        title="帮助解决实际问题",
        measure=GoalMeasure.TYPED,
        target=60,
        unit_label="件",
    )
    goals.goal_set_figure(goal=goal, by=By(person=b.secretary), value=30)
    body = ok(army(b).get(f"/committees/{b.committee.pk}/goals"))
    assert body["year"] == year
    (item,) = body["items"]
    assert (item["title"], item["target"], item["value"], item["percent"]) == (
        "帮助解决实际问题",
        60.0,
        30.0,
        50,
    )
    assert 0 <= item["elapsed_percent"] <= 100 and item["unit_label"] == "件"
    assert ok(army(b).get(f"/committees/{b.committee.pk}/goals", {"year": year - 1}))["items"] == []
    for year_param in ("1999", "x", "99999999999"):
        response = army(b).get(f"/committees/{b.committee.pk}/goals", {"year": year_param})
        assert "year" in fields_of(assert_error(response, 400, "validation"))


def test_the_needs_list_is_live_and_shows_no_phone(b):
    need = escalated_need(b)
    body = ok(army(b).get(f"/committees/{b.committee.pk}/needs"))
    items = [i for theme in body["themes"] for i in theme["items"]]
    assert [i["number"] for i in items] == [need.number]
    assert items[0]["why"] == ["Escalated to the committee"] and items[0]["state"] == need.state
    assert items[0]["text"]
    for api in (army(b), secretary(b), leader(b)):
        assert need.contact_phone not in api.get(f"/committees/{b.committee.pk}/needs").text


# --- Tasks ------------------------------------------------------------------------------------


def test_a_unit_gets_its_own_tasks_by_default(b):
    mine = task(b, title="修路")
    theirs = task(b, unit=b.police, title="巡逻", days=3)
    url = f"/committees/{b.committee.pk}/tasks"
    assert ids(army(b).get(url)) == [mine.pk]
    assert ids(police(b).get(url)) == [theirs.pk]
    assert ids(army(b).get(url, {"unit": "all"})) == [theirs.pk, mine.pk]  # by deadline
    assert ids(secretary(b).get(url)) == [theirs.pk, mine.pk]
    assert ids(secretary(b).get(url, {"unit": str(b.army.pk)})) == [mine.pk]
    assert ids(leader(b).get(url, {"state": "verified"})) == []
    item = ok(army(b).get(url))["items"][0]
    assert item["unit_name"] == "驻地部队" and item["state"] == "assigned"
    assert item["overdue"] is False and item["need_number"] is None

    pages, cursor = [], None
    for _round in range(5):
        params: dict[str, Any] = {"limit": 1, "unit": "all"}
        if cursor:
            params["cursor"] = cursor
        page = ok(secretary(b).get(url, params))
        pages += [t["id"] for t in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert pages == [theirs.pk, mine.pk]
    assert_error(secretary(b).get(url, {"cursor": "bm9wZQ"}), 400, "bad_cursor")
    for bad in ({"state": "lost"}, {"unit": "ours"}, {"limit": 0}, {"limit": 500}):
        assert_error(secretary(b).get(url, bad), 400, "validation")


def test_the_army_unit_works_its_task_through_the_api(b):
    given = task(b)
    url = f"/committees/tasks/{given.pk}"
    detail = ok(army(b).get(url))
    assert detail["allowed"] == ["accept", "return"]
    assert [e["action"] for e in detail["events"]] == ["assign"]
    assert detail["events"][0]["actor_name"] == "联合党委书记"

    # Not the police's task, not the leader's; the unit may not verify its own work.
    assert_error(police(b).post(f"{url}/accept"), 403, "forbidden")
    assert_error(leader(b).post(f"{url}/accept"), 403, "forbidden")
    assert_error(outsider(b).post(f"{url}/accept"), 404, "not_found")
    assert ok(police(b).get(url))["allowed"] == []  # a unit of the committee reads it

    accepted = ok(army(b).post(f"{url}/accept"))
    assert accepted["state"] == "accepted" and accepted["allowed"] == ["return", "done"]
    assert_error(army(b).post(f"{url}/accept"), 409, "wrong_state")
    empty = assert_error(army(b).post(f"{url}/done", {"result": "  "}), 400, "reason_required")
    assert fields_of(empty) == {"result"}
    done = ok(army(b).post(f"{url}/done", {"result": "道路已修通"}))
    assert done["state"] == "done" and done["done_on_time"] is True
    assert_error(army(b).post(f"{url}/verify"), 403, "not_allowed")
    assert_error(police(b).post(f"{url}/verify"), 403, "forbidden")

    verified = ok(secretary(b).post(f"{url}/verify", {"reason": "看过了"}))
    assert verified["state"] == "verified" and verified["allowed"] == []
    assert [e["action"] for e in verified["events"]] == ["assign", "accept", "done", "verify"]
    assert Task.objects.get(pk=given.pk).state == TaskState.VERIFIED


def test_a_unit_returns_a_task_and_the_committee_gives_it_again(b):
    given = task(b)
    url = f"/committees/tasks/{given.pk}"
    no_reason = assert_error(army(b).post(f"{url}/return", {}), 400, "reason_required")
    assert fields_of(no_reason) == {"reason"}
    returned = ok(army(b).post(f"{url}/return", {"reason": "本月演训，无力承担"}))
    assert returned["state"] == "returned" and returned["return_reason"] == "本月演训，无力承担"
    assert_error(army(b).post(f"{url}/reassign", {"unit": b.police.pk}), 403, "not_allowed")

    outside = secretary(b).post(f"{url}/reassign", {"unit": b.outsider_unit.pk})
    assert fields_of(assert_error(outside, 400, "validation")) == {"unit"}
    past = secretary(b).post(f"{url}/reassign", {"unit": b.police.pk, "due": later(-1)})
    assert fields_of(assert_error(past, 400, "validation")) == {"due"}
    again = ok(secretary(b).post(f"{url}/reassign", {"unit": b.police.pk, "due": later(9)}))
    assert again["state"] == "assigned" and again["unit_id"] == b.police.pk
    # Now it is the police's: the army is refused, the police accepts.
    assert_error(army(b).post(f"{url}/accept"), 403, "forbidden")
    assert ok(police(b).post(f"{url}/accept"))["state"] == "accepted"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": 5}, "reason"),
        ({"reason": "x" * 301}, "reason"),
        ({"result": "a\x00b"}, "result"),
        ({"unit": "police"}, "unit"),
        ({"due": "next week"}, "due"),
        ({"due": "0001-01-01T00:00:00"}, "due"),
    ],
)
def test_bad_action_bodies_name_the_field(b, body, field):
    given = task(b)
    response = army(b).post(f"/committees/tasks/{given.pk}/return", body)
    assert field in fields_of(assert_error(response, 400, "validation"))


def test_bad_actions_and_ids(b):
    given = task(b)
    assert_error(army(b).post(f"/committees/tasks/{given.pk}/explode"), 400, "validation")
    assert_error(army(b).post("/committees/tasks/999999999/accept"), 404, "not_found")
    assert_error(army(b).get("/committees/tasks/0"), 400, "validation")
    raw = army(b).client.post(
        f"/api/v1/committees/tasks/{given.pk}/accept", "{oops", content_type="application/json"
    )
    assert_error(raw, 400, "validation")


def test_only_the_committees_staff_give_tasks(b):
    url = f"/committees/{b.committee.pk}/tasks"
    body = {"unit": b.army.pk, "title": "清理积雪", "detail": "通往哨所的路", "due": later()}
    assert_error(army(b).post(url, body), 403, "forbidden")
    assert_error(police(b).post(url, body), 403, "forbidden")
    assert_error(leader(b).post(url, body), 403, "forbidden")
    assert_error(outsider(b).post(url, body), 404, "not_found")
    # Access first: an empty body tells a caller out of sight nothing either.
    assert_error(outsider(b).post(url, {}), 404, "not_found")
    assert_error(leader(b).post(url, {}), 403, "forbidden")
    missing = assert_error(secretary(b).post(url, {}), 400, "validation")
    assert fields_of(missing) == {"unit"}
    assert not Task.objects.exists()

    made = ok(secretary(b).post(url, body), 201)
    assert (made["title"], made["unit_id"], made["state"]) == ("清理积雪", b.army.pk, "assigned")
    assert made["allowed"] == ["reassign", "cancel"]
    # A deadline without a zone is the server's local time.
    naive = (timezone.localtime() + dt.timedelta(days=2)).replace(tzinfo=None, microsecond=0)
    local = ok(secretary(b).post(url, {**body, "due": naive.isoformat()}), 201)
    assert dt.datetime.fromisoformat(local["due"]) == timezone.make_aware(naive)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"unit": "army"}, "unit", "validation"),
        ({"unit": None}, "unit", "validation"),
        ({"title": None}, "title", "validation"),
        ({"due": None}, "due", "validation"),
        ({"title": "x" * 161}, "title", "validation"),
        ({"due": "tomorrow"}, "due", "validation"),
        ({"due": "9999-12-31T00:00:00"}, "due", "validation"),
        ({"resolves_need": "perhaps"}, "resolves_need", "validation"),
        ({"need": "no such!"}, "need", "validation"),
        # Rows that exist but may not be used: the domain's errors, on the same fields.
        ({"unit": 999999999}, "unit", "validation"),
        ({"due": "2001-01-01T09:00:00+08:00"}, "due", "validation"),
        ({"title": "   "}, "title", "validation"),
        ({"need": "ZZZZ9999"}, "need", "validation"),
        ({"goal": 999999999}, "goal", "validation"),
        ({"owner": 999999999}, "owner", "validation"),
        ({"resolves_need": True}, "resolves_need", "validation"),
    ],
)
def test_bad_task_bodies_name_the_field(b, change, field, code):
    body = {"unit": b.army.pk, "title": "清理积雪", "due": later(), **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = secretary(b).post(f"/committees/{b.committee.pk}/tasks", body)
    assert field in fields_of(assert_error(response, 400, code))
    assert not Task.objects.exists()


def test_a_task_of_another_units_person_as_owner_is_refused(b):
    body = {"unit": b.army.pk, "title": "清理积雪", "due": later(), "owner": b.police_contact.pk}
    response = secretary(b).post(f"/committees/{b.committee.pk}/tasks", body)
    assert fields_of(assert_error(response, 400, "validation")) == {"owner"}


# --- Consultations ----------------------------------------------------------------------------


def test_a_consultation_from_contributions_to_the_armys_task(b):
    need = escalated_need(b)
    consultation = Consultation.objects.get(need=need)
    listed = ok(army(b).get(f"/committees/{b.committee.pk}/consultations"))
    assert [c["id"] for c in listed["items"]] == [consultation.pk]
    assert listed["items"][0]["need_number"] == need.number
    url = f"/committees/consultations/{consultation.pk}"
    assert ok(leader(b).get(url))["state"] == "open"
    assert_error(outsider(b).get(url), 404, "not_found")

    said = ok(army(b).post(f"{url}/contributions", {"unit": b.army.pk, "text": "可出动机械"}), 201)
    assert said["contributions"][0]["unit_name"] == "驻地部队"
    assert said["units"] == [{"id": b.army.pk, "name": "驻地部队"}]
    for_police = army(b).post(f"{url}/contributions", {"unit": b.police.pk, "text": "x"})
    assert_error(for_police, 403, "not_allowed")
    by_leader = leader(b).post(f"{url}/contributions", {"unit": b.army.pk, "text": "x"})
    assert_error(by_leader, 403, "forbidden")
    assert Contribution.objects.count() == 1
    empty = police(b).post(f"{url}/contributions", {"unit": b.police.pk, "text": " "})
    assert fields_of(assert_error(empty, 400, "validation")) == {"text"}

    decision = {
        "text": "部队出动机械修通道路",
        "outcome": "联合党委决定由驻地部队修路",
        "tasks": [{"unit": b.army.pk, "title": "修通乃林郭勒路", "due": later(10)}],
    }
    decision["tasks"][0]["resolves_need"] = True
    assert_error(army(b).post(f"{url}/decision", decision), 403, "forbidden")
    assert_error(leader(b).post(f"{url}/decision", decision), 403, "forbidden")
    decided = ok(secretary(b).post(f"{url}/decision", decision))
    assert decided["state"] == "decided" and decided["outcome"] == "联合党委决定由驻地部队修路"
    (task_id,) = decided["decisions"][0]["task_ids"]
    assert Task.objects.get(pk=task_id).resolves_need is True

    # The army works the task to the end; verifying it resolves the need.
    for action, body in (("accept", {}), ("done", {"result": "已修通"})):
        ok(army(b).post(f"/committees/tasks/{task_id}/{action}", body))
    ok(secretary(b).post(f"/committees/tasks/{task_id}/verify"))
    need.refresh_from_db()
    assert need.state == State.RESOLVED
    assert ok(army(b).get(url))["state"] == "resolved"


def _row(**change: Any) -> dict[str, Any]:
    return {"unit": "ARMY", "title": "修路", "due": later(10), **change}


@pytest.mark.parametrize(
    ("decision", "field"),
    [
        ({"text": "决定", "tasks": []}, "tasks"),
        ({"text": " ", "tasks": [_row()]}, "text"),
        ({"text": "决定", "tasks": [_row(unit="army")]}, "unit"),
        ({"text": "决定", "tasks": [_row(due="soon")]}, "due"),
        ({"text": "决定", "tasks": [{"title": "修路", "due": "2030-01-01T09:00"}]}, "unit"),
        ({"text": "决定", "tasks": [_row(unit=999999999)]}, "tasks"),
        ({"text": "决定", "tasks": [_row(due="2001-01-01T09:00")]}, "due"),
        ({"text": "决定", "tasks": [_row()] * 11}, "tasks"),
        ({"tasks": [_row()]}, "text"),
    ],
)
def test_bad_decisions_name_the_field(b, decision, field):
    consultation = Consultation.objects.get(need=escalated_need(b))
    body = {
        **decision,
        "tasks": [
            {**r, "unit": b.army.pk} if r.get("unit") == "ARMY" else r
            for r in decision.get("tasks", [])
        ],
    }
    response = secretary(b).post(f"/committees/consultations/{consultation.pk}/decision", body)
    error = assert_error(response, 400, "validation")
    assert field in fields_of(error), error
    assert Consultation.objects.get(pk=consultation.pk).state == ConsultationState.OPEN
    assert not Task.objects.exists()


def test_the_committee_returns_a_need_with_its_decision(b):
    need = escalated_need(b)
    consultation = Consultation.objects.get(need=need)
    url = f"/committees/consultations/{consultation.pk}/return"
    assert_error(army(b).post(url, {"outcome": "退回"}), 403, "forbidden")
    assert_error(leader(b).post(url, {"outcome": "退回"}), 403, "forbidden")
    assert_error(outsider(b).post(url, {"outcome": "退回"}), 404, "not_found")
    assert "outcome" in fields_of(assert_error(secretary(b).post(url, {}), 400, "validation"))
    assert fields_of(assert_error(secretary(b).post(url, {"outcome": " "}), 400, "validation")) == {
        "outcome"
    }
    back = ok(secretary(b).post(url, {"outcome": "由社区协调解决"}))
    assert back["state"] == "returned" and back["outcome"] == "由社区协调解决"
    assert_error(secretary(b).post(url, {"outcome": "再退"}), 409, "wrong_state")


# --- Meetings ---------------------------------------------------------------------------------


def meeting(b: Board, *, starts_in: dt.timedelta = dt.timedelta(minutes=10)) -> Meeting:
    starts = timezone.now() + starts_in
    return meetings.meeting_create(
        committee=b.committee,
        by=By(person=b.secretary),
        title="边境党建联席会议",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        node=b.w.t["town1"],
        lat=LAT,
        lon=LON,
    )


def test_meetings_their_agenda_and_attendance(b):
    need = escalated_need(b)
    held = meeting(b)
    body = ok(army(b).get(f"/committees/{b.committee.pk}/meetings"))
    assert [m["id"] for m in body["items"]] == [held.pk]
    url = f"/committees/meetings/{held.pk}"
    detail = ok(leader(b).get(url))
    assert detail["state"] == "scheduled" and detail["title"] == "边境党建联席会议"
    assert [a["need_number"] for a in detail["agenda"]] == [need.number]
    assert detail["attendance"] == [] and set(detail["absent"]) == {"驻地部队", "边境派出所"}
    assert detail["allowed"] == [] and "checkin_key" not in str(detail)
    assert held.checkin_key not in leader(b).get(url).text
    assert_error(outsider(b).get(url), 404, "not_found")

    added = ok(army(b).post(f"{url}/agenda", {"text": "冬季道路保障"}), 201)
    assert added["agenda"][-1]["title"] == "冬季道路保障"
    assert added["agenda"][-1]["unit_name"] == "驻地部队"
    for_police = army(b).post(f"{url}/agenda", {"text": "x", "unit": b.police.pk})
    assert_error(for_police, 403, "not_allowed")
    assert_error(leader(b).post(f"{url}/agenda", {"text": "x"}), 403, "forbidden")
    assert_error(outsider(b).post(f"{url}/agenda", {"text": "x"}), 404, "not_found")
    assert fields_of(
        assert_error(army(b).post(f"{url}/agenda", {"text": "x" * 301}), 400, "validation")
    ) == {"text"}

    check = f"{url}/check-in"
    assert_error(army(b).post(check, {"key": "guess"}), 403, "bad_key")
    assert_error(leader(b).post(check, {"key": held.checkin_key}), 403, "not_a_member")
    assert_error(army(b).post(check, {"key": held.checkin_key, "lat": LAT}), 400, "validation")
    far = army(b).post(check, {"key": held.checkin_key, "lat": LAT + 0.1, "lon": LON})
    assert_error(far, 400, "too_far")
    came = ok(army(b).post(check, {"key": held.checkin_key, "lat": LAT, "lon": LON}))
    assert came["unit"] == {"id": b.army.pk, "name": "驻地部队"} and came["distance_m"] == 0
    assert_error(army(b).post(check, {"key": held.checkin_key}), 409, "already_checked_in")
    after = ok(army(b).get(url))
    assert after["checked_in"] is True
    assert after["attendance"] == [{"unit_id": b.army.pk, "unit_name": "驻地部队", "count": 1}]
    assert after["absent"] == ["边境派出所"]


def test_check_in_opens_an_hour_before_the_start(b):
    tomorrow = meeting(b, starts_in=dt.timedelta(days=1))
    response = army(b).post(
        f"/committees/meetings/{tomorrow.pk}/check-in", {"key": tomorrow.checkin_key}
    )
    assert_error(response, 409, "too_early")


def test_decisions_of_a_meeting_carry_their_tasks(b):
    need = escalated_need(b)
    held = meeting(b)
    meetings.meeting_hold(meeting=held, by=By(person=b.secretary))
    spec = meetings.TaskSpec(unit=b.army, title="修路", due=timezone.now() + dt.timedelta(days=9))
    decision = meetings.meeting_decide(
        meeting=held, by=By(person=b.secretary), text="部队修路", tasks=[spec], need=need
    )
    body = ok(army(b).get(f"/committees/meetings/{held.pk}"))
    (out,) = body["decisions"]
    assert out["id"] == decision.pk and out["need_number"] == need.number
    assert out["task_ids"] == list(decision.tasks.values_list("pk", flat=True))
    assert body["allowed"] == ["agenda", "attend"]
    assert ok(secretary(b).get(f"/committees/meetings/{held.pk}"))["allowed"][:2] == [
        "record",
        "agenda",
    ]


# --- Schemathesis with real ids ---------------------------------------------------------------

COMMITTEE_OPERATIONS = [(m, p) for m, p in OPERATIONS if p.startswith("/api/v1/committees")]


@pytest.mark.usefixtures("same_connection")
@pytest.mark.parametrize(
    ("method", "path"), COMMITTEE_OPERATIONS, ids=[f"{m} {p}" for m, p in COMMITTEE_OPERATIONS]
)
def test_fuzzed_requests_on_real_records_match_the_schema(method, path):
    """The shared fuzz run meets unknown ids; this one aims at the committee's real task,
    consultation and meeting, as its secretary (so that writes reach the domain)."""
    cache.clear()
    b = board()
    consultation = Consultation.objects.get(need=escalated_need(b))
    real = {
        "committee_id": b.committee.pk,
        "task_id": task(b).pk,
        "consultation_id": consultation.pk,
        "meeting_id": meeting(b).pk,
    }
    wanted = {name: value for name, value in real.items() if f"{{{name}}}" in path}
    headers = {"Authorization": f"Bearer {token_of(b.secretary)}", "Accept-Language": "en", **PLAIN}
    fuzz(SCHEMA[path][method], headers, **({"path_parameters": wanted} if wanted else {}))


def test_the_task_action_names_match_the_state_machine():
    assert {str(a) for a in work.Action} == {
        "accept",
        "return",
        "done",
        "verify",
        "send_back",
        "reassign",
        "cancel",
    }
