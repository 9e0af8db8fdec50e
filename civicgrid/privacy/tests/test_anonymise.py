"""Anonymising closed needs: personal data goes, every figure stays, open needs are refused."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings

from civicgrid.core.errors import Conflict, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.core.scheduler import enqueue_due, periodic_tasks
from civicgrid.insights import kpis, rebuild
from civicgrid.insights.kpis import Period, Scope
from civicgrid.insights.models import COUNTERS
from civicgrid.insights.tests.test_rollups import (
    START,
    non_zero,
    random_history,
    stored_daily,
    stored_handler,
)
from civicgrid.needs import workflow
from civicgrid.needs.models import FINAL_STATES, Need, NeedEvent, NeedPhoto
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_url
from civicgrid.needs.workflow import Action, By
from civicgrid.privacy import services
from civicgrid.privacy.models import DataRequest, RequestKind
from civicgrid.privacy.tests.helpers import closed_need

pytestmark = pytest.mark.django_db


def figures(w: nf.World) -> dict:
    """Every figure the dashboards and reports read, and the same recounted from events."""
    out: dict = {"daily": stored_daily(), "handler": stored_handler()}
    daily, handler = rebuild.computed()
    out["rebuilt"] = (non_zero(daily), non_zero(handler))
    periods = [Period.month(2026, 11), Period(dt.date(2026, 10, 20), dt.date(2026, 12, 3))]
    for period in periods:
        for node in (w.t["league"], w.t["town1"], w.t["gridA"], w.t["comm2"]):
            scope = Scope(node=node, period=period)
            stored, raw = kpis.kpis(scope), kpis.recount(scope)
            out[("kpis", node.pk, period)] = [getattr(stored, n) for n in COUNTERS]
            out[("recount", node.pk, period)] = [getattr(raw, n) for n in COUNTERS]
            out[("children", node.pk, period)] = [
                (child.pk, [getattr(k, n) for n in COUNTERS]) for child, k in kpis.by_child(scope)
            ]
            out[("leaders", node.pk, period)] = [(p.pk, row) for p, row in kpis.leaderboard(scope)]
    return out


def test_statistics_stay_exact_after_the_retention_run_anonymises_closed_needs(
    settings, django_capture_on_commit_callbacks
):
    w = nf.world()
    random_history(w, seed=5, needs=25)
    with time_machine.travel(START + dt.timedelta(days=2), tick=False):
        photographed = closed_need(w)
    photo_files = [Path(p.image.path) for p in NeedPhoto.objects.filter(need=photographed)]
    assert photo_files and all(f.exists() for f in photo_files)
    before = figures(w)
    events_before = list(NeedEvent.objects.order_by("pk").values())
    final = set(Need.objects.filter(state__in=FINAL_STATES).values_list("pk", flat=True))
    still_open = set(Need.objects.exclude(state__in=FINAL_STATES).values_list("pk", flat=True))
    assert final and still_open

    settings.NEED_RETENTION_DAYS = 365
    with time_machine.travel(START + dt.timedelta(days=300), tick=False):
        assert services.anonymise_expired() == 0  # not yet
    with (
        time_machine.travel(START + dt.timedelta(days=400), tick=False),
        django_capture_on_commit_callbacks(execute=True),  # photo files go on commit
    ):
        assert services.anonymise_expired() == len(final)
        assert services.anonymise_expired() == 0  # idempotent

    assert figures(w) == before
    # Earlier events are untouched but for personal data masked in their notes
    # (test_anonymise_notes.py); each anonymised need gained one "anonymise" event.
    events_after = list(NeedEvent.objects.order_by("pk").values())
    unmasked = [{**e, "note": e["note"].replace("***", "巴特尔")} for e in events_after]
    assert unmasked[: len(events_before)] == events_before
    added = events_after[len(events_before) :]
    assert sorted(e["need_id"] for e in added) == sorted(final)
    assert {e["action"] for e in added} == {workflow.ANONYMISE}
    for need in Need.objects.filter(pk__in=final):
        assert need.anonymised_at is not None
        assert (need.contact_phone, need.contact_name, need.address) == ("", "", "")
        assert (need.lat, need.lon, need.description, need.rating_comment) == (None, None, "", "")
        assert need.node.kind == "small_grid" or need.kind != "request"
    assert not Need.objects.filter(pk__in=still_open, anonymised_at__isnull=False).exists()
    assert not NeedPhoto.objects.filter(need=photographed).exists()
    assert not any(f.exists() for f in photo_files)
    assert DataRequest.objects.get(kind=RequestKind.RETENTION).needs == len(final)


def test_an_open_need_is_refused_with_a_clear_message():
    w = nf.world()
    need = nf.raise_need(w)
    with pytest.raises(Conflict) as failure:
        services.need_anonymise(need=need, by=w.dispatcher, reason="居民要求")
    assert failure.value.code == "need_open"
    assert need.number in failure.value.message
    need.refresh_from_db()
    assert need.contact_phone and need.anonymised_at is None


def test_only_staff_of_the_needs_area_may_anonymise_it():
    w = nf.world()
    need = closed_need(w)
    for person in (w.stranger, w.grid_worker, w.leader):
        with pytest.raises(NotAllowed):
            services.need_anonymise(need=need, by=person, reason="x")
    done = services.need_anonymise(need=need, by=w.town_staff, reason="居民要求")
    assert done.anonymised_at is not None
    entry = DataRequest.objects.get()
    assert (entry.actor, entry.via, entry.need_number) == (w.town_staff, "console", need.number)


def test_the_tracking_page_of_an_anonymised_need_works_without_personal_data(client):
    w = nf.world()
    need = closed_need(w)
    services.need_anonymise(need=need, by=w.dispatcher, reason="居民要求")
    for url in (tracking_url(need.number), tracking_url(need.number, key=False)):
        page = client.get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert need.number[:4] in body
        for secret in ("13912345678", "巴特尔", "幸福路", "路面塌了"):
            assert secret not in body
    feed = client.get(f"/open311/v2/requests/{need.number}.json", {"extensions": "true"})
    assert feed.status_code == 200
    assert "巴特尔" not in feed.content.decode()


def test_notifications_about_the_need_forget_the_residents_words():
    w = nf.world()
    need = nf.raise_need(w)
    workflow.transition(need, Action.TAKE, By(w.grid_worker))
    workflow.transition(need, Action.RESOLVE, By(w.grid_worker))
    workflow.transition(need, Action.REOPEN, workflow.RESIDENT, reason="巴特尔说还是坏的")
    workflow.transition(need, Action.TAKE, By(w.grid_worker))
    workflow.transition(need, Action.RESOLVE, By(w.grid_worker))
    workflow.transition(need, Action.CONFIRM, workflow.RESIDENT, rating="fair")
    quoted = Notification.objects.filter(data__note="巴特尔说还是坏的")
    assert quoted.exists()
    services.need_anonymise(need=need, by=w.dispatcher, reason="居民要求")
    assert not quoted.exists()


def test_the_anonymise_command_by_phone_and_by_need():
    w = nf.world()
    first = closed_need(w)
    second = closed_need(w)
    waiting = nf.raise_need(w)
    out, err = StringIO(), StringIO()
    call_command("anonymise", "--phone", "139 1234 5678", stdout=out, stderr=err)
    assert "2" in out.getvalue() and waiting.number in err.getvalue()
    assert Need.objects.filter(pk__in=[first.pk, second.pk], contact_phone="").count() == 2
    assert Need.objects.get(pk=waiting.pk).contact_phone == "13912345678"
    with pytest.raises(CommandError, match=waiting.number):
        call_command("anonymise", "--need", waiting.number, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("anonymise", "--need", "NOSUCHNO", stdout=StringIO())
    request = DataRequest.objects.get(kind=RequestKind.ANONYMISE, via="command")
    assert request.masked_phone == "139****5678" and request.needs == 2


@override_settings(NEED_RETENTION_DAYS=30)
def test_the_worker_schedules_the_retention_run():
    w = nf.world()
    with time_machine.travel(START, tick=False):
        need = closed_need(w)
    assert "privacy.anonymise_expired" in periodic_tasks()
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        assert "privacy.anonymise_expired" in enqueue_due()  # immediate backend: runs now
    need.refresh_from_db()
    assert need.anonymised_at is not None


@override_settings(NEED_RETENTION_DAYS=0)
def test_retention_zero_keeps_everything():
    w = nf.world()
    with time_machine.travel(START, tick=False):
        need = closed_need(w)
    with time_machine.travel(START + dt.timedelta(days=5000), tick=False):
        assert services.anonymise_expired() == 0
    need.refresh_from_db()
    assert need.anonymised_at is None
