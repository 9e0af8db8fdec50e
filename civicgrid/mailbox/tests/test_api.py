"""The mailbox through the REST API: public proposals and projects (no proposer), the staff
list (phones masked, scope), supports only with the texted code, milestones by staff who
serve the town (a leader 403)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from civicgrid.api.services import token_create
from civicgrid.mailbox import selection
from civicgrid.mailbox.models import ProposalState, Support
from civicgrid.mailbox.tests import factories as f
from civicgrid.mailbox.tests.api_urls import API_PREFIX
from civicgrid.network.models import Person

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("civicgrid.mailbox.tests.api_urls"),
]
S = ProposalState


class Api:
    def __init__(self, person: Person | None = None) -> None:
        headers = {"accept-language": "en"}
        if person is not None:
            headers["authorization"] = f"Bearer {token_create(person=person, name='t')[1]}"
        self.client = Client(headers=headers)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(API_PREFIX + path, params or {})

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(API_PREFIX + path, body, content_type="application/json")


def code_of(response: Any) -> str:
    return str(response.json()["error"]["code"])


def test_public_list_shows_only_published_and_no_proposer() -> None:
    mw = f.mworld()
    shown = f.proposal(mw, state=S.PUBLISHED)
    f.proposal(mw)  # submitted
    f.proposal(mw, state=S.DECLINED)
    r = Api().get("/mailbox/proposals", {"town": mw.w.t["town1"].pk})
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["id"] for i in items] == [shown.pk]
    assert "proposer_phone" not in items[0] and f.PHONE not in r.content.decode()
    assert "巴特尔" not in r.content.decode()
    assert Api().get(f"/mailbox/proposals/{shown.pk}").json()["supports"] == 0
    hidden = f.proposal(mw)
    assert Api().get(f"/mailbox/proposals/{hidden.pk}").status_code == 404


def test_staff_list_is_scoped_and_masked() -> None:
    mw = f.mworld()
    f.proposal(mw)
    r = Api(mw.w.town_staff).get("/mailbox/staff/proposals")
    assert r.status_code == 200
    (item,) = r.json()["items"]
    assert item["proposer_phone"] == "139****5678"
    assert Api(mw.w.stranger).get("/mailbox/staff/proposals").json()["items"] == []
    assert Api().get("/mailbox/staff/proposals").status_code == 401
    page = Api(mw.w.leader).get("/mailbox/staff/proposals", {"state": "submitted"})
    assert len(page.json()["items"]) == 1


def test_a_support_needs_the_code(fixed_code: str) -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    api = Api()
    r = api.post("/mailbox/supports", {"proposal": p.pk, "phone": f.PHONE, "code": f.CODE})
    assert (r.status_code, code_of(r)) == (400, "code_spent")
    r = api.post("/mailbox/supports", {"proposal": p.pk, "phone": f.PHONE})
    assert r.status_code == 400  # the code is required by the schema
    sent = api.post("/mailbox/supports/code", {"proposal": p.pk, "phone": f.PHONE})
    assert sent.json() == {"sent_to": "139****5678"}
    r = api.post("/mailbox/supports", {"proposal": p.pk, "phone": f.PHONE, "code": "111111"})
    assert code_of(r) == "code_wrong"
    r = api.post("/mailbox/supports", {"proposal": p.pk, "phone": f.PHONE, "code": f.CODE})
    assert r.json() == {"created": True, "supports": 1}
    api.post("/mailbox/supports/code", {"proposal": p.pk, "phone": f.PHONE})
    r = api.post("/mailbox/supports", {"proposal": p.pk, "phone": f.PHONE, "code": f.CODE})
    assert r.json() == {"created": False, "supports": 1}
    assert Support.objects.count() == 1
    unpublished = f.proposal(mw)
    r = api.post("/mailbox/supports/code", {"proposal": unpublished.pk, "phone": f.PHONE})
    assert (r.status_code, code_of(r)) == (400, "not_published")


def test_support_codes_are_throttled(fixed_code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from civicgrid.mailbox import residents

    monkeypatch.setattr(residents, "PER_IP", 1)
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    api = Api()
    assert (
        api.post("/mailbox/supports/code", {"proposal": p.pk, "phone": f.PHONE}).status_code == 200
    )
    r = api.post("/mailbox/supports/code", {"proposal": p.pk, "phone": f.OTHER})
    assert (r.status_code, code_of(r)) == (429, "rate_limited")


def test_projects_and_milestones() -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    f.close_call(mw)
    (project,) = selection.selection_make(by=mw.w.town_staff, call=mw.call, selected={p.pk: "急需"})
    body = {"title": "招标", "due": "2030-05-01"}
    path = f"/mailbox/projects/{project.pk}/milestones"
    assert Api(mw.w.leader).post(path, body).status_code == 403
    assert Api(mw.w.stranger).post(path, body).status_code == 404
    made = Api(mw.w.town_staff).post(path, body)
    assert made.status_code == 201, made.content
    done = Api(mw.w.town_staff).post(f"/mailbox/milestones/{made.json()['id']}/done", {})
    assert done.status_code == 200 and done.json()["done_on"]
    again = Api(mw.w.town_staff).post(f"/mailbox/milestones/{made.json()['id']}/done", {})
    assert code_of(again) == "already_done"
    public = Api().get(f"/mailbox/projects/{project.pk}").json()
    assert public["percent"] == 100 and public["milestones"][0]["title"] == "招标"
    assert [i["id"] for i in Api().get("/mailbox/projects").json()["items"]] == [project.pk]


@override_settings(LANGUAGE_CODE="en")
def test_bad_input_is_a_clear_4xx() -> None:
    mw = f.mworld()
    p = f.proposal(mw, state=S.PUBLISHED)
    r = Api().post("/mailbox/supports/code", {"proposal": p.pk, "phone": "12"})
    assert (r.status_code, code_of(r)) == (400, "phone_invalid")
    r = Api().get("/mailbox/proposals", {"cursor": "zz"})
    assert r.status_code == 400
