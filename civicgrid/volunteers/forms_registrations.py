"""Forms of the registration and team pages: they parse; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.network.models import Node, NodeKind, Person, mask_mobile, node_label
from civicgrid.network.scope import within_scope
from civicgrid.volunteers import teams
from civicgrid.volunteers.models import Team, TeamKind, Theme

# How many communities a search shows at most (a town has a few dozen).
SEARCH_RESULTS = 30


def find_communities(query: str) -> list[Node]:
    """Communities whose name (or code) holds the query; nothing for fewer than 2 characters:
    the register page lists no community until the member types a part of its name."""
    query = (query or "").strip()[:40]
    if len(query) < 2:
        return []
    found = Node.objects.filter(kind=NodeKind.COMMUNITY).filter(
        Q(name__icontains=query) | Q(name_en__icontains=query) | Q(code=query)
    )
    return list(found.select_related("parent").order_by("path")[:SEARCH_RESULTS])


def community_label(node: Node) -> str:
    parent = node_label(node.parent) if node.parent_id and node.parent else ""
    return f"{node_label(node)} · {parent}" if parent else node_label(node)


class RegisterForm(forms.Form):
    community = forms.IntegerField(widget=forms.HiddenInput)
    party_org_name = forms.CharField(
        label=_("Your own party organisation"),
        max_length=120,
        required=False,
        help_text=_("Where your membership is kept, e.g. the party branch of your workplace."),
    )
    work_unit = forms.CharField(label=_("Where you work"), max_length=120, required=False)
    skills = forms.CharField(
        label=_("Skills and what you can offer"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_community(self) -> Node:
        node = Node.objects.filter(pk=self.cleaned_data["community"]).first()
        if node is None or node.kind != NodeKind.COMMUNITY:
            raise forms.ValidationError(_("Choose your community from the list."))
        return node


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    name_en = forms.CharField(label=_("English name"), max_length=150, required=False)
    name_mn = forms.CharField(label=_("Mongolian name"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=TeamKind.choices)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    monthly_minimum = forms.IntegerField(
        label=_("Themed activities a month (at least)"),
        min_value=0,
        max_value=teams.MAX_MONTHLY_MINIMUM,
        initial=1,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any = None, team: Team | None = None, **kw: Any):
        if team is not None and "initial" not in kw:
            kw["initial"] = {
                "name": team.organisation.name,
                "name_en": team.name_en,
                "name_mn": team.name_mn,
                "kind": team.kind,
                "theme": team.theme,
                "monthly_minimum": team.monthly_minimum,
                "active": team.active,
            }
        super().__init__(*args, **kw)
        self.place_choices: list[tuple[int, str]] = []
        if team is None:
            # A new team: at a place the user organises (communities and towns of the scope).
            kinds = (NodeKind.TOWN, NodeKind.COMMUNITY, NodeKind.BIG_GRID)
            places = within_scope(Node.objects.filter(kind__in=kinds), user, write=True)
            choices = [
                (n.pk, n.name) for n in places.order_by("path")[:500] if teams.organises(user, n)
            ]
            self.place_choices = choices
            self.fields["node"] = forms.TypedChoiceField(
                label=_("Place"), choices=choices, coerce=int
            )
            del self.fields["active"]


class PersonChoiceForm(forms.Form):
    """One of `people` (id, label), e.g. a team's candidates."""

    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    title = forms.CharField(
        label=pgettext_lazy("position in a team", "Title"), max_length=60, required=False
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = self.fields["person"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *people]

    def chosen(self) -> Person:
        return Person.objects.get(pk=self.cleaned_data["person"])


def person_choices(people: Any) -> list[tuple[int, str]]:
    """(id, "name · 138****1234") for a choice list, read as values."""
    return [
        (pk, f"{name} · {mask_mobile(mobile)}" if mobile else name)
        for pk, name, mobile in people.values_list("pk", "name", "mobile")[:1000]
    ]
