"""Representatives, their liaison stations and receptions (router `representatives_router`).

- `GET /representatives`, `/representatives/{id}`, `/liaison-stations`,
  `/liaison-stations/{id}`: public fields only (`representatives/publication.py`). Without
  credentials (limited per address) the public ones; staff with a token or session read those
  of their scope too (unpublished ones included). Never a person's phone.
- `GET /receptions`, `/receptions/{id}`: staff of the place (`representatives/access.py`);
  who raised a matter is masked.
- `POST /receptions`: staff who serve the station's place record a reception
  (`receptions.reception_record`): 201; 403 for a reader; 409 `room_taken` when the
  station's room is held at that time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from civicgrid.api.auth import OPEN, STAFF, caller, caller_person
from civicgrid.api.endpoints.services import OPTIONAL_AUTH, _by_id, _calling
from civicgrid.api.errors import limit_anonymous, limit_known_caller, responses
from civicgrid.api.schemas import Id
from civicgrid.api.schemas_representatives import (
    LiaisonStationPage,
    LiaisonStationQuery,
    ReceptionIn,
    ReceptionOut,
    ReceptionPage,
    ReceptionQuery,
    RepresentativeOut,
    RepresentativePage,
    RepresentativeQuery,
    StationOut,
)
from civicgrid.core.errors import Invalid
from civicgrid.network.models import node_label
from civicgrid.network.scope import access_node
from civicgrid.representatives import access, publication, receptions, timetable
from civicgrid.representatives.models import (
    LiaisonStation,
    Reception,
    ReceptionTime,
    Representative,
)

representatives_router = Router(auth=STAFF, tags=["representatives"])
PUBLIC_PER_MINUTE = 60
UPCOMING_DAYS = 28


def _hhmm(value: Any) -> str:
    return value.strftime("%H:%M")


# --- Representatives --------------------------------------------------------------------------


def _readable_reps(request: HttpRequest) -> QuerySet[Representative]:
    user = caller(request)
    if user is None:
        limit_anonymous(request, "representatives-read", PUBLIC_PER_MINUTE)
        return publication.public_representatives()
    return publication.public_representatives() | access.visible_representatives(user)


def _rep_out(rep: Representative) -> dict[str, Any]:
    return {
        "id": rep.pk,
        "name": rep.person.name,
        "name_mn": rep.name_mn,
        "body": rep.body,
        "body_label": str(rep.get_body_display()),
        "level": rep.level,
        "level_label": str(rep.get_level_display()),
        "elected_at_id": rep.node_id,
        "elected_at": node_label(rep.node),
        "constituency": [
            node_label(n) for n in sorted(rep.constituency.all(), key=lambda n: n.path)
        ],
        "station_id": rep.station_id,
        "station_name": rep.station.name if rep.station is not None else "",
        "title": rep.title,
        "title_mn": rep.title_mn,
        "profile": rep.profile,
        "profile_mn": rep.profile_mn,
        "term": rep.term,
        "public": rep.public,
        "active": rep.active,
    }


@representatives_router.get(
    "/representatives",
    response=responses({200: RepresentativePage}),
    auth=OPEN,
    openapi_extra=OPTIONAL_AUTH,
)
def list_representatives(request: HttpRequest, filters: Query[RepresentativeQuery]) -> Any:
    """Representatives with their public fields: the published, serving ones for anyone;
    with credentials, also those of your scope."""
    qs = (
        _readable_reps(request)
        .select_related("person", "node", "station", "station__node")
        .prefetch_related("constituency")
    )
    if filters.node is not None:
        user = caller(request)
        if user is None:
            node_path = publication.public_place(filters.node).path
        else:
            node_path = access_node(user, filters.node).path
        qs = qs.filter(station__node__path__startswith=node_path)
    if filters.station is not None:
        qs = qs.filter(station_id=filters.station)
    rows, after = _by_id(qs.distinct(), cursor=filters.cursor, limit=filters.limit)
    return {"items": [_rep_out(r) for r in rows], "next": after}


@representatives_router.get(
    "/representatives/{rep_id}",
    response=responses({200: RepresentativeOut}),
    auth=OPEN,
    openapi_extra=OPTIONAL_AUTH,
)
def get_representative(request: HttpRequest, rep_id: Id) -> Any:
    rep = (
        _readable_reps(request)
        .select_related("person", "node", "station")
        .filter(pk=rep_id)
        .first()
    )
    if rep is None:
        raise Http404
    return _rep_out(rep)


# --- Stations ---------------------------------------------------------------------------------


def _readable_stations(request: HttpRequest) -> QuerySet[LiaisonStation]:
    user = caller(request)
    if user is None:
        limit_anonymous(request, "representatives-read", PUBLIC_PER_MINUTE)
        return publication.public_stations()
    return publication.public_stations() | access.visible_stations(user)


def _with_times(qs: QuerySet[LiaisonStation]) -> QuerySet[LiaisonStation]:
    """Stations with their timetable read in one query (the list's next slots come from it)."""
    times = ReceptionTime.objects.select_related("representative__person").order_by(
        "weekday", "starts", "pk"
    )
    return qs.select_related("node").prefetch_related(Prefetch("times", queryset=times))


def _station_out(station: LiaisonStation) -> dict[str, Any]:
    times = list(station.times.all())
    slots = timetable.expand(times, start=timezone.localdate(), days=UPCOMING_DAYS)
    return {
        "id": station.pk,
        "kind": station.kind,
        "kind_label": str(station.get_kind_display()),
        "name": station.name,
        "name_en": station.name_en,
        "name_mn": station.name_mn,
        "node_id": station.node_id,
        "node_name": node_label(station.node),
        "address": station.address,
        "address_mn": station.address_mn,
        "phone": station.phone,
        "lat": station.lat,
        "lon": station.lon,
        "active": station.active,
        "times": [
            {
                "weekday": t.weekday,
                "week_of_month": t.week_of_month,
                "starts": _hhmm(t.starts),
                "ends": _hhmm(t.ends),
                "representative_id": t.representative_id,
            }
            for t in times
        ],
        "upcoming": [
            {
                "day": s.day,
                "starts": _hhmm(s.starts),
                "ends": _hhmm(s.ends),
                "representative_id": _public_rep(s.representative, "pk"),
                "representative_name": _public_rep(s.representative, "name") or "",
            }
            for s in slots
        ],
    }


def _public_rep(rep: Representative | None, what: str) -> Any:
    if rep is None or not publication.is_public_representative(rep):
        return None
    return rep.pk if what == "pk" else rep.person.name


@representatives_router.get(
    "/liaison-stations",
    response=responses({200: LiaisonStationPage}),
    auth=OPEN,
    openapi_extra=OPTIONAL_AUTH,
)
def list_liaison_stations(request: HttpRequest, filters: Query[LiaisonStationQuery]) -> Any:
    """Representatives' homes and liaison stations with their timetable and next receptions."""
    qs = _with_times(_readable_stations(request))
    if filters.node is not None:
        user = caller(request)
        node = (
            publication.public_place(filters.node)
            if user is None
            else access_node(user, filters.node)
        )
        qs = qs.filter(node__path__startswith=node.path)
    rows, after = _by_id(qs.distinct(), cursor=filters.cursor, limit=filters.limit)
    return {"items": [_station_out(s) for s in rows], "next": after}


@representatives_router.get(
    "/liaison-stations/{station_id}",
    response=responses({200: StationOut}),
    auth=OPEN,
    openapi_extra=OPTIONAL_AUTH,
)
def get_liaison_station(request: HttpRequest, station_id: Id) -> Any:
    station = _with_times(_readable_stations(request)).filter(pk=station_id).first()
    if station is None:
        raise Http404
    return _station_out(station)


# --- Receptions -------------------------------------------------------------------------------


def _reception_out(reception: Reception) -> dict[str, Any]:
    return {
        "id": reception.pk,
        "station_id": reception.station_id,
        "station_name": reception.station.name,
        "day": reception.day,
        "starts": _hhmm(reception.starts),
        "ends": _hhmm(reception.ends),
        "topic": reception.topic,
        "attendance": reception.attendance,
        "representative_ids": sorted(r.pk for r in reception.representatives.all()),
        "room_booking_id": reception.room_booking_id,
        "matters": [
            {
                "id": m.pk,
                "summary": m.summary,
                "raised_by": access.mask_name(m.raised_by),
                "answer": m.answer,
                "need_number": m.need.number if m.need is not None else None,
            }
            for m in reception.matters.all()
        ],
    }


@representatives_router.get("/receptions", response=responses({200: ReceptionPage}))
def list_receptions(request: HttpRequest, filters: Query[ReceptionQuery]) -> Any:
    """Receptions held at stations of your scope, in id order; `from`/`to` limit the days."""
    user = caller_person(request)
    qs = access.visible_receptions(user)
    if filters.station is not None:
        qs = qs.filter(station_id=filters.station)
    if filters.node is not None:
        qs = qs.filter(station__node__path__startswith=access_node(user, filters.node).path)
    if filters.from_ is not None:
        qs = qs.filter(day__gte=filters.from_)
    if filters.to is not None:
        qs = qs.filter(day__lte=filters.to)
    qs = qs.select_related("station").prefetch_related(
        "representatives", "matters", "matters__need"
    )
    rows, after = _by_id(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_reception_out(r) for r in rows], "next": after}


