"""A staff member books the community hall for an activity, and the hall's week shows it.

Screenshot looked at: /tmp/shots18/rooms_week.png (the week calendar with the booking).
Elements are found by URL, form field names and ids, never by their visible text (the
browser's locale is Chinese).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, expect

from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.services.models import Room, RoomBooking, RoomKind
from civicgrid.volunteers.models import Activity, Theme

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
SHOTS = Path("/tmp/shots18")  # noqa: S108 - where the brief asks the screenshots to be


def test_staff_book_the_hall_for_an_activity_and_the_week_calendar_shows_it(
    browser: Browser, live_server, axe_check
):
    t = nf.region()
    staff = nf.person("李主任", roles=[(Role.COMMUNITY_STAFF, t["comm1"])])
    hall = Room.objects.create(
        node=t["comm1"],
        name="多功能排练大厅",
        kind=RoomKind.HALL,
        capacity=150,
        area_m2=300,
        equipment="音响、投影、钢琴",
    )
    Room.objects.create(node=t["comm1"], name="活动室301", kind=RoomKind.FUNCTION, capacity=30)
    day = timezone.localdate() + dt.timedelta(days=3)
    tz = timezone.get_current_timezone()
    party = Activity.objects.create(
        title="重阳节敬老联欢会",
        theme=Theme.VISITS,
        node=t["comm1"],
        starts_at=dt.datetime.combine(day, dt.time(14, 0), tzinfo=tz),
        ends_at=dt.datetime.combine(day, dt.time(16, 30), tzinfo=tz),
        checkin_key=secrets.token_urlsafe(16),
    )
    base = live_server.url
    violations: list[str] = []
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    book_path = reverse("services:room_book", args=[hall.pk])
    page.goto(f"{base}{reverse('console:login')}?next={book_path}")
    page.locator("input[name=username]").fill(staff.mobile or "")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page).to_have_url(f"{base}{book_path}")

    # The activity is offered; its title and time are the booking's when left empty.
    page.locator("select[name=activity]").select_option(str(party.pk))
    page.locator("input[name=people]").fill("90")
    page.locator("input[name=organiser]").fill("社区老年协会")
    page.locator("#room-book-form button[type=submit]").click()
    booking = RoomBooking.objects.get()
    expect(page).to_have_url(f"{base}{reverse('services:room_booking', args=[booking.pk])}")
    assert booking.activity_id == party.pk and booking.title == party.title

    # The hall's week: the block sits in the activity's day, from 14:00 to 16:30.
    calendar = reverse("services:room_calendar", args=[hall.pk])
    page.goto(f"{base}{calendar}?view=week&date={day.isoformat()}")
    link = f"a[href='{reverse('services:room_booking', args=[booking.pk])}']"
    block = page.locator(f"#room-grid {link}")
    expect(block).to_be_visible()
    expect(block).to_contain_text("重阳节敬老联欢会")
    expect(block).to_contain_text("14:00–16:30")
    row = page.locator("#room-grid tbody tr", has=page.locator(link))
    expect(row.locator("th")).to_contain_text(day.strftime("%m-%d"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "rooms_week.png"), full_page=True)
    axe_check(page, "room week")

    # The day view and the community's week show it too; prev/next move by a week.
    page.locator("#cal-day").click()
    expect(page.locator("#room-grid")).to_contain_text("重阳节敬老联欢会")
    community = reverse("services:community_calendar", args=[t["comm1"].pk])
    page.goto(f"{base}{community}?view=week&date={day.isoformat()}")
    expect(page.locator("#room-grid")).to_contain_text("重阳节敬老联欢会")
    expect(page.locator("#room-grid")).to_contain_text("活动室301")
    page.screenshot(path=str(SHOTS / "rooms_community_week.png"), full_page=True)
    page.locator("#cal-next").click()
    expect(page.locator("#room-grid")).not_to_contain_text("重阳节敬老联欢会")
    assert not violations, violations
