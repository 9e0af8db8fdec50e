"""A joint committee at work, as its people would do it, each in their own browser.

An overdue need is escalated by the community to a consultation of the committee; it is on the
next joint meeting's agenda; the meeting decides, and the decision's task goes to the army unit;
the unit accepts it and does it; the committee verifies it, which resolves the need; the
resident reads the outcome and rates it. After the period, the units score each other and the
committee closes the assessment: the ranked table.

Screenshots looked at: the committee's page with its three lists, the meeting record (and its
PDF), the assessment. Elements are found by URL, form field names and ids, never by their
visible text (the browser's locale is Chinese).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from civicgrid.committees import meetings
from civicgrid.committees.models import (
    AgendaItem,
    Assessment,
    AssessmentState,
    Consultation,
    ConsultationState,
    Meeting,
    Task,
    TaskState,
)
from civicgrid.committees.tests.factories import board
from civicgrid.needs.models import Rating, State
from civicgrid.needs.tests import factories as needf
from civicgrid.needs.tracking import tracking_url
from civicgrid.needs.workflow import By
from civicgrid.network.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def log_in(browser: Browser, base: str, who: Person, path: str, **context) -> Page:
    page = browser.new_context(locale="zh-CN", **(context or DESKTOP)).new_page()
    page.goto(f"{base}{reverse('console:login')}?next={path}")
    page.locator("input[name=username]").fill(who.mobile or "")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page).to_have_url(f"{base}{path}")
    return page


def test_a_hard_need_goes_through_a_joint_meeting_to_the_army_unit_and_back_to_the_resident(
    browser: Browser, live_server, output_dir, axe_check
):
    b = board()
    w = b.w
    base = live_server.url

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(output_dir / f"committee-{name}.png"), full_page=True)

    # A herder's report of the washed-out road, long past its deadline.
    need = needf.raise_need(w, description="乃林郭勒到嘎查的路被洪水冲断，牧民出行困难")
    needf.follow_up()
    needf.force(need, overdue_at=timezone.now() - dt.timedelta(days=2))
    # This month's border joint meeting starts within the hour.
    start = timezone.now() + dt.timedelta(minutes=30)
    meeting = meetings.meeting_create(
        committee=b.committee,
        by=By(person=b.secretary),
        title="边境党建联席会议",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        node=w.t["town1"],
        place_detail="镇党委会议室",
    )

    # The community's dispatcher escalates it to a consultation of the joint committee.
    desk = log_in(browser, base, w.dispatcher, f"/console/needs/{need.number}/")
    escalate = desk.locator('form[data-action="escalate"]')
    escalate.locator("summary").click()
    escalate.locator('select[name="target"]').select_option(f"committee:{b.committee.pk}")
    escalate.locator('textarea[name="reason"]').fill("道路修复需要部队机械，社区无力解决")
    escalate.locator('button[type="submit"]').click()
    expect(desk.locator("#need-detail")).to_have_attribute("data-state", "escalated")
    consultation = Consultation.objects.get(need=need)
    assert consultation.state == ConsultationState.OPEN

    # The secretary: the committee's page lists it; the meeting's agenda takes it up.
    sec = log_in(browser, base, b.secretary, reverse("committees:detail", args=[b.committee.pk]))
    expect(sec.locator(f"#needs a[href='/console/needs/{need.number}/']")).to_be_visible()
    axe_check(sec, "committee page")
    page_meeting = reverse("committees:meeting", args=[meeting.pk])
    sec.goto(f"{base}{page_meeting}")
    sec.locator(
        f"form[action='{reverse('committees:meeting_act', args=[meeting.pk, 'agenda'])}'] button"
    ).click()
    assert AgendaItem.objects.filter(meeting=meeting, need=need).exists()
    sec.locator(
        f"form[action='{reverse('committees:meeting_act', args=[meeting.pk, 'notify'])}'] button"
    ).click()
    sec.locator(
        f"form[action='{reverse('committees:meeting_act', args=[meeting.pk, 'hold'])}'] button"
    ).click()
    expect(
        sec.locator(f"form[action='{reverse('committees:meeting_minutes', args=[meeting.pk])}']")
    ).to_be_visible()
    assert Meeting.objects.get(pk=meeting.pk).state == "held"

    # The army unit's officer checks in by the poster's QR code.
    officer = log_in(
        browser,
        base,
        b.army_contact,
        reverse("committees:meeting_checkin", args=[meeting.pk, meeting.checkin_key]),
        **PHONE,
    )
    officer.locator("form[data-checkin] button[type=submit]").click()
    expect(officer.locator("form[data-checkin]")).to_have_count(0)
    assert meeting.attendance.filter(person=b.army_contact, unit=b.army).exists()

    # Minutes, then the decision on the need: the army unit repairs the road.
    sec.reload()
    sec.locator("textarea[name=minutes]").fill(
        "会议听取乃林郭勒道路冲毁情况，驻地部队表示可出动机械。"
    )
    minutes = reverse("committees:meeting_minutes", args=[meeting.pk])
    sec.locator(f"form[action='{minutes}'] button[type=submit]").click()
    decide = sec.locator("form#decide")
    decide.locator("textarea[name=text]").fill("由驻地部队出动机械修复乃林郭勒道路，嘎查配合。")
    decide.locator("select[name=need]").select_option(str(need.pk))
    decide.locator("select[name='task-0-unit']").select_option(str(b.army.pk))
    decide.locator("input[name='task-0-title']").fill("出动机械修复乃林郭勒道路")
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    decide.locator("input[name='task-0-due']").fill(due)
    decide.locator("input[name='task-0-resolves_need']").check()
    decide.locator("button[type=submit]").click()
    task = Task.objects.get(need=need)
    assert task.unit == b.army and task.resolves_need and task.decision.meeting_id == meeting.pk
    consultation.refresh_from_db()
    assert consultation.state == ConsultationState.DECIDED
    need.refresh_from_db()
    assert need.state == State.DISPATCHED and need.assignee_org_id == b.army.pk

    # The army unit, on the phone: its task list, accept, and later mark it done.
    task_url = reverse("committees:task", args=[task.pk])
    officer.goto(f"{base}{reverse('committees:tasks', args=[b.committee.pk])}")
    expect(officer.locator(f"a[href='{task_url}']")).to_be_visible()
    officer.goto(f"{base}{task_url}")
    officer.locator(
        f"form[action='{reverse('committees:task_act', args=[task.pk, 'accept'])}'] button"
    ).click()
    done = officer.locator(
        f"form[action='{reverse('committees:task_act', args=[task.pk, 'done'])}']"
    )
    done.locator("textarea[name=result]").fill("部队出动两台铲车、一台压路机，三天修通道路8公里")
    done.locator("button[type=submit]").click()
    assert Task.objects.get(pk=task.pk).state == TaskState.DONE
    need.refresh_from_db()
    assert need.state == State.TAKEN

    # The committee verifies: the need is resolved with what the resident reads.
    sec.goto(f"{base}{task_url}")
    verify = sec.locator(
        f"form[action='{reverse('committees:task_act', args=[task.pk, 'verify'])}']"
    )
    verify.locator("textarea[name=public_reply]").fill(
        "联合党委会商后由驻地部队修通了道路，欢迎监督。"
    )
    verify.locator("button[type=submit]").click()
    assert Task.objects.get(pk=task.pk).state == TaskState.VERIFIED
    need.refresh_from_db()
    assert need.state == State.RESOLVED
    consultation.refresh_from_db()
    assert consultation.state == ConsultationState.RESOLVED

    # The record is sealed and kept as a PDF.
    sec.goto(f"{base}{page_meeting}")
    sec.locator(
        f"form[action='{reverse('committees:meeting_act', args=[meeting.pk, 'record'])}'] button"
    ).click()
    assert Meeting.objects.get(pk=meeting.pk).state == "recorded"
    sec.goto(f"{base}{page_meeting}")
    shot(sec, "meeting-record")
    pdf = sec.request.get(f"{base}{reverse('committees:meeting_pdf', args=[meeting.pk])}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    (output_dir / "committee-meeting-record.pdf").write_bytes(pdf.body())

    # The herder reads the outcome and is satisfied.
    herder = browser.new_context(locale="zh-CN", **PHONE).new_page()
    herder.goto(f"{base}{tracking_url(need.number)}")
    expect(herder.locator("body")).to_contain_text("联合党委会商后由驻地部队修通了道路")
    herder.get_by_label("满意", exact=True).check()
    herder.locator("section[aria-labelledby=rate-title] button[type=submit]").click()
    expect(herder.locator(".r-notice")).to_be_visible()
    need.refresh_from_db()
    assert need.state == State.CLOSED and need.rating == Rating.SATISFIED

    # After the period: the assessment, scored by the units, closed by the committee.
    sec.goto(f"{base}{reverse('committees:assessment_new', args=[b.committee.pk])}")
    today = timezone.localdate()
    sec.locator("input[name=title]").fill(f"{today:%Y}年{today.month}月考核共评")
    sec.locator("input[name=starts_on]").fill(today.replace(day=1).isoformat())
    sec.locator("input[name=ends_on]").fill(today.isoformat())
    sec.locator("main form[method=post] button[type=submit]").click()
    assessment = Assessment.objects.get(committee=b.committee)
    page_assessment = reverse("committees:assessment", args=[assessment.pk])
    expect(sec).to_have_url(re.compile(re.escape(page_assessment)))
    for contact, other in ((b.army_contact, b.police), (b.police_contact, b.army)):
        unit_page = log_in(browser, base, contact, page_assessment)
        unit_page.locator(f"input[name=unit_{other.pk}]").fill("90" if other == b.army else "80")
        score = reverse("committees:assessment_score", args=[assessment.pk])
        unit_page.locator(f"form[action='{score}'] button[type=submit]").click()
    sec.goto(f"{base}{page_assessment}")
    sec.locator(
        f"form[action='{reverse('committees:assessment_close', args=[assessment.pk])}'] button"
    ).click()
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.CLOSED
    ranked = list(assessment.rows.order_by("rank").values_list("unit__name", "rank"))
    assert ranked[0] == ("驻地部队", 1)
    sec.goto(f"{base}{page_assessment}")
    axe_check(sec, "assessment")
    shot(sec, "assessment")
    sec.goto(f"{base}{reverse('committees:detail', args=[b.committee.pk])}")
    shot(sec, "page")
