"""Open311 GeoReport v2 (docs/open311.md), a façade over the needs services and selectors.

Each view parses the request, calls the same service or selector the resident pages call and
serialises the answer; `endpoint` turns every failure into the spec's error document, in the
format asked for, so that no input a client can send ends in an HTML error page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.urls import resolve, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from civicgrid.core import ratelimit
from civicgrid.core.dbrouter import replica_reads
from civicgrid.core.errors import DomainError
from civicgrid.core.i18n import localised
from civicgrid.needs import publication
from civicgrid.needs.access import resident_category
from civicgrid.needs.forms_resident import category_groups
from civicgrid.needs.models import (
    OPEN_STATES,
    Category,
    CategoryQuestion,
    Need,
    NeedEvent,
    NeedPhoto,
    State,
)
from civicgrid.needs.services import normalise_number
from civicgrid.needs.tracking import tracking_url
from civicgrid.needs.words import EVENT_WORDS, STATE_WORDS
from civicgrid.open311 import formats, selectors, services
from civicgrid.open311.formats import XML
from civicgrid.open311.selectors import PublicRequest

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_REQUESTS = selectors.MAX_REQUESTS
WINDOW = dt.timedelta(days=90)  # the spec's default and largest date range
MAX_ECHO = 40  # characters of a client's input quoted back in an error
MAX_MEDIA_URL = 500

CODE_RE = re.compile(r"^[-A-Za-z0-9_]{1,40}$")  # Category.code is a slug of at most 40
NUMBER_RE = re.compile(r"^[A-Z0-9]{1,12}$")  # a tracking number, normalised
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
CJK_RE = re.compile(r"[\u3400-\u9fff]")
UNSAFE_RE = re.compile(r"[\x00-\x20\x7f]")

DATATYPES = {"text": "string", "number": "number", "choice": "singlevaluelist"}

# The mySociety extended statuses for the updates feed (they say more than open/closed).
EXTENDED_STATUS: dict[str, str] = {
    State.SUBMITTED: "open",
    State.ACCEPTED: "investigating",
    State.DISPATCHED: "action_scheduled",
    State.TAKEN: "action_scheduled",
    State.IN_PROGRESS: "in_progress",
    State.ESCALATED: "internal_referral",
    State.RESOLVED: "fixed",
    State.CLOSED: "closed",
    State.REJECTED: "no_further_action",
    State.WITHDRAWN: "closed",
    State.MERGED: "duplicate",
}


class Problem(Exception):
    """A request this API answers with the spec's error document."""

    def __init__(self, status: int, description: str, **headers: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers


def clip(text: str) -> str:
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…"


# --- The wrapper every endpoint goes through -------------------------------------------------


@contextlib.contextmanager
def language(request: HttpRequest) -> Iterator[str]:
    """`?locale=en` or `zh` chooses the language of names and messages; without it the
    Accept-Language header does (LocaleMiddleware), and Chinese is the default."""
    asked = request.GET.get("locale", "").lower()
    code = "en" if asked.startswith("en") else "zh-hans" if asked.startswith("zh") else None
    with translation.override(code) if code else contextlib.nullcontext():
        yield translation.get_language() or settings.LANGUAGE_CODE


def check_jurisdiction(request: HttpRequest) -> None:
    """One jurisdiction is served: jurisdiction_id is optional, and naming another is a 404,
    as the spec says for a jurisdiction that is not found."""
    given = request.GET.get("jurisdiction_id", "")
    if not given and request.method == "POST":
        given = request.POST.get("jurisdiction_id", "")
    given = given.strip()
    if given and given.lower() != settings.OPEN311_JURISDICTION.lower():
        raise Problem(
            404,
            _("jurisdiction_id “%(given)s” not found: this server serves only “%(ours)s”.")
            % {"given": clip(given), "ours": settings.OPEN311_JURISDICTION},
        )


View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    allowed = (*methods, "HEAD") if "GET" in methods else methods

    def wrap(view: View) -> View:
        @csrf_exempt  # POST is authenticated by its api_key, not by a session
        @functools.wraps(view)
        def run(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            fmt = fmt.lower()
            if fmt not in formats.FORMATS:
                return formats.errors(
                    XML,
                    400,
                    [
                        _("Unknown format “%(fmt)s”: end the address with .xml or .json.")
                        % {"fmt": clip(fmt)}
                    ],
                )
            if request.method not in allowed:
                response = formats.errors(
                    fmt,
                    405,
                    [_("%(method)s is not allowed here.") % {"method": request.method}],
                )
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                with language(request) as lang:
                    check_jurisdiction(request)
                    response = view(request, fmt, **kwargs)
                    response["Content-Language"] = lang
                    return response
            except Problem as problem:
                response = formats.errors(fmt, problem.status, [problem.description])
                for name, value in problem.headers.items():
                    response[name] = value
                return response
            except DomainError as exc:
                # The spec knows 400, 403 and 404; anything else the services refuse is a 400.
                status = exc.status if exc.status in (403, 404) else 400
                return formats.errors(fmt, status, [exc.message])
            except (SuspiciousOperation, MultiPartParserError):
                # Too large a body, too many fields, a broken multipart body: Django refuses
                # to parse it.
                return formats.errors(fmt, 400, [_("The request is too large or malformed.")])

        return run

    return wrap


@csrf_exempt
@csrf_exempt  # every Open311 view is: a POST is authenticated by its application's api_key
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Anything else under the prefix: the spec's 404, not an HTML page.

    A client that joins an endpoint given with a trailing slash to "/services.xml" asks for
    ".../v2//services.xml": the extra slashes are dropped and the resource answered."""
    if path.startswith("/") and path.strip("/"):
        match = resolve(reverse("open311:root") + path.lstrip("/"))
        if match.func is not not_found:
            return match.func(request, *match.args, **match.kwargs)
    fmt = formats.JSON if path.lower().endswith(".json") else XML
    return formats.errors(
        fmt, 404, [_("No such resource. Service Discovery lists them: discovery.xml")]
    )


@csrf_exempt
def root(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("open311:discovery", kwargs={"fmt": "xml"}))


# --- Parsing ----------------------------------------------------------------------------------


def csv(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def moment(params: QueryDict, name: str) -> dt.datetime | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    # A "+" left unencoded in a query string arrives as a space: "…T08:00:00 08:00".
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    try:
        value = parse_datetime(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise Problem(
            400,
            _(
                "%(name)s must be a date and time in ISO 8601 with a time zone, "
                "e.g. 2026-01-01T00:00:00+08:00 or 2026-01-01T00:00:00Z."
            )
            % {"name": name},
        )
    if not 1970 <= value.year <= 9000:  # also keeps time-zone arithmetic from overflowing
        raise Problem(400, _("%(name)s is out of range.") % {"name": name})
    return value


def window(params: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    """start_date and end_date per the spec: the last 90 days by default, a 90-day range from
    the one that is given, and never more than 90 days."""
    start, end = moment(params, "start_date"), moment(params, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if start > end:
        raise Problem(400, _("start_date is after end_date."))
    if end - start > WINDOW:
        raise Problem(400, _("The range from start_date to end_date may not exceed 90 days."))
    return start, end


def service_category(code: str) -> Category:
    """A kind of need residents may raise, by its service_code, or a 404."""
    if CODE_RE.match(code):
        try:
            return resident_category(code)
        except Http404:
            pass
    raise Problem(404, _("service_code “%(code)s” not found.") % {"code": clip(code)})


def coordinate(params: QueryDict, name: str, limit: float) -> float | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > limit:
        raise Problem(400, _("%(name)s must be a number of degrees (WGS84).") % {"name": name})
    return value


def point(params: QueryDict) -> tuple[float | None, float | None]:
    """lat and long, or neither. A report is never turned away for where it is: without a
    point (address_string or address_id only, FixMyStreet's #NOTPINPOINTED#, nothing) or
    outside every grid, it waits unplaced at the jurisdiction for a dispatcher to place it.
    We cannot geocode an address nor look up an address_id."""
    lat = coordinate(params, "lat", 90)
    lon = coordinate(params, "long", 180)
    if (lat is None) != (lon is None):
        raise Problem(400, _("Send both lat and long."))
    return lat, lon


def answers(params: QueryDict) -> dict[str, str]:
    """`attribute[code]=value` (and `attribute[code][]` repeated) as the answers to the
    category's questions; the intake service checks them and ignores unknown codes."""
    found: dict[str, str] = {}
    for field in params:
        match = ATTRIBUTE_RE.match(field)
        if match:
            values = params.getlist(field)
            found[match[1]] = ", ".join(values) if match[2] else values[-1]
    return found


def contact_name(params: QueryDict) -> str:
    first = params.get("first_name", "").strip()
    last = params.get("last_name", "").strip()
    if CJK_RE.search(first + last):
        return last + first  # a Chinese name: family name first, no space
    return " ".join(part for part in (first, last) if part)


def media_url(params: QueryDict) -> str:
    url = params.get("media_url", "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    # Control characters and spaces have no place in an address (and PostgreSQL cannot store
    # a NUL): such a "URL" is refused like any other that is not http or https.
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or UNSAFE_RE.search(url)
    ):
        raise Problem(400, _("media_url must be an http or https address."))
    if len(url) > MAX_MEDIA_URL:
        raise Problem(
            400, _("media_url may be at most %(max)d characters.") % {"max": MAX_MEDIA_URL}
        )
    return url


# --- Writing the answers ---------------------------------------------------------------------


def service_row(category: Category, group: Category | None, with_questions: set[int]) -> dict:
    other = category.name if category.label != category.name else category.name_en
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": category.hint,
        "metadata": category.pk in with_questions,
        "type": "realtime",
        "keywords": other,
        "group": group.label if group else None,
    }


DATATYPE_HELP = {
    "text": lambda: _("Text, at most 500 characters."),
    "number": lambda: _("A number, e.g. 3."),
    "choice": lambda: _("One of the values' keys."),
}


def attribute_row(question: CategoryQuestion, order: int) -> dict:
    choice = question.kind == "choice"
    return {
        "variable": True,
        "code": question.key,
        "datatype": DATATYPES.get(question.kind, "string"),
        "required": question.required,
        "datatype_description": DATATYPE_HELP.get(question.kind, DATATYPE_HELP["text"])(),
        "order": order,
        "description": question.text,
    } | (
        # Only lists have values: the key is left out for the others, never sent as null.
        {"values": [{"key": key, "name": name} for key, name in question.choice_options()]}
        if choice
        else {}
    )


def photo_url(request: HttpRequest, number: str, photo_id: int) -> str:
    return request.build_absolute_uri(reverse("resident:photo", args=[number, photo_id]))


class RequestWriter:
    """Needs as GeoReport `request`s: only what the publication rule allows
    (needs/publication.py), never the contact's phone, name or e-mail. What is the same for
    every row (the language, the zone, the words for states and actions) is looked up once,
    and every value is written as the JSON carries it (`formats.to_json(plain=True)`): ""
    as None, times in ISO 8601 in the site's zone."""

    def __init__(self, request: HttpRequest, params: Mapping[str, str]) -> None:
        self.request = request
        self.extensions = timeline_asked(params)
        self.language = translation.get_language()
        self.zone = timezone.get_current_timezone()
        self.time = formats.iso_times(self.zone)
        self.state_words = {state: str(words) for state, words in STATE_WORDS.items()}
        self.event_words = {action: str(words) for action, words in EVENT_WORDS.items()}

    def name(self, name: str, name_en: str) -> str | None:
        return localised(name, name_en, self.language) or None

    def row(self, row: PublicRequest) -> dict[str, Any]:
        # The row carries every field the publication rule reads of a Need and NeedEvent.
        need = cast(Need, row)
        events = cast(list[NeedEvent], row.public_events)  # read for published needs only
        is_open = need.state in OPEN_STATES
        # The last change of state for a closed need, else the last public entry.
        changed, grew = need.public_changed_at, need.public_updated_at
        updated = (changed if not is_open and changed else grew) or need.created_at
        photos = publication.public_photos(need, events, cast(list[NeedPhoto], row.photos))
        lat, lon = publication.public_point(need)
        last_note = publication.public_status_note(need)
        media = (
            photo_url(self.request, need.number, photos[0].pk)
            if photos
            else row.media_urls[0]
            if row.media_urls
            else None
        )
        answer: dict[str, Any] = {
            "service_request_id": need.number,
            "status": "open" if is_open else "closed",
            "status_notes": last_note or self.state_words.get(need.state) or None,
            "service_name": self.name(need.category.name, need.category.name_en),
            "service_code": need.category.code or None,
            "description": publication.public_description(need) or None,
            "agency_responsible": row.agency or None,
            "service_notice": None,
            "requested_datetime": self.time(need.created_at),
            "updated_datetime": self.time(updated),
            "expected_datetime": self.time(need.resolve_due),
            "address": publication.public_address(need)
            or self.name(need.node.name, need.node.name_en),
            "address_id": None,
            "zipcode": None,
            "lat": lat,
            "long": lon,
            "media_url": media or None,
        }
        if self.extensions:
            answer["extended_attributes"] = self.extended(row, is_open)
        return answer

    def extended(self, row: PublicRequest, is_open: bool) -> dict[str, Any]:
        need = cast(Need, row)
        return {
            "state": need.state or None,
            "state_name": str(State(need.state).label) or None,
            "priority": need.priority or None,
            "channel": need.channel or None,
            "response_deadline": self.time(need.response_due),
            "resolve_deadline": self.time(need.resolve_due),
            "responded_datetime": self.time(need.responded_at),
            "resolved_datetime": self.time(need.resolved_at),
            "overdue": need.overdue_at is not None and is_open,
            "merged_into": row.merged_into_number or None,
            "timeline": [
                {
                    "datetime": self.time(e.created_at),
                    "action": e.action or None,
                    "title": self.event_words.get(e.action, e.action) or None,
                    "from_state": e.from_state or None,
                    "to_state": e.to_state or None,
                    "note": publication.public_note(e, need) or None,
                }
                for e in cast(list[NeedEvent], row.public_events)
            ],
        }


def timeline_asked(params: Mapping[str, str]) -> bool:
    return params.get("extensions", "").lower() == "true"


def requests_answer(
    request: HttpRequest, fmt: str, rows: list[PublicRequest], params: Mapping[str, str]
) -> HttpResponse:
    writer = RequestWriter(request, params)
    answer = [writer.row(need) for need in rows]
    return formats.render(fmt, "service_requests", answer, plain=True)


# --- Endpoints --------------------------------------------------------------------------------


@endpoint("GET")
@replica_reads()
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = selectors.services_changed().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = {
        "changeset": changeset,
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                # Without the trailing slash: clients add "/services.xml" to it.
                "url": request.build_absolute_uri(reverse("open311:root")).rstrip("/"),
                "changeset": changeset,
                "type": "test" if settings.DEMO_MODE or settings.DEBUG else "production",
                "formats": [formats.CONTENT_TYPES[XML].split(";")[0], "application/json"],
            }
        ],
    }
    return formats.render(fmt, "discovery", data)


