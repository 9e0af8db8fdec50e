"""Every list read costs the same number of queries however many items it shows (issue 13):
a query per row would not show on a test's few needs, and would on a city's thousand."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from civicgrid.api import services as api_services
from civicgrid.needs import services, workflow
from civicgrid.needs.selectors import forget_inbox_counts
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (90, 90, 90)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def more(w: nf.World) -> None:
    """One of each kind of row a list shows: plain, published with a photo, dispatched to a
    unit and to a person, answered with a public reply, merged, anonymous."""
    by = workflow.By(w.dispatcher)
    nf.raise_need(w)
    services.need_publish(need=nf.raise_need(w, photos=[jpeg()]), by=by)
    accepted = workflow.need_accept(need=nf.raise_need(w), by=by, reason="收到", public=True)
    workflow.need_dispatch(need=accepted, by=by, to=w.unit)
    workflow.need_dispatch(
        need=workflow.need_accept(need=nf.raise_need(w), by=by), by=by, to=w.handler
    )
    workflow.need_merge(need=nf.raise_need(w), by=by, into=nf.raise_need(w))
    nf.raise_need(w, anonymous=True)


def reads(w: nf.World) -> dict[str, Callable[[], object]]:
    staff = Client()
    staff.force_login(w.dispatcher)
    _row, token = api_services.token_create(person=w.dispatcher, name="queries")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    public = Client()
    return {
        "Open311 list (JSON)": lambda: public.get("/open311/v2/requests.json"),
        "Open311 list (XML, extensions)": lambda: public.get(
            "/open311/v2/requests.xml", {"extensions": "true"}
        ),
        "Open311 updates": lambda: public.get("/open311/v2/servicerequestupdates.json"),
        "REST list": lambda: public.get("/api/v1/needs", {"limit": 100}, **bearer),
        "console list, all": lambda: staff.get("/console/needs/", {"tab": "all"}),
        "console list, to dispatch": lambda: staff.get("/console/needs/", {"tab": "to_dispatch"}),
    }


def queries(read: Callable[[], object]) -> int:
    forget_inbox_counts()  # each read counted cold: the console keeps its tab counts a moment
    with CaptureQueriesContext(connection) as ctx:
        response = read()
    assert response.status_code == 200, response.content[:300]  # type: ignore[attr-defined]
    return len(ctx.captured_queries)


def test_no_list_read_costs_a_query_per_item():
    w = nf.world()
    more(w)
    lists = reads(w)
    for read in lists.values():
        read()  # what only a first call does (the token's first use is written down)
    few = {name: queries(read) for name, read in lists.items()}
    for _ in range(3):
        more(w)
    many = {name: queries(read) for name, read in lists.items()}
    assert many == few


# --- The modules of issue 20: each on its own tests' world, its lists read few and many -------


def assert_lists_do_not_grow(lists: dict[str, Callable[[], object]], add: Callable[[], None]):
    """One of each kind of row first (an empty list reads less), then three times as many."""
    add()
    for read in lists.values():
        read()  # what only a first call does
    few = {name: queries(read) for name, read in lists.items()}
    for _ in range(3):
        add()
    many = {name: queries(read) for name, read in lists.items()}
    assert many == few


def logged_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_representatives_lists_do_not_grow():
    from civicgrid.representatives import services as reps
    from civicgrid.representatives.models import Body, Level, StationKind
    from civicgrid.representatives.tests import factories as rf

    r = rf.reps()
    w = r.w
    made = iter(range(1000))

    def add() -> None:
        n = next(made)
        station = reps.station_save(
            by=w.dispatcher,
            node=w.t["comm1"],
            kind=StationKind.STATION,
            name=f"联络站{n}",
            address=f"{n}号",
            staff=[w.dispatcher],
        )
        for body, level, node in (
            (Body.PEOPLES_CONGRESS, Level.BANNER, w.t["banner"]),
            (Body.PARTY_CONGRESS, Level.TOWN, w.t["town1"]),
        ):
            rep = reps.representative_save(
                by=w.dispatcher,
                person=rf.rep_person(f"代表{n}{level}", w.t["comm1"]),
                body=body,
                level=level,
                node=node,
                constituency=[w.t["comm1"]],
                station=station,
                title="教师",
            )
        day = timezone.localdate() - dt.timedelta(days=1 + n)
        rf.held(r, day=day, reps_present=[rep, r.deputy], matters=("路灯", "垃圾"))
        rf.held(r, day=day, station=station, reps_present=[rep], matters=("停车",))

    staff = logged_in(w.dispatcher)
    public = Client()
    assert_lists_do_not_grow(
        {
            "representatives:home": lambda: staff.get(reverse("representatives:home")),
            "representatives:receptions": lambda: staff.get(reverse("representatives:receptions")),
            "representatives_public:place (town)": lambda: public.get(
                reverse("representatives_public:place", args=[w.t["town1"].pk])
            ),
            "representatives_public:place (community)": lambda: public.get(
                reverse("representatives_public:place", args=[w.t["comm1"].pk])
            ),
        },
        add,
    )


def test_the_liaison_inbox_does_not_grow():
    from civicgrid.liaison import workflow as liaison
    from civicgrid.liaison.models import MessageKind
    from civicgrid.liaison.tests import factories as lf
    from civicgrid.representatives.tests import factories as rf

    lw = lf.liaison_world()

    def add() -> None:
        lf.message(lw, now=None)
        lf.message(lw, now=None, kind=MessageKind.QUESTION, name="", phone="")
        answered = lf.message(lw, to_station=True, now=None)
        liaison.message_answer(by=lw.station_staff, message=answered, answer="已处理")
        referred = lf.message(lw, now=None, kind=MessageKind.PROBLEM)
        liaison.message_refer(by=lw.rep_person, message=referred, category=rf.category())

    inbox = reverse("liaison:inbox")
    rep, station, staff = (logged_in(p) for p in (lw.rep_person, lw.station_staff, lw.w.dispatcher))
    assert_lists_do_not_grow(
        {
            "liaison:inbox (the representative)": lambda: rep.get(inbox),
            "liaison:inbox (the station's staff)": lambda: station.get(inbox),
            "liaison:inbox (community staff)": lambda: staff.get(inbox),
            "liaison:inbox, all": lambda: staff.get(inbox, {"show": "all"}),
        },
        add,
    )


def test_the_mailbox_lists_do_not_grow():
    from civicgrid.core.hashing import phone_digest
    from civicgrid.mailbox.models import LivelihoodProject, ProposalState, Support
    from civicgrid.mailbox.tests import factories as f

    mw = f.mworld()
    made = iter(range(1000))

    def add() -> None:
        n = next(made)
        published = f.proposal(mw, state=ProposalState.PUBLISHED)
        Support.objects.create(
            proposal=published,
            phone_digest=phone_digest(f"1391111{n:04d}"),
            created_at=timezone.now(),
        )
        f.proposal(mw)
        f.proposal(mw, state=ProposalState.MERGED)
        f.proposal(mw, state=ProposalState.DECLINED)
        chosen = f.proposal(mw, state=ProposalState.SELECTED)
        LivelihoodProject.objects.create(
            proposal=chosen,
            title=chosen.title,
            planned_finish=timezone.localdate(),
            created_at=timezone.now(),
        )

    staff = logged_in(mw.w.town_staff)
    public = Client()
    proposals = reverse("mailbox:proposals", args=[mw.mailbox.pk])
    assert_lists_do_not_grow(
        {
            "mailbox:proposals": lambda: staff.get(proposals),
            "mailbox:proposals, published": lambda: staff.get(proposals, {"state": "published"}),
            "mailbox_public:landing": lambda: public.get(
                reverse("mailbox_public:landing", args=[mw.w.t["town1"].pk])
            ),
        },
        add,
    )


def test_the_reviews_lists_do_not_grow():
    from civicgrid.reviews import services as reviews
    from civicgrid.reviews.tests import factories as rf

    rv = rf.opened()
    made = iter(range(1000))

    def add() -> None:
        n = next(made)
        rf.draft(rv.w)
        rf.respond(rv, phone=f"1381111{n:04d}", comment=f"意见{n}")
        rf.respond(rv, phone=f"1381111{n:04d}", department=rv.other, score=2, choice="o2")
        reviews.comment_mark(
            by=rv.w.town_staff,
            answer=rv.comment.answers.exclude(comment="").order_by("-pk").first(),
            public=True,
        )

    staff = logged_in(rv.w.town_staff)
    assert_lists_do_not_grow(
        {
            "reviews:rounds": lambda: staff.get(reverse("reviews:rounds")),
            "reviews:results": lambda: staff.get(reverse("reviews:results", args=[rv.round.pk])),
        },
        add,
    )


def test_the_butler_lists_do_not_grow():
    from civicgrid.butler import projects
    from civicgrid.butler.models import MatterKind
    from civicgrid.butler.tests import factories as bf

    b = bf.butler_world()
    w = b.w
    made = iter(range(1000))

    def add() -> None:
        n = next(made)
        project = projects.project_create(
            by=w.dispatcher,
            enterprise=bf.enterprise(w, f"企业{n}"),
            name=f"项目{n}",
            node=w.t["comm1"],
            investment=1000,
        )
        projects.team_add(by=w.dispatcher, project=project, role="cadre", person=b.cadre)
        bf.raise_by_qr(b, text=f"审批{n}")
        bf.raise_by_qr(b, text=f"用地{n}", kind=MatterKind.PROBLEM)

    staff, cadre = logged_in(w.dispatcher), logged_in(b.cadre)
    assert_lists_do_not_grow(
        {
            "butler:home": lambda: staff.get(reverse("butler:home")),
            "butler:matters": lambda: staff.get(reverse("butler:matters")),
            "butler:home (the cadre)": lambda: cadre.get(reverse("butler:home")),
            "butler:matters (the cadre)": lambda: cadre.get(reverse("butler:matters")),
        },
        add,
    )
