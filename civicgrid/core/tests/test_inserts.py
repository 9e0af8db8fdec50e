"""core.inserts: the same row as save() writes, in one statement built once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.forms.models import model_to_dict
from django.utils import timezone

from civicgrid.api.models import IdempotencyKey
from civicgrid.core import inserts
from civicgrid.core.inserts import insert, insert_rows
from civicgrid.core.models import Notification
from civicgrid.core.timelines import AppendOnly
from civicgrid.needs.models import Channel, Kind, Need, NeedEvent, State
from civicgrid.needs.tests import factories as nf
from civicgrid.network.tests import factories as network_factories

pytestmark = pytest.mark.django_db


def new_need(w: nf.World, number: str) -> Need:
    return Need(
        number=number,
        kind=Kind.REQUEST,
        category=nf.category(),
        description="路灯不亮",
        answers={"passable": "no", "多": ["一", "二"]},
        node=w.t["gridA"],
        owner_node=w.t["comm1"],
        lat=46.08,
        lon=122.05,
        channel=Channel.WEB,
        contact_phone="13912345678",
        state=State.SUBMITTED,
        response_due=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
        awaiting_follow_up=True,
    )


def test_the_row_is_the_one_save_writes():
    w = nf.world()
    saved = new_need(w, "SAVED001")
    saved.save()
    inserted = insert(new_need(w, "INSERT01"))
    assert inserted.pk is not None and inserted.pk != saved.pk
    assert not inserted._state.adding and inserted._state.db == "default"
    stored = {n.number: n for n in Need.objects.filter(pk__in=[saved.pk, inserted.pk])}
    a, b = model_to_dict(stored["SAVED001"]), model_to_dict(stored["INSERT01"])
    for row in (a, b):
        row.pop("id"), row.pop("number")
    assert a == b
    assert stored["INSERT01"].created_at is not None  # auto_now_add ran
    assert stored["INSERT01"].awaiting_follow_up is True


def test_the_statement_is_built_once_and_each_insert_is_one_query(django_assert_num_queries):
    w = nf.world()
    need = insert(new_need(w, "FIRST001"))
    event = NeedEvent(
        need=need, seq=1, action="raise", to_state=State.SUBMITTED, created_at=need.created_at
    )
    with django_assert_num_queries(1):
        insert(event)
    built = dict(inserts._statements)
    second = new_need(w, "SECOND01")
    with django_assert_num_queries(1):
        insert(second)
    assert inserts._statements == built  # the same texts, none built again


def test_many_rows_go_in_chunks_and_their_ids_come_back_in_order(django_assert_num_queries):
    people = [network_factories.person(f"收件人{i}") for i in range(3)]
    meta = Notification._meta
    prepare = {name: meta.get_field(name).get_db_prep_save for name in ("data", "created_at")}
    now = prepare["created_at"](timezone.now(), connection)
    rows = [
        (people[i % 3].pk, f"kind_{i}", prepare["data"]({"i": i}, connection), "", now)
        for i in range(120)
    ]
    names = ["recipient", "kind", "data", "url", "created_at"]
    with django_assert_num_queries(3):  # 50 + 50 + 20
        ids = insert_rows(Notification, names, rows)
    stored = dict(Notification.objects.filter(pk__in=ids).values_list("pk", "kind"))
    assert [stored[pk] for pk in ids] == [f"kind_{i}" for i in range(120)]
    assert Notification.objects.get(pk=ids[7]).data == {"i": 7}
    with django_assert_num_queries(0):
        assert insert_rows(Notification, names, []) == []


def test_constraints_still_decide():
    w = nf.world()
    need = insert(new_need(w, "UNIQUE01"))
    insert(IdempotencyKey(client="token:1", key="k1", need=need))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(IdempotencyKey(client="token:1", key="k1", need=need))
    assert IdempotencyKey.objects.count() == 1


def test_it_refuses_rows_that_are_not_new_and_unsaved_relations():
    w = nf.world()
    need = insert(new_need(w, "EXISTS01"))
    with pytest.raises(TypeError, match="new rows only"):
        insert(need)
    with pytest.raises(ValueError, match="unsaved"):
        insert(IdempotencyKey(client="c", key="k", need=new_need(w, "UNSAVED1")))


@pytest.mark.parametrize("model", [Need, NeedEvent, IdempotencyKey, Notification])
def test_nothing_listens_for_the_models_it_writes(model):
    # insert() sends no signals: a receiver added for these models would silently miss rows.
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)


@pytest.fixture
def fresh_save_checks():
    inserts._unsafe_save.cache_clear()
    yield
    inserts._unsafe_save.cache_clear()


def a_notification() -> Notification:
    return Notification(recipient=network_factories.person("收件人"), kind="k")


def test_it_refuses_a_model_whose_own_save_it_would_skip(monkeypatch, fresh_save_checks):
    monkeypatch.setattr(Notification, "save", lambda self, *a, **k: None, raising=False)
    with pytest.raises(TypeError, match=r"Notification\.save\(\) is overridden"):
        insert(a_notification())
    with pytest.raises(TypeError, match="insert_safe"):
        insert_rows(Notification, ["kind"], [("k",)])
    assert not Notification.objects.exists()


def test_a_save_declared_safe_is_skipped_and_an_undeclared_one_refused(
    monkeypatch, fresh_save_checks
):
    w = nf.world()
    need = insert(new_need(w, "EVENTS01"))
    insert(NeedEvent(need=need, seq=1, action="raise", created_at=need.created_at))
    # The timeline's save() is AppendOnly's (core/timelines.py), which declares it safe.
    monkeypatch.setattr(AppendOnly, "insert_safe", False)
    inserts._unsafe_save.cache_clear()
    with pytest.raises(TypeError, match=r"AppendOnly\.save\(\) is overridden"):
        insert(NeedEvent(need=need, seq=2, action="note", created_at=need.created_at))
    assert need.events.count() == 1


@pytest.mark.parametrize("signal", [pre_save, post_save])
def test_it_refuses_a_model_with_save_receivers(signal, fresh_save_checks):
    def receiver(**kwargs):
        pass

    signal.connect(receiver, sender=Notification)
    try:
        with pytest.raises(TypeError, match=f"Notification has {signal_name(signal)} receivers"):
            insert(a_notification())
        with pytest.raises(TypeError, match="receivers"):
            insert_rows(Notification, ["kind"], [("k",)])
    finally:
        signal.disconnect(receiver, sender=Notification)
    assert not Notification.objects.exists()
    insert(a_notification())  # the receiver gone, inserts work again


def signal_name(signal) -> str:
    return "pre_save" if signal is pre_save else "post_save"
