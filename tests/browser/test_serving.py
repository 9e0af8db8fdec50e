"""People who serve, as the people would do it, each in their own browser.

1. A party member asks to register with the community where they live, the community's staff
   approve, the member signs up for an activity, checks in by its QR code on the day, and after
   the organiser records it sees the hours credited and a star on their phone home.
2. A grid worker posts a micro-wish; a member claims it on the wall and fulfils it with a
   photo; the community's staff confirm it; the wall shows it fulfilled, without the person's
   name or phone.
3. The organiser's month view with activities in every state.

The browser's locale is Chinese and its words change with the translation: elements are found
by URL, form field names, ids and data attributes, never by their visible text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from civicgrid.network.models import Person
from civicgrid.network.tests import factories as netf
from civicgrid.volunteers import activities
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    Registration,
    RegistrationState,
    SignUp,
    SignUpState,
    Theme,
    Wish,
    WishState,
)
from civicgrid.volunteers.tests import factories as vf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# The community hall's point, and where the member's phone says it is (about 70 m away).
HALL = (46.0795, 121.9520)
NEAR_HALL = {"latitude": 46.0800, "longitude": 121.9525}


def jpeg(name: str, colour: tuple[int, int, int]) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def log_in(browser: Browser, base: str, who: Person, path: str, **context) -> Page:
    """A new browser (desktop unless told) logged in as `who`, on `path`."""
    page = browser.new_context(locale="zh-CN", **(context or DESKTOP)).new_page()
    page.goto(f"{base}{reverse('console:login')}?next={path}")
    page.locator("input[name=username]").fill(who.mobile or "")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page).to_have_url(f"{base}{path}")
    return page


def served_earlier(c: vf.Crew, member: Person, hours: int) -> Activity:
    """Three days ago the member served `hours` hours at an activity, recorded since: set up
    through the services, as the phones and the organiser would have done it then."""
    start = timezone.localtime(timezone.now() - dt.timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    earlier = activities.activity_create(
        by=c.w.dispatcher,
        node=c.w.t["comm1"],
        team=None,
        title="秋季义务植树",
        theme=Theme.ENVIRONMENT,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        capacity=30,
        open_now=True,
    )
    activities.activity_sign_up(activity=earlier, person=member, now=start - dt.timedelta(days=1))
    activities.activity_check_in(
        activity=earlier, person=member, key=earlier.checkin_key, now=start
    )
    activities.activity_hold(
        activity=earlier, by=activities.SYSTEM, now=earlier.ends_at + dt.timedelta(minutes=1)
    )
    return activities.activity_record(
        activity=earlier, by=c.w.dispatcher, duration_minutes=hours * 60, summary="种了120棵树"
    )


def test_a_party_member_registers_serves_and_sees_hours_and_stars(
    browser: Browser, live_server, output_dir, axe_check
):
    c = vf.crew()
    w = c.w
    comm1 = w.t["comm1"]
    base = live_server.url
    # A party member who moved here: no role in the network yet, no registration.
    member = netf.person("乌兰新党员")
    me = reverse("serve:me")

    # On the phone: the home says to register; the register page finds the community.
    # Their phone tells where it is when asked (at the hall, on the day).
    located = {"geolocation": NEAR_HALL, "permissions": ["geolocation"]}
    phone = log_in(browser, base, member, me, **PHONE, **located)
    expect(phone.locator(f"a[href='{reverse('serve:register')}']").first).to_be_visible()
    axe_check(phone, "member home, not registered")
    phone.goto(f"{base}{reverse('serve:register')}")
    axe_check(phone, "register")
    phone.locator("input[name=q]").fill("一社区")
    phone.locator("form[role=search] button[type=submit]").click()
    choice = phone.locator(f"input[name=community][value='{comm1.pk}']")
    expect(choice).to_be_attached()
    choice.check()
    phone.locator("input[name=party_org_name]").fill("旗教育局第二党支部")
    phone.locator("input[name=work_unit]").fill("科右前旗第一中学")
    phone.locator("[name=skills]").fill("会讲蒙汉双语，能辅导孩子功课")
    phone.locator("form[method=post]:has(#found) button[type=submit]").click()
    expect(phone.locator(f"form[action='{reverse('serve:register_withdraw')}']")).to_be_visible()
    registration = Registration.objects.get(person=member)
    assert registration.state == RegistrationState.REQUESTED
    assert registration.community == comm1

    # At the desk: the community's staff approve the request.
    desk = log_in(browser, base, w.dispatcher, reverse("volunteers:registrations"))
    row = desk.locator(f"#reg-{registration.pk}")
    expect(row).to_be_visible()
    axe_check(desk, "registrations")
    approve = reverse("volunteers:registration_approve", args=[registration.pk])
    row.locator(f"form[action='{approve}'] button[type=submit]").click()
    expect(desk.locator(f"form[action='{approve}']")).to_have_count(0)
    registration.refresh_from_db()
    assert registration.state == RegistrationState.APPROVED
    assert registration.decided_by == w.dispatcher

    # The member served nine hours three days ago (the earlier part of their year), and today
    # the community cleans up the hall's yard, starting in twenty minutes.
    served_earlier(c, member, hours=9)
    start = (timezone.now() + dt.timedelta(minutes=20)).replace(second=0, microsecond=0)
    today = activities.activity_create(
        by=w.dispatcher,
        node=comm1,
        team=c.team,
        title="社区活动中心院落清扫",
        theme=Theme.ENVIRONMENT,
        place_detail="活动中心后院",
        lat=HALL[0],
        lon=HALL[1],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=12,
        open_now=True,
    )

    # Back on the phone: the home shows the community and the activity near them.
    phone.goto(f"{base}{me}")
    expect(phone.locator("section[aria-labelledby=community-title] .r-lead")).to_contain_text(
        comm1.name
    )
    expect(phone.get_by_test_id("my-hours")).to_have_text("9")
    expect(phone.get_by_test_id("my-stars").locator("span[aria-hidden=true]")).to_have_text("")
    detail_url = reverse("serve:activity", args=[today.pk])
    phone.locator(f"section[aria-labelledby=activities-title] a[href='{detail_url}']").click()
    expect(phone).to_have_url(f"{base}{detail_url}")
    axe_check(phone, "activity, before signing up")
    phone.locator(
        f"form[action='{reverse('serve:activity_sign_up', args=[today.pk])}'] button"
    ).click()
    expect(
        phone.locator(f"form[action='{reverse('serve:activity_leave', args=[today.pk])}']")
    ).to_be_visible()
    signup = SignUp.objects.get(activity=today, person=member)
    assert signup.state == SignUpState.CONFIRMED and signup.checked_in_at is None

    # On the day, at the hall: the member scans the poster's QR code (its URL carries the
    # activity's key) on a phone that tells where it is, and presses the big button.
    desk.goto(f"{base}{reverse('volunteers:activity_poster', args=[today.pk])}")
    checkin_path = reverse("serve:activity_checkin", args=[today.pk, today.checkin_key])
    qr = desk.locator(".poster-qr")
    expect(qr).to_have_attribute("aria-label", re.compile(re.escape(checkin_path) + "$"))
    axe_check(desk, "check-in poster")
    found = re.search(r"https?://\S+", qr.get_attribute("aria-label") or "")
    assert found is not None
    phone.goto(found.group(0))
    axe_check(phone, "check-in")
    phone.locator("form[data-checkin] button[type=submit]").click()
    expect(phone.locator(".act-done[role=status]")).to_be_visible()
    axe_check(phone, "checked in")
    signup.refresh_from_db()
    assert signup.checked_in_at is not None
    assert signup.checkin_distance_m is not None and signup.checkin_distance_m < 200

    # Two hours later the worker marks it held; the organiser records it on the console.
    activities.activity_hold(
        activity=today, by=activities.SYSTEM, now=today.ends_at + dt.timedelta(minutes=1)
    )
    desk.goto(f"{base}{reverse('volunteers:activity_detail', args=[today.pk])}")
    record = desk.locator(
        f"form[action='{reverse('volunteers:activity_act', args=[today.pk, 'record'])}']"
    )
    expect(record.locator(f"input[name=attended][value='{member.pk}']")).to_be_checked()
    axe_check(desk, "activity on the console, held")
    record.locator("input[name=duration_minutes]").fill("120")
    record.locator("input[name=solved_count]").fill("1")
    record.locator("textarea[name=summary]").fill("清走了后院堆了一冬的杂物，修好了晾衣架")
    record.locator("button[type=submit]").click()
    expect(desk.locator(".act-badge.act-recorded")).to_be_visible()
    signup.refresh_from_db()
    assert signup.hours == Decimal("2.00")

    # The member's phone home: eleven hours this year, eleven points, the first star.
    phone.goto(f"{base}{me}")
    expect(phone.get_by_test_id("my-hours")).to_have_text("11")
    expect(phone.get_by_test_id("my-points")).to_have_text(re.compile(r"^11(\.0+)?$"))
    expect(phone.get_by_test_id("my-stars").locator("span[aria-hidden=true]")).to_have_text("★")
    expect(
        phone.locator(f"section[aria-labelledby=signups-title] a[href='{detail_url}']")
    ).to_be_visible()
    axe_check(phone, "member home")
    phone.screenshot(path=str(output_dir / "serving_member_home.png"), full_page=True)


def test_a_wish_from_posting_to_the_wall(browser: Browser, live_server, output_dir, axe_check):
    c = vf.crew()
    w = c.w
    comm1 = w.t["comm1"]
    base = live_server.url
    wall_url = f"{base}{reverse('serve:wishes_wall', args=[comm1.code])}"

    # The grid worker of grid A (in community 1) posts a wish for an old herder.
    worker = log_in(browser, base, w.grid_worker, reverse("volunteers:wish_new"))
    form = worker.locator("form:has(input[name=needed_by])")
    expect(form.locator(f"select[name=community] option[value='{comm1.pk}']")).to_be_attached()
    form.locator("select[name=community]").select_option(str(comm1.pk))
    form.locator("input[name=title]").fill("一件过冬的羊皮袄")
    form.locator("textarea[name=story]").fill("老人独自放牧，旧皮袄已经穿破了。")
    form.locator("input[name=public_name]").fill("一位老牧民")
    form.locator("input[name=person_name]").fill("其木格")
    form.locator("input[name=person_mobile]").fill("13700001111")
    needed_by = timezone.localdate() + dt.timedelta(days=20)
    form.locator("input[name=needed_by]").fill(needed_by.isoformat())
    form.locator("button[type=submit]").click()
    expect(worker.locator("#wish-detail")).to_have_attribute("data-state", WishState.POSTED)
    wish = Wish.objects.get(title="一件过冬的羊皮袄")
    assert wish.posted_by == w.grid_worker and wish.community == comm1
    expect(worker).to_have_url(f"{base}{reverse('volunteers:wish_detail', args=[wish.pk])}")
    axe_check(worker, "wish detail, posted")

    # A party member of the community claims it on the wall, on the phone…
    phone = log_in(browser, base, c.member, reverse("serve:me"), **PHONE)
    phone.goto(wall_url)
    card = phone.locator(f"li[data-wish='{wish.pk}']")
    expect(card).to_have_attribute("data-state", WishState.POSTED)
    axe_check(phone, "wall, a wish waiting")
    card.locator(f"form[action='{reverse('serve:wish_claim', args=[wish.pk])}'] button").click()
    expect(phone).to_have_url(f"{base}{reverse('serve:wishes_mine')}")
    mine = phone.locator(f"li[data-wish='{wish.pk}']")
    expect(mine).to_have_attribute("data-state", WishState.CLAIMED)
    axe_check(phone, "my wishes")

    # …and, a week later, says how it came true, with a photo.
    fulfil = mine.locator(f"form[action='{reverse('serve:wish_fulfil', args=[wish.pk])}']")
    fulfil.locator("textarea[name=note]").fill("买了一件新羊皮袄，和网格员一起送到了老人的蒙古包。")
    fulfil.locator("input[name=photo]").set_input_files(jpeg("coat.jpg", (150, 100, 60)))
    fulfil.locator("button[type=submit]").click()
    expect(phone.locator(f"li[data-wish='{wish.pk}']")).to_have_attribute(
        "data-state", WishState.FULFILLED
    )
    wish.refresh_from_db()
    assert wish.claimed_by == c.member and wish.fulfilled_photo

    # The community's staff confirm it on the console.
    desk = log_in(browser, base, w.dispatcher, reverse("volunteers:wish_detail", args=[wish.pk]))
    expect(desk.locator("#wish-detail")).to_have_attribute("data-state", WishState.FULFILLED)
    axe_check(desk, "wish detail, fulfilled")
    desk.locator("form[data-action=confirm] button[type=submit]").click()
    expect(desk.locator("#wish-detail")).to_have_attribute("data-state", WishState.CONFIRMED)
    wish.refresh_from_db()
    assert wish.state == WishState.CONFIRMED

    # Anyone reads the wall: the wish fulfilled with its note and photo, never the person.
    public = browser.new_context(locale="zh-CN", **PHONE).new_page()
    public.goto(wall_url)
    done = public.locator(f"section[data-group=fulfilled] li[data-wish='{wish.pk}']")
    expect(done).to_have_attribute("data-state", WishState.CONFIRMED)
    expect(done.locator(".r-quote")).to_contain_text("羊皮袄")
    expect(done).to_contain_text("一位老牧民")
    expect(public.locator("[data-count=fulfilled]")).to_have_text("1")
    # A function, not an expression string, which Playwright would eval() against the CSP.
    public.wait_for_function(
        "() => [...document.querySelectorAll('.r-photos img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    html = public.content()
    for private in ("其木格", "13700001111", "137****1111", c.member.name):
        assert private not in html, f"the wall shows {private}"
    axe_check(public, "wall")
    public.screenshot(path=str(output_dir / "serving_wall.png"), full_page=True)


def test_the_organisers_month_view(browser: Browser, live_server, output_dir, axe_check):
    c = vf.crew()
    w = c.w
    comm1 = w.t["comm1"]
    now = timezone.localtime()
    today = now.date()
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    days = [first + dt.timedelta(days=i) for i in range((following - first).days)]

    def spread(dates: list[dt.date], n: int) -> list[dt.date]:
        """n of the dates, evenly apart (the same date again when there are few)."""
        if not dates:
            return []
        return [dates[round(i * (len(dates) - 1) / max(n - 1, 1))] for i in range(n)]

    def at(day: dt.date, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    # The month's activities: before today held, recorded or cancelled; after it planned, open
    # (one full, with a waiting list) or cancelled.
    St = ActivityState
    before = [
        (St.RECORDED, 9, "入户走访独居老人", Theme.VISITS, c.team),
        (St.HELD, 14, "牧区剪羊毛互助", Theme.HERDING, c.team),
        (St.RECORDED, 10, "义诊：量血压测血糖", Theme.CLINIC, None),
        (St.CANCELLED, 15, "政策宣讲：草原生态补奖", Theme.POLICY, None),
    ]
    after = [
        (St.OPEN, 9, "小区环境整治", Theme.ENVIRONMENT, c.team),
        (St.PLANNED, 18, "邻里百家宴", Theme.EVENT, None),
        (St.CANCELLED, 14, "家电义务维修", Theme.REPAIRS, c.team),
        (St.PLANNED, 19, "志愿服务队月度复盘会", Theme.REVIEW, c.team),
    ]
    past_days = [d for d in days if d < today]
    future_days = [d for d in days if d > today]
    plan = [
        *zip(spread(past_days, len(before)), before, strict=False),
        *zip(spread(future_days, len(after)), after, strict=False),
    ]
    made: list[Activity] = []
    for day, (state, hour, title, theme, team) in plan:
        start = at(day, hour)
        fields = {
            "title": title,
            "theme": theme,
            "team": team,
            "organiser_org": team.organisation if team else None,
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=2),
            "state": state,
            "capacity": 20,
        }
        if state in (St.HELD, St.RECORDED):
            fields["confirmed_count"] = 14
        if state == St.RECORDED:
            fields.update(duration_minutes=120, summary="按计划完成", solved_count=3)
        if state == St.CANCELLED:
            fields["cancel_reason"] = "暴雪预警，改期"
        made.append(vf.activity(c, **fields))
    # A small open activity in a few days (next month, on the month's last days) fills up and
    # has a waiting list.
    small_day = future_days[len(future_days) // 2] if future_days else today + dt.timedelta(1)
    small_start = at(small_day, 10)
    small = activities.activity_create(
        by=w.dispatcher,
        node=w.t["gridA"],
        title="给牧户送药",
        theme=Theme.NEIGHBOURS,
        starts_at=small_start,
        ends_at=small_start + dt.timedelta(hours=3),
        capacity=2,
        open_now=True,
    )
    for who in (c.member, c.volunteer, c.leader):
        activities.activity_sign_up(activity=small, person=who)
    assert SignUp.objects.filter(activity=small, state=SignUpState.WAITING).count() == 1
    made.append(small)

    month = f"{reverse('volunteers:activity_month', args=[comm1.pk])}?month={first:%Y-%m}"
    desk = log_in(browser, live_server.url, w.dispatcher, month)
    for activity in made:
        activity.refresh_from_db()
        if timezone.localtime(activity.starts_at).date().month != first.month:
            continue
        href = reverse("volunteers:activity_detail", args=[activity.pk])
        expect(desk.locator(f"li.act-item.act-{activity.state} a[href='{href}']")).to_have_count(1)
    small_item = desk.locator(
        f"li.act-item a[href='{reverse('volunteers:activity_detail', args=[small.pk])}']"
    )
    if timezone.localtime(small.starts_at).date().month == first.month:
        expect(small_item.locator(".act-places")).to_have_text("2/2")
        expect(small_item.locator(".act-waiting")).to_be_visible()
    axe_check(desk, "month")
    desk.screenshot(path=str(output_dir / "serving_month.png"), full_page=True)
