"""Forms of the resident pages. They parse what was typed and put each message next to its
field; the rules themselves are the service's (`services.clean_*`, `photos.clean_photos`,
`services.locate`), so a need raised here is checked exactly as one from the API."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Invalid
from civicgrid.needs import services
from civicgrid.needs.models import Category, CategoryQuestion, Priority, QuestionKind, Rating
from civicgrid.needs.photos import clean_photos
from civicgrid.network.models import Node, NodeKind, Person, node_label

# Where a service error is shown: its code → the field it is about.
FIELD_FOR_CODE = {
    "required": "description",
    "too_long": "description",
    "phone_required": "contact_phone",
    "phone_invalid": "contact_phone",
    "photo_too_large": "photos",
    "photo_not_image": "photos",
    "too_many_photos": "photos",
    "no_place": "place",
    "outside_grids": "place",
    "bad_location": "place",
}


# The resident page's own limit on descriptions, below the intake's (the Open311 spec's 4,000):
# typed on a phone, read out on a call.
RESIDENT_MAX_DESCRIPTION = 2000

# Past this many small grids the picker offers communities only (their dispatcher routes the
# need on): a list of every grid of a city would make the page too heavy for a slow phone.
PICKER_MAX_GRIDS = 400


@dataclass(frozen=True)
class Binding:
    """What a QR code bound the intake to: a place, and the person whose code it was."""

    node: Node | None = None
    person: Person | None = None

    @property
    def from_qr(self) -> bool:
        return self.node is not None


@dataclass(frozen=True)
class PlaceGroup:
    label: str
    options: list[tuple[str, str]]


@dataclass
class CategoryGroup:
    parent: Category | None
    categories: list[Category] = field(default_factory=list)


def category_groups() -> list[CategoryGroup]:
    """What residents choose from: the leaves shown to them, under their parent's name."""
    shown = list(Category.objects.filter(is_active=True, shown_to_residents=True))
    children: dict[int, list[Category]] = defaultdict(list)
    for c in shown:
        if c.parent_id:
            children[c.parent_id].append(c)
    groups = []
    loose = CategoryGroup(parent=None)
    for c in shown:
        if children[c.pk]:
            groups.append(CategoryGroup(parent=c, categories=children[c.pk]))
        elif c.parent_id is None or c.parent_id not in {s.pk for s in shown}:
            loose.categories.append(c)
    return groups + ([loose] if loose.categories else [])


def place_groups() -> list[PlaceGroup]:
    """The picker without JavaScript: one group per community ("town · community"), offering
    the community itself and its small grids. Two queries whatever the size of the tree."""
    communities = list(Node.objects.filter(kind=NodeKind.COMMUNITY).select_related("parent"))
    grids_of: dict[int, list[Node]] = {c.pk: [] for c in communities}
    grids = Node.objects.filter(kind=NodeKind.SMALL_GRID).only(
        "id", "code", "name", "name_en", "name_mn", "path"
    )
    if grids.count() > PICKER_MAX_GRIDS:
        grids = grids.none()  # a city-sized network: communities only, the page stays light
    for grid in grids:
        for ancestor in grid.ancestor_ids():
            if ancestor in grids_of:
                grids_of[ancestor].append(grid)
                break
    groups = []
    for community in communities:
        name = node_label(community)
        town = node_label(community.parent) if community.parent else ""
        options = [(community.code, _("%(name)s (not sure which grid)") % {"name": name})]
        options += [(g.code, node_label(g)) for g in grids_of[community.pk]]
        groups.append(PlaceGroup(f"{town} · {name}" if town else name, options))
    return groups


def mobile_field(help_text: Any) -> forms.CharField:
    """A mobile number typed on a phone: the numeric keypad, the browser's autofill. Checked
    by `services.clean_phone` in the form's clean."""
    return forms.CharField(
        label=gettext_lazy("Mobile number"),
        help_text=help_text,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
    )


class RaiseForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What is the problem?"),
        help_text=gettext_lazy("Say what happened and where exactly, in your own words."),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    urgent = forms.BooleanField(
        label=gettext_lazy("Urgent: someone's safety or health is at risk"), required=False
    )
    place = forms.ChoiceField(label=gettext_lazy("Choose your place"), required=False)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, widget=forms.HiddenInput)
    contact_phone = mobile_field(
        gettext_lazy("11 digits. We call you back on this number; it is not shown.")
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Your name (optional)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Hide my name from the people handling it"), required=False
    )
    # A one-time key drawn when the form is shown (core/once.py): sent twice, one need.
    once = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        category: Category,
        binding: Binding,
        groups: list[PlaceGroup],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        self.binding = binding
        self.questions: list[CategoryQuestion] = list(category.questions.all())
        self.node: Node | None = None
        self.photo_files: list[Any] = []
        self.photo_errors: list[str] = []
        place = self.fields["place"]
        assert isinstance(place, forms.ChoiceField)
        place.choices = [("", _("— choose —"))] + [(g.label, g.options) for g in groups]
        for q in self.questions:
            self.fields[f"answer_{q.key}"] = self._question_field(q)

    @staticmethod
    def _question_field(q: CategoryQuestion) -> forms.Field:
        label = q.text if q.required else _("%(q)s (optional)") % {"q": q.text}
        if q.kind == QuestionKind.CHOICE:
            return forms.ChoiceField(
                label=label,
                required=False,
                choices=q.choice_options(),
                widget=forms.RadioSelect,
            )
        attrs = {"inputmode": "decimal"} if q.kind == QuestionKind.NUMBER else {}
        return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))

    @property
    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"answer_{q.key}"] for q in self.questions]

    def _check(self, field: str, check: Any) -> Any:
        try:
            return check()
        except Invalid as exc:
            self._error(field, exc.message)
            return None

    def _error(self, field: str | None, message: str) -> None:
        if field == "photos":
            # Not a form field: browsers cannot send files back, so there is no value to keep.
            self.photo_errors.append(message)
        else:
            self.add_error(field, message)

    def is_valid(self) -> bool:
        return super().is_valid() and not self.photo_errors

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check(
            "description",
            lambda: services.clean_text(
                data.get("description", ""),
                field=_("Description"),
                limit=RESIDENT_MAX_DESCRIPTION,
            ),
        )
        try:
            services.clean_answers(self.category, self.answers())
        except Invalid as exc:
            self.add_domain_error(exc)
        self._check(
            "contact_phone",
            lambda: services.clean_phone(data.get("contact_phone", ""), required=True),
        )
        self._check(
            "contact_name",
            lambda: services.clean_text(
                data.get("contact_name", ""), field=_("Name"), required=False, limit=64
            ),
        )
        self.photo_files = list(self.files.getlist("photos")) if self.files else []
        self._check("photos", lambda: clean_photos(self.photo_files))
        self._clean_place(data)
        return data

    def _clean_place(self, data: dict[str, Any]) -> None:
        code = data.get("place") or ""
        chose = bool(code or data.get("lat") or data.get("lon"))
        # A poster's place unless the resident chose another on its form (the scan's channel
        # and person stay with the need either way: `raise_kwargs`).
        if self.binding.node is not None and not chose:
            self.node = self.binding.node
            return
        if code:
            self.node = Node.objects.filter(code=code).first()
            return
        lat, lon = self.point()
        if (data.get("lat") or data.get("lon")) and (lat is None or lon is None):
            self._error("place", _("We could not read your location. Choose your place."))
            return
        if lat is None or lon is None:
            return  # no place, no point: accepted, unplaced, at the top of the region
        try:
            services.locate(node=None, lat=lat, lon=lon)
        except Invalid as exc:
            if exc.code != "outside_grids":  # outside every grid: accepted, unplaced
                self._error("place", exc.message)

    def point(self) -> tuple[float | None, float | None]:
        try:
            return float(self.data.get("lat", "")), float(self.data.get("lon", ""))
        except ValueError:
            return None, None

    def answers(self) -> dict[str, str]:
        return {q.key: self.data.get(f"answer_{q.key}", "") for q in self.questions}

    def add_domain_error(self, exc: Invalid) -> None:
        """Show a service's refusal next to the field it is about."""
        question = exc.details.get("question")
        if question and f"answer_{question}" in self.fields:
            self._error(f"answer_{question}", exc.message)
        else:
            self._error(FIELD_FOR_CODE.get(exc.code), exc.message)

    @property
    def photos_sent(self) -> bool:
        return bool(self.files and self.files.getlist("photos"))

    def summary(self) -> list[tuple[str, str]]:
        """(field id, message) for the list of problems at the top of the form."""
        rows: list[tuple[str, str]] = []
        for name, errors in self.errors.items():
            if name == "__all__":
                rows += [("", str(e)) for e in errors if str(e)]
                continue
            target = str(self[name].auto_id) if name in self.fields else ""
            rows += [(target, str(e)) for e in errors]
        rows += [("id_photos", message) for message in self.photo_errors]
        return rows

    def raise_kwargs(self) -> dict[str, Any]:
        """What the service needs, as typed (it checks everything again)."""
        data = self.cleaned_data
        lat, lon = (None, None) if self.node is not None else self.point()
        return {
            "description": data.get("description", ""),
            "priority": Priority.URGENT if data.get("urgent") else Priority.NORMAL,
            "answers": self.answers(),
            "node": self.node,
            "lat": lat,
            "lon": lon,
            "contact_phone": data.get("contact_phone", ""),
            "contact_name": data.get("contact_name", ""),
            "anonymous": bool(data.get("anonymous")),
            "photos": self.photo_files,
            "source_person": self.binding.person,
            # Never turned away for where it is: without a place, or outside every grid, the
            # need waits at the top of the region for its dispatchers to place it.
            "unplaced_at": None if self.node is not None else services.region_root(),
        }