@endpoint("GET")
@replica_reads()
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    with_questions = set(CategoryQuestion.objects.values_list("category_id", flat=True))
    rows = [
        service_row(category, group.parent, with_questions)
        for group in category_groups()
        for category in group.categories
    ]
    return formats.render(fmt, "services", rows)


@endpoint("GET")
@replica_reads()
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = service_category(code)
    attributes = [attribute_row(q, i) for i, q in enumerate(category.questions.all(), start=1)]
    data = {"service_code": category.code, "attributes": attributes}
    return formats.render(fmt, "service_definition", data)


@endpoint("GET", "POST")
@replica_reads()
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return create_request(request, fmt)
    params = request.GET
    needs = selectors.public_requests()
    ids = csv(params.get("service_request_id"))
    if ids:
        # The spec: a list of ids overrides every other argument.
        if len(ids) > MAX_REQUESTS:
            raise Problem(
                400,
                _("Ask for at most %(max)d service_request_id values.") % {"max": MAX_REQUESTS},
            )
        numbers = [n for n in map(normalise_number, ids) if NUMBER_RE.match(n)]
        needs = needs.filter(number__in=numbers)
    else:
        codes = csv(params.get("service_code"))
        start, end = window(params)
        statuses = {s.lower() for s in csv(params.get("status"))}
        if statuses - {"open", "closed"}:
            raise Problem(400, _("status must be open, closed, or both separated by a comma."))
        if not codes and statuses in (set(), {"open", "closed"}):
            rows = selectors.read_window(
                start, end, most=MAX_REQUESTS, timeline=timeline_asked(params)
            )
            return requests_answer(request, fmt, rows, params)
        if codes:
            needs = needs.filter(category__code__in=[c for c in codes if CODE_RE.match(c)])
        needs = needs.filter(created_at__gte=start, created_at__lte=end)
        if statuses == {"open"}:
            needs = needs.open()
        elif statuses == {"closed"}:
            needs = needs.exclude(state__in=OPEN_STATES)
    needs = needs.order_by("-created_at", "-id")[:MAX_REQUESTS]
    rows = selectors.read_requests(needs, timeline=timeline_asked(params))
    return requests_answer(request, fmt, rows, params)


