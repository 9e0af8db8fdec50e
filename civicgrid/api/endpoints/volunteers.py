"""People who serve: activities (list, detail, sign-up, leave, check-in), teams, micro-wishes
(list, claim, give back, fulfil) and the caller's own hours, points and stars.

A façade like the rest of the API: every write is one command of the domain
(`volunteers.activities`, `volunteers.wishes`), which checks who may act and in which state;
every read starts from the domain's own rule of who may see what (`volunteers.access`,
`selectors_activities`, `selectors_wishes`, `teams.visible_teams`). What the caller may not
see is a 404, whether it exists or not.

Party members and volunteers call these with the site's session (API tokens are for staff
roles); staff with a token or the session.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, UploadedFile

from civicgrid.api import pagination
from civicgrid.api.auth import STAFF, caller_person
from civicgrid.api.errors import responses
from civicgrid.api.schemas import Id
from civicgrid.api.schemas_volunteers import (
    ActivityDetail,
    ActivityPage,
    ActivityQuery,
    CheckInIn,
    CheckInOut,
    ClaimIn,
    MeOut,
    Note,
    ReleaseIn,
    SignUpOut,
    TeamItem,
    TeamPage,
    TeamQuery,
    WishItem,
    WishPage,
    WishQuery,
)
from civicgrid.core.errors import Invalid, NotAllowed, NotFound
from civicgrid.network import scope
from civicgrid.network.models import Membership, Node, Organisation, Person, mask_mobile, node_label
from civicgrid.volunteers import access, activities, points, registrations, reports, teams, wishes
from civicgrid.volunteers import selectors_activities as activity_selectors
from civicgrid.volunteers import selectors_wishes as wish_selectors
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    SignUp,
    SignUpState,
    Team,
    TeamKind,
    Theme,
    Wish,
    WishState,
)

router = Router(auth=STAFF, tags=["volunteers"])

THEMES = dict(Theme.choices)
ACTIVITY_STATES = dict(ActivityState.choices)
SIGNUP_STATES = dict(SignUpState.choices)
TEAM_KINDS = dict(TeamKind.choices)
WISH_STATES = dict(WishState.choices)
MONTHS_SHOWN = 6


def _bad_cursor() -> Invalid:
    return Invalid(_("The cursor is not one this API gave out."), code="bad_cursor")


def _place(node_id: int) -> Node:
    """A place named by a filter. Places are public (the resident pages name them); what is
    listed at one is still limited to what the caller may see."""
    node = Node.objects.filter(pk=node_id).first()
    if node is None:
        raise NotFound(_("No such place."), code="not_found")
    return node


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- Activities -----------------------------------------------------------------------------


def readable_activities(user: Any) -> QuerySet[Activity]:
    """What the caller may read: the console's (at places their scope sees, of the teams they
    lead) and, once out of planning, those their audience rules let them see (public ones,
    the members' ones for people who serve, their teams', those they signed up for)."""
    return activity_selectors.visible_activities(user) | Activity.objects.exclude(
        state=ActivityState.PLANNED
    ).filter(activity_selectors.audience_q(user))


def may_read_activity(user: Any, activity: Activity) -> bool:
    """One activity by the rule of `readable_activities`."""
    return (
        scope.can_see(user, activity.node)
        or access.leads_team_id(user, activity.team_id)
        or access.may_see_activity(user, activity)
    )


def _activity(user: Any, activity_id: int, *, key: str = "") -> Activity:
    """The activity if the caller may read it, or holds its check-in key (the poster at the
    door); else 404."""
    activity = (
        Activity.objects.select_related("node", "team", "team__organisation")
        .filter(pk=activity_id)
        .first()
    )
    if activity is None or not (
        may_read_activity(user, activity) or (key and activities.key_matches(activity, key))
    ):
        raise NotFound(_("No such activity."), code="not_found")
    return activity


def _places_left(activity: Activity) -> int | None:
    if activity.capacity is None:
        return None
    return max(activity.capacity - activity.confirmed_count, 0)


def _activity_item(activity: Activity) -> dict[str, Any]:
    team = activity.team
    return {
        "id": activity.pk,
        "title": activity.label,
        "theme": activity.theme,
        "theme_label": str(THEMES.get(activity.theme, activity.theme)),
        "state": activity.state,
        "state_label": str(ACTIVITY_STATES.get(activity.state, activity.state)),
        "audience": activity.audience,
        "node_id": activity.node_id,
        "node_name": node_label(activity.node),
        "place_detail": activity.place_detail,
        "team_id": activity.team_id,
        "team_name": team.label if team is not None else None,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "capacity": activity.capacity,
        "confirmed_count": activity.confirmed_count,
        "places_left": _places_left(activity),
    }


def _signup_out(signup: SignUp) -> dict[str, Any]:
    return {
        "state": signup.state,
        "state_label": str(SIGNUP_STATES.get(signup.state, signup.state)),
        "waiting_position": activities.waiting_position(signup),
        "signed_up_at": signup.created_at,
        "checked_in_at": signup.checked_in_at,
        "hours": float(signup.hours),
    }


def _waiting_count(activity: Activity) -> int:
    return SignUp.objects.filter(activity=activity, state=SignUpState.WAITING).count()


def _after_start_q(cursor: str) -> Q:
    at, pk = pagination.decode(cursor, 2)
    try:
        when = dt.datetime.fromisoformat(at)
        pk = int(pk)
    except (TypeError, ValueError):
        raise _bad_cursor() from None
    if timezone.is_naive(when):
        raise _bad_cursor()
    return Q(starts_at__gt=when) | Q(starts_at=when, id__gt=pk)


@router.get("/volunteers/activities", response=responses({200: ActivityPage}))
def list_activities(request: HttpRequest, filters: Query[ActivityQuery]) -> Any:
    """The activities you may see, in the order they start (pass `since` for what is coming),
    a page at a time (follow `next`). Staff see those at places in their scope (planned ones
    too) and of the teams they lead; everyone sees the public ones once open, party members
    and volunteers the members' ones, a team's members their team's."""
    user = caller_person(request)
    qs = readable_activities(user)
    if filters.community is not None:
        qs = qs.filter(scope.paths_q([_place(filters.community).path], node_field="node"))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.theme:
        qs = qs.filter(theme=filters.theme)
    if filters.since:
        qs = qs.filter(starts_at__gte=_local_midnight(filters.since))
    if filters.until:
        qs = qs.filter(starts_at__lt=_local_midnight(filters.until + dt.timedelta(days=1)))
    if filters.cursor:
        qs = qs.filter(_after_start_q(filters.cursor))
    rows = list(
        qs.select_related("node", "team", "team__organisation").order_by("starts_at", "id")[
            : filters.limit + 1
        ]
    )
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    after = pagination.encode([rows[-1].starts_at.isoformat(), rows[-1].pk]) if more else None
    return {"items": [_activity_item(a) for a in rows], "next": after}


