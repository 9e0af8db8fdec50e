"""Background work of the people-who-serve module, run by `civicgrid worker`: the monthly
check of the teams' rule (registered in `VolunteersConfig.ready()`)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from civicgrid.core.notifications import notify
from civicgrid.needs import cached
from civicgrid.volunteers import activities, teams, wish_reminders
from civicgrid.volunteers.models import Team, TeamMonth

log = logging.getLogger("civicgrid.volunteers")

NOTICE = "team_month_missed"  # the notification's kind (core/notifications.TEXTS)


def check_team_months(now: dt.datetime | None = None) -> dict[str, int]:
    """Measure the previous month of every active team against its rule, once the day of the
    month `VOLUNTEER_TEAM_CHECK_DAY` has come (activities are recorded a day or two late).

    Each team's month is written (or brought up to date: an activity recorded late turns a miss
    into a pass) in its own transaction. A miss is told to the team's leaders and the community
    staff of its node exactly once: the notice is claimed by a conditional UPDATE of
    `notified_at`, in the transaction that writes the notices, so two workers running the check
    at once, or a check run every hour, tell it once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if today.day < settings.VOLUNTEER_TEAM_CHECK_DAY:
        return {"checked": 0, "missed": 0, "notified": 0}
    month = teams.previous_month(today)
    counts = {"checked": 0, "missed": 0, "notified": 0}
    ids = list(Team.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))
    for team_id in ids:
        missed, notified = check_team_month(team_id, month, now)
        counts["checked"] += 1
        counts["missed"] += missed
        counts["notified"] += notified
    return counts


@transaction.atomic
def check_team_month(team_id: int, month: dt.date, now: dt.datetime) -> tuple[bool, bool]:
    """One team's month: (missed, notified by this call)."""
    team = Team.objects.select_related("organisation__node").get(pk=team_id)
    held = teams.counted_activities(team, month)
    required = team.monthly_minimum
    missed = held < required
    values = {"required": required, "held": held, "missed": missed}
    if not TeamMonth.objects.filter(team_id=team_id, month=month).update(**values):
        try:
            with transaction.atomic():
                TeamMonth.objects.create(team_id=team_id, month=month, **values)
        except IntegrityError:
            # Another worker wrote it at the same moment: ours is as good, update it.
            TeamMonth.objects.filter(team_id=team_id, month=month).update(**values)
    if not missed:
        return False, False
    claimed = TeamMonth.objects.filter(
        team_id=team_id, month=month, missed=True, notified_at__isnull=True
    ).update(notified_at=now)
    if not claimed:
        return True, False
    node = team.organisation.node
    people = {p.pk: p for p in [*team.leaders.filter(is_active=True), *cached.dispatchers_of(node)]}
    notify(
        people.values(),
        kind=NOTICE,
        data={
            "team": team.organisation.name,
            "month": f"{month:%Y-%m}",
            "held": held,
            "required": required,
        },
        url=reverse("volunteers:team", args=[team.pk]),
    )
    log.info("team %s missed %s: %s of %s", team.pk, f"{month:%Y-%m}", held, required)
    return True, True


@task()
def check_team_months_task() -> dict[str, int]:
    return check_team_months()


@task()
def remind_unclaimed_wishes() -> int:
    """Wishes nobody has claimed near their date: their poster and staff told once."""
    return wish_reminders.remind_unclaimed()


@task()
def hold_ended_activities() -> int:
    """Activities that ended are held (then their organisers record them)."""
    return activities.hold_ended()