def create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    wait = ratelimit.hit(
        "open311-post",
        ratelimit.client_ip(request),
        limit=settings.OPEN311_POST_LIMIT,
        per=settings.OPEN311_POST_WINDOW,
    )
    if wait:
        raise Problem(
            429,
            _("Too many requests from this address: try again in %(s)d seconds.") % {"s": wait},
            **{"Retry-After": str(wait)},
        )
    params = request.POST
    key = params.get("api_key") or request.GET.get("api_key")
    if services.application_for_key(key) is None:
        raise Problem(403, _("Invalid api_key received -- can't proceed with create_request."))
    code = params.get("service_code", "").strip()
    if not code:
        raise Problem(400, _("service_code is required: GET services.xml lists them."))
    category = service_category(code)
    lat, lon = point(params)
    need = services.request_create(
        category=category,
        description=params.get("description", ""),
        lat=lat,
        lon=lon,
        address=params.get("address_string", ""),
        answers=answers(params),
        contact_phone=params.get("phone", ""),
        contact_name=contact_name(params),
        contact_email=params.get("email", ""),
        media_url=media_url(params),
    )
    due = timezone.localtime(need.response_due) if need.response_due else None
    notice = _("Received as %(number)s; follow it at %(url)s.") % {
        "number": need.number,
        "url": request.build_absolute_uri(tracking_url(need.number)),
    }
    if due:
        notice += " " + _("The community will respond by %(due)s.") % {
            "due": due.strftime("%Y-%m-%d %H:%M")
        }
    row = {
        "service_request_id": need.number,
        "service_notice": notice,
        "account_id": clip(params.get("account_id", "").strip()) or None,
    }
    return formats.render(fmt, "service_requests", [row])


