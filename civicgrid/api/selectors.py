"""Reads shaped for the API. Every list starts from the domain's own scoped selector
(`visible_needs`, `within_scope`) and is read with `.values()`: serialising model instances
costs about 40 % of a list's time (PERFORMANCE.md), and a fixed number of queries whatever
the length."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language

from civicgrid.api import pagination
from civicgrid.core.i18n import localised
from civicgrid.core.models import Notification
from civicgrid.core.notifications import render
from civicgrid.core.statements import Prefix, Statement
from civicgrid.needs import workflow
from civicgrid.needs.access import STAFF_ACTIONS
from civicgrid.needs.models import OPEN_STATES, Category, CategoryQuestion, Need
from civicgrid.needs.reveal import whole_phone
from civicgrid.needs.selectors import visible_needs, visible_q
from civicgrid.needs.timeline import timeline_rows
from civicgrid.network.models import Node, Role, RoleBinding, mask_email, mask_mobile
from civicgrid.network.scope import scope_paths, within_scope

ROLE_LABELS = dict(Role.choices)


# --- Categories -----------------------------------------------------------------------------


def categories(*, residents_only: bool) -> list[dict[str, Any]]:
    """Active categories in tree order (each parent followed by its children), with their
    questions and deadlines: three queries. `residents_only`: what the resident page offers."""
    qs = Category.objects.filter(is_active=True).select_related("parent")
    if residents_only:
        qs = qs.filter(shown_to_residents=True)
    rows = list(
        qs.prefetch_related(
            Prefetch("questions", queryset=CategoryQuestion.objects.order_by("sort", "id")),
            "deadlines",
        )
    )
    present = {c.pk for c in rows}
    children: dict[int, list[Category]] = defaultdict(list)
    for c in rows:
        if c.parent_id in present:
            children[c.parent_id].append(c)
    ordered: list[Category] = []
    for c in rows:
        if c.parent_id not in present:
            ordered.append(c)
            ordered.extend(children[c.pk])
    return [_category(c) for c in ordered]


def _category(c: Category) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "parent": c.parent.code if c.parent else None,
        "label": c.label,
        "name": c.name,
        "name_en": c.name_en,
        "hint": c.hint,
        "shown_to_residents": c.shown_to_residents,
        "time_basis": c.time_basis,
        "questions": [
            {
                "key": q.key,
                "label": q.text,
                "kind": q.kind,
                "required": q.required,
                "choices": [{"value": v, "label": label} for v, label in q.choice_options()],
            }
            for q in c.questions.all()
        ],
        "deadlines": [
            {
                "priority": d.priority,
                "response_minutes": d.response_minutes,
                "resolve_minutes": d.resolve_minutes,
            }
            for d in c.deadlines.all()
        ],
    }


# --- Nodes ----------------------------------------------------------------------------------

NODE_FIELDS = ("id", "code", "name", "name_en", "kind", "parent_id", "depth", "lat", "lon")


def scope_roots(user: Any) -> list[dict[str, Any]]:
    """The outermost nodes the user may see (the tree's roots for a superuser)."""
    paths = scope_paths(user)
    if paths is None:
        qs = Node.objects.filter(parent__isnull=True)
    else:
        qs = Node.objects.filter(path__in=paths)
    return list(qs.order_by("path").values(*NODE_FIELDS))


def children(user: Any, node: Node) -> list[dict[str, Any]]:
    qs = within_scope(Node.objects.filter(parent=node), user)
    return list(qs.order_by("code", "name").values(*NODE_FIELDS))


def subtree(
    user: Any, node: Node, *, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    qs = within_scope(Node.objects.subtree(node), user)
    return pagination.in_path_order(qs, cursor=cursor, limit=limit, fields=NODE_FIELDS)


def node_detail(node: Node) -> dict[str, Any]:
    return {**{f: getattr(node, f) for f in NODE_FIELDS}, "polygon": node.polygon}


# --- Needs ----------------------------------------------------------------------------------

NEED_FIELDS = (
    "number",
    "kind",
    "state",
    "priority",
    "category__code",
    "category__name",
    "category__name_en",
    "node_id",
    "node__name",
    "owner_node_id",
    "channel",
    "description",
    "contact_name",
    "anonymous",
    "contact_phone",
    "contact_email",
    "assignee_id",
    "assignee__name",
    "assignee_org_id",
    "assignee_org__name",
    "overdue_at",
    "updated_at",
    "response_due",
    "resolve_due",
)


def _need_item(row: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    """A list row as the API shows it: phone masked, the name hidden if anonymous."""
    return {
        "number": row["number"],
        "kind": row["kind"],
        "state": row["state"],
        "priority": row["priority"],
        "category": row["category__code"],
        "category_label": localised(row["category__name"], row["category__name_en"], language),
        "node_id": row["node_id"],
        "node_name": row["node__name"],
        "owner_node_id": row["owner_node_id"],
        "channel": row["channel"],
        "description": row["description"],
        "contact_name": "" if row["anonymous"] else row["contact_name"],
        "contact_phone": mask_mobile(row["contact_phone"]),
        "contact_email": mask_email(row["contact_email"]),
        "assignee_id": row["assignee_id"],
        "assignee_name": row["assignee__name"],
        "assignee_org_id": row["assignee_org_id"],
        "assignee_org_name": row["assignee_org__name"],
        "overdue": row["overdue_at"] is not None and row["state"] in OPEN_STATES,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "response_due": row["response_due"],
        "resolve_due": row["resolve_due"],
    }


def need_page(
    qs: QuerySet[Need], *, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    rows, after = pagination.newest_first(qs, cursor=cursor, limit=limit, fields=NEED_FIELDS)
    return _items(rows), after


def _items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    language = get_language()  # once for the page, not per row
    return [_need_item(r, language) for r in rows]


# The first page of the needs a person may see, unfiltered: what clients poll. Read by a
# statement built once for each shape (how many subtrees the scope holds, the page's length):
# Django building and compiling the rule's SQL cost more than running it (issue 13). Not
# prepared: the subtree's paths decide the plan (`core.statements`). The rule itself is
# `visible_q`'s, as for every other page.
_FIRST_PAGES: dict[tuple[int, int], tuple[Statement, tuple[str, ...]]] = {}
_FIRST_PAGE_SHAPES = 64  # past this many shapes, the ORM builds the rest each time
_PAGE_COLUMNS = (*NEED_FIELDS, "id", "created_at")


def first_page(user: Any, *, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """`need_page(visible_needs(user), cursor=None, limit=limit)`, read by a statement."""
    paths = scope_paths(user)
    if paths is None or not user.is_authenticated:
        return need_page(visible_needs(user), cursor=None, limit=limit)
    key = (len(paths), limit)
    shape = _FIRST_PAGES.get(key)
    if shape is None:
        if len(_FIRST_PAGES) >= _FIRST_PAGE_SHAPES:
            return need_page(visible_needs(user), cursor=None, limit=limit)
        shape = _FIRST_PAGES.setdefault(key, _first_page_statement(len(paths), limit))
    statement, names = shape
    rows = statement(person=user.pk, **dict(zip(names, paths, strict=True)))
    page = [dict(zip(_PAGE_COLUMNS, row, strict=True)) for row in rows]
    items, after = pagination.newest_first_page(page, limit)
    return _items(items), after


def _first_page_statement(subtrees: int, limit: int) -> tuple[Statement, tuple[str, ...]]:
    names = tuple(f"path{i}" for i in range(subtrees))

    def build(person: int, **paths: str) -> QuerySet[Need]:
        visible = visible_q([paths[name] for name in names], person)
        ordered = Need.objects.filter(visible).order_by("-created_at", "-id")
        return ordered.values_list(*_PAGE_COLUMNS)[: limit + 1]

    statement = Statement(build, prepare=False, person=int, **dict.fromkeys(names, Prefix))
    return statement, names


def need_detail(need: Need, user: Any) -> dict[str, Any]:
    """One need with its timeline and what the caller may do to it now."""
    row = {f: _attr(need, f) for f in NEED_FIELDS}
    row.update(id=need.pk, created_at=need.created_at)
    events = [
        {
            "seq": r.event.seq,
            "action": r.event.action,
            "action_label": r.label,
            "from_state": r.event.from_state,
            "to_state": r.event.to_state,
            "actor_name": r.actor,
            "actor_kind": r.event.actor_kind,
            "note": r.event.note,
            "public": r.event.public,
            "data": r.event.data or {},
            "at": r.event.created_at,
            "photos": [
                reverse("api:need_photo", kwargs={"number": need.number, "photo_id": p.pk})
                for p in r.photos
            ],
        }
        for r in timeline_rows(need)
    ]
    by = workflow.By(user)
    return {
        **_need_item(row),
        "answers": need.answers or {},
        "address": need.address,
        "lat": need.lat,
        "lon": need.lon,
        "anonymous": need.anonymous,
        "on_behalf_of": need.on_behalf_of,
        "consultation": need.consultation.name if need.consultation else None,
        "merged_into": need.merged_into.number if need.merged_into else None,
        "rating": need.rating,
        "rating_comment": need.rating_comment,
        "responded_at": need.responded_at,
        "resolved_at": need.resolved_at,
        "closed_at": need.closed_at,
        "allowed_actions": [
            str(a) for a in workflow.allowed_actions(need, by) if a in STAFF_ACTIONS
        ],
        "timeline": events,
    }


def _attr(obj: Any, dotted: str) -> Any:
    """`category__code` read from a model instance, as `.values()` would give it."""
    for part in dotted.split("__"):
        obj = getattr(obj, part) if obj is not None else None
    return obj


# --- Notifications and people ---------------------------------------------------------------


def notification_page(
    person: Any, *, unread: bool, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    qs = Notification.objects.filter(recipient=person)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    fields = ("kind", "data", "url", "read_at")
    rows, after = pagination.newest_first(qs, cursor=cursor, limit=limit, fields=fields)
    items = [
        {
            "id": r["id"],
            "kind": r["kind"],
            "text": render(r["kind"], r["data"] or {}),
            "url": r["url"],
            "created_at": r["created_at"],
            "read": r["read_at"] is not None,
        }
        for r in rows
    ]
    return items, after


def people(user: Any, *, q: str, limit: int) -> list[dict[str, Any]]:
    """People holding a role at a node in the user's scope, with those roles (the roles they
    hold elsewhere are not the caller's business): two queries."""
    bindings = within_scope(RoleBinding.objects.all(), user, node_field="node").filter(
        person__is_active=True
    )
    q = q.strip()
    if q:
        match = Q(person__name__icontains=q)
        # A whole number only: matching its last digits rebuilt a masked number digit by digit.
        mobile = whole_phone(q)
        if mobile:
            match |= Q(person__mobile=mobile)
        bindings = bindings.filter(match)
    ids = list(
        bindings.order_by("person__name", "person_id")
        .values_list("person_id", flat=True)
        .distinct()[:limit]
    )
    rows = bindings.filter(person_id__in=ids).values(
        "person_id", "person__name", "person__mobile", "role", "node_id", "node__name"
    )
    by_person: dict[int, dict[str, Any]] = {}
    for r in rows.order_by("node__path", "role"):
        entry = by_person.setdefault(
            r["person_id"],
            {
                "id": r["person_id"],
                "name": r["person__name"],
                "mobile": mask_mobile(r["person__mobile"]),
                "roles": [],
            },
        )
        entry["roles"].append(
            {
                "role": r["role"],
                "role_label": str(ROLE_LABELS.get(r["role"], r["role"])),
                "node_id": r["node_id"],
                "node_name": r["node__name"],
            }
        )
    return [by_person[pk] for pk in ids if pk in by_person]
