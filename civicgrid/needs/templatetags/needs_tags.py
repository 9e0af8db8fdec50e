"""Template filters for needs."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import ngettext

from civicgrid.needs.models import format_number

register = template.Library()


@register.filter
def tracking(number: str) -> str:
    """K7M4QXP2 → K7M4-QXP2: easier to read out on the phone."""
    return format_number(number)


@register.filter
def duration_words(span: dt.timedelta) -> str:
    """How far apart two moments are, rounded as people say it: 25 minutes, 3 hours, 2 days."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    days = round(minutes / (24 * 60))
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
