"""The worker runs the committees' periodic work as it runs everyone's (`core/scheduler`): the
tasks' reminders and overdue marks, and the meetings of each schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.committees import meetings
from civicgrid.committees.models import Meeting, Task
from civicgrid.committees.tests.factories import board, task
from civicgrid.core.models import Notification
from civicgrid.core.scheduler import enqueue_due
from civicgrid.needs.workflow import By

pytestmark = pytest.mark.django_db


def test_the_worker_reminds_tasks_and_creates_the_scheduled_meetings():
    b = board()
    soon = task(b)
    Task.objects.filter(pk=soon.pk).update(due=timezone.now() + dt.timedelta(hours=3))
    today = timezone.localdate()
    meetings.series_create(
        committee=b.committee,
        by=By(person=b.secretary),
        title="边境党建联席会议",
        day_of_month=min(28, (today + dt.timedelta(days=3)).day),
        time=dt.time(9, 0),
        node=b.w.t["town1"],
        lead_days=31,
    )
    Meeting.objects.all().delete()
    ran = enqueue_due()
    assert {"committees.task_deadlines", "committees.schedule_meetings"} <= set(ran)
    assert Notification.objects.filter(recipient=b.army_contact, kind="task_reminder").exists()
    assert Meeting.objects.filter(committee=b.committee, series__isnull=False).exists()
