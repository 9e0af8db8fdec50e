"""Elder mode and accessibility on every resident page: the switch is remembered from page to
page, elder mode draws large type and large targets, and axe-core (WCAG 2.0–2.2 A/AA, target
size on) finds nothing serious on any resident page, in normal and elder mode, at 320 px and
at 200 % zoom, in Chinese and in vertical Mongolian."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from civicgrid.core.elder import COOKIE
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# 320 CSS px: a small phone (and WCAG's reflow width). 200 % zoom of a 1280 × 800 window: the
# page is laid out in 640 × 400 CSS px, each drawn with two device pixels.
SIZES = {"320px": ({"width": 320, "height": 640}, 1), "zoom200": ({"width": 640, "height": 400}, 2)}

# Everything a target must be, in CSS px, and the interactive elements it applies to. A link
# inside a sentence is exempt (WCAG 2.5.8's inline exception); a radio's target is its label.
SMALL_TARGETS = """min => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(e => e.getClientRects().length && !e.closest('.skip-link'))
  .map(e => {
    const target = ['radio', 'checkbox'].includes(e.type) ? (e.closest('label') || e) : e;
    const parent = e.parentElement;
    const inline = e.tagName === 'A' && parent
      && parent.textContent.trim() !== e.textContent.trim();
    const r = target.getBoundingClientRect();
    const w = Math.round(r.width), h = Math.round(r.height);
    return {what: e.outerHTML.slice(0, 90), w, h, inline};
  })
  .filter(t => !t.inline && (t.w < min || t.h < min))"""


def resident_urls(live_server, w) -> dict[str, str]:
    need = nf.raise_need(w)
    key = tracking_key(need.number)
    base = live_server.url
    return {
        "home": f"{base}/",
        "choose": f"{base}/raise/?at={w.t['gridA'].code}",
        "form": f"{base}/raise/roads/?at={w.t['gridA'].code}",
        "receipt": f"{base}/raise/done/{need.number}/?k={key}",
        "track": f"{base}/track/{need.number}/?k={key}",
        "lookup": f"{base}/track/",
        "by-phone": f"{base}/track/phone/",
        "poster": f"{base}/poster/n/{w.t['gridA'].code}/",
        "serve-activities": f"{base}/serve/activities/",
        "wishes-wall": f"{base}/serve/wishes/c/{w.t['comm1'].code}/",
        **_services_urls(base, w),
        **_care_urls(base, w),
        "not-found": f"{base}/no/such/page/",
    }


def _services_urls(base: str, w) -> dict[str, str]:
    """The services' resident pages: near me, a place's services, a service with its booking
    form, an appointment's page, a station, a public room and its request form."""
    import datetime as dt

    from django.utils import timezone

    from civicgrid.network.models import Organisation, OrgKind
    from civicgrid.services import access, bookings, rota
    from civicgrid.services.models import OpeningHours, Room, RoomKind, Service, WhoMayBook

    comm = w.t["comm1"]
    workshop = Organisation.objects.create(name="便民工坊", kind=OrgKind.PROVIDER, node=comm)
    service = Service.objects.create(
        name="疏通下水管道", kind="drains", provider_org=workshop, node=comm, door_to_door=True
    )
    for weekday in range(7):
        OpeningHours.objects.create(
            service=service, weekday=weekday, starts=dt.time(8), ends=dt.time(18)
        )
    day = timezone.localdate() + dt.timedelta(days=1)
    booking = bookings.booking_book(
        service=service,
        starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))),
        mode="door",
        resident_name="张大娘",
        resident_phone="13900001111",
        address="5栋301",
        by=bookings.RESIDENT,
    )
    room = Room.objects.create(
        node=comm,
        name="书吧",
        kind=RoomKind.READING_SEAT,
        public=True,
        who_may_book=WhoMayBook.RESIDENTS,
    )
    rota.station_set(node=comm, phone="0482-8212345", route_to_duty=False, by=w.dispatcher)
    return {
        "near": f"{base}/near/?at={comm.code}",
        "place-services": f"{base}/near/place/{comm.code}/",
        "service": f"{base}/near/services/{service.pk}/?day={day.isoformat()}",
        "appointment": (
            f"{base}/near/appointments/{booking.pk}/?k={access.booking_key(booking.pk)}"
        ),
        "station": f"{base}/near/stations/{comm.code}/",
        "room": f"{base}/near/rooms/{room.pk}/",
        "room-request": f"{base}/near/rooms/{room.pk}/request/",
    }