@endpoint("GET")
@replica_reads()
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    number = normalise_number(request_id)
    found = NUMBER_RE.match(number)
    row = selectors.read_request(number, timeline=timeline_asked(request.GET)) if found else None
    if row is None:
        raise Problem(404, _("service_request_id “%(id)s” not found.") % {"id": clip(request_id)})
    return requests_answer(request, fmt, [row], request.GET)


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    # POST creates every request at once and answers with its id, so no token ever exists.
    raise Problem(
        404,
        _("token “%(token)s” not found: this server never issues tokens.") % {"token": clip(token)},
    )


@endpoint("GET")
@replica_reads()
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """The mySociety extension: public timeline entries between start_date and end_date."""
    start, end = window(request.GET)
    rows = []
    for event in selectors.public_updates(start, end)[:MAX_REQUESTS]:
        state = event.to_state or getattr(event, "state_before", "") or ""
        need = event.need
        photos = publication.event_photos(event, need, event.photos.all())
        rows.append(
            {
                "update_id": str(event.pk),
                "service_request_id": event.need.number,
                "status": "reopen"
                if event.action == "reopen"
                else EXTENDED_STATUS.get(state, "open"),
                "updated_datetime": event.created_at,
                "description": publication.public_note(event, need)
                or str(EVENT_WORDS.get(event.action, event.action)),
                "media_url": photo_url(request, event.need.number, photos[0].pk)
                if photos
                else None,
                "external_status_code": state,
            }
        )
    return formats.render(fmt, "service_request_updates", rows)
