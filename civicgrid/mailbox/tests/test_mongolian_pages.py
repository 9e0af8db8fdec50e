"""The mailbox's resident pages in traditional Mongolian, with no word of Chinese, English or
Cyrillic left (as `needs/tests/test_mongolian_pages.py` holds the needs' pages): the landing
page a town's QR poster opens, proposing with a code (and what a refusal says), a proposal with
"support", the page when the call is over, and a project's page with its milestones. Data a
resident reads is given in Mongolian (`*_mn`, what residents and staff typed)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from civicgrid.mailbox import projects, selection
from civicgrid.mailbox.models import LivelihoodProject, ProposalState
from civicgrid.mailbox.tests import factories as f
from civicgrid.needs.tests.test_mongolian_pages import assert_all_mongolian
from civicgrid.representatives.tests.test_mongolian_pages import name_places_in_mongolian

pytestmark = pytest.mark.django_db

TITLE = "ᠭᠡᠷᠡᠯ ᠤᠨ ᠰᠢᠯᠭᠠ"
BODY = "ᠭᠤᠷᠪᠠᠳᠤᠭᠠᠷ ᠪᠠᠶᠢᠰᠢᠩ ᠤᠨ ᠬᠠᠰᠢᠶ᠎ᠠ ᠳᠤ ᠰᠦᠨᠢ ᠬᠠᠷᠠᠩᠭᠤᠢ"


@pytest.fixture
def mw() -> f.MW:
    cache.clear()
    made = f.mworld()
    name_places_in_mongolian(made.w)
    return made


def published(mw: f.MW):
    return f.proposal(
        mw,
        state=ProposalState.PUBLISHED,
        title=TITLE,
        body=BODY,
        place="ᠭᠤᠷᠪᠠᠳᠤᠭᠠᠷ ᠪᠠᠶᠢᠰᠢᠩ",
        proposer_name="ᠪᠠᠭᠠᠲᠤᠷ",
    )


def test_the_landing_page_with_a_published_proposal(mw, mongolian):
    published(mw)
    page = mongolian.get(reverse("mailbox_public:landing", args=[mw.w.t["town1"].pk]))
    assert TITLE in page.content.decode() and "ᠠᠷᠠᠳ" in page.content.decode()  # the call
    assert_all_mongolian(page)


def propose_data(mw: f.MW) -> dict[str, str]:
    return {
        "title": TITLE,
        "body": BODY,
        "node": str(mw.w.t["comm1"].pk),
        "place": "",
        "estimated_cost": "",
        "name": "ᠴᠢᠮᠡᠭ",
        "phone": f.OTHER,
        "once": "k" * 32,
    }


def test_proposing_with_a_code_and_what_a_refusal_says(mw, mongolian, fixed_code):
    url = reverse("mailbox_public:propose", args=[mw.w.t["town1"].pk])
    assert_all_mongolian(mongolian.get(url))
    data = propose_data(mw)
    refused = mongolian.post(url, {**data, "title": "", "estimated_cost": "ᠣᠯᠠᠨ"})
    assert refused.status_code == 400
    assert_all_mongolian(refused)
    sent = mongolian.post(url, {**data, "send_code": "1"})
    assert sent.status_code == 200
    assert_all_mongolian(sent)  # "the code is texted to 139****5678"
    wrong = mongolian.post(url, {**data, "code": "000000"})
    assert wrong.status_code == 400
    assert_all_mongolian(wrong)
    done = mongolian.post(url, {**data, "code": f.CODE})
    assert done.status_code == 200
    assert_all_mongolian(done)


def test_a_cost_in_words_with_the_right_code(mw, mongolian, fixed_code):
    """The form takes the cost as text; the proposal's own check refuses it."""
    url = reverse("mailbox_public:propose", args=[mw.w.t["town1"].pk])
    data = propose_data(mw)
    mongolian.post(url, {**data, "send_code": "1"})
    cost = mongolian.post(url, {**data, "estimated_cost": "ᠣᠯᠠᠨ", "code": f.CODE})
    assert cost.status_code == 400
    assert_all_mongolian(cost)


def test_a_proposal_and_supporting_it(mw, mongolian, fixed_code):
    url = reverse("mailbox_public:proposal", args=[published(mw).pk])
    assert_all_mongolian(mongolian.get(url))
    assert_all_mongolian(mongolian.post(url, {"phone": f.OTHER, "send_code": "1"}))
    wrong = mongolian.post(url, {"phone": f.OTHER, "code": "1"})
    assert wrong.status_code == 400
    assert_all_mongolian(wrong)
    supported = mongolian.post(url, {"phone": f.OTHER, "code": f.CODE})
    assert supported.status_code == 200
    assert_all_mongolian(supported)


def test_after_the_call_a_project_with_its_milestones(mw, mongolian):
    chosen = published(mw)
    f.close_call(mw)
    town = mw.w.t["town1"].pk
    assert_all_mongolian(mongolian.get(reverse("mailbox_public:propose", args=[town])))
    (project,) = selection.selection_make(
        by=mw.w.town_staff, call=mw.call, selected={chosen.pk: "ᠶᠠᠭᠠᠷᠠᠯᠲᠠᠶ"}
    )
    LivelihoodProject.objects.filter(pk=project.pk).update(
        title_mn=TITLE, responsible="ᠪᠠᠯᠭᠠᠰᠤ ᠶᠢᠨ ᠠᠵᠢᠯᠲᠠᠨ"
    )
    for title_mn in ("ᠰᠢᠯᠭᠠ ᠬᠤᠳᠠᠯᠳᠤᠨ ᠠᠪᠬᠤ", "ᠰᠢᠯᠭᠠ ᠲᠠᠯᠪᠢᠬᠤ"):
        projects.milestone_add(
            by=mw.w.town_staff,
            project=project,
            title="采购路灯",
            title_mn=title_mn,
            due=mw.call.closes_on.replace(year=mw.call.closes_on.year + 1),
        )
    first = project.milestones.order_by("pk").first()
    projects.milestone_done(by=mw.w.town_staff, milestone=first)
    page = mongolian.get(reverse("mailbox_public:project", args=[project.pk]))
    assert "ᠰᠢᠯᠭᠠ ᠲᠠᠯᠪᠢᠬᠤ" in page.content.decode()
    assert_all_mongolian(page)
    assert_all_mongolian(mongolian.get(reverse("mailbox_public:landing", args=[town])))
    assert_all_mongolian(mongolian.get(reverse("mailbox_public:proposal", args=[chosen.pk])))