class OwnerForm(forms.Form):
    """Proof that the person acting holds the tracking link (its key) or knows the last four
    digits of the phone left with the need."""

    k = forms.CharField(required=False, widget=forms.HiddenInput)
    last4 = forms.CharField(
        label=gettext_lazy("Last 4 digits of the mobile number you left"),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4}
        ),
    )


class RatingForm(OwnerForm):
    rating = forms.ChoiceField(
        label=gettext_lazy("How satisfied are you with the result?"),
        choices=[
            (Rating.SATISFIED, Rating.SATISFIED.label),
            (Rating.FAIR, Rating.FAIR.label),
            (Rating.DISSATISFIED, Rating.DISSATISFIED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how satisfied you are.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        help_text=gettext_lazy("If you are not satisfied, tell us what is still wrong."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(OwnerForm):
    sure = forms.BooleanField(
        label=gettext_lazy("Yes, I no longer need help with this"),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Why (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnswerForm(OwnerForm):
    """The resident's answer to staff's question (the tracking link only)."""

    comment = forms.CharField(
        label=gettext_lazy("Your answer"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write your answer.")},
    )


class MessagesForm(OwnerForm):
    """Stop or resume the messages about the need (the tracking link only): nothing to fill."""


class TrackForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Tracking number"),
        help_text=gettext_lazy("8 letters and digits, e.g. K7M4-QXP2"),
        max_length=20,
        error_messages={"required": gettext_lazy("Type the number from your receipt.")},
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )


class FindByPhoneForm(forms.Form):
    """A lost receipt: the mobile number left with the needs, then the code texted to it."""

    phone = mobile_field(gettext_lazy("The number you left when you raised the need."))
    code = forms.CharField(
        label=gettext_lazy("Code from the text message"),
        help_text=gettext_lazy("6 digits. It works once, for 10 minutes."),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}
        ),
    )

    def clean_phone(self) -> str:
        try:
            return services.clean_phone(self.cleaned_data.get("phone", ""), required=True)
        except Invalid as exc:
            raise forms.ValidationError(exc.message) from exc
