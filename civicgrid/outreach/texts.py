"""What residents are told, in English source strings translated like every page: one short
sentence per kind with the need's number and its keyed tracking link, then how to stop. Never
the description, never a name or a place (docs/outreach.md). About an appointment: the
service's name, its time and the appointment's keyed page; never the note, the address or a
cancellation's reason (the resident reads that on the page).

Each text stays within one text message in Chinese (70 characters), the link aside.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from civicgrid.needs.models import Need, State, format_number
from civicgrid.needs.tracking import tracking_url
from civicgrid.outreach.models import Kind
from civicgrid.services import bookings
from civicgrid.services.models import Booking

TEXTS: dict[str, Any] = {
    Kind.RECEIVED: _("CivicGrid: your need %(number)s was received. Follow it: %(link)s"),
    Kind.TAKEN: _("CivicGrid: your need %(number)s is being handled. Follow it: %(link)s"),
    Kind.RESOLVED: _(
        "CivicGrid: your need %(number)s is reported solved. Please confirm and rate it: %(link)s"
    ),
    Kind.ANSWERED: _("CivicGrid: staff replied about your need %(number)s. Read it: %(link)s"),
    Kind.MORE_INFO: _(
        "CivicGrid: staff have a question about your need %(number)s. Answer it: %(link)s"
    ),
    Kind.JOINED: _(
        "CivicGrid: your need %(number)s was joined with another about the same problem. "
        "Follow it: %(link)s"
    ),
    Kind.JOINED_DONE: _(
        "CivicGrid: the problem of your need %(number)s is reported solved. See: %(link)s"
    ),
    Kind.APPT_BOOKED: _("CivicGrid: %(service)s booked for %(time)s. See or cancel: %(link)s"),
    Kind.APPT_REMIND: _("CivicGrid: reminder, %(service)s at %(time)s. See or cancel: %(link)s"),
    Kind.APPT_CANCEL: _(
        "CivicGrid: the workshop cancelled your %(service)s at %(time)s. Why: %(link)s"
    ),
    Kind.APPT_DONE: _("CivicGrid: %(service)s is done. Please rate it: %(link)s"),
}
# The tracking page the link opens has the button that stops them.
STOP = _("To stop these messages, open the link.")


def link(need: Need, language: str) -> str:
    """The need's keyed tracking link, absolute (`SITE_URL`), opening in the message's
    language (core.middleware.LanguageFromLink)."""
    return f"{settings.SITE_URL.rstrip('/')}{tracking_url(need.number)}&lang={language}"


def params(need: Need, language: str) -> dict[str, str]:
    """The values a provider's template is filled with, in `language`."""
    with translation.override(language):
        return {
            "number": format_number(need.number),
            "link": link(need, language),
            "state": str(State(need.state).label) if need.state in State.values else "",
        }


def booking_params(booking: Booking, language: str) -> dict[str, str]:
    """The values of a text about an appointment, in `language`: the service's name, the time
    and the appointment's keyed page (services.bookings.link, in the booking's language)."""
    with translation.override(language):
        return {
            "service": booking.service.label,
            "time": timezone.localtime(booking.starts_at).strftime("%Y-%m-%d %H:%M"),
            "link": bookings.link(booking),
        }


def render(kind: str, language: str, values: dict[str, str]) -> str:
    """The whole text of a message of `kind` in `language`."""
    with translation.override(language):
        return f"{TEXTS[kind] % values} {STOP}"