def _care_urls(base: str, w) -> dict[str, str]:
    """The care module's resident pages: a meal point with today's menu, the menu to share,
    an elderly person's order page, finding it by phone, a scanned assistance card."""

    from django.utils import timezone

    from civicgrid.care import access, cards, menus
    from civicgrid.care.models import CardKind, Household, MealPoint
    from civicgrid.care.tests import factories as cf

    comm = w.t["comm1"]
    point = MealPoint.objects.create(name="大沟湾助餐点", node=comm, phone="0477-8612345")
    cf.default_bands()
    today = timezone.localdate()
    menu = menus.menu_save(
        by=w.dispatcher,
        point=point,
        day=today,
        dishes=[{"name": "羊肉烩菜", "special": False}, {"name": "蒸南瓜", "special": True}],
    )
    menus.menu_publish(by=w.dispatcher, menu=menu)
    home = Household.objects.create(node=w.t["gridA"], name="王家", address="二组8号")
    mother = cf.person(w.t["gridA"], "王奶奶", 86, mobility="limited", household=home)
    kind = CardKind.objects.create(name="困难老人爱心卡", monthly_amount=200, monthly_uses=4)
    card = cards.card_issue(by=w.dispatcher, household=home, kind=kind)
    return {
        "meal-point": f"{base}/care/points/{point.pk}/",
        "menu-share": f"{base}/care/points/{point.pk}/menu/{today.isoformat()}/",
        "meal-order": f"{base}/care/order/{mother.pk}/{access.person_key(mother.pk)}/",
        "meal-order-find": f"{base}/care/order/",
        "card-scanned": f"{base}/care/shop/card/{card.number}/",
    }


def _representatives_urls(base: str) -> dict[str, str]:
    """The representatives' pages: the index of places, a town's and a community's stations
    and representatives, a deputy's profile, the representatives' home with its timetable."""
    from civicgrid.representatives.tests import factories as rf

    r = rf.reps()
    return {
        "reps-index": f"{base}{reverse('representatives_public:index')}",
        "reps-town": f"{base}{reverse('representatives_public:place', args=[r.w.t['town1'].pk])}",
        "reps-community": base + reverse("representatives_public:place", args=[r.w.t["comm1"].pk]),
        "reps-deputy": base + reverse("representatives_public:representative", args=[r.deputy.pk]),
        "reps-station": base + reverse("representatives_public:station", args=[r.station.pk]),
    }


def _liaison_urls(base: str) -> dict[str, str]:
    """Writing to a representative or a station, and the tracking page: just sent (what the
    page after sending shows), and answered (with confirm and withdraw)."""
    from civicgrid.liaison import publication, workflow
    from civicgrid.liaison.tests import factories as lf

    lw = lf.liaison_world()
    fresh = lf.message(lw, now=None)
    answered = lf.message(lw, to_station=True, now=None)
    workflow.message_answer(by=lw.station_staff, message=answered, answer="已联系物业，本周修好")
    return {
        "write-to-rep": base + reverse("liaison_public:write_to_representative", args=[lw.rep.pk]),
        "write-to-station": base + reverse("liaison_public:write_to_station", args=[lw.station.pk]),
        "message-sent": f"{base}{publication.tracking_path(fresh.number)}?sent=1",
        "message-answered": base + publication.tracking_path(answered.number),
    }


def _mailbox_urls(base: str) -> dict[str, str]:
    """The town's QR mailbox: the landing page with a published proposal, the proposal form,
    a proposal with "support", and a project selected from last year's call."""
    from civicgrid.mailbox import selection
    from civicgrid.mailbox.models import Call, ProposalState
    from civicgrid.mailbox.tests import factories as f

    mw = f.mworld()
    proposal = f.proposal(mw, state=ProposalState.PUBLISHED)
    today = timezone.localdate()
    # Last year's call of the same mailbox, over, and its selection made.
    past = Call.objects.create(
        mailbox=mw.mailbox,
        year=today.year - 1,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=1),
        text="征集民生实事项目",
    )
    chosen = f.proposal(f.MW(w=mw.w, mailbox=mw.mailbox, call=past), state=ProposalState.PUBLISHED)
    Call.objects.filter(pk=past.pk).update(
        opens_on=today - dt.timedelta(days=400), closes_on=today - dt.timedelta(days=300)
    )
    past.refresh_from_db()
    (project,) = selection.selection_make(
        by=mw.w.town_staff, call=past, selected={chosen.pk: "群众呼声高"}
    )
    town1 = mw.w.t["town1"].pk
    return {
        "mailbox-landing": base + reverse("mailbox_public:landing", args=[town1]),
        "mailbox-propose": base + reverse("mailbox_public:propose", args=[town1]),
        "mailbox-proposal": base + reverse("mailbox_public:proposal", args=[proposal.pk]),
        "mailbox-project": base + reverse("mailbox_public:project", args=[project.pk]),
    }


