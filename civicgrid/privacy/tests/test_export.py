"""A resident's data export: what it holds, who may ask, the page, the command, the log."""

from __future__ import annotations

import io
import json
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import gettext

from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.core.hashing import phone_digest
from civicgrid.core.models import RevealLog
from civicgrid.core.notifications import notify
from civicgrid.needs import services as need_services
from civicgrid.needs.tests import factories as nf
from civicgrid.network.tests import factories as netf
from civicgrid.privacy import exports, services
from civicgrid.privacy.models import DataRequest, RequestKind
from civicgrid.privacy.tests.helpers import closed_need

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def test_the_export_gathers_needs_timelines_ratings_photos_and_reveals():
    w = nf.world()
    need = closed_need(w)
    elsewhere = nf.raise_need(w, node=w.t["gridC"])  # in community 2
    nf.raise_need(w, contact_phone="13800000000")  # someone else
    need_services.contact_reveal(need=need, person=w.dispatcher)
    data = services.personal_data_export(phone=PHONE, by=w.dispatcher, via="console")
    assert [n["number"] for n in data["needs"]] == [need.number]  # community 1 only
    row = data["needs"][0]
    assert row["contact_phone"] == PHONE and row["rating"] == "satisfied"
    assert row["contact_email"] == ""  # every contact field is in the export
    assert [e["action"] for e in row["timeline"]] == ["raise", "take", "resolve", "confirm"]
    assert row["timeline"][-1]["note"] == "巴特尔很满意"
    assert len(row["photos"]) == 2
    assert [r["need"] for r in data["phone_revealed_to_staff"]] == [need.number]
    assert data["account"] is None
    # The operator (a command) sees every need with that phone.
    everything = services.personal_data_export(phone=PHONE, by=None, via="command")
    assert {n["number"] for n in everything["needs"]} == {need.number, elsewhere.number}
    log = DataRequest.objects.filter(kind=RequestKind.EXPORT).order_by("id")
    assert [(r.actor, r.via, r.needs) for r in log] == [
        (w.dispatcher, "console", 1),
        (None, "command", 2),
    ]
    assert log[0].phone_digest == phone_digest(PHONE) and PHONE not in log[0].phone_digest
    assert RevealLog.objects.filter(actor=w.dispatcher, field="personal_data_export").exists()


def test_an_account_and_its_inbox_are_in_the_operators_export():
    w = nf.world()
    person = netf.person("居民甲")
    notify([person], kind="need_new", data={"number": "ABCD-EFGH", "place": "A网格"})
    data = services.personal_data_export(phone=person.mobile, by=None, via="command")
    assert data["account"]["name"] == "居民甲"
    assert len(data["account"]["notifications"]) == 1
    assert w  # the world exists only for the seed data


def test_only_community_staff_and_admins_may_export():
    w = nf.world()
    closed_need(w)
    for person in (w.grid_worker, w.leader, w.unit_member):
        with pytest.raises(NotAllowed):
            services.personal_data_export(phone=PHONE, by=person, via="console")
    with pytest.raises(Invalid):
        services.personal_data_export(phone="12345", by=w.dispatcher, via="console")
    assert not DataRequest.objects.exists()


def test_the_console_page_downloads_json_and_xlsx_and_refuses_others(client):
    w = nf.world()
    need = closed_need(w)
    client.force_login(w.grid_worker)
    assert client.get("/console/privacy/").status_code == 403
    assert (
        client.post("/console/privacy/export/", {"phone": PHONE, "format": "json"}).status_code
        == 403
    )
    client.force_login(w.dispatcher)
    page = client.get("/console/privacy/")
    assert page.status_code == 200
    got = client.post(
        "/console/privacy/export/", {"phone": PHONE, "format": "json", "reason": "来电"}
    )
    assert got.status_code == 200 and "attachment" in got["Content-Disposition"]
    assert json.loads(got.content)["needs"][0]["number"] == need.number
    book = client.post("/console/privacy/export/", {"phone": PHONE, "format": "xlsx"})
    sheets = openpyxl.load_workbook(io.BytesIO(book.content)).worksheets
    assert sheets[0].cell(2, 1).value == need.number
    bad = client.post("/console/privacy/export/", {"phone": "123", "format": "json"})
    assert bad.status_code == 400
    # Anonymise from the page: open needs are refused, closed ones cleared.
    waiting = nf.raise_need(w)
    refused = client.post(
        "/console/privacy/anonymise/",
        {"number": waiting.number, "reason": "居民要求", "sure": "on"},
    )
    assert refused.status_code == 409
    done = client.post(
        "/console/privacy/anonymise/", {"phone": PHONE, "reason": "居民要求", "sure": "on"}
    )
    assert done.status_code == 302
    need.refresh_from_db()
    assert need.anonymised_at is not None and need.contact_phone == ""
    follow = client.get("/console/privacy/")
    assert waiting.number in follow.content.decode()  # named as left open


def test_the_privacy_export_command(tmp_path):
    w = nf.world()
    need = closed_need(w)
    out = tmp_path / "data.json"
    call_command("privacy_export", "--phone", PHONE, "--output", str(out), stdout=StringIO())
    assert json.loads(out.read_text())["needs"][0]["number"] == need.number
    book = tmp_path / "data.xlsx"
    call_command("privacy_export", "--phone", PHONE, "--output", str(book), stdout=StringIO())
    assert openpyxl.load_workbook(book).worksheets[0].cell(2, 1).value == need.number
    with pytest.raises(CommandError):
        call_command("privacy_export", "--phone", PHONE, "--output", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError):
        call_command("privacy_export", "--phone", "not-a-phone", stdout=StringIO())


def test_the_export_reads_in_a_fixed_number_of_queries_however_many_needs(
    django_assert_max_num_queries,
):
    w = nf.world()
    for _ in range(2):
        nf.raise_need(w)
    services.personal_data_export(phone=PHONE, by=None, via="command")  # warm the caches
    # The needs and the apps that hold more (care, services…) in 20; each of the smaller
    # modules (privacy.services.PERSONAL_MODULES) adds at most one query.
    with django_assert_max_num_queries(20 + len(services.PERSONAL_MODULES)) as few:
        services.personal_data_export(phone=PHONE, by=None, via="command")
    for _ in range(6):
        nf.raise_need(w)
    with django_assert_max_num_queries(len(few.captured_queries)):
        data = services.personal_data_export(phone=PHONE, by=None, via="command")
    assert len(data["needs"]) == 8
    assert all(row["timeline"][0]["action"] == "raise" for row in data["needs"])


def test_what_other_apps_keep_about_the_need_is_in_the_export():
    """The messages sent to the resident and the WeChat openid they follow a need with are
    theirs too (civicgrid/outreach registers them with needs/extensions.py)."""
    from civicgrid.outreach import subscriptions

    w = nf.world()
    need = nf.raise_need(w)
    subscriptions.record(need, "oVxRz5-export-openid", ["tpl-resolved"])
    data = services.personal_data_export(phone=PHONE, by=None, via="command")
    row = data["needs"][0]
    assert [m["kind"] for m in row["messages"]] == ["received"]
    assert row["messages"][0]["state"] == "queued" and "text" not in row["messages"][0]
    assert row["wechat"] == [
        {"openid": "oVxRz5-export-openid", "template": "tpl-resolved", "messages_left": 1}
    ]
    book = openpyxl.load_workbook(io.BytesIO(exports.as_xlsx(data)))
    cells = [c.value for r in book[gettext("WeChat")].iter_rows() for c in r]
    assert "oVxRz5-export-openid" in cells
