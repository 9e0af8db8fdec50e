"""Forms of the staff console's need pages: filters, the workflow's action forms, bulk dispatch,
entry on someone's behalf (代办) and proactive work.

Forms parse and offer choices; they never decide who may do what (that is `workflow`) and
never save (that is `services`). Choice lists are limited to what the actor may pick, so a
posted id outside them is refused as an invalid choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicgrid.core.localcache import cached
from civicgrid.needs import selectors
from civicgrid.needs.cached import CATEGORIES, NETWORK
from civicgrid.needs.models import (
    PROACTIVE_KINDS,
    Category,
    Channel,
    Kind,
    Need,
    Priority,
    Rating,
    State,
)
from civicgrid.needs.services import normalise_number
from civicgrid.needs.targets import (
    UNIT_KINDS,
    Choices,
    Targets,
    offered_escalations,
    offered_targets,
    staff_bindings,
    staff_rows,
)
from civicgrid.needs.workflow import NOTE_ACTIONS, PUBLIC_REPLY_ACTIONS, TRANSITIONS, Action
from civicgrid.network.models import (
    Node,
    NodeKind,
    Organisation,
    OrgKind,
)
from civicgrid.network.scope import paths_q, scope_paths, within_scope

# The channels a member of staff picks from when typing a need in for someone (代办).
ENTRY_CHANNELS = (Channel.PHONE, Channel.VISIT, Channel.WALK_IN, Channel.HOTLINE)
PROACTIVE_ROOT = "proactive"


def _any(label: Any = None) -> tuple[str, Any]:
    return ("", label or _("Any"))


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


# --- Choices --------------------------------------------------------------------------------


def category_choices(categories: Iterable[Category], *, leaves_only: bool) -> Choices:
    """Categories grouped under their parents (one <optgroup> each). With `leaves_only`, a
    parent is a heading and cannot be picked itself."""
    rows = list(categories)
    children: dict[int, list[Category]] = {}
    for c in rows:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    out: Choices = []
    for c in rows:
        if c.parent_id:
            continue
        kids = children.get(c.pk, [])
        if not kids:
            out.append((c.pk, c.label))
        elif leaves_only:
            out.append((c.label, [(k.pk, k.label) for k in kids]))
        else:
            everything = (c.pk, _("All of %(name)s") % {"name": c.label})
            out.append((c.label, [everything, *((k.pk, k.label) for k in kids)]))
    return out


def entry_categories() -> QuerySet[Category]:
    """Every active category staff may enter, hidden ones (petitions…) included, but not
    proactive work, which has its own form."""
    return Category.objects.filter(is_active=True).exclude(
        Q(code=PROACTIVE_ROOT) | Q(parent__code=PROACTIVE_ROOT)
    )


def place_choices(user: Any) -> list[Node]:
    """Communities, big grids and small grids where the user may enter a need."""
    kinds = (NodeKind.COMMUNITY, NodeKind.BIG_GRID, NodeKind.SMALL_GRID)
    nodes = within_scope(Node.objects.filter(kind__in=kinds), user, write=True)
    return list(nodes.order_by("path"))


def _indented(nodes: list[Node]) -> Choices:
    """Nodes in tree order, each indented by its depth below the shallowest."""
    top = min((n.depth for n in nodes), default=0)
    return [(n.pk, "\u3000" * (n.depth - top) + n.name) for n in nodes]


def bulk_targets(user: Any) -> Targets:
    """Dispatch targets for a batch: people and units anywhere in the user's write scope."""
    targets = Targets()
    paths = scope_paths(user, write=True)
    if paths is None:
        targets.add_people(_("Staff"), staff_rows(staff_bindings(Q())))
        targets.add_units(Organisation.objects.filter(kind__in=UNIT_KINDS))
        targets.add_units(_active_teams(Q()), _("Teams"))
        return targets
    if not paths:
        return targets
    inside = paths_q(paths, node_field="node")
    above = {int(part) for p in paths for part in p.split("/") if part}
    targets.add_people(_("Staff"), staff_rows(staff_bindings(inside)))
    units = Organisation.objects.filter(
        inside | Q(node_id__in=above) | Q(committee__node_id__in=above), kind__in=UNIT_KINDS
    )
    targets.add_units(units)
    # Teams of the area (or above it), as a single need's dispatch offers them.
    targets.add_units(_active_teams(inside | Q(node_id__in=above)), _("Teams"))
    return targets