@router.get("/volunteers/activities/{activity_id}", response=responses({200: ActivityDetail}))
def get_activity(request: HttpRequest, activity_id: Id) -> Any:
    """One activity with its places left, the length of its waiting list and your sign-up."""
    user = caller_person(request)
    activity = _activity(user, activity_id)
    mine = activity_selectors.my_signup(user, activity)
    allowed = activities.allowed_actions(activity, user)
    free_to_sign_up = mine is None or mine.state == SignUpState.CANCELLED
    return {
        **_activity_item(activity),
        "description": activity.description,
        "lat": activity.lat,
        "lon": activity.lon,
        "waiting_count": _waiting_count(activity),
        "summary": activity.summary,
        "solved_count": activity.solved_count,
        "duration_minutes": activity.duration_minutes,
        "mine": _signup_out(mine) if mine is not None else None,
        "may_sign_up": activities.Action.SIGN_UP in allowed
        and free_to_sign_up
        and timezone.now() < activity.starts_at,
        "actions": [str(a) for a in allowed],
    }


def _signed_up(activity_id: int, signup: SignUp) -> dict[str, Any]:
    fresh = Activity.objects.get(pk=activity_id)
    return {
        "activity_id": activity_id,
        "mine": _signup_out(signup),
        "places_left": _places_left(fresh),
        "waiting_count": _waiting_count(fresh),
    }


