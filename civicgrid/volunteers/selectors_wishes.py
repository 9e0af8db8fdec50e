"""Reads of wishes for pages: the console's list in the staff's scope, the public wall of a
community (what the public may read of a wish, written once: `public_card`), a member's
claimed wishes, and a wish's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from civicgrid.core.i18n import localised
from civicgrid.network.models import Membership, Node, NodeKind, Person, Role
from civicgrid.network.scope import paths_q, role_paths, scope_paths
from civicgrid.volunteers import wishes
from civicgrid.volunteers.models import VolunteerEvent, Wish, WishState

# The wall's groups, in the order shown: waiting for someone, claimed (and fulfilled, waiting
# to be confirmed), fulfilled. A withdrawn wish is not on the wall.
WALL_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("waiting", (WishState.POSTED,)),
    ("claimed", (WishState.CLAIMED, WishState.FULFILLED)),
    ("fulfilled", (WishState.CONFIRMED,)),
)
ON_WALL = tuple(s for _g, states in WALL_GROUPS for s in states)


def served_community_ids(user: Any) -> list[int]:
    """The communities a grid worker's grids lie in (they serve those communities' wishes)."""
    ids: set[int] = set()
    for path in role_paths(user).get(Role.GRID_WORKER, ()):
        ids.update(int(part) for part in path.split("/") if part)
    if not ids:
        return []
    return list(
        Node.objects.filter(pk__in=ids, kind=NodeKind.COMMUNITY).values_list("pk", flat=True)
    )


def visible_q(user: Any) -> Q | None:
    """Wishes the user sees in the console: in their scope, or of a community they serve as a
    grid worker. None: no limit (a superuser)."""
    paths = scope_paths(user)
    if paths is None:
        return None
    q = paths_q(paths, node_field="community") if paths else Q(pk__in=[])
    served = served_community_ids(user)
    if served:
        q |= Q(community_id__in=served)
    return q


def visible_wishes(user: Any) -> QuerySet[Wish]:
    q = visible_q(user)
    found = Wish.objects.all()
    return found if q is None else found.filter(q)


def console_list(user: Any, *, state: str = "", community: Node | None = None) -> QuerySet[Wish]:
    found = visible_wishes(user).select_related("community")
    if state:
        found = found.filter(state=state)
    if community is not None:
        found = found.filter(community=community)
    return found.order_by("-created_at", "-id")


def communities_for_posting(user: Any) -> list[Node]:
    """The communities where the user may post wishes (the post form's choices)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    communities = Node.objects.filter(kind=NodeKind.COMMUNITY).order_by("path")
    if user.is_superuser:
        return list(communities)
    held = role_paths(user)
    paths = [p for role in (Role.COMMUNITY_STAFF, Role.ADMIN) for p in held.get(role, ())]
    q = paths_q(paths) if paths else Q(pk__in=[])
    # Under a staff's node (itself included), and the community of a grid worker's grid.
    return list(communities.filter(q | Q(pk__in=served_community_ids(user))))


def communities_seen(user: Any) -> list[Node]:
    """The communities the console's filter offers: those with a wish the user sees."""
    ids = visible_wishes(user).values("community_id")
    return list(Node.objects.filter(pk__in=ids).order_by("path"))


# --- What the public reads --------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One wish as the public reads it: nothing else of the wish reaches a public page."""

    id: int
    title: str
    story: str
    public_name: str
    community: str
    state: str
    state_label: str
    needed_by: str
    fulfilled_note: str
    photo_url: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "story": self.story,
            "shown_as": self.public_name,
            "community": self.community,
            "state": self.state,
            "state_label": self.state_label,
            "needed_by": self.needed_by,
            "fulfilled_note": self.fulfilled_note,
            "photo_url": self.photo_url,
        }


# The only columns a public read selects.
PUBLIC_FIELDS = (
    "pk",
    "title",
    "story",
    "public_name",
    "community__name",
    "community__name_en",
    "community__name_mn",
    "state",
    "needed_by",
    "fulfilled_note",
    "fulfilled_photo",
)


