"""`civicgrid worker`: the periodic sweep runs from the database queue, in its own process."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from civicgrid.needs import workflow
from civicgrid.needs.models import NeedEvent, Priority
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS, NEED_REMIND_BEFORE_MINUTES=5)
def test_the_worker_enqueues_the_sweep_and_runs_it_from_the_database_queue():
    w = nf.world()
    start = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        need = nf.raise_need(
            w, category=nf.category("pension"), priority=Priority.URGENT, answers={}
        )
        workflow.transition(need, Action.DISPATCH, By(w.dispatcher))
    with time_machine.travel(start + dt.timedelta(minutes=20)):
        call_command("worker", "--once", stdout=StringIO())
    actions = set(NeedEvent.objects.filter(need=need).values_list("action", flat=True))
    assert {"remind", "overdue"} <= actions
    assert DBTaskResult.objects.filter(task_path__endswith="sweep_deadlines").count() == 1
    notification_tasks = DBTaskResult.objects.filter(task_path__endswith="deliver_notifications")
    assert notification_tasks.exists()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
