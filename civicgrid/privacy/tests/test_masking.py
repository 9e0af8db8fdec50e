"""Phones are masked in every list and export unless the reader's role may see them, and
every full view is in the reveal log (PIPL: minimum necessary, accountable access)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client

from civicgrid.api.services import token_create
from civicgrid.core.models import RevealLog
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
MASKED = "139****5678"


def console(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def api(person: Person) -> Client:
    return Client(headers={"authorization": f"Bearer {token_create(person=person, name='t')[1]}"})


def ledger_text(response) -> str:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row)


def test_pages_feeds_and_apis_never_show_the_phone_in_full():
    cache.clear()
    w = nf.world()
    need = nf.raise_need(w)
    for person in (w.dispatcher, w.town_staff, w.grid_worker, w.leader):
        web = console(person)
        for path in (
            "/console/needs/",
            f"/console/needs/{need.number}/",
            "/dashboard/",
            "/dashboard/data.json",
            "/console/inbox/",
        ):
            page = web.get(path)
            assert page.status_code == 200, (person.name, path)
            assert PHONE not in page.content.decode(), (person.name, path)
        rest = api(person)
        for path in ("/api/v1/needs", f"/api/v1/needs/{need.number}", "/api/v1/notifications"):
            reply = rest.get(path)
            assert reply.status_code == 200, (person.name, path)
            assert PHONE not in reply.content.decode(), (person.name, path)
        assert MASKED in rest.get(f"/api/v1/needs/{need.number}").content.decode()
    public = Client()
    for path in (
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{need.number}.json",
    ):
        body = public.get(path, {"extensions": "true"}).content.decode()
        assert PHONE not in body and "巴特尔" not in body and MASKED not in body
    assert not RevealLog.objects.exists()


def test_the_needs_ledger_is_masked_for_other_roles_and_logged_when_in_full():
    w = nf.world()
    nf.raise_need(w)
    for person in (w.grid_worker, w.leader):
        text = ledger_text(console(person).get("/dashboard/ledgers/needs.xlsx"))
        assert MASKED in text and PHONE not in text
    assert not RevealLog.objects.exists()
    text = ledger_text(console(w.dispatcher).get("/dashboard/ledgers/needs.xlsx"))
    assert PHONE in text
    entry = RevealLog.objects.get()
    assert entry.actor == w.dispatcher and entry.subject.startswith("ledger:needs:")
    assert entry.field == "contact_phone"


def test_revealing_one_phone_is_logged_in_the_console_and_the_api():
    cache.clear()
    w = nf.world()
    need = nf.raise_need(w)
    shown = console(w.dispatcher).post(f"/console/needs/{need.number}/phone/")
    assert PHONE in shown.content.decode()
    reply = api(w.dispatcher).post(f"/api/v1/needs/{need.number}/reveal-phone")
    assert reply.json()["contact_phone"] == PHONE
    assert RevealLog.objects.filter(actor=w.dispatcher, subject=f"need:{need.number}").count() == 2
    refused = console(w.stranger).post(f"/console/needs/{need.number}/phone/")
    assert refused.status_code == 404
    assert RevealLog.objects.count() == 2


EMAIL = "batu.herder@example.org"
MASKED_EMAIL = "b***@example.org"


def test_an_email_left_through_open311_is_masked_and_revealed_with_a_log():
    # Open311 clients may leave an email instead of a phone (issue 11): staff must be able to
    # reach that resident, under the same masking and logging as a phone.
    cache.clear()
    w = nf.world()
    need = nf.raise_need(w, channel="open311", contact_phone="", contact_email=EMAIL)
    for person in (w.dispatcher, w.leader):
        page = console(person).get(f"/console/needs/{need.number}/").content.decode()
        assert MASKED_EMAIL in page and EMAIL not in page, person.name
        rest = api(person)
        for path in ("/api/v1/needs", f"/api/v1/needs/{need.number}"):
            body = rest.get(path).content.decode()
            assert MASKED_EMAIL in body and EMAIL not in body, (person.name, path)
    assert not RevealLog.objects.exists()
    shown = console(w.dispatcher).post(f"/console/needs/{need.number}/phone/")
    assert f"mailto:{EMAIL}" in shown.content.decode()
    reply = api(w.dispatcher).post(f"/api/v1/needs/{need.number}/reveal-phone")
    assert reply.json() == {"number": need.number, "contact_phone": "", "contact_email": EMAIL}
    logged = RevealLog.objects.filter(actor=w.dispatcher, subject=f"need:{need.number}")
    assert list(logged.values_list("field", flat=True)) == ["contact_email", "contact_email"]


def test_mask_email_keeps_the_first_letter_and_the_domain():
    from civicgrid.network.models import mask_email

    assert mask_email(EMAIL) == MASKED_EMAIL
    assert mask_email("a@b.cn") == "a***@b.cn"
    assert mask_email("") == ""
    assert mask_email("no-at-sign") == "***"