def _reviews_urls(base: str) -> dict[str, str]:
    """Department reviews: the town's review mailbox, a round's departments, the
    questionnaire, and a published round's results (a second round)."""
    from civicgrid.reviews import rounds
    from civicgrid.reviews.tests import factories as rf

    rv = rf.opened()
    done = rf.draft(rv.w)
    rounds.round_open(by=rv.w.town_staff, round=done.round)
    done.round.refresh_from_db()
    rf.respond(done, comment="服务态度好")
    rounds.round_close(by=rv.w.town_staff, round=done.round)
    rounds.round_publish(by=rv.w.town_staff, round=done.round)
    return {
        "reviews-mailbox": base + reverse("reviews_public:mailbox", args=[rv.w.t["town1"].pk]),
        "reviews-round": base + reverse("reviews_public:round", args=[rv.round.pk]),
        "reviews-review": base + reverse("reviews_public:review", args=[rv.round.pk, rv.dept.pk]),
        "reviews-results": base + reverse("reviews_public:results", args=[done.round.pk]),
    }


def _butler_urls(base: str) -> dict[str, str]:
    """The project butler's QR page an enterprise's contact opens."""
    from civicgrid.butler.tests import factories as bf

    b = bf.butler_world()
    return {
        "butler-raise": base + reverse("butler_public:raise", args=[b.project.pk, bf.qr_key(b)])
    }


# The modules of issue 20: each builds its own world (the needs' world and its records).
MODULE_PAGES = {
    "representatives": _representatives_urls,
    "liaison": _liaison_urls,
    "mailbox": _mailbox_urls,
    "reviews": _reviews_urls,
    "butler": _butler_urls,
}


def px(page: Page, selector: str, prop: str) -> float:
    return float(page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")[:-2])


def test_axe_with_target_size_fires_on_targets_too_small(page: Page, axe_check):
    """The canary: the same check that passes the resident pages fails two 10 px buttons."""
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>canary</title></head><body><main>'
        '<button style="width:10px;height:10px;padding:0">a</button>'
        '<button style="width:10px;height:10px;padding:0">b</button></main></body></html>'
    )
    with pytest.raises(AssertionError, match="target-size"):
        axe_check(page, "canary", wcag22=True)


def test_elder_mode_is_remembered_and_draws_everything_larger(page: Page, live_server):
    w = nf.world()
    urls = resident_urls(live_server, w)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(urls["form"])
    assert px(page, "body", "fontSize") >= 18
    page.get_by_role("button", name="长辈版（大字）").click()
    expect(page.locator("html")).to_have_class("elder")
    expect(page).to_have_url(urls["form"])
    for name in ("form", "track", "home", "choose"):
        page.goto(urls[name])
        expect(page.locator("html")).to_have_class("elder")
        body = px(page, "body", "fontSize")
        assert body >= 22, name
        assert px(page, "body", "lineHeight") >= 1.3 * body, name
        assert px(page, "h1", "fontSize") >= 30, name
        small = page.evaluate(SMALL_TARGETS, 44)
        assert not small, f"{name}: targets under 44 × 44 px: {small}"
    page.goto(urls["form"])
    send = page.locator("form.r-form button[type=submit]").bounding_box()
    assert send and send["width"] >= 60 and send["height"] >= 60
    page.screenshot(path="test-output/browser/elder-form.png", full_page=True)
    page.get_by_role("button", name="标准版").click()
    expect(page.locator("html")).not_to_have_class(re.compile("elder"))
    assert px(page, "body", "fontSize") < 22


def _axe_failures(browser, live_server, axe_check, language: str, urls: dict[str, str]) -> list:
    """Every page of `urls` at both sizes, in normal and elder mode: what axe finds."""
    failures = []
    for size, (viewport, scale) in SIZES.items():
        context = browser.new_context(viewport=viewport, device_scale_factor=scale)
        for elder in (False, True):
            cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
            if elder:
                cookies.append({"name": COOKIE, "value": "1", "url": live_server.url})
            context.clear_cookies()
            context.add_cookies(cookies)
            page = context.new_page()
            for name, url in urls.items():
                page.goto(url)
                assert page.locator("html").get_attribute("lang") == language
                try:
                    axe_check(page, f"{name} {language} {size} elder={elder}", wcag22=True)
                except AssertionError as failure:
                    failures.append(str(failure))
            page.close()
        context.close()
    return failures


@pytest.mark.parametrize("language", ["zh-hans", "mn-mong"])
def test_axe_finds_nothing_serious_on_any_resident_page(browser, live_server, axe_check, language):
    w = nf.world()
    urls = resident_urls(live_server, w)
    failures = _axe_failures(browser, live_server, axe_check, language, urls)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("module", list(MODULE_PAGES))
@pytest.mark.parametrize("language", ["zh-hans", "mn-mong"])
def test_axe_finds_nothing_serious_on_a_modules_resident_pages(
    browser, live_server, axe_check, language, module
):
    """The same matrix for the modules of issue 20, each on its own tests' small world (their
    builders make the needs' world themselves): `-k representatives` runs one of them."""
    urls = MODULE_PAGES[module](live_server.url)
    failures = _axe_failures(browser, live_server, axe_check, language, urls)
    assert not failures, "\n".join(failures)
