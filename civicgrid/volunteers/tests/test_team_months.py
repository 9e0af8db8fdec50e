"""The monthly rule: a team's previous month measured once the check day has come, a miss
told to its leaders and community staff exactly once, and flagged in the console."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from civicgrid.core.models import Notification
from civicgrid.core.notifications import render
from civicgrid.volunteers import tasks, teams
from civicgrid.volunteers.models import ActivityState, TeamKind, TeamMonth, Theme
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db

FEB = dt.date(2025, 2, 1)


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def held_in(c: vf.Crew, team, day: dt.date, *, theme=Theme.ENVIRONMENT, state=ActivityState.HELD):
    start = local(day, 9)
    return vf.activity(
        c,
        team=team,
        theme=theme,
        state=state,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )


def notices(kind: str = tasks.NOTICE) -> list[tuple[int, dict]]:
    return list(Notification.objects.filter(kind=kind).values_list("recipient_id", "data"))


@pytest.fixture
def crew_two_teams():
    c = vf.crew()
    busy = c.team  # held a themed service in February
    idle = teams.team_create(
        node=c.w.t["comm1"],
        name="宣讲队",
        kind=TeamKind.PARTY,
        theme=Theme.POLICY,
        by=c.w.dispatcher,
        leaders=[c.member],
    )
    held_in(c, busy, dt.date(2025, 2, 10))
    # What does not count for the idle team: a community event (no service), a planned one,
    # a cancelled one, one in January and one in March.
    held_in(c, idle, dt.date(2025, 2, 11), theme=Theme.EVENT)
    held_in(c, idle, dt.date(2025, 2, 12), state=ActivityState.PLANNED)
    held_in(c, idle, dt.date(2025, 2, 13), state=ActivityState.CANCELLED)
    held_in(c, idle, dt.date(2025, 1, 31))
    held_in(c, idle, dt.date(2025, 3, 1))
    return c, busy, idle


def test_held_and_missed_months_are_written_and_a_miss_is_told_once(crew_two_teams, settings):
    settings.VOLUNTEER_TEAM_CHECK_DAY = 3
    c, busy, idle = crew_two_teams
    counts = tasks.check_team_months(now=local(dt.date(2025, 3, 4)))
    assert counts == {"checked": 2, "missed": 1, "notified": 1}
    ok = TeamMonth.objects.get(team=busy, month=FEB)
    assert (ok.held, ok.required, ok.missed, ok.notified_at) == (1, 1, False, None)
    miss = TeamMonth.objects.get(team=idle, month=FEB)
    assert (miss.held, miss.required, miss.missed) == (0, 1, True)
    assert miss.notified_at is not None
    told = notices()
    # Its leader and the community staff of comm1 (the nearest level with staff), once each.
    assert sorted(r for r, _d in told) == sorted([c.member.pk, c.w.dispatcher.pk])
    text = render(tasks.NOTICE, told[0][1])
    assert "宣讲队" in text and "2025-02" in text
    # Run again, the same day and the next: nothing more is told.
    tasks.check_team_months(now=local(dt.date(2025, 3, 4), 11))
    again = tasks.check_team_months(now=local(dt.date(2025, 3, 5)))
    assert again["notified"] == 0
    assert len(notices()) == 2
    assert TeamMonth.objects.filter(month=FEB).count() == 2


def test_nothing_is_checked_before_the_check_day(crew_two_teams, settings):
    settings.VOLUNTEER_TEAM_CHECK_DAY = 3
    counts = tasks.check_team_months(now=local(dt.date(2025, 3, 2), 23))
    assert counts["checked"] == 0
    assert not TeamMonth.objects.exists() and not notices()
    settings.VOLUNTEER_TEAM_CHECK_DAY = 1
    assert tasks.check_team_months(now=local(dt.date(2025, 3, 2)))["checked"] == 2


def test_a_claimed_notice_is_not_sent_by_a_second_worker(crew_two_teams):
    """Another worker claimed the month first (its notified_at is set): this one tells no one."""
    _c, _busy, idle = crew_two_teams
    TeamMonth.objects.create(
        team=idle, month=FEB, required=1, held=0, missed=True, notified_at=timezone.now()
    )
    missed, notified = tasks.check_team_month(idle.pk, FEB, local(dt.date(2025, 3, 4)))
    assert (missed, notified) == (True, False)
    assert not notices()


def test_a_late_record_turns_a_miss_into_a_pass_and_the_notice_is_not_repeated(crew_two_teams):
    c, _busy, idle = crew_two_teams
    tasks.check_team_months(now=local(dt.date(2025, 3, 4)))
    held_in(c, idle, dt.date(2025, 2, 20), state=ActivityState.RECORDED)
    tasks.check_team_months(now=local(dt.date(2025, 3, 5)))
    month = TeamMonth.objects.get(team=idle, month=FEB)
    assert (month.held, month.missed) == (1, False)
    assert len(notices()) == 2


def test_inactive_teams_are_not_checked(crew_two_teams):
    c, _busy, idle = crew_two_teams
    teams.team_update(team=idle, by=c.w.dispatcher, active=False)
    counts = tasks.check_team_months(now=local(dt.date(2025, 3, 4)))
    assert counts == {"checked": 1, "missed": 0, "notified": 0}


def test_flagged_teams_are_those_in_scope_whose_last_month_was_missed(
    crew_two_teams, client: Client
):
    c, _busy, idle = crew_two_teams
    tasks.check_team_months(now=local(dt.date(2025, 3, 4)))
    assert list(teams.flagged_teams(c.w.dispatcher)) == [idle]
    assert list(teams.flagged_teams(c.w.leader)) == [idle]  # a leader reads
    assert list(teams.flagged_teams(c.w.stranger)) == []
    # A later month held: the flag goes.
    TeamMonth.objects.create(team=idle, month=dt.date(2025, 3, 1), required=1, held=1)
    assert list(teams.flagged_teams(c.w.dispatcher)) == []


def test_the_teams_page_shows_the_last_six_months(crew_two_teams, client: Client):
    c, busy, idle = crew_two_teams
    today = timezone.localdate()
    last = teams.previous_month(today)
    TeamMonth.objects.create(team=idle, month=last, required=2, held=1, missed=True)
    client.force_login(c.w.dispatcher)
    page = client.get("/console/serve/teams/").content.decode()
    assert f"{last:%Y-%m}" in page and "1/2" in page
    assert "is-overdue" in page
    marks = teams.month_marks([idle, busy], today=today)
    assert [m.month for m in marks[idle.pk]] == teams.months_back(today, 6)
    assert marks[idle.pk][-1].missed and not marks[busy.pk][-1].missed


def test_the_periodic_task_is_registered():
    from civicgrid.core.scheduler import periodic_tasks

    task, every = periodic_tasks()["volunteers.check_team_months"]
    assert every == 3600
    assert task is tasks.check_team_months_task
