"""A need raised at a station in duty hours goes straight to the person on duty.

Where a station is set so (`Station.route_to_duty`), a new need whose place is the station's
node and which was raised while someone sat there is dispatched to that person (the first to
have begun their duty) by the need's own command, `needs.workflow.need_dispatch`, with the
system as actor. The needs app knows nothing of this: the handler subscribes to the intake's
follow-up (`needs.events.FOLLOW_UP`, registered in `ServicesConfig.ready()`), which runs in the
worker about a second after intake (or inline, as `INTAKE_FOLLOW_UP` says), inside the
follow-up's transaction. Each dispatch runs in a savepoint: a refusal leaves the need where it
was (submitted, with its dispatchers told) and never undoes the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext

from civicgrid.core.errors import DomainError
from civicgrid.needs import events, targets, workflow
from civicgrid.needs.models import Need, State
from civicgrid.network.models import Person
from civicgrid.services import rota
from civicgrid.services.models import Station

logger = logging.getLogger("civicgrid.services.routing")


def duty_targets(needs: Sequence[Need]) -> dict[int, Person]:
    """For each need raised at a routing station while someone sat there, the person to send
    it to, by need id. One query when none of the needs is at a routing station (the usual
    batch); two more per need that is."""
    waiting = [
        n
        for n in needs
        if n.state == State.SUBMITTED
        and not n.unplaced
        and n.assignee_id is None
        and n.assignee_org_id is None
        and n.consultation_id is None
    ]
    if not waiting:
        return {}
    stations = {
        s.node_id: s
        for s in Station.objects.filter(
            node_id__in={n.node_id for n in waiting}, route_to_duty=True
        )
    }
    chosen: dict[int, Person] = {}
    for need in waiting:
        station = stations.get(need.node_id)
        if station is None:
            continue
        sitting = rota.on_duty(station, need.created_at)
        if sitting:
            chosen[need.pk] = sitting[0]
    return chosen


def route(done: events.FollowedUp) -> None:
    """The follow-up's handler: dispatch each need of the batch raised at a routing station in
    duty hours to the person on duty."""
    chosen = duty_targets(done.needs)
    for need in done.needs:
        person = chosen.get(need.pk)
        if person is None:
            continue
        if not targets.may_dispatch_to(need, person):
            logger.warning("need %s: %s on duty is not a dispatch target", need.number, person.pk)
            continue
        try:
            with transaction.atomic():
                workflow.need_dispatch(
                    need=need,
                    by=workflow.SYSTEM,
                    to=person,
                    reason=gettext("Raised at the station while %(name)s was on duty.")
                    % {"name": person.name},
                )
        except DomainError as error:
            # Moved by someone in the meantime, or the table said no: it stays with its
            # dispatchers, who were told of it.
            logger.info("need %s not routed to the person on duty: %s", need.number, error)


def subscribe() -> None:
    """Called from `ServicesConfig.ready()`."""
    events.subscribe(events.FOLLOW_UP, route)