@representatives_router.get("/receptions/{reception_id}", response=responses({200: ReceptionOut}))
def get_reception(request: HttpRequest, reception_id: Id) -> Any:
    reception = access.access_reception(caller_person(request), reception_id)
    return _reception_out(reception)


@representatives_router.post("/receptions", response=responses({201: ReceptionOut}, 409))
def create_reception(request: HttpRequest, body: ReceptionIn) -> Any:
    """Record a reception (staff who serve the station's place). A station with a room books
    it for a reception still to come: 409 `room_taken` when the room is held then."""
    user = caller_person(request)
    limit_known_caller(request, "token-create", settings.API_TOKEN_CREATES_PER_MINUTE)
    access.refuse_readers(user)
    station = access.access_station(user, body.station, write=True)
    reps = list(Representative.objects.filter(pk__in=body.representatives))
    if len(reps) != len(set(body.representatives)):
        message = _("No such representative.")
        raise Invalid(message, code="validation", fields={"representatives": [message]})
    reception = _calling(
        lambda: receptions.reception_record(
            by=user,
            station=station,
            day=body.day,
            starts=body.starts,
            ends=body.ends,
            representatives=reps,
            topic=body.topic,
            attendance=body.attendance,
            matters=[
                receptions.MatterIn(summary=m.summary, raised_by=m.raised_by, answer=m.answer)
                for m in body.matters
            ],
        ),
        {},
        {},
    )
    return Status(201, _reception_out(access.access_reception(user, reception.pk)))
