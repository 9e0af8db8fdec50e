"""No write for those who may not write, proven by walking every URL pattern and every REST
operation (extends the walk of test_access.py).

Two people try every state-changing request of the project, with the objects of town A in the
URL and in the body:

- a read-only leader (Role.LEADER over the whole banner: sight, no change), logged in, and
  with an API token;
- a resident's account (a Person whose only role is Role.RESIDENT), logged in, and with a
  token (a token a resident should never have been given: refused all the same).

Every URL pattern is sent POST, PUT, PATCH and DELETE; every operation of the REST API's
OpenAPI document that is not a GET is sent with a body its schema accepts, so that the request
reaches the view. Each answer must be a refusal (401, 403, 404, 405, or a redirect to a login
page), never a success, and no row may be written (needs, events, photos, people, roles,
places). A pattern or an operation that lets them through fails the walk unless it is listed
below with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client

from civicgrid.api.api import api
from civicgrid.api.models import ApiToken
from civicgrid.api.services import token_hash
from civicgrid.core.tests.test_access import (
    ADMIN_PREFIX,
    LOGIN_PATHS,
    PATTERNS,
    PUBLIC,
    Towns,
    _committee_ids,
    _services_ids,
    api_body,
    make_towns,
    new_app,
    post_data,
    small_jpeg,
    snapshot,
    url_of,
)
from civicgrid.network.models import Person, Role
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
API_PREFIX = "api/v1/"
OPEN311_PREFIX = settings.OPEN311_PREFIX
REFUSED = (401, 403, 404, 405)

# Writes open to anyone by design, tested where they live; a person's account adds no right
# to them (the resident page raises as a resident, with the resident page's categories).
OPEN_WRITES: dict[str, str] = {
    "resident:raise": "anyone raises a need as a resident (needs/tests/test_resident_views.py)",
    "resident:track": "owner actions need the tracking key (needs/tests/test_resident_views.py; "
    "stop and answer: outreach/tests/test_tracking_page.py)",
    "resident:find_by_phone": "anyone asks for a code; only the code lists needs "
    "(needs/tests/test_find_by_phone.py)",
    "serve:register": "any logged-in person asks to register with a community, for themselves "
    "only; the community's staff decide (volunteers/tests/test_registrations.py)",
    # The issue-20 apps' resident intake: no account by design; an account adds no right.
    "liaison_public:write_to_representative": "anyone leaves a message for a published "
    "representative (liaison/tests/test_pages.py)",
    "liaison_public:write_to_station": "anyone leaves a message for an active station "
    "(liaison/tests/test_pages.py)",
    "liaison_public:track": "closing or withdrawing a message needs its keyed tracking link "
    "(liaison/tests/test_pages.py)",
    "mailbox_public:propose": "anyone proposes, once a texted code proves the phone "
    "(mailbox/tests/test_pages.py)",
    "mailbox_public:proposal": "anyone supports a published proposal, once a texted code "
    "proves the phone; one support per phone (mailbox/tests/test_supports.py)",
    "reviews_public:review": "anyone reviews a department, once a texted code proves the "
    "phone; one answer per phone (reviews/tests/test_responses.py)",
    "butler_public:raise": "an enterprise's contact raises a matter by the project's keyed "
    "link, with a phone on its contact list (butler/tests/test_matters.py)",
}

# Answers that are not refusals and write no data, with the reason.
NO_DATA: dict[str, str] = {
    "healthz": "the health check answers any method and writes nothing",
    "set_language": "stores the chosen language in a cookie",
    "elder": "stores the choice of elder mode in a cookie",
    "console:login": "a login attempt (throttled; core/tests/test_login_throttle.py)",
    "console:logout": "logs the caller out",
    "admin:login": "the admin's login page (a leader is no admin)",
    "admin:logout": "logs the caller out",
    # The caller's own inbox and tokens: theirs to manage, nothing of anyone else's.
    "inbox:read_all": "marks the caller's own notifications read",
    "inbox:open": "opens one of the caller's own notifications",
    "tokens:list": "the caller's own tokens (who may hold one: api/tests/test_tokens.py)",
    "tokens:revoke": "revokes one of the caller's own tokens",
    "api:read_all": "marks the caller's own notifications read",
    "api:read_one": "marks one of the caller's own notifications read",
    # Reading is what a leader does; a reveal is a read, logged (privacy/tests/test_masking.py).
    "needs:phone": "reveals a phone to whoever may see the need, logged",
    "api:reveal_phone": "reveals a phone to whoever may see the need, logged",
}


def answers_like_a_read(key: str, route: str) -> bool:
    """Pages whose views treat any method as GET: public pages (PUBLIC in test_access, but
    never the admin's), Open311's (its POST needs an application's key: tested below) and
    the console's read-only pages listed here. They must still write nothing."""
    if route.startswith(ADMIN_PREFIX) and key not in PUBLIC:
        return False
    return key in PUBLIC or key in CONSOLE_READS or route.startswith(OPEN311_PREFIX)


CONSOLE_READS = {
    "needs:list",
    "needs:detail",
    "needs:questions",
    "needs:posters",
    "needs:photo",
    "inbox:list",
    "console:home",
    "console:network",
    "console:node",
    "console:node_children",
    "console:map",
    "console:grids_geojson",
    "dashboard:index",
    "dashboard:data",
    "dashboard:report",
    "ledgers:needs",
    "ledgers:proactive",
    "ledgers:kpis",
    "ledgers:activities",
    "privacy:requests",
}

COUNTED = (
    "needs.Need",
    "needs.NeedEvent",
    "needs.NeedPhoto",
    "network.Node",
    "network.Person",
    "network.RoleBinding",
    "network.Organisation",
    "network.Membership",
    "needs.Category",
    # Joint committees: every record a write would leave.
    "committees.CommitteeEvent",
    "committees.Task",
    "committees.Pledge",
    "committees.Goal",
    "committees.ListedNeed",
    "committees.Meeting",
    "committees.MeetingSeries",
    "committees.AgendaItem",
    "committees.Attendance",
    "committees.Consultation",
    "committees.Contribution",
    "committees.Decision",
    "committees.Assessment",
    "committees.PeerScore",
    # Services close to home: every record a write would leave.
    "services.Service",
    "services.OpeningHours",
    "services.Booking",
    "services.Room",
    "services.RoomBooking",
    "services.ServiceEvent",
    "services.Station",
    "services.DutyShift",
    "services.DutyChange",
    # Care: every record a write would leave.
    "care.CaredPerson",
    "care.CareMark",
    "care.Household",
    "care.MealPoint",
    "care.AgeBand",
    "care.Menu",
    "care.Dish",
    "care.MealOrder",
    "care.DeliveryRun",
    "care.DeliveryRoute",
    "care.Delivery",
    "care.CardKind",
    "care.PartnerShop",
    "care.Card",
    "care.Redemption",
    "care.Reconciliation",
    "care.FraudFlag",
    "care.VisitPlan",
    "care.CareVisit",
    "care.CareEvent",
    # Representatives: every record a write would leave.
    "representatives.Representative",
    "representatives.LiaisonStation",
    "representatives.ReceptionTime",
    "representatives.Reception",
    "representatives.ReceptionMatter",
    "representatives.ReceptionChange",
    # 码上找代表: messages, their events, the texts to residents.
    "liaison.Message",
    "liaison.MessageEvent",
    "liaison.ResidentText",
    # The subdistrict's mailbox.
    "mailbox.Mailbox",
    "mailbox.Call",
    "mailbox.Proposal",
    "mailbox.Support",
    "mailbox.LivelihoodProject",
    "mailbox.Milestone",
    "mailbox.MailboxEvent",
    "mailbox.ProposerNotice",
    # Department reviews.
    "reviews.Round",
    "reviews.Question",
    "reviews.Department",
    "reviews.Response",
    "reviews.Answer",
    "reviews.ReviewEvent",
    # The project butler.
    "butler.Project",
    "butler.TeamMember",
    "butler.Contact",
    "butler.ProjectEvent",
    "butler.Milestone",
    "butler.Visit",
    "butler.Matter",
)


def rows() -> dict[str, int]:
    """Each watched table's row count, in one statement (the walk asks after every request)."""
    tables = [apps.get_model(label)._meta.db_table for label in COUNTED]
    quote = connection.ops.quote_name
    # The names are the models' own tables, quoted: nothing here comes from input.
    counts_of = ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)  # noqa: S608
    sql = f"SELECT {counts_of}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = cursor.fetchone()
    return dict(zip(COUNTED, counts, strict=True))


def bearer(person: Person) -> str:
    """A token made directly, as one issued before the rule on who may hold one would be."""
    plain = f"cg_w{person.pk:07d}_{'s' * 32}"
    prefix = plain.split("_")[1]
    ApiToken.objects.create(person=person, name="walk", prefix=prefix, token_hash=token_hash(plain))
    return plain


@dataclass
class Caller:
    label: str
    person: Person
    session: Client
    token: Client


@pytest.fixture
def towns() -> Towns:
    return make_towns()


def callers(t: Towns) -> list[Caller]:
    leader = netf.person("walk leader", roles=[(Role.LEADER, t.nodes["banner"])])
    resident = netf.person("walk resident", roles=[(Role.RESIDENT, t.nodes["gridA"])])
    found = []
    for label, person in (("leader", leader), ("resident", resident)):
        session = Client()
        session.force_login(person)
        token = Client(headers={"authorization": f"Bearer {bearer(person)}"})
        found.append(Caller(label, person, session, token))
    return found


def refused(response: Any) -> bool:
    if response.status_code in REFUSED:
        return True
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PATHS)


