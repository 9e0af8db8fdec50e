"""Sending: the text (in the need's language, never its description), the provider's
template, retries with back-off, permanent failures, the per-number limit, one send however
many workers claim, and nothing for a need stopped or anonymised since."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from civicgrid.needs import services, workflow
from civicgrid.needs.models import State
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key
from civicgrid.outreach import sending
from civicgrid.outreach.backends.base import PermanentFailure, TemporaryFailure
from civicgrid.outreach.models import (
    Kind,
    MessageState,
    ProviderTemplate,
    ResidentMessage,
)

pytestmark = pytest.mark.django_db

SECRET = "我家在三楼东户，门口的化粪池漏了"


def message(need, kind: str = Kind.RECEIVED) -> ResidentMessage:
    return ResidentMessage.objects.get(need=need, kind=kind)


def send(m: ResidentMessage, **kw) -> ResidentMessage:
    sending.send(m.pk, **kw)
    m.refresh_from_db()
    return m


def test_the_text_has_the_number_and_keyed_link_but_never_the_description(w, fake, settings):
    settings.SITE_URL = "https://grid.example.cn/"
    need = nf.raise_need(w, description=SECRET, language="en")
    m = send(message(need))
    assert m.state == MessageState.SENT and m.channel == "sms" and m.provider_id == "fake-1"
    assert m.attempts == 1 and m.sent_at is not None
    (text,) = fake.sent
    link = f"https://grid.example.cn/track/{need.number}/?k={tracking_key(need.number)}&lang=en"
    assert text.mobile == "13912345678" and text.language == "en"
    assert text.params["link"] == link and link in text.body
    assert text.params["number"] in text.body
    assert "received" in text.body and "stop" in text.body  # English, with the way to stop
    for word in (SECRET, SECRET[:6], "化粪池", "巴特尔"):
        assert word not in text.body and word not in str(text.params)


def test_every_kind_stays_short_and_private(w, fake):
    need = nf.raise_need(w, description=SECRET)
    by = workflow.By(w.grid_worker)
    steps = [
        lambda: None,
        lambda: workflow.need_take(need=need, by=by),
        lambda: services.need_comment(need=need, by=by, text="好的", public=True),
        lambda: services.need_comment(need=need, by=by, text="几楼？", question=True),
        lambda: workflow.need_resolve(need=need, by=by),
    ]
    for step in steps:  # each sent as it happens, as the worker does
        step()
        m = ResidentMessage.objects.filter(need=need).latest("event_seq")
        assert send(m).state == MessageState.SENT, m.kind
    assert [t.kind for t in fake.sent] == [
        Kind.RECEIVED,
        Kind.TAKEN,
        Kind.ANSWERED,
        Kind.MORE_INFO,
        Kind.RESOLVED,
    ]
    for text in fake.sent:
        assert SECRET[:4] not in text.body
        words = text.body.replace(text.params["link"], "")
        assert len(words) <= 120, text.body  # English source; Chinese is about half


def test_the_language_is_the_needs(w, fake):
    chinese = send(message(nf.raise_need(w))).state
    english = send(message(nf.raise_need(w, language="en"))).state
    assert chinese == english == MessageState.SENT
    assert [t.language for t in fake.sent] == ["zh-hans", "en"]
    # Rendered in that language (the new sentences are translated at the merge; the state's
    # name already is).
    assert fake.sent[1].params["state"] == "Submitted"
    assert fake.sent[0].params["state"] not in ("", "Submitted")


def test_the_providers_template_falls_back_to_chinese(w, fake):
    ProviderTemplate.objects.create(
        provider="tencent",
        kind=Kind.RECEIVED,
        language="zh-hans",
        template_id="1001",
        sign_name="网格通",
        params="number,link",
    )
    send(message(nf.raise_need(w, language="mn-mong")))
    template = fake.sent[0].template
    assert template is not None
    assert (template.template_id, template.sign_name, template.params) == (
        "1001",
        "网格通",
        ("number", "link"),
    )


def test_a_temporary_failure_is_retried_with_back_off(w, fake, settings):
    settings.OUTREACH_RETRY_BASE_SECONDS = 60
    fake.reset(TemporaryFailure("busy", code="LimitExceeded"), TemporaryFailure("busy"), "ok-3")
    m = message(nf.raise_need(w))
    now = timezone.now()
    m = send(m, now=now)
    assert (m.state, m.attempts) == (MessageState.QUEUED, 1)
    assert "LimitExceeded" in m.error
    first_wait = (m.next_try_at - now).total_seconds()
    assert 54 <= first_wait <= 66
    assert sending.send(m.pk, now=now + dt.timedelta(seconds=30)) == ""  # not due yet
    later = m.next_try_at
    m = send(m, now=later)
    assert (m.state, m.attempts) == (MessageState.QUEUED, 2)
    assert 108 <= (m.next_try_at - later).total_seconds() <= 132  # twice as long
    assert sending.send_due(now=m.next_try_at) == 1  # the worker's periodic pass
    m.refresh_from_db()
    assert (m.state, m.attempts, m.provider_id) == (MessageState.SENT, 3, "ok-3")


def test_attempts_run_out(w, fake, settings):
    settings.OUTREACH_MAX_ATTEMPTS = 2
    fake.reset(TemporaryFailure("down"), TemporaryFailure("down"))
    m = message(nf.raise_need(w))
    m = send(m)
    m = send(m, now=m.next_try_at)
    assert (m.state, m.attempts) == (MessageState.FAILED, 2)


def test_a_permanent_failure_fails_at_once(w, fake):
    fake.reset(PermanentFailure("invalid number 13912345678", code="InvalidPhone"))
    m = send(message(nf.raise_need(w)))
    assert (m.state, m.attempts) == (MessageState.FAILED, 1)
    assert "InvalidPhone" in m.error and "13912345678" not in m.error


def test_the_per_number_limit_postpones(w, fake, settings):
    settings.OUTREACH_PER_NUMBER_PER_HOUR = 2
    needs = [nf.raise_need(w) for _ in range(3)]  # same number
    now = timezone.now()
    first, second, third = (message(n) for n in needs)
    assert send(first, now=now).state == send(second, now=now).state == MessageState.SENT
    third = send(third, now=now)
    assert (third.state, third.attempts) == (MessageState.QUEUED, 0)  # postponed, not tried
    assert third.next_try_at >= first.sent_at + dt.timedelta(hours=1)
    assert len(fake.sent) == 2
    assert send(third, now=third.next_try_at).state == MessageState.SENT
    # Another number is not held back.
    other = nf.raise_need(w, contact_phone="13800000000")
    assert send(message(other)).state == MessageState.SENT


def test_two_claims_send_once(w, fake):
    m = message(nf.raise_need(w))
    now = timezone.now()
    assert sending.claim(m.pk, now) is True
    assert sending.claim(m.pk, now) is False  # the second worker finds it taken
    assert sending.send(m.pk, now=now) == ""
    assert fake.sent == []
    ResidentMessage.objects.filter(pk=m.pk).update(state=MessageState.QUEUED)
    assert sending.send(m.pk, now=now) == MessageState.SENT
    assert sending.send(m.pk, now=now) == ""
    assert len(fake.sent) == 1


def test_an_interrupted_send_is_never_repeated(w, fake, settings):
    m = message(nf.raise_need(w))
    now = timezone.now()
    sending.claim(m.pk, now)  # a worker killed while sending
    later = now + dt.timedelta(seconds=settings.OUTREACH_SENDING_TIMEOUT_SECONDS + 1)
    assert sending.send_due(now=later) == 0
    m.refresh_from_db()
    assert m.state == MessageState.FAILED and fake.sent == []


def test_a_newer_message_supersedes_status_news_but_never_the_rating_prompt(w, fake):
    need = nf.raise_need(w)
    by = workflow.By(w.grid_worker)
    workflow.need_take(need=need, by=by)
    workflow.need_resolve(need=need, by=by)
    assert send(message(need, Kind.RESOLVED)).state == MessageState.SENT
    assert send(message(need, Kind.RECEIVED)).state == MessageState.SKIPPED
    assert send(message(need, Kind.TAKEN)).state == MessageState.SKIPPED
    assert [t.kind for t in fake.sent] == [Kind.RESOLVED]


def test_stopped_since_queued(w, fake):
    need = nf.raise_need(w)
    m = message(need)
    nf.force(need, messages_stopped_at=timezone.now())  # stopped by another way in between
    assert send(m).state == MessageState.STOPPED and fake.sent == []


def test_an_anonymised_need_is_skipped(w, fake):
    from civicgrid.privacy import services as privacy

    need = nf.raise_need(w)
    m = message(need)
    nf.force(need, state=State.CLOSED)
    privacy.need_anonymise(need=need, by=w.dispatcher, reason="居民要求")
    m.refresh_from_db()
    assert m.state == MessageState.SKIPPED  # at once, by the anonymise event
    # And at send time, whatever the row says: the phone is read from the need.
    ResidentMessage.objects.filter(pk=m.pk).update(state=MessageState.QUEUED)
    assert send(m).state == MessageState.SKIPPED and fake.sent == []


def test_nobody_reaches_the_resident(w, settings):
    settings.OUTREACH_BACKENDS = ["civicgrid.outreach.tests.fakes.Unreachable"]
    assert send(message(nf.raise_need(w))).state == MessageState.SKIPPED


def test_the_worker_sends_after_the_commit_through_the_log(
    w, settings, django_capture_on_commit_callbacks, caplog
):
    settings.OUTREACH_BACKENDS = ["civicgrid.outreach.backends.log.LogBackend"]
    caplog.set_level(logging.INFO, logger="civicgrid.outreach")
    with django_capture_on_commit_callbacks(execute=True):
        need = nf.raise_need(w, description=SECRET)
    m = message(need)
    assert m.state == MessageState.SENT and m.channel == "log" and m.provider_id.startswith("log-")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "139****5678" in logged and "13912345678" not in logged and SECRET not in logged


@pytest.mark.parametrize("language", ["zh-hans", "mn-mong"])
def test_every_kind_fits_one_text_message_link_aside(language):
    """A Chinese text message holds 70 characters (beyond, it is sent as several, each
    charged); the stop sentence included, the link not."""
    from django.utils import translation

    from civicgrid.outreach import texts

    values = {
        "number": "K7M4-QXP2",
        "link": "",
        "state": "",
        "service": "疏通下水管道",  # an appointment's: a service's name, its time
        "time": "2026-12-03 09:00",
    }
    for kind in Kind.values:
        body = texts.render(kind, language, values)
        assert "%(" not in body, (kind, body)
        if language == "zh-hans":
            with translation.override("en"):
                english = str(texts.TEXTS[kind])
            with translation.override(language):
                assert str(texts.TEXTS[kind]) != english, f"{kind} has no Chinese text"
            assert len(body) <= 70, (kind, len(body), body)
