"""A grid worker's phone replays what it queued without signal: each write carries an
Idempotency-Key, and however often one is sent it is done once (one event, one comment, one
record), while a replay the need no longer allows is refused with its reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgrid.core import once
from civicgrid.core.models import OnceKey
from civicgrid.needs import workflow
from civicgrid.needs.models import Kind, Need, State
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tests.test_console_views import act_url, login, photo_upload
from civicgrid.needs.workflow import Action, By
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> nf.World:
    return nf.world()


def replay(client, url: str, key: str, data: dict | None = None, *, times: int = 3) -> list:
    answers = []
    for _ in range(times):
        answers.append(
            client.post(url, data or {}, headers={"hx-request": "true", "idempotency-key": key})
        )
    return answers


def test_n_replays_of_take_start_and_resolve_make_one_event_each(w):
    need = nf.raise_need(w)
    workflow.transition(need, Action.DISPATCH, By(w.dispatcher))
    client = login(w.grid_worker)
    for action, data in (
        ("take", {}),
        ("start", {}),
        ("resolve", {"reason": "围栏已修好", "photos": [photo_upload()]}),
    ):
        key = once.new_key()
        answers = replay(client, act_url(need, action), key, data)
        assert [a.status_code for a in answers] == [200, 200, 200], action
        assert "Already done" in answers[-1].content.decode()
        assert need.events.filter(action=action).count() == 1, action
    need.refresh_from_db()
    assert (need.state, need.assignee) == (State.RESOLVED, w.grid_worker)
    assert need.photos.count() == 1


def test_a_replayed_comment_is_written_once(w):
    need = nf.raise_need(w)
    key = once.new_key()
    url = reverse("needs:comment", args=[need.number])
    answers = replay(login(w.dispatcher), url, key, {"text": "已电话联系"})
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert need.events.filter(action="comment").count() == 1


def test_a_replayed_proactive_record_makes_one_need(w):
    client = login(w.grid_worker)
    key = once.new_key()
    data = {
        "kind": Kind.VISIT,
        "category": nf.category("key_visits").pk,
        "node": w.t["gridA"].pk,
        "contact_name": "独居老人张奶奶",
        "note": "上门走访，身体状况良好",
    }
    answers = [
        client.post(reverse("needs:proactive_new"), data, headers={"idempotency-key": key})
        for _ in range(3)
    ]
    need = Need.objects.get()
    detail = reverse("needs:detail", args=[need.number])
    assert [(a.status_code, a["Location"]) for a in answers] == [(302, detail)] * 3


def test_a_replay_the_need_no_longer_allows_is_refused_with_the_reason(w):
    """Someone else took it while the phone had no signal: 409 and who has it; the key stays
    unused, so nothing pretends the queued take was done."""
    colleague = netf.person("李晓燕", roles=[(Role.GRID_WORKER, w.t["gridA"])])
    need = nf.raise_need(w)
    workflow.transition(need, Action.DISPATCH, By(w.dispatcher))
    workflow.transition(need, Action.TAKE, By(colleague))
    key = once.new_key()
    answers = replay(login(w.grid_worker), act_url(need, "take"), key, times=2)
    assert [a.status_code for a in answers] == [409, 409]
    assert "Already taken by 李晓燕." in answers[-1].content.decode()
    assert once.result_of(f"console:{w.grid_worker.pk}", key) is None
    assert need.events.filter(action="take").count() == 1


def test_keys_are_each_persons_own(w):
    """A key another person used is not a repeat of mine (and cannot tell me what it made)."""
    need = nf.raise_need(w)
    workflow.transition(need, Action.DISPATCH, By(w.dispatcher))
    colleague = netf.person("李晓燕", roles=[(Role.GRID_WORKER, w.t["gridA"])])
    key = once.new_key()
    replay(login(colleague), reverse("needs:comment", args=[need.number]), key, {"text": "a"})
    mine = replay(
        login(w.grid_worker), reverse("needs:comment", args=[need.number]), key, {"text": "b"}
    )
    assert mine[0].status_code == 200 and "Already done" not in mine[0].content.decode()
    assert need.events.filter(action="comment").count() == 2


def test_a_malformed_key_is_refused_with_what_to_fix(w):
    need = nf.raise_need(w)
    answers = replay(
        login(w.dispatcher), reverse("needs:comment", args=[need.number]), "short", {"text": "a"}
    )
    assert answers[0].status_code == 400
    assert "Idempotency-Key must be 20 to 64" in answers[0].content.decode()
    assert not need.events.filter(action="comment").exists()


def test_console_keys_are_kept_for_two_weeks_and_others_for_a_day():
    now = timezone.now()
    once.claim("console:1", once.new_key(), "A")
    once.claim("resident-raise", once.new_key(), "B")
    OnceKey.objects.update(created_at=now - once.KEEP - dt.timedelta(minutes=1))
    assert once.prune(now) == 1
    assert OnceKey.objects.get().scope == "console:1"
    assert once.prune(now + dt.timedelta(days=14)) == 1
    assert not OnceKey.objects.exists()
