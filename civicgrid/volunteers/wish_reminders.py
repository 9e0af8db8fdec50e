"""The reminder about wishes nobody has claimed: run by `civicgrid worker` every hour.

A wish still waiting for someone when its date is two days away (or already past) is brought
to the notice of the staff who posted it and of its community's staff, once per wish: each
wish's reminder is claimed with a conditional UPDATE of `Wish.reminded_at`
(`wishes.mark_reminded`) in the same transaction as the messages, so a run repeated, or two
workers at once, never remind twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from civicgrid.core import notifications
from civicgrid.needs.workflow import dispatchers_of
from civicgrid.volunteers import wishes
from civicgrid.volunteers.models import Wish, WishState

# How close to its date an unclaimed wish is brought up.
AHEAD = dt.timedelta(days=2)
KIND = "wish_unclaimed"


def due_ids(now: dt.datetime) -> list[int]:
    """Wishes still posted, never reminded, wanted within `AHEAD` (or already late)."""
    last_day = timezone.localdate(now) + AHEAD
    return list(
        Wish.objects.filter(
            state=WishState.POSTED, reminded_at__isnull=True, needed_by__lte=last_day
        )
        .order_by("needed_by", "pk")
        .values_list("pk", flat=True)
    )


def remind_unclaimed(now: dt.datetime | None = None) -> int:
    """Remind about each due wish once; returns how many were reminded by this run."""
    now = now or timezone.now()
    done = 0
    for wish_id in due_ids(now):
        with transaction.atomic():
            wish = wishes.mark_reminded(wish_id, now)
            if wish is None:
                continue  # reminded by another run, or claimed meanwhile
            recipients = [wish.posted_by, *dispatchers_of(wish.community)]
            data = {
                "title": wish.title,
                "place": wish.community.name,
                "date": wish.needed_by.isoformat(),
            }
            url = reverse("volunteers:wish_detail", args=[wish.pk])
            notifications.notify(recipients, kind=KIND, data=data, url=url)
            done += 1
    return done


@task()
def remind_unclaimed_wishes() -> int:
    return remind_unclaimed()