def _active_teams(where: Q) -> QuerySet[Organisation]:
    """Volunteer and party-member teams not set inactive by their organisers."""
    return Organisation.objects.filter(where, kind=OrgKind.TEAM).exclude(team__active=False)


# --- The list's filters ---------------------------------------------------------------------


FILTER_KINDS = (
    NodeKind.LEAGUE,
    NodeKind.BANNER,
    NodeKind.TOWN,
    NodeKind.COMMUNITY,
    NodeKind.BIG_GRID,
)


def _filter_categories() -> Choices:
    """Every active category, grouped under its parent, in the current language."""

    def load() -> Choices:
        categories = Category.objects.filter(is_active=True)
        return category_choices(categories, leaves_only=False)

    return cached(CATEGORIES, ("filter", get_language()), load)


def _filter_places(user: Any) -> tuple[dict[int, Node], Choices]:
    """The levels above the small grids within the user's scope, by id and as choices."""

    def load() -> tuple[dict[int, Node], Choices]:
        nodes = within_scope(Node.objects.filter(kind__in=FILTER_KINDS), user).order_by("path")
        by_id = {n.pk: n for n in nodes}
        return by_id, _indented(list(by_id.values()))

    paths = scope_paths(user)
    return cached(NETWORK, ("filter", None if paths is None else tuple(paths)), load)


class NeedFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, whole phone number, words")}
        ),
    )
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int)
    state = forms.ChoiceField(label=_("State"), required=False)
    node = forms.TypedChoiceField(label=_("Place"), required=False, coerce=int)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=_date_input())
    until = forms.DateField(label=_("To"), required=False, widget=_date_input())
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every list page builds this form: its choices are kept a moment per process
        # (needs/cached.py's namespaces, emptied by a save of a category or a node).
        _choices(self, "category").choices = [_any(), *_filter_categories()]
        _choices(self, "state").choices = [_any(), *State.choices]
        _choices(self, "channel").choices = [_any(), *Channel.choices]
        self.nodes, places = _filter_places(user)
        _choices(self, "node").choices = [_any(_("Anywhere in my area")), *places]

    def to_filter(self) -> selectors.NeedFilter:
        """The selectors' filter; empty when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return selectors.NeedFilter()
        d = self.cleaned_data
        return selectors.NeedFilter(
            category=d["category"] or None,
            state=d["state"],
            node=self.nodes.get(d["node"]) if d["node"] else None,
            channel=d["channel"],
            since=d["since"],
            until=d["until"],
            overdue=d["overdue"],
            q=d["q"].strip(),
        )


# --- The workflow's actions -----------------------------------------------------------------

# The notes that answer the resident (what was done, why it was not taken up) start ticked;
# staff untick them to keep one internal. Every other note starts internal.
ANSWER_ACTIONS = frozenset({Action.RESOLVE, Action.REJECT})


def public_reply_field(*, initial: bool = False) -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Public reply: the resident and the public (tracking page, Open311) read it"),
        help_text=_("Unticked, the note is internal: only staff read it."),
        required=False,
        initial=initial,
    )


class ActionForm(forms.Form):
    """One workflow action on one need, with the fields that action takes.

    The reason field is never required here: the workflow refuses a missing reason with its
    own message, the same one the API gives."""

    def __init__(self, *args: Any, action: Action, need: Need, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.need = need
        self.user = user
        self.reason_required = TRANSITIONS[action].reason_required
        self.targets: Targets | None = None
        self.committees: dict[str, Organisation] = {}
        if action == Action.DISPATCH:
            self.targets = offered_targets(need)
            self.fields["target"] = forms.ChoiceField(
                label=_("Dispatch to"), choices=self.targets.choices
            )
        elif action == Action.ESCALATE:
            choices, self.committees = offered_escalations(need)
            self.fields["target"] = forms.ChoiceField(label=_("Escalate to"), choices=choices)
        elif action == Action.MERGE:
            self.fields["target"] = forms.CharField(
                label=_("Tracking number of the need to merge into"), max_length=20
            )
        elif action == Action.CONFIRM:
            self.fields["rating"] = forms.ChoiceField(
                label=_("Rating given by the resident"),
                required=False,
                choices=[
                    ("", _("Not given")),
                    (Rating.SATISFIED, Rating.SATISFIED.label),
                    (Rating.FAIR, Rating.FAIR.label),
                ],
            )
        if action in NOTE_ACTIONS:
            attrs = {"rows": 2}
            if self.reason_required:
                attrs["required"] = True
            self.fields["reason"] = forms.CharField(
                label=_("Reason") if self.reason_required else _("Note (optional)"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs=attrs),
            )
            if action in PUBLIC_REPLY_ACTIONS:
                self.fields["public"] = public_reply_field(initial=action in ANSWER_ACTIONS)

    def clean_target(self) -> Any:
        value = self.cleaned_data["target"]
        if self.action != Action.MERGE:
            return value
        target = selectors.visible_needs(self.user).filter(number=normalise_number(value)).first()
        if target is None:
            raise forms.ValidationError(_("No need with that number in your area."))
        return target

    def params(self) -> dict[str, Any]:
        """Keyword arguments for `services.need_act`. Call after `is_valid()`."""
        d = self.cleaned_data
        params: dict[str, Any] = {"reason": d.get("reason", "")}
        if "public" in self.fields:
            params["public"] = bool(d.get("public"))
        if self.action == Action.DISPATCH and self.targets is not None:
            params["to"] = self.targets.chosen(d["target"])
        elif self.action == Action.ESCALATE:
            params["to"] = self.committees.get(d["target"])
        elif self.action == Action.MERGE:
            params["into"] = d["target"]
        elif self.action == Action.CONFIRM:
            params["rating"] = d.get("rating", "")
        return params


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    public = public_reply_field()
    question = forms.BooleanField(
        label=_("Ask the resident: they are sent a message and answer on the tracking page"),
        help_text=_("A question is a public reply."),
        required=False,
    )


class PublishForm(forms.Form):
    """Publish a need's text and photos (needs/publication.py), optionally as a summary."""

    summary = forms.CharField(
        label=_("Public summary (optional)"),
        help_text=_(
            "What the public reads instead of the resident's words: leave out names, "
            "addresses, numbers. Empty: the resident's description is published as written."
        ),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkDispatchForm(forms.Form):
    numbers = forms.MultipleChoiceField(label=_("Needs"), widget=forms.CheckboxSelectMultiple)
    target = forms.ChoiceField(label=_("Dispatch the selected needs to"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = bulk_targets(user)
        _choices(self, "target").choices = self.targets.choices
        # The numbers are checked against the user's needs one by one when dispatching.
        numbers = self.data.getlist("numbers") if hasattr(self.data, "getlist") else []
        _choices(self, "numbers").choices = [(n, n) for n in numbers]

    def params(self) -> dict[str, Any]:
        return {"to": self.targets.chosen(self.cleaned_data["target"])}


# --- Entering needs and proactive work ------------------------------------------------------


class PlaceField(forms.TypedChoiceField):
    def __init__(self, *, nodes: list[Node], **kwargs: Any) -> None:
        super().__init__(coerce=int, **kwargs)
        self.nodes = {n.pk: n for n in nodes}
        self.choices = [("", _("Choose a place")), *_indented(nodes)]
        if len(nodes) == 1:
            self.initial = nodes[0].pk


class PlaceNeedForm(forms.Form):
    """Where an unplaced need is: a place in the dispatcher's area, or a point on the map (its
    small grid is found), or both (the place, with the point kept as the position)."""

    node = forms.TypedChoiceField(label=_("Place"), coerce=int, required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = PlaceField(nodes=place_choices(user), label=_("Place"), required=False)
        self.fields["node"] = field
        self.nodes = field.nodes

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "node": self.nodes.get(data.get("node") or 0),
            "lat": data.get("lat"),
            "lon": data.get("lon"),
        }


class OnBehalfForm(forms.Form):
    """A need typed in by staff for a resident (代办)."""

    channel = forms.ChoiceField(
        label=_("How it reached you"),
        choices=[(c.value, c.label) for c in ENTRY_CHANNELS],
        initial=Channel.PHONE,
    )
    on_behalf_of = forms.CharField(label=_("On behalf of (name)"), max_length=64)
    contact_phone = forms.CharField(
        label=_("Contact phone (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {c.pk: c for c in entry_categories()}
        _choices(self, "category").choices = [
            ("", _("Choose a category")),
            *category_choices(self.categories.values(), leaves_only=True),
        ]
        # Choosing a category swaps its extra questions into the form (htmx); without
        # JavaScript they appear when the form comes back asking for the answers.
        self.fields["category"].widget.attrs.update(
            {
                "hx-get": reverse("needs:questions"),
                "hx-trigger": "change",
                "hx-target": "#questions",
                "hx-swap": "innerHTML",
            }
        )
        self.fields["node"] = PlaceField(label=_("Place"), nodes=place_choices(user))

    def chosen_category(self) -> Category | None:
        """The category picked so far (also on an invalid form), for its questions."""
        raw = self.data.get("category") if self.is_bound else None
        return self.categories.get(int(raw)) if raw and str(raw).isdigit() else None

    def answers(self) -> dict[str, str]:
        category = self.chosen_category()
        if category is None:
            return {}
        return {q.key: self.data.get(f"answer_{q.key}", "") for q in category.questions.all()}

    def service_args(self) -> dict[str, Any]:
        d = self.cleaned_data
        node_field = self.fields["node"]
        assert isinstance(node_field, PlaceField)
        return {
            "channel": d["channel"],
            "on_behalf_of": d["on_behalf_of"],
            "contact_name": d["on_behalf_of"],
            "contact_phone": d["contact_phone"],
            "category": self.categories[d["category"]],
            "priority": d["priority"],
            "description": d["description"],
            "node": node_field.nodes[d["node"]],
            "answers": self.answers(),
        }


class ProactiveForm(forms.Form):
    """Proactive work, recorded once done: a visit, an inspection, a mediation, collection."""

    kind = forms.ChoiceField(
        label=_("Kind of work"), choices=[(k.value, k.label) for k in Kind if k in PROACTIVE_KINDS]
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    contact_name = forms.CharField(
        label=_("Person visited or spoken to (optional)"), required=False, max_length=64
    )
    note = forms.CharField(
        label=_("What was done and found"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {
            c.pk: c for c in Category.objects.filter(parent__code=PROACTIVE_ROOT, is_active=True)
        }
        _choices(self, "category").choices = [(c.pk, c.label) for c in self.categories.values()]
        self.fields["node"] = PlaceField(label=_("Place"), nodes=place_choices(user))

    def service_args(self) -> dict[str, Any]:
        d = self.cleaned_data
        node_field = self.fields["node"]
        assert isinstance(node_field, PlaceField)
        return {
            "kind": d["kind"],
            "category": self.categories[d["category"]],
            "node": node_field.nodes[d["node"]],
            "note": d["note"],
            "contact_name": d["contact_name"],
        }
