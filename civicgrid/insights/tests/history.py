"""A deterministic history of needs for the insights tests and screenshots: raised across
grids, categories, channels and days of November 2026, most taken and resolved, some rated,
some left to run late (the sweep then marks them overdue)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import time_machine

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Channel, Need, Rating
from civicgrid.needs.tasks import sweep
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By
from civicgrid.network.models import Node, Person

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 2, 8, 30, tzinfo=SH)
CATEGORIES = [
    "roads",
    "pension",
    "disputes",
    "repairs",
    "policy",
    "hazards",
    "drainage",
    "suggestions",
    "roads",
    "pension",
]
ANSWERS: dict[str, dict[str, Any]] = {"roads": {"passable": "partly"}, "repairs": {"what": "water"}}
RATINGS = [Rating.SATISFIED, Rating.SATISFIED, Rating.FAIR, Rating.DISSATISFIED]
PHONE = "13812345678"
NAME = "巴特尔"


def build_history(
    w: nf.World,
    needs: int = 50,
    days: int = 18,
    extra_places: list[tuple[Node, Person | None]] | None = None,
    categories: list[str] | None = None,
) -> list[Need]:
    """`needs` needs over `days` days from START; the sweep runs a day after the last."""
    places: list[tuple[Node, Person | None]] = [
        (w.t["gridA"], w.grid_worker),
        (w.t["gridB"], w.handler),
        (w.t["gridC"], None),  # nobody works there: its needs run late
        *(extra_places or []),
    ]
    codes = categories or CATEGORIES
    raised = []
    for i in range(needs):
        at = START + dt.timedelta(days=i % days, hours=i % 9, minutes=7 * (i % 8))
        place, taker = places[i % len(places)]
        code = codes[i % len(codes)]
        with time_machine.travel(at, tick=False):
            if i % 6 == 1 and place.path.startswith(w.t["comm1"].path):
                # A petition entered by staff on a resident's behalf (代办) by phone.
                need = services.need_raise(
                    by=By(w.dispatcher),
                    category=nf.category("petitions"),
                    description=f"代{NAME}反映补贴发放问题，第{i}件，电话{PHONE}",
                    channel=Channel.PHONE,
                    node=place,
                    contact_phone=PHONE,
                    contact_name=NAME,
                )
            else:
                need = nf.raise_need(
                    w,
                    category=nf.category(code),
                    answers=ANSWERS.get(code, {}),
                    node=place,
                    channel=[Channel.WEB, Channel.QR][i % 2],
                    description=f"{NAME}反映：第{i}件，门口的问题需要处理，电话{PHONE}",
                    contact_phone=PHONE,
                    contact_name=NAME,
                )
            nf.follow_up()  # what the worker does a second later
        raised.append(need)
        if taker is None or i % 5 == 4:
            continue
        moment = at + dt.timedelta(minutes=5 + 20 * (i % 4))
        with time_machine.travel(moment, tick=False):
            workflow.transition(need, Action.TAKE, By(taker))
        if i % 4 == 3:
            continue  # taken, never finished
        moment += dt.timedelta(hours=1 + (i * 7) % 40)
        with time_machine.travel(moment, tick=False):
            workflow.transition(need, Action.RESOLVE, By(taker))
        if i % 3 != 2:
            moment += dt.timedelta(hours=2)
            with time_machine.travel(moment, tick=False):
                workflow.transition(
                    need, Action.CONFIRM, workflow.RESIDENT, rating=RATINGS[i % len(RATINGS)]
                )
    with time_machine.travel(START + dt.timedelta(days=days + 1), tick=False):
        sweep()
    return raised