@router.post(
    "/volunteers/activities/{activity_id}/signup", response=responses({200: SignUpOut}, 409)
)
def sign_up_for_activity(request: HttpRequest, activity_id: Id) -> Any:
    """Sign yourself up: confirmed while a place is free, else on the waiting list
    (`mine.waiting_position`). 409 when already signed up, when sign-up is closed or the
    activity is not open; 403 when its audience does not include you."""
    activity = _activity(caller_person(request), activity_id)
    signup = activities.activity_sign_up(activity=activity, person=caller_person(request))
    return _signed_up(activity.pk, signup)


@router.post(
    "/volunteers/activities/{activity_id}/leave", response=responses({200: SignUpOut}, 409)
)
def leave_activity(request: HttpRequest, activity_id: Id) -> Any:
    """Cancel your sign-up before the start; your place goes to the first on the waiting
    list. 409 when you are not signed up, it has started or you have checked in."""
    activity = _activity(caller_person(request), activity_id)
    result = activities.activity_leave(activity=activity, person=caller_person(request))
    return _signed_up(activity.pk, result.signup)


@router.post(
    "/volunteers/activities/{activity_id}/checkin", response=responses({200: CheckInOut}, 409)
)
def check_in_to_activity(request: HttpRequest, activity_id: Id, body: CheckInIn) -> Any:
    """Check in with the key of the activity's QR poster, within the check-in window (an hour
    before the start to an hour after the end), near the place when the phone says where it
    is. 403 bad_key for a wrong key; 409 too_early / too_late outside the window; 400 too_far
    more than 2 km away; 409 full when you were not signed up and no place is free. Checking
    in again answers when you did (`already`)."""
    activity = _activity(caller_person(request), activity_id, key=body.key)
    result = activities.activity_check_in(
        activity=activity,
        person=caller_person(request),
        key=body.key,
        lat=body.lat,
        lon=body.lon,
    )
    signup = result.signup
    assert signup.checked_in_at is not None
    return {
        "activity_id": activity.pk,
        "checked_in_at": signup.checked_in_at,
        "already": result.already,
        "walk_in": result.walk_in,
        "distance_m": signup.checkin_distance_m,
    }


# --- Teams ----------------------------------------------------------------------------------


def _team_items(user: Any, found: list[Team]) -> list[dict[str, Any]]:
    """The teams as the schema says, in a fixed number of queries."""
    org_ids = [t.organisation_id for t in found]
    team_ids = [t.pk for t in found]
    counts: dict[int, int] = {}
    for org_id in Membership.objects.filter(organisation_id__in=org_ids).values_list(
        "organisation_id", flat=True
    ):
        counts[org_id] = counts.get(org_id, 0) + 1
    leaders: dict[int, list[str]] = {}
    for team_id, name in (
        Team.leaders.through.objects.filter(team_id__in=team_ids)
        .order_by("person__name", "person_id")
        .values_list("team_id", "person__name")
    ):
        leaders.setdefault(team_id, []).append(name)
    mine = set(
        Membership.objects.filter(organisation_id__in=org_ids, person_id=user.pk).values_list(
            "organisation_id", flat=True
        )
    )
    marks = teams.month_marks(found, count=MONTHS_SHOWN)
    return [
        {
            "id": t.pk,
            "name": t.label,
            "kind": t.kind,
            "kind_label": str(TEAM_KINDS.get(t.kind, t.kind)),
            "theme": t.theme,
            "theme_label": str(THEMES.get(t.theme, t.theme)),
            "node_id": t.organisation.node_id,
            "node_name": node_label(t.organisation.node),
            "active": t.active,
            "members_count": counts.get(t.organisation_id, 0),
            "leaders": leaders.get(t.pk, []),
            "monthly_minimum": t.monthly_minimum,
            "member": t.organisation_id in mine,
            "months": [
                {"month": m.month, "held": m.held, "required": m.required, "missed": m.missed}
                for m in marks.get(t.pk, [])
            ],
        }
        for t in found
    ]


