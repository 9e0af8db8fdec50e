"""Template filters for needs."""

from __future__ import annotations

from django import template

from civicgrid.needs.models import format_number

register = template.Library()


@register.filter
def tracking(number: str) -> str:
    """K7M4QXP2 → K7M4-QXP2: easier to read out on the phone."""
    return format_number(number)
