"""The console pages and the QR page: who gets what, a matter raised by QR, the ledger."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from civicgrid.butler import projects
from civicgrid.butler.models import Matter, Milestone, Project, TeamRole, Visit
from civicgrid.butler.tests import factories as bf
from civicgrid.core.models import RevealLog
from civicgrid.needs.tracking import tracking_url
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def client_of(person: object) -> Client:
    c = Client(headers={"accept-language": "en"})
    c.force_login(person)  # type: ignore[arg-type]
    return c


def test_qr_page_raises_a_matter_and_the_butler_sees_it() -> None:
    b = bf.butler_world()
    anon = Client()
    url = reverse("butler_public:raise", args=[b.project.pk, bf.qr_key(b)])
    assert (
        anon.get(reverse("butler_public:raise", args=[b.project.pk, "x" * 12])).status_code == 404
    )
    assert anon.get(reverse("butler_public:raise", args=[999999, bf.qr_key(b)])).status_code == 404
    page = anon.get(url)
    assert page.status_code == 200 and b.project.name in page.content.decode()
    key = page.context["form"].initial["once"]
    body = {"phone": bf.CONTACT_PHONE, "kind": "approval", "description": "能评批复", "once": key}
    sent = anon.post(url, body)
    matter = Matter.objects.get()
    assert sent.status_code == 302 and sent["Location"] == tracking_url(matter.need.number)
    again = anon.post(url, body)  # the same form twice: one matter
    assert again.status_code == 302 and Matter.objects.count() == 1
    wrong = anon.post(url, {**body, "phone": "13900000000", "once": "y" * 32})
    assert wrong.status_code == 400 and Matter.objects.count() == 1
    # The cadre, with no other page rights than the team, sees it in the console.
    cadre = client_of(b.cadre)
    listed = cadre.get(reverse("butler:matters"))
    assert listed.status_code == 200
    assert [r["url"] for r in listed.context["rows"]] == [
        reverse("butler:matter", args=[matter.pk])
    ]
    clerk = client_of(b.clerk)  # a department member with no role at all
    assert clerk.get(reverse("butler:matter", args=[matter.pk])).status_code == 200
    detail = cadre.get(reverse("butler:project", args=[b.project.pk]))
    assert detail.status_code == 200
    kinds = [e["kind"] for e in detail.context["entries"]]
    assert kinds == ["stage", "matter"]


def test_scope_of_pages() -> None:
    b = bf.butler_world()
    matter = bf.raise_by_qr(b)
    other_cadre = nf.person("另一管家", roles=[(Role.PROJECT_BUTLER, b.w.t["town1"])])
    other = projects.project_create(
        by=b.w.dispatcher,
        enterprise=bf.enterprise(b.w, "另一企业"),
        name="另一项目",
        node=b.w.t["comm1"],
    )
    projects.team_add(by=b.w.dispatcher, project=other, role=TeamRole.CADRE, person=other_cadre)
    pk = b.project.pk
    reads = [
        reverse("butler:project", args=[pk]),
        reverse("butler:matter", args=[matter.pk]),
    ]
    outsider = client_of(other_cadre)
    for url in reads:
        assert outsider.get(url).status_code == 404, url
    assert outsider.get(reverse("butler:matters")).context["rows"] == []
    writes = [
        ("post", reverse("butler:stage", args=[pk]), {"action": "approve"}),
        ("post", reverse("butler:milestones", args=[pk]), {"title": "x"}),
        ("post", reverse("butler:visit_add", args=[pk]), {"visited_on": "2026-01-01"}),
        ("post", reverse("butler:matter_new", args=[pk]), {"kind": "problem", "description": "x"}),
        ("post", reverse("butler:team", args=[pk]), {"op": "contact", "c-name": "x"}),
        ("post", reverse("butler:project_edit", args=[pk]), {"name": "x"}),
        ("post", reverse("butler:contact_phone", args=[pk, b.contact.pk]), {}),
        ("get", reverse("butler:poster", args=[pk]), {}),
    ]
    for reader in (b.w.leader, b.leader):
        c = client_of(reader)
        for url in reads:
            assert c.get(url).status_code == 200
        for method, url, data in writes:
            assert getattr(c, method)(url, data).status_code == 403, (reader, url)
    assert Milestone.objects.count() == Visit.objects.count() == 0
    assert Matter.objects.count() == 1
    assert Project.objects.get(pk=pk).stage == "signed"
    # The cadre works the project but does not keep its team.
    cadre = client_of(b.cadre)
    assert cadre.post(reverse("butler:team", args=[pk]), {"op": "contact"}).status_code == 403
    assert cadre.post(reverse("butler:stage", args=[pk]), {"action": "approve"}).status_code == 302
    assert cadre.get(reverse("butler:poster", args=[pk])).status_code == 200
    assert cadre.get(reverse("butler:poster_png", args=[pk]))["Content-Type"] == "image/png"


def test_staff_pages_and_ledger() -> None:
    b = bf.butler_world()
    bf.raise_by_qr(b)
    staff = client_of(b.w.dispatcher)
    assert staff.get(reverse("butler:home")).status_code == 200
    assert staff.get(reverse("butler:project_new")).status_code == 200
    made = staff.post(
        reverse("butler:project_new"),
        {
            "enterprise": b.enterprise.pk,
            "name": "二期",
            "node": b.w.t["comm1"].pk,
            "investment": "12.5",
        },
    )
    assert made.status_code == 302 and Project.objects.filter(name="二期").exists()
    bad = staff.post(
        reverse("butler:project_new"),
        {
            "enterprise": b.enterprise.pk,
            "name": "三期",
            "node": b.w.t["comm1"].pk,
            "investment": "abc",
        },
    )
    assert bad.status_code == 400 and "investment" in bad.context["form"].errors
    member = nf.person("党员", roles=[(Role.PARTY_MEMBER, b.w.t["gridA"])])
    seated = staff.post(
        reverse("butler:team", args=[b.project.pk]),
        {"op": "seat", "role": "cadre", "person": member.pk},
    )
    assert seated.status_code == 302
    assert b.project.team.filter(role="cadre", person=member).exists()
    # A cadre with no staff role (a party member) works the project in the console.
    cadre = client_of(member)
    assert cadre.get(reverse("butler:project", args=[b.project.pk])).status_code == 200
    assert cadre.get(reverse("butler:matters")).status_code == 200
    assert client_of(nf.person("路人")).get(reverse("butler:home")).status_code == 403
    team = staff.get(reverse("butler:team", args=[b.project.pk]))
    assert bf.CONTACT_PHONE not in team.content.decode()  # masked
    shown = staff.post(reverse("butler:contact_phone", args=[b.project.pk, b.contact.pk]))
    assert shown.content.decode() == bf.CONTACT_PHONE and RevealLog.objects.count() == 1
    added = staff.post(
        reverse("butler:visit_add", args=[b.project.pk]),
        {"visited_on": "2026-01-01", "found": "用地"},
    )
    assert added.status_code == 302
    assert staff.get(reverse("butler:counts")).status_code == 200
    ledger = staff.get(reverse("butler:ledger"))
    book = openpyxl.load_workbook(io.BytesIO(ledger.content))
    rows = {r[0]: r for r in book.worksheets[0].iter_rows(values_only=True)}
    assert rows[b.project.name][1] == 1 and rows["二期"][1] == 0
