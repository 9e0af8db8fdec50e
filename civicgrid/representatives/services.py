"""Every write of representatives, stations and the timetable: keyword-only, each checking
who acts (staff who serve the place: `access.check_serves`) and saying what to fix
(`Invalid` with `fields`). Receptions are written by `receptions.py`.

- `representative_save`: a person's mandate (body, level, where elected), their constituency
  (nodes inside the place that elected them), their station, public profile and Mongolian
  fields, term, published, serving. One mandate per person, body and level.
- `station_save`: a representatives' home or liaison station at a place, its names, address,
  the station's own phone, coordinates, the staff who answer its messages, an optional room.
- `time_save` / `time_delete`: the timetable; the end after the start, and no representative
  in two overlapping slots (at any station).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicgrid.core.errors import Invalid
from civicgrid.network.models import Node, Person
from civicgrid.representatives import access, timetable
from civicgrid.representatives.models import (
    Body,
    Level,
    LiaisonStation,
    ReceptionTime,
    Representative,
    StationKind,
)
from civicgrid.services.models import Room

PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,18}[0-9]$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _invalid(message: str, code: str, field: str) -> Invalid:
    return Invalid(message, code=code, fields={field: [message]})


def _text(value: Any, field: str, limit: int, *, multiline: bool = False) -> str:
    text = str(value or "")
    text = text.replace("\x00", "") if multiline else CONTROL.sub("", text)
    text = text.strip()
    if len(text) > limit:
        message = _("At most %(limit)d characters, not %(n)d.") % {"limit": limit, "n": len(text)}
        raise _invalid(message, "too_long", field)
    return text


def _inside(node: Node, place: Node) -> bool:
    return node.path.startswith(place.path)


# --- Representatives --------------------------------------------------------------------------

REP_TEXTS = {
    "name_mn": 150,
    "title": 120,
    "title_mn": 200,
    "term": 40,
}
REP_LONG = {"profile": 2000, "profile_mn": 4000}


@transaction.atomic
def representative_save(
    *,
    by: Person,
    person: Person,
    body: str,
    level: str,
    node: Node,
    representative: Representative | None = None,
    constituency: Iterable[Node] = (),
    station: LiaisonStation | None = None,
    name_mn: str = "",
    title: str = "",
    title_mn: str = "",
    profile: str = "",
    profile_mn: str = "",
    term: str = "",
    public: bool = True,
    active: bool = True,
) -> Representative:
    """Make a representative (without `representative`) or change one. `by` must serve the
    representative's place (`access.rep_place`: the station's, else where elected) before
    and after the change."""
    if representative is not None:
        access.check_serves(by, access.rep_place(representative))
    access.check_serves(by, station.node if station is not None else node)
    if body not in Body.values:
        raise _invalid(_("Choose the body."), "bad_body", "body")
    if level not in Level.values:
        raise _invalid(_("Choose the level."), "bad_level", "level")
    if not person.is_active:
        raise _invalid(_("This person is no longer active."), "person_inactive", "person")
    places = list(constituency)
    for place in places:
        if not _inside(place, node):
            message = _("The constituency must lie inside %(place)s.") % {"place": node.name}
            raise _invalid(message, "constituency_outside", "constituency")
    given = {
        "name_mn": name_mn,
        "title": title,
        "title_mn": title_mn,
        "term": term,
        "profile": profile,
        "profile_mn": profile_mn,
    }
    values: dict[str, Any] = {
        name: _text(given[name], name, limit) for name, limit in REP_TEXTS.items()
    }
    values.update(
        {name: _text(given[name], name, limit, multiline=True) for name, limit in REP_LONG.items()}
    )
    rep = representative or Representative()
    rep.person, rep.body, rep.level, rep.node, rep.station = person, body, level, node, station
    rep.public, rep.active = bool(public), bool(active)
    for name, value in values.items():
        setattr(rep, name, value)
    taken = Representative.objects.filter(person=person, body=body, level=level)
    if rep.pk is not None:
        taken = taken.exclude(pk=rep.pk)
    if taken.exists():
        message = _("This person already holds this mandate.")
        raise _invalid(message, "mandate_taken", "person")
    try:
        with transaction.atomic():
            rep.save()
    except IntegrityError:
        message = _("This person already holds this mandate.")
        raise _invalid(message, "mandate_taken", "person") from None
    rep.constituency.set(places)
    return rep


# --- Stations ---------------------------------------------------------------------------------

STATION_TEXTS = {
    "name": 100,
    "name_en": 150,
    "name_mn": 150,
    "address": 200,
    "address_mn": 300,
}


def clean_station_phone(phone: str) -> str:
    """The station's own phone: a mobile or a landline (0475-1234567); blank is allowed."""
    phone = (phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise _invalid(
            _("Write the station's phone as digits, e.g. 0475-8231234 or 13812345678."),
            "bad_phone",
            "phone",
        )
    return phone


def _check_coordinates(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise _invalid(_("Give both latitude and longitude, or neither."), "half_point", "lat")
    if lat is not None and not -90 <= lat <= 90:
        raise _invalid(_("Latitude lies between -90 and 90."), "bad_lat", "lat")
    if lon is not None and not -180 <= lon <= 180:
        raise _invalid(_("Longitude lies between -180 and 180."), "bad_lon", "lon")


@transaction.atomic
def station_save(
    *,
    by: Person,
    node: Node,
    kind: str,
    name: str,
    station: LiaisonStation | None = None,
    name_en: str = "",
    name_mn: str = "",
    address: str = "",
    address_mn: str = "",
    phone: str = "",
    lat: float | None = None,
    lon: float | None = None,
    room: Room | None = None,
    staff: Iterable[Person] = (),
    active: bool = True,
) -> LiaisonStation:
    """Make or change a station. The room, if any, must be at the station's place or above
    it; the staff must be active people."""
    access.check_serves(by, node)
    if station is not None:
        access.check_serves(by, station.node)
    if kind not in StationKind.values:
        raise _invalid(_("Choose the kind of station."), "bad_kind", "kind")
    texts = {
        field: _text(value, field, STATION_TEXTS[field])
        for field, value in {
            "name": name,
            "name_en": name_en,
            "name_mn": name_mn,
            "address": address,
            "address_mn": address_mn,
        }.items()
    }
    if not texts["name"]:
        raise _invalid(_("Write the station's name."), "name_required", "name")
    phone = clean_station_phone(phone)
    _check_coordinates(lat, lon)
    if room is not None and not (
        node.path.startswith(room.node.path) or room.node.path.startswith(node.path)
    ):
        raise _invalid(_("That room is at another place."), "room_elsewhere", "room")
    people = list(staff)
    if any(not p.is_active for p in people):
        raise _invalid(_("Choose active people as the station's staff."), "staff_inactive", "staff")
    saved = station or LiaisonStation()
    saved.node, saved.kind, saved.phone, saved.lat, saved.lon = node, kind, phone, lat, lon
    saved.room, saved.active = room, bool(active)
    for field, value in texts.items():
        setattr(saved, field, value)
    saved.save()
    saved.staff.set(people)
    return saved


# --- The timetable ----------------------------------------------------------------------------


def _check_slot(
    *,
    station: LiaisonStation,
    weekday: int,
    week_of_month: int | None,
    starts: dt.time,
    ends: dt.time,
    representative: Representative | None,
    exclude: int | None,
) -> None:
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise _invalid(_("Choose the weekday."), "bad_weekday", "weekday")
    if week_of_month is not None and not 1 <= week_of_month <= 5:
        raise _invalid(_("The week of the month is 1 to 5."), "bad_week", "week_of_month")
    if starts is None or ends is None:
        raise _invalid(_("Choose the time from and until."), "time_required", "starts")
    if ends <= starts:
        raise _invalid(_("The end must be after the start."), "end_before_start", "ends")
    if representative is None:
        return
    # A representative may receive at several stations; their own slots must never meet.
    others = ReceptionTime.objects.filter(representative=representative, weekday=weekday)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    for other in others:
        if timetable.weeks_meet(other.week_of_month, week_of_month) and timetable.overlaps(
            other.starts, other.ends, starts, ends
        ):
            message = _(
                "This representative already receives at that time (%(from)s–%(until)s)."
            ) % {"from": other.starts.strftime("%H:%M"), "until": other.ends.strftime("%H:%M")}
            raise _invalid(message, "slot_overlap", "starts")


@transaction.atomic
def time_save(
    *,
    by: Person,
    station: LiaisonStation,
    weekday: int,
    starts: dt.time,
    ends: dt.time,
    week_of_month: int | None = None,
    representative: Representative | None = None,
    time: ReceptionTime | None = None,
) -> ReceptionTime:
    """Add a timetable row to the station (or change `time`)."""
    access.check_serves(by, station.node)
    if time is not None and time.station_id != station.pk:
        raise Invalid(_("That time is another station's."), code="time_elsewhere")
    if representative is not None:
        # The representative's row serialises their slots: two forms at once cannot both
        # add an overlapping one.
        Representative.objects.select_for_update().filter(pk=representative.pk).order_by(
            "pk"
        ).first()
        if not representative.active:
            message = _("This representative no longer serves.")
            raise _invalid(message, "rep_inactive", "representative")
    _check_slot(
        station=station,
        weekday=weekday,
        week_of_month=week_of_month,
        starts=starts,
        ends=ends,
        representative=representative,
        exclude=time.pk if time is not None else None,
    )
    row = time or ReceptionTime(station=station)
    row.weekday, row.week_of_month, row.starts, row.ends = weekday, week_of_month, starts, ends
    row.representative = representative
    row.save()
    return row


@transaction.atomic
def time_delete(*, by: Person, time: ReceptionTime) -> None:
    access.check_serves(by, time.station.node)
    ReceptionTime.objects.filter(pk=time.pk).delete()