@router.get("/volunteers/teams", response=responses({200: TeamPage}))
def list_teams(request: HttpRequest, filters: Query[TeamQuery]) -> Any:
    """The teams at places in your scope and the teams you belong to, with their members'
    count, leaders, monthly rule and how the last months went against it."""
    user = caller_person(request)
    qs = teams.visible_teams(user)
    if filters.community is not None:
        place = _place(filters.community)
        qs = qs.filter(scope.paths_q([place.path], node_field="organisation__node"))
    if filters.mine:
        qs = qs.filter(
            organisation_id__in=Membership.objects.filter(person_id=user.pk).values(
                "organisation_id"
            )
        )
    if filters.cursor:
        (last,) = pagination.decode(filters.cursor, 1)
        if not isinstance(last, int):
            raise _bad_cursor()
        qs = qs.filter(pk__gt=last)
    found = list(qs.order_by("id")[: filters.limit + 1])
    more = len(found) > filters.limit
    found = found[: filters.limit]
    after = pagination.encode([found[-1].pk]) if more else None
    return {"items": _team_items(user, found), "next": after}


@router.get("/volunteers/teams/{team_id}", response=responses({200: TeamItem}))
def get_team(request: HttpRequest, team_id: Id) -> Any:
    """One team you may see: at a place in your scope, or yours."""
    team = access.access_team(caller_person(request), team_id)
    return _team_items(caller_person(request), [team])[0]


# --- Wishes ---------------------------------------------------------------------------------


def _unit_ids(user: Any) -> QuerySet[Any]:
    return Membership.objects.filter(person_id=user.pk).values("organisation_id")


def readable_wishes(user: Any) -> QuerySet[Wish]:
    """The wishes the caller may read, each marked `in_scope` when the caller is staff over
    its community (they read its contact, masked): the console's wishes in their scope, the
    wall's wishes (not withdrawn) for members who may claim, and those they claimed."""
    staff_q = wish_selectors.visible_q(user)
    if staff_q is None:
        return Wish.objects.annotate(in_scope=Value(True, output_field=BooleanField()))
    reach = staff_q | Q(claimed_by_id=user.pk) | Q(claimed_unit_id__in=_unit_ids(user))
    if wishes.is_member(user):
        reach |= Q(state__in=wish_selectors.ON_WALL)
    in_scope = Case(When(staff_q, then=Value(True)), default=Value(False))
    return Wish.objects.filter(reach).annotate(in_scope=in_scope)


WISH_FIELDS = (
    "title",
    "story",
    "public_name",
    "community_id",
    "community__name",
    "community__name_en",
    "community__name_mn",
    "state",
    "needed_by",
    "claimed_by_id",
    "person_name",
    "person_mobile",
    "in_scope",
)


def _wish_item(user: Any, row: dict[str, Any]) -> dict[str, Any]:
    community = Node(
        name=row["community__name"],
        name_en=row["community__name_en"],
        name_mn=row["community__name_mn"],
    )
    return {
        "id": row["id"],
        "title": row["title"],
        "story": row["story"],
        "public_name": row["public_name"] or wishes.default_public_name(),
        "community_id": row["community_id"],
        "community_name": node_label(community),
        "state": row["state"],
        "state_label": str(WISH_STATES.get(row["state"], row["state"])),
        "needed_by": row["needed_by"],
        "created_at": row["created_at"],
        "claimed_by_me": row["claimed_by_id"] == user.pk,
        "contact": (
            {"person_name": row["person_name"], "person_mobile": mask_mobile(row["person_mobile"])}
            if row["in_scope"]
            else None
        ),
    }


def _wish(user: Any, wish_id: int) -> Wish:
    wish = readable_wishes(user).select_related("community").filter(pk=wish_id).first()
    if wish is None:
        raise NotFound(_("No such wish."), code="not_found")
    return wish


def _wish_out(user: Any, wish_id: int) -> dict[str, Any]:
    row = readable_wishes(user).filter(pk=wish_id).values(*WISH_FIELDS, "id", "created_at")[0]
    return _wish_item(user, row)


def _check_claimer(wish: Wish, person: Person) -> None:
    """Giving back and fulfilling are the claimer's (the service checks again)."""
    if wishes.Actor.CLAIMER not in wishes.actor_kinds(wish, wishes.By(person=person)):
        raise NotAllowed(
            _("Only the member who claimed this wish, or a contact of its unit, may do this."),
            code="not_claimer",
        )


