"""The register's console pages: who may open what (a stranger 404, a leader reads but 403 on
every write before any form, a grid worker their grid only), phones and addresses masked in
lists and on the page, a reveal on a button that logs, the add form, the import page."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicgrid.care.models import CaredPerson
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_visits as vf
from civicgrid.core.models import RevealLog
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db


def _as(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_list_masks_phones_and_shows_ages() -> None:
    c = cf.care()
    page = _as(c.w.dispatcher).get(reverse("care:register"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "王奶奶" in html and "138****0086" in html
    assert "13800000086" not in html and "13900000086" not in html and "二组8号" not in html
    rows = {r["name"]: r for r in page.context["rows"]}
    assert rows["王奶奶"]["age"] == c.aged_86.age_on(timezone.localdate()) >= 86
    assert not RevealLog.objects.exists()


def test_the_list_costs_the_same_queries_however_long() -> None:
    c = cf.care()
    client = _as(c.w.dispatcher)
    client.get(reverse("care:register"))  # the session, the scope: read once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("care:register")).status_code == 200
        return len(captured)

    few = queries()
    for i in range(20):
        cf.person(c.w.t["gridA"], f"老人{i}", 60 + i, kinds=("elderly", "disabled"))
    assert queries() == few


def test_the_list_filters_and_a_grid_worker_sees_their_grid() -> None:
    c = cf.care()
    client = _as(c.w.dispatcher)
    alone = client.get(reverse("care:register"), {"alone": "1"})
    assert [r["name"] for r in alone.context["rows"]] == ["王奶奶"]
    orphans = client.get(reverse("care:register"), {"kind": "fact_orphan", "age": "child"})
    assert [r["name"] for r in orphans.context["rows"]] == ["小明"]
    grid_b = client.get(reverse("care:register"), {"node": str(c.w.t["gridB"].pk), "age": "80"})
    assert [r["name"] for r in grid_b.context["rows"]] == ["王奶奶"]
    worker = _as(c.w.grid_worker).get(reverse("care:register"))
    assert {r["name"] for r in worker.context["rows"]} == {"张万喜", "李桂兰", "小明"}
    assert _as(c.w.stranger).get(reverse("care:register")).context["rows"] == []


def test_who_may_open_a_persons_page() -> None:
    c = cf.care()
    url = reverse("care:person", args=[c.aged_86.pk])
    assert _as(c.w.stranger).get(url).status_code == 404
    assert _as(c.w.grid_worker).get(url).status_code == 404  # grid B is not theirs
    assert _as(c.w.other_grid_worker).get(url).status_code == 200
    leader = _as(c.w.leader).get(url)
    assert leader.status_code == 200 and not leader.context["may_reveal"]
    assert Client().get(url).status_code == 302  # to the login


def test_the_persons_page_masks_and_a_reveal_is_logged() -> None:
    c = cf.care()
    worker = _as(c.w.other_grid_worker)
    page = worker.get(reverse("care:person", args=[c.aged_86.pk]))
    html = page.content.decode()
    assert "13800000086" not in html and "13900000086" not in html
    assert "二组8号" not in html and "王秀英" not in html
    assert "138****0086" in html and "女儿" in html
    reveal = reverse("care:person_reveal", args=[c.aged_86.pk])
    shown = worker.post(reveal, {"field": "phone"}, HTTP_HX_REQUEST="true")
    assert shown.status_code == 200 and "13800000086" in shown.content.decode()
    guardian = worker.post(reveal, {"field": "guardian"})
    assert "王秀英" in guardian.content.decode() and "13900000086" in guardian.content.decode()
    logged = list(RevealLog.objects.order_by("pk").values_list("actor_id", "subject", "field"))
    subject = f"care-person:{c.aged_86.pk}"
    assert logged == [
        (c.w.other_grid_worker.pk, subject, "phone"),
        (c.w.other_grid_worker.pk, subject, "guardian"),
    ]
    assert worker.post(reveal, {"field": "id_number"}).status_code == 400


def test_readers_may_not_reveal() -> None:
    c = cf.care()
    reveal = reverse("care:person_reveal", args=[c.aged_86.pk])
    assert _as(c.w.leader).post(reveal, {"field": "phone"}).status_code == 403
    assert _as(c.w.stranger).post(reveal, {"field": "phone"}).status_code == 404
    assert not RevealLog.objects.exists()


def test_a_leader_is_refused_every_write_before_any_form() -> None:
    c = cf.care()
    leader = _as(c.w.leader)
    person = c.aged_86.pk
    for name, args in (
        ("care:person_add", []),
        ("care:person_edit", [person]),
        ("care:register_import", []),
    ):
        assert leader.get(reverse(name, args=args)).status_code == 403
        assert leader.post(reverse(name, args=args), {}).status_code == 403
    assert leader.post(reverse("care:person_leave", args=[person]), {}).status_code == 403
    assert CaredPerson.objects.get(pk=person).left_at is None


def test_staff_add_a_person_through_the_form() -> None:
    c = cf.care()
    client = _as(c.w.dispatcher)
    data = {
        "node": c.w.t["gridA"].pk,
        "name": "钱大妈",
        "birth_date": cf.born(75).isoformat(),
        "mobility": "independent",
        "kinds": ["elderly", "hardship"],
        "phone": "138 0000 3333",
        "new_household": "钱家",
        "address": "一组30号",
        "id_number": vf.id_number(cf.born(75), 5),
    }
    done = client.post(reverse("care:person_add"), data)
    assert done.status_code == 302
    person = CaredPerson.objects.get(name="钱大妈")
    assert done["Location"] == reverse("care:person", args=[person.pk])
    assert person.phone == "13800003333" and person.household is not None
    assert person.household.name == "钱家" and person.identity_digest
    again = client.post(reverse("care:person_add"), data | {"name": "钱大妈二"})
    assert again.status_code == 409
    assert again.context["form"].errors["id_number"]
    bad = client.post(reverse("care:person_add"), data | {"kinds": [], "id_number": ""})
    assert bad.status_code == 400 and bad.context["form"].errors["kinds"]


def test_staff_change_a_person_and_take_them_off() -> None:
    c = cf.care()
    client = _as(c.w.dispatcher)
    url = reverse("care:person_edit", args=[c.aged_62.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {"node": c.w.t["gridA"].pk, "lives_alone": "on", "household": ""}
    assert client.post(url, data).status_code == 302
    assert CaredPerson.objects.get(pk=c.aged_62.pk).lives_alone
    leave = reverse("care:person_leave", args=[c.aged_62.pk])
    assert client.post(leave, {"reason": ""}).status_code == 400
    assert client.post(leave, {"reason": "搬到城里"}).status_code == 302
    assert CaredPerson.objects.get(pk=c.aged_62.pk).left_at is not None
    assert client.get(url).status_code == 403


def test_the_import_page_lists_every_problem_and_imports_nothing(tmp_path: Path) -> None:
    c = cf.care()
    client = _as(c.w.dispatcher)
    rows = [
        ["甲", "1950-01-01", "", c.w.t["gridA"].code, "", "", "", "", "老年人"] + [""] * 4,
        ["乙", "明年", "", c.w.t["gridA"].code, "", "", "", "", "老年人"] + [""] * 4,
    ]
    path = vf.write_xlsx(tmp_path / "s.xlsx", rows)
    upload = SimpleUploadedFile("一社区.xlsx", path.read_bytes())
    page = client.post(reverse("care:register_import"), {"file": upload})
    assert page.status_code == 400
    assert len(page.context["problems"]) == 1 and "一社区.xlsx" in page.context["problems"][0]
    assert not CaredPerson.objects.filter(name="甲").exists()
    rows[1][1] = "1951-02-03"
    path = vf.write_xlsx(tmp_path / "t.xlsx", rows)
    upload = SimpleUploadedFile("一社区.xlsx", path.read_bytes())
    done = client.post(reverse("care:register_import"), {"file": upload})
    assert done.status_code == 302
    assert CaredPerson.objects.filter(name__in=["甲", "乙"]).count() == 2


def test_the_template_downloads() -> None:
    c = cf.care()
    response = _as(c.w.dispatcher).get(reverse("care:register_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet is not None
    assert next(sheet.iter_rows(max_row=1, values_only=True))[0] == "姓名"