def test_no_url_pattern_lets_a_leader_or_a_resident_account_write(towns: Towns):
    people = callers(towns)
    before, town_a = rows(), snapshot(towns)
    walked = 0
    for caller in people:
        for p in PATTERNS:
            if p.key in OPEN_WRITES or p.route.startswith(API_PREFIX):
                continue  # the REST API: every operation is walked from its OpenAPI document
            url = url_of(p, towns)
            client = caller.session
            for method in WRITE_METHODS:
                cache.clear()  # rate limits: each request is judged on its own
                if method == "post":
                    response = client.post(url, post_data(towns))
                else:
                    response = getattr(client, method)(url, "", content_type="application/json")
                where = f"{caller.label} {method.upper()} {url} ({p.key})"
                assert response.status_code < 500, f"{where}: {response.status_code}"
                if p.key not in NO_DATA and not answers_like_a_read(p.key, p.route):
                    assert refused(response), f"{where}: {response.status_code}"
                assert rows() == before, f"{where} wrote a row"
                walked += 1
    assert walked > 800
    assert snapshot(towns) == town_a


def operations() -> Iterator[tuple[str, str, str]]:
    """(method, path, operation id) of every REST operation that is not a read."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in WRITE_METHODS:
                yield method, path, operation["operationId"]


def operation_url(path: str, t: Towns) -> str:
    values = {
        "number": t.need_a.number,
        # A need's move; the services' records' routes accept their own moves.
        "action": (
            "confirm"
            if path.startswith("/api/v1/appointments/")
            else "approve"
            if path.startswith("/api/v1/room-bookings/")
            else "accept"
        ),
        "photo_id": t.photo_a.pk,
        "notification_id": t.notification_a.pk,
        "node_id": t.nodes["commA"].pk,
        **_serve_values(t),
        **_committee_ids(t),
        **_services_ids(t),
    }
    app = new_app("", path)
    if app is not None:
        # The app's own objects: a liaison station, a message's number, a project of the mailbox
        # or of the butler (the services' stations and needs' numbers elsewhere).
        values.update(t.ids[app])
    url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    assert "{" not in url, url
    return url


def _serve_values(t: Towns) -> dict[str, int]:
    """Town A's activity, team and wish (people who serve), made by `make_towns`."""
    from civicgrid.volunteers.models import Activity, Team, Wish

    at = t.nodes["commA"]
    return {
        "activity_id": Activity.objects.filter(node=at).values_list("pk", flat=True)[0],
        "team_id": Team.objects.filter(organisation__node=at).values_list("pk", flat=True)[0],
        "wish_id": Wish.objects.filter(community=at).values_list("pk", flat=True)[0],
    }