@router.get("/volunteers/wishes", response=responses({200: WishPage}))
def list_wishes(request: HttpRequest, filters: Query[WishQuery]) -> Any:
    """Micro-wishes, newest first, a page at a time. Party members, volunteers and units'
    contacts read the public fields of every wish on the walls (not withdrawn); staff read
    the wishes of the communities in their scope, with the person's name and a masked phone
    (`contact`; the console reveals the whole number, logged)."""
    user = caller_person(request)
    qs = readable_wishes(user)
    if filters.community is not None:
        qs = qs.filter(scope.paths_q([_place(filters.community).path], node_field="community"))
    if filters.state:
        qs = qs.filter(state=filters.state)
    rows, after = pagination.newest_first(
        qs, cursor=filters.cursor, limit=filters.limit, fields=WISH_FIELDS
    )
    return {"items": [_wish_item(user, r) for r in rows], "next": after}


@router.post("/volunteers/wishes/{wish_id}/claim", response=responses({200: WishItem}, 409))
def claim_wish(request: HttpRequest, wish_id: Id, body: ClaimIn) -> Any:
    """Claim a wish, for yourself or (`unit_id`) for a unit you are a contact of. 409
    already_claimed when someone was first."""
    user = caller_person(request)
    wish = _wish(user, wish_id)
    unit = None
    if body.unit_id is not None:
        unit = Organisation.objects.filter(pk=body.unit_id).first()
        if unit is None:
            raise NotAllowed(
                _("You may claim only for a unit you are a contact of."), code="not_unit_member"
            )
    wishes.wish_claim(wish=wish, by=wishes.By(person=caller_person(request)), unit=unit)
    return _wish_out(user, wish.pk)


@router.post("/volunteers/wishes/{wish_id}/release", response=responses({200: WishItem}, 409))
def release_wish(request: HttpRequest, wish_id: Id, body: ReleaseIn) -> Any:
    """Give back a wish you claimed: it waits for someone again."""
    user = caller_person(request)
    wish = _wish(user, wish_id)
    person = caller_person(request)
    _check_claimer(wish, person)
    wishes.wish_release(wish=wish, by=wishes.By(person=person), reason=body.reason)
    return _wish_out(user, wish.pk)


@router.post("/volunteers/wishes/{wish_id}/fulfil", response=responses({200: WishItem}, 409))
def fulfil_wish(
    request: HttpRequest,
    wish_id: Id,
    note: Annotated[Note, Form("")] = "",
    photo: File[UploadedFile | None] = None,
) -> Any:
    """Say how a wish you claimed was fulfilled (multipart/form-data: `note`, required, and
    optionally one `photo`, re-encoded without its metadata). The community's staff then
    confirm it."""
    user = caller_person(request)
    wish = _wish(user, wish_id)
    person = caller_person(request)
    _check_claimer(wish, person)
    wishes.wish_fulfil(wish=wish, by=wishes.By(person=person), note=note, photo=photo)
    return _wish_out(user, wish.pk)


# --- My record ------------------------------------------------------------------------------


def _tally(row: reports.ReportRow, period: reports.Period) -> dict[str, Any]:
    return {
        "period": period.key,
        "activities": row.activities,
        "hours": float(row.hours),
        "needs_resolved": row.needs_resolved,
        "wishes_fulfilled": row.wishes_fulfilled,
        "points": float(row.points),
    }


@router.get("/volunteers/me", response=responses({200: MeOut}))
def my_service(request: HttpRequest) -> Any:
    """Your home community, what you did this month and this year (activities attended,
    hours, needs resolved, wishes fulfilled, points), your stars and what the next star
    needs, and your teams."""

    who = caller_person(request)
    today = timezone.localdate()
    month, year = reports.Period(today.year, today.month), reports.Period(today.year)
    this_month = reports.member_report(who, month)
    this_year = reports.member_report(who, year)
    levels = points.star_levels()
    following = points.next_level(this_year.points, levels)
    home = registrations.home_community(who)
    mine = (
        Team.objects.filter(
            organisation_id__in=Membership.objects.filter(person=who).values("organisation_id")
        )
        .select_related("organisation")
        .order_by("id")
    )
    return {
        "person_id": who.pk,
        "name": who.name,
        "home_community": {"id": home.pk, "name": node_label(home)} if home else None,
        "this_month": _tally(this_month, month),
        "this_year": _tally(this_year, year),
        "stars": points.stars_for(this_year.points, levels),
        "next_level": (
            {"stars": following[0], "points_needed": float(following[1])} if following else None
        ),
        "teams": [{"id": t.pk, "name": t.label} for t in mine],
    }
