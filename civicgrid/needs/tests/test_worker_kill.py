"""Kill the real `civicgrid worker` with SIGKILL in the middle of a sweep: the next worker
finishes the work, with no double reminder, mark or delivery (docs/workflow.md)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicgrid.core.models import Notification, Schedule
from civicgrid.needs import workflow
from civicgrid.needs.models import Channel, Need, NeedEvent, State
from civicgrid.needs.tests import factories as nf

DUE = 30  # needs due for a reminder and an overdue mark
PROJECT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def start_worker(outbox: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicgrid.settings",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": "test-only-secret",
        "HTTPS": "false",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "NOTIFICATION_BACKENDS": "civicgrid.needs.tests.outbox.FileOutbox",
        "CIVICGRID_TEST_OUTBOX": str(outbox),
        "SWEEP_INTERVAL_SECONDS": "1",
        # One need per transaction: the kill lands between two committed reminders.
        "SWEEP_BATCH": "1",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "civicgrid", "worker", "--interval", "0.1", *extra],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def due_needs(w: nf.World) -> list[Need]:
    """DUE undirected orders in grid A whose response deadline passed five minutes ago."""
    now = timezone.now()
    category = nf.category("roads")
    needs = [
        Need(
            number=f"K{i:07d}",
            category=category,
            description="路灯不亮",
            node=w.t["gridA"],
            owner_node=w.t["comm1"],
            channel=Channel.WEB,
            state=State.DISPATCHED,
            response_due=now - dt.timedelta(minutes=5),
            resolve_due=now + dt.timedelta(days=1),
        )
        for i in range(DUE)
    ]
    return Need.objects.bulk_create(needs)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sweep_leaves_the_rest_to_the_next_once(tmp_path):
    w = nf.world()
    needs = due_needs(w)
    recipients = {p.pk for p in workflow.handlers_of(needs[0])}
    assert recipients == {w.grid_worker.pk}
    outbox = tmp_path / "outbox.txt"
    outbox.touch()

    worker = start_worker(outbox)
    reminded = 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and worker.poll() is None:
            reminded = Need.objects.filter(reminded_at__isnull=False).count()
            if reminded >= 3:
                break
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL
    done_before = Need.objects.filter(reminded_at__isnull=False).count()
    assert 1 <= done_before < DUE, "the kill did not land in the middle of the sweep"
    # The killed worker's sweep task is left RUNNING: the queue never retries it.
    killed = DBTaskResult.objects.get(task_path="civicgrid.needs.tasks.sweep_deadlines")
    assert killed.status == "RUNNING"
    assert not Need.objects.filter(overdue_at__isnull=False).exists()

    # The next period's sweep, by a fresh worker that runs everything ready and exits.
    wait = Schedule.objects.get(name="needs.sweep_deadlines").next_run_at - timezone.now()
    time.sleep(max(0.0, wait.total_seconds()) + 0.05)
    again = start_worker(outbox, "--once")
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()[-2000:]

    sweeps = DBTaskResult.objects.filter(task_path="civicgrid.needs.tasks.sweep_deadlines")
    assert sorted(sweeps.values_list("status", flat=True)) == ["RUNNING", "SUCCESSFUL"]
    # Every due need: one reminder, one overdue mark, one notification of each per recipient.
    for action in (workflow.REMIND, workflow.OVERDUE):
        per_need = Counter(
            NeedEvent.objects.filter(action=action).values_list("need_id", flat=True)
        )
        assert per_need == {need.pk: 1 for need in needs}, action
    for kind in ("need_reminder", "need_overdue"):
        sent = Counter(
            Notification.objects.filter(kind=kind).values_list("recipient_id", "data__number")
        )
        assert len(sent) == DUE and set(sent.values()) == {1}, kind
        assert {pk for pk, _n in sent} == recipients
    assert not Need.objects.filter(reminded_at__isnull=True).exists()
    assert not Need.objects.filter(overdue_at__isnull=True).exists()
    # External delivery: each notification handed to the backend exactly once (its task is
    # enqueued in the transaction that wrote it, and no delivery task was running at the kill).
    lines = outbox.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines)) == Notification.objects.count() == 2 * DUE
    assert not DBTaskResult.objects.filter(
        task_path="civicgrid.core.tasks.deliver_notifications"
    ).exclude(status="SUCCESSFUL")