def operation_body(operation_id: str, t: Towns) -> dict[str, Any]:
    """A body the operation's schema accepts, aimed at town A, so that the view is reached
    (a 422 from the schema would prove nothing)."""
    if operation_id == "create_need":
        return {
            "json": {
                "category": "roads",
                "description": "walk",
                "node": t.nodes["gridA"].pk,
                "channel": "api",
                "contact_phone": "13955556666",
                "answers": {"passable": "no"},
            }
        }
    if operation_id == "add_photos":
        return {"multipart": {"text": "walk", "photos": [small_jpeg()]}}
    if operation_id == "create_appointment":
        # Town A's workshop's next free slot: a booking would be written if nothing refused it.
        from civicgrid.services import slots
        from civicgrid.services.models import Service

        service = Service.objects.get(pk=_services_ids(t)["service_id"])
        day = dt.date.today() + dt.timedelta(days=3)
        start = next(s for s in slots.slots_on(service, day) if s.free).starts_at
        return {
            "json": {
                "service": service.pk,
                "starts_at": start.isoformat(),
                "mode": "door",
                "resident_name": "walk",
                "resident_phone": "13955556666",
                "address": "walk",
            }
        }
    if operation_id == "set_service_hours":
        return {"json": {"hours": [{"weekday": 0, "starts": "09:00", "ends": "10:00"}]}}
    if operation_id == "create_room_booking":
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=4)
        return {
            "json": {
                "starts_at": start.isoformat(),
                "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
                "title": "walk",
            }
        }
    issue_20 = api_body(operation_id, t)  # the new apps' writes (create_reception …)
    if issue_20 is not None:
        return {"json": issue_20}
    return {"json": {"reason": "walk"}}


