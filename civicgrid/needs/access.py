"""Who may see a need, and who may change anything about it: one answer for every surface.

The console's pages and htmx endpoints, the REST API and Open311 fetch needs and check writes
here; the services check again (`need_raise`, `need_comment`), so a surface that forgets cannot
write. The scope rule itself stays in `network/scope.py`; who may take which workflow action is
`workflow`'s transition table, asked after this says the person may write at all.

A person may write on a need when their scope may change its place (a leader's may not: sight
only), or when they are one of its actors (the handler it is dispatched to, a member of the unit
or of the consulting committee, a grid worker of its grid). A person may raise a need only at a
place their scope may change; categories hidden from residents (petitions by proxy…) are
therefore for staff who write there. Residents act without an account (the resident page, the
tracking link, Open311, anonymous REST), never through a person's account.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.core.errors import NotAllowed
from civicgrid.core.statements import ModelStatement
from civicgrid.needs import cached, selectors, workflow
from civicgrid.needs.models import Category, Need
from civicgrid.needs.services import normalise_number
from civicgrid.network.models import Membership, Node
from civicgrid.network.scope import can_change, scope_paths

# The actions staff surfaces (the console, the REST API) offer; the resident's and the system's
# never show.
STAFF_ACTIONS = tuple(
    a for a in workflow.Action if a not in (workflow.Action.WITHDRAW, workflow.Action.CLOSE_UNRATED)
)


# The need by its number, with what every page prints and the dispatch rule reads. Compiled
# once (core/statements.py): the console's page, the REST detail and every action fetch it.
_BY_NUMBER = ModelStatement(
    lambda number: Need.objects.select_related("category", "node", "owner_node").filter(
        number=number
    ),
    number=str,
)


def access_need(user: Any, number: str, *, write: bool = False) -> Need:
    """The need, if the user may see it; 404 otherwise (never saying whether it exists).
    With write=True, 403 too unless the user may change it (`may_write`)."""
    found = _BY_NUMBER(number=normalise_number(number))
    need = found[0] if found else None
    if need is None or not selectors.may_see(user, need):
        raise Http404(_("No such need in your area."))
    if write and not may_write(user, need):
        raise PermissionDenied(_("Your role may read this need but not change it."))
    return need


def _active_person(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def may_write_somewhere(user: Any) -> bool:
    """Whether the user may change anything at all: a staff role that writes, or a place in a
    member unit or committee (they act on what is dispatched to them). A read-only leader and
    a resident's account may not."""
    if not _active_person(user):
        return False
    paths = scope_paths(user, write=True)
    return paths is None or bool(paths) or Membership.objects.filter(person=user).exists()


def may_enter_needs(user: Any) -> bool:
    """Whether the user may type a need in for a resident or record proactive work: there is a
    place their scope may change. A read-only leader, a unit's member and a resident's account
    have none (the entry forms would offer them no place)."""
    if not _active_person(user):
        return False
    paths = scope_paths(user, write=True)
    return paths is None or bool(paths)


def may_write(user: Any, target: Need | Node) -> bool:
    """Whether the user may change this need (comment, add photos, act) or write at this place.

    Precondition for a need: the user may see it (`access_need`)."""
    if not _active_person(user):
        return False
    if isinstance(target, Node):
        return can_change(user, target)
    return can_change(user, target.node) or bool(workflow.actor_kinds(target, workflow.By(user)))


def check_may_write(user: Any, target: Need | Node, what: str = "") -> None:
    """Raise NotAllowed (403) unless the user may write on this need or at this place.
    `what` names the write for the error's details (comment, photo, raise…)."""
    if may_write(user, target):
        return
    if isinstance(target, Node):
        message = _("That place is outside the area where you may make changes.")
    else:
        message = _("Your role may read this need but not change it.")
    raise NotAllowed(message, write=what)


def check_may_raise(user: Any, *, place: Node) -> None:
    """A person raising a need (staff entry, or the API with their token or session) must be
    able to write at the place. Categories hidden from residents are open to whoever passes
    this, and to nobody else: `need_raise` refuses them when no person raises."""
    if not may_write_somewhere(user):
        raise NotAllowed(_("Your role may not enter needs."), write="raise")
    check_may_write(user, place, "raise")


def resident_category(code: str) -> Category:
    """An active category residents may choose (shown to them, and a leaf), or a 404. Read
    through the per-process cache: every intake of the resident page, the API and Open311
    asks."""
    category = cached.category_by_code(code)
    if category is None or not category.shown_to_residents:
        raise Http404("no such kind of need")
    if not cached.offered_to_residents(category):
        raise Http404("choose a more precise kind of need")
    return category
