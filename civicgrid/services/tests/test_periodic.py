"""The worker reminds residents of their appointments as it runs everyone's periodic work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.core.scheduler import enqueue_due
from civicgrid.services.models import Booking, ServiceEvent
from civicgrid.services.tests import factories as sf

pytestmark = pytest.mark.django_db


def test_the_worker_reminds_an_appointment_within_a_day_once():
    s = sf.shop()
    soon = sf.book(s.haircut, sf.slot_start(1, 9))
    Booking.objects.filter(pk=soon.pk).update(
        starts_at=timezone.now() + dt.timedelta(hours=5),
        ends_at=timezone.now() + dt.timedelta(hours=5, minutes=30),
    )
    ran = enqueue_due()
    assert "services.remind_appointments" in ran
    assert Booking.objects.get(pk=soon.pk).reminded_at is not None
    assert ServiceEvent.objects.filter(booking=soon, action="remind").count() == 1