def public_card(row: dict[str, Any]) -> Card:
    """The public's card of a wish, from the values of `PUBLIC_FIELDS`: the fulfilment's note
    and photo once it is confirmed, never the person's name or phone, nor who claimed it."""
    confirmed = row["state"] == WishState.CONFIRMED
    return Card(
        id=row["pk"],
        title=row["title"],
        story=row["story"],
        public_name=row["public_name"] or wishes.default_public_name(),
        community=localised(
            row["community__name"], row["community__name_en"], name_mn=row["community__name_mn"]
        ),
        state=row["state"],
        state_label=str(WishState(row["state"]).label),
        needed_by=row["needed_by"].isoformat(),
        fulfilled_note=row["fulfilled_note"] if confirmed else "",
        photo_url=(
            reverse("serve:wish_photo", args=[row["pk"]])
            if confirmed and row["fulfilled_photo"]
            else ""
        ),
    )


def community_by_code(code: str) -> Node | None:
    """A community by its code, or by its id."""
    found = Node.objects.filter(kind=NodeKind.COMMUNITY)
    community = found.filter(code=code).first()
    if community is None and code.isdigit():
        community = found.filter(pk=int(code)).first()
    return community


@dataclass(frozen=True)
class Wall:
    community: Node
    groups: list[tuple[str, list[Card]]]
    counts: dict[str, int]


def wall(community: Node, *, limit: int = 200) -> Wall:
    """The community's wall: cards by group (newest first, at most `limit` a group) and the
    counts at the top (posted in all, claimed, fulfilled)."""
    base = Wish.objects.filter(community=community, state__in=ON_WALL)
    by_state = dict(base.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    groups = []
    for key, states in WALL_GROUPS:
        rows = (
            base.filter(state__in=states)
            .order_by("needed_by" if key == "waiting" else "-created_at", "-pk")
            .values(*PUBLIC_FIELDS)[:limit]
        )
        groups.append((key, [public_card(r) for r in rows]))
    counts = {
        "posted": sum(by_state.values()),
        "waiting": by_state.get(WishState.POSTED, 0),
        "claimed": sum(
            by_state.get(s, 0)
            for s in (WishState.CLAIMED, WishState.FULFILLED, WishState.CONFIRMED)
        ),
        "fulfilled": by_state.get(WishState.CONFIRMED, 0),
    }
    return Wall(community=community, groups=groups, counts=counts)


def public_wish(wish_id: int) -> Card | None:
    """One wish on the wall (not withdrawn), as the public reads it."""
    row = Wish.objects.filter(pk=wish_id, state__in=ON_WALL).values(*PUBLIC_FIELDS).first()
    return public_card(row) if row else None


# --- A member's wishes ----------------------------------------------------------------------


def claimed_by_member(person: Person) -> QuerySet[Wish]:
    """The wishes the member claimed, or a unit of theirs claimed, still to fulfil or confirm
    (and the last ones done)."""
    units = Membership.objects.filter(person=person).values("organisation_id")
    return (
        Wish.objects.filter(Q(claimed_by=person) | Q(claimed_unit_id__in=units))
        .filter(state__in=(WishState.CLAIMED, WishState.FULFILLED, WishState.CONFIRMED))
        .select_related("community", "claimed_unit")
        .order_by("state", "needed_by", "-pk")[:100]
    )


def units_of(person: Person) -> list[Any]:
    """The units the member may claim for (those they are a contact of)."""
    return [
        m.organisation
        for m in Membership.objects.filter(person=person).select_related("organisation")
    ]


# --- The staff's timeline -------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    when: Any
    action: str
    label: str
    actor: str
    note: str


_SYSTEM = gettext_lazy("the system")
# Who acted when no person did: the person the wish is for confirms by a texted code.
_ACTORLESS: dict[str, Any] = {wishes.Action.CONFIRM: gettext_lazy("the person, by a texted code")}


def timeline(wish: Wish) -> list[TimelineRow]:
    rows = VolunteerEvent.objects.filter(wish=wish).select_related("actor").order_by("seq")
    return [
        TimelineRow(
            when=e.created_at,
            action=e.action,
            label=str(wishes.ACTION_LABELS.get(e.action, e.action)),
            actor=e.actor.name if e.actor else str(_ACTORLESS.get(e.action, _SYSTEM)),
            note=e.note,
        )
        for e in rows
    ]