def send_operation(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    if "multipart" in body:
        return client.post(url, body["multipart"])
    return getattr(client, method)(url, body["json"], content_type="application/json")


# Operations that are not refused, and why (both write no data; NO_DATA says the same).
PERSONAL = {"read_all", "read_one"}  # the caller's own notifications
SIGHT = {"reveal_phone"}  # a logged reveal, to whoever may see the need: the leader
# Public intake, open to anyone by design, as the resident pages in OPEN_WRITES (create_need
# is walked: the API raises as the caller, so an account there is refused): an account adds
# no right to these, and nothing is refused to anyone, so they are tested where they live.
OPEN_OPERATIONS: dict[str, str] = {
    "create_message": "anyone leaves a message for a representative or a station, rate-limited "
    "per address (liaison/tests/test_api.py)",
    "send_support_code": "texts a code to the phone that supports a proposal (rate-limited; "
    "mailbox/tests/test_api.py)",
    "create_support": "one support per phone, with the texted code (mailbox/tests/test_api.py)",
    "send_review_code": "texts a code to the phone that reviews (rate-limited; "
    "reviews/tests/test_api.py)",
    "create_review_response": "one review per phone and department, with the texted code "
    "(reviews/tests/test_api.py)",
    "create_matter_by_contact": "an enterprise's contact raises a matter with the project's QR "
    "key and a contact phone (butler/tests/test_api.py)",
}


@pytest.mark.parametrize("hidden", [False, True], ids=["roads", "petitions"])
def test_no_rest_operation_lets_a_leader_or_a_resident_account_write(towns: Towns, hidden: bool):
    people = callers(towns)
    before, town_a = rows(), snapshot(towns)
    tried = 0
    for caller in people:
        for method, path, operation_id in operations():
            if operation_id in OPEN_OPERATIONS:
                continue
            url = operation_url(path, towns)
            body = operation_body(operation_id, towns)
            if hidden and "json" in body and "category" in body["json"]:
                body["json"]["category"] = "petitions"
            for client, how in ((caller.token, "token"), (caller.session, "session")):
                cache.clear()
                response = send_operation(client, method, url, body)
                where = f"{caller.label} ({how}) {method.upper()} {url} ({operation_id})"
                assert response.status_code != 422, f"{where}: the body did not reach the view"
                allowed = operation_id in PERSONAL or (
                    caller.label == "leader" and operation_id in SIGHT
                )
                if not allowed:
                    assert response.status_code in REFUSED, (
                        f"{where}: {response.status_code} {response.content[:200]!r}"
                    )
                assert rows() == before, f"{where} wrote a row"
                tried += 1
    assert {op for _m, _p, op in operations()} >= {"create_need", "act_on_need", "add_photos"}
    assert tried >= 20
    assert snapshot(towns) == town_a


def test_open311_posts_nothing_for_a_person_without_an_application_key(towns: Towns):
    people = callers(towns)
    before = rows()
    for caller in people:
        for fmt in ("json", "xml"):
            response = caller.session.post(
                f"/open311/v2/requests.{fmt}",
                {
                    "service_code": "roads",
                    "description": "walk",
                    "lat": "0.5",
                    "long": "0.5",
                    "phone": "13955556666",
                },
            )
            assert response.status_code in (401, 403), (caller.label, fmt, response.status_code)
    assert rows() == before


def test_the_walk_is_not_vacuous_a_dispatcher_does_write(towns: Towns):
    """The same requests from staff who may write do write: the refusals above are the
    access rule's, not a broken request."""
    client = Client(headers={"authorization": f"Bearer {bearer(towns.staff_a)}"})
    need = towns.need_a.number
    body = operation_body("create_need", towns)["json"]
    assert client.post("/api/v1/needs", body, content_type="application/json").status_code == 201
    photos = client.post(f"/api/v1/needs/{need}/photos", {"text": "walk", "photos": [small_jpeg()]})
    assert photos.status_code == 201, photos.content
    session = Client()
    session.force_login(towns.staff_a)
    assert session.post(f"/console/needs/{need}/comment/", {"text": "walk"}).status_code == 302
