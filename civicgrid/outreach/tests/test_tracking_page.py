"""The tracking page: the holder of the link stops (and resumes) messages about their need
and answers staff's question; without the key both are refused and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicgrid.core.models import Notification
from civicgrid.needs import services, workflow
from civicgrid.needs.models import NeedEvent
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key
from civicgrid.outreach.models import Kind, MessageState, ResidentMessage

pytestmark = pytest.mark.django_db


def url(need) -> str:
    return reverse("resident:track", args=[need.number])


def test_stop_needs_the_key_and_stops_what_is_queued(w, client):
    need = nf.raise_need(w)
    refused = client.post(url(need), {"op": "stop", "messages-k": "wrongkey00"})
    assert refused.status_code == 403
    # Said on the page: the form it came from is drawn for the link's holder only.
    assert "只有回执或短信中的链接才能进行此操作" in refused.content.decode()
    assert client.post(url(need), {"op": "stop"}).status_code == 403
    need.refresh_from_db()
    assert need.messages_stopped_at is None
    assert ResidentMessage.objects.get(need=need).state == MessageState.QUEUED

    key = tracking_key(need.number)
    page = client.get(f"{url(need)}?k={key}")
    assert b'value="stop"' in page.content
    done = client.post(url(need), {"op": "stop", "messages-k": key})
    assert done.status_code == 302
    need.refresh_from_db()
    assert need.messages_stopped_at is not None
    assert ResidentMessage.objects.get(need=need).state == MessageState.STOPPED
    # Written in the timeline for staff, not for the public.
    assert need.events.filter(action=workflow.MESSAGES_STOP, actor_kind="resident").exists()
    public = client.get(url(need)).content.decode()
    assert "Messages stopped" not in public and 'value="stop"' not in public

    # And resumed: later events are told again (what was stopped stays stopped).
    assert b'value="resume"' in client.get(f"{url(need)}?k={key}").content
    assert client.post(url(need), {"op": "resume", "messages-k": key}).status_code == 302
    workflow.need_take(need=need, by=workflow.By(w.grid_worker))
    states = dict(ResidentMessage.objects.filter(need=need).values_list("kind", "state"))
    assert states == {Kind.RECEIVED: MessageState.STOPPED, Kind.TAKEN: MessageState.QUEUED}


def test_the_resident_answers_a_question_with_the_key(w, client):
    need = nf.raise_need(w)
    nf.follow_up()
    services.need_comment(
        need=need, by=workflow.By(w.dispatcher), text="坑在哪个路口？", question=True
    )
    assert ResidentMessage.objects.filter(need=need, kind=Kind.MORE_INFO).exists()
    key = tracking_key(need.number)
    page = client.get(f"{url(need)}?k={key}").content.decode()
    assert "坑在哪个路口？" in page and 'value="answer"' in page
    assert 'value="answer"' not in client.get(url(need)).content.decode()

    refused = client.post(url(need), {"op": "answer", "answer-comment": "在学校门口"})
    assert refused.status_code == 403
    assert "只有回执或短信中的链接才能进行此操作" in refused.content.decode()
    assert not need.events.filter(actor_kind="resident", action=workflow.COMMENT).exists()

    before = Notification.objects.filter(kind="need_answered").count()
    done = client.post(url(need), {"op": "answer", "answer-k": key, "answer-comment": "在学校门口"})
    assert done.status_code == 302
    answer = NeedEvent.objects.get(need=need, actor_kind="resident", action=workflow.COMMENT)
    assert answer.note == "在学校门口" and not answer.public
    # The dispatcher who asked (and holds it) is told in the inbox.
    told = Notification.objects.filter(kind="need_answered")
    assert told.count() == before + 1 and told.get().recipient == w.dispatcher
    # Answered: the form is gone until the next question; the owner reads their answer.
    page = client.get(f"{url(need)}?k={key}").content.decode()
    assert 'value="answer"' not in page and "在学校门口" in page
    assert "在学校门口" not in client.get(url(need)).content.decode()  # never the public's
