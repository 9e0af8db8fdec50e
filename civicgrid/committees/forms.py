"""Forms of the committees' console pages: they parse; the rules are the services'."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.committees.consultations import TaskSpec
from civicgrid.committees.models import GoalMeasure, PledgeKind
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.network.models import Organisation, Person, UnitKind


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Unit name"), max_length=120)
    unit_kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)


class ContactForm(forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=64)
    mobile = forms.CharField(label=_("Mobile number"), max_length=11)
    title = forms.CharField(label=_("Title"), max_length=60, required=False)


class PledgeForm(forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=PledgeKind.choices)
    description = forms.CharField(label=_("What"), max_length=160)
    quantity = forms.IntegerField(label=_("How many"), min_value=1, max_value=100000, initial=1)


class PledgeChangeForm(forms.Form):
    quantity = forms.IntegerField(label=_("How many"), min_value=1, max_value=100000)
    active = forms.BooleanField(label=_("Offered"), required=False)


class GoalForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Goal"), max_length=160)
    measure = forms.ChoiceField(label=_("Tracked by"), choices=GoalMeasure.choices)
    target = forms.DecimalField(label=_("Target"), min_value=0, max_digits=12, decimal_places=2)
    unit_label = forms.CharField(label=_("Unit of measure"), max_length=16, required=False)


class FigureForm(forms.Form):
    value = forms.DecimalField(
        label=_("Figure so far"), min_value=0, max_digits=12, decimal_places=2
    )


class AskForm(forms.Form):
    unit = forms.ChoiceField(label=_("For the unit"))
    number = forms.CharField(label=_("Need number"), max_length=12)
    note = forms.CharField(label=_("Why"), max_length=300, required=False)

    def __init__(self, *args: Any, units: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "unit", [(u.pk, u.name) for u in units])


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=160)
    detail = forms.CharField(
        label=_("Detail"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    unit = forms.ChoiceField(label=_("Member unit"))
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due = forms.DateField(label=_("Deadline"), widget=_date())
    goal = forms.ChoiceField(label=_("From the goal"), required=False)
    need = forms.CharField(label=_("From the need (number)"), max_length=12, required=False)
    resolves_need = forms.BooleanField(
        label=_("Verifying it resolves the need (a need the committee is consulting on)"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        units: list[Organisation],
        owners: list[Person],
        goals: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "unit", [(u.pk, u.name) for u in units])
        _set_choices(
            self, "owner", [("", _("The unit's people"))] + [(p.pk, p.name) for p in owners]
        )
        _set_choices(self, "goal", [("", "—")] + [(pk, title) for pk, title in goals])

    def clean_due(self) -> dt.date:
        day: dt.date = self.cleaned_data["due"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The deadline must be today or later."))
        return day


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResultForm(forms.Form):
    result = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VerifyForm(forms.Form):
    public_reply = forms.CharField(
        label=_("What the resident reads (for a task that resolves a need)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReassignForm(forms.Form):
    unit = forms.ChoiceField(label=_("Member unit"))
    due = forms.DateField(label=_("Deadline"), widget=_date())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args: Any, units: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "unit", [(u.pk, u.name) for u in units])


class ArrangeForm(forms.Form):
    units = forms.MultipleChoiceField(
        label=_("Units involved"), widget=forms.CheckboxSelectMultiple
    )
    held_on = forms.DateField(label=_("Consultation date"), widget=_date(), required=False)

    def __init__(self, *args: Any, units: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "units", [(u.pk, u.name) for u in units])


class ContributionForm(forms.Form):
    unit = forms.ChoiceField(label=_("For the unit"))
    text = forms.CharField(
        label=_("What the unit contributes"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, units: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "unit", [(u.pk, u.name) for u in units])


class ConsultationDecisionForm(forms.Form):
    """The consultation's decision and what the resident reads; its tasks are `TaskRows`."""

    text = forms.CharField(
        label=pgettext_lazy("committee", "Decision"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.CharField(
        label=_("What the resident reads"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("The decision the community receives (the resident reads it)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- A decision's tasks: who does what by when (meetings and consultations) ---------------


class TaskRowForm(forms.Form):
    unit = forms.ChoiceField(label=_("Member unit"), required=False)
    title = forms.CharField(label=_("Task"), max_length=160, required=False)
    due = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    resolves_need = forms.BooleanField(label=_("Resolves the need"), required=False)

    def __init__(self, *args: Any, units: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "unit", [("", "—")] + [(str(u.pk), u.name) for u in units])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = data.get("unit") or data.get("title") or data.get("due")
        if filled:
            for name, message in (
                ("unit", _("Choose the unit.")),
                ("title", _("Say what the task is.")),
                ("due", _("Give the deadline.")),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data


TaskRows = forms.formset_factory(TaskRowForm, extra=3, max_num=10, absolute_max=10)


def end_of_day(day: dt.date) -> dt.datetime:
    """A deadline given as a date is the end of that working day (18:00, local time)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(18, 0)))


def task_specs(rows: Any, units: list[Organisation]) -> list[TaskSpec]:
    by_id = {str(u.pk): u for u in units}
    specs = []
    for row in rows:
        data = row.cleaned_data
        if not data or not data.get("title"):
            continue
        specs.append(
            TaskSpec(
                unit=by_id[data["unit"]],
                title=data["title"],
                due=end_of_day(data["due"]),
                resolves_need=bool(data.get("resolves_need")),
            )
        )
    return specs


def decision_error_onto(form: forms.Form, rows: Any, error: DomainError) -> None:
    """A task's error (its deadline, its unit) goes on the first filled row; the rest on the
    decision's form."""
    fields = error.details.get("fields") or {}
    row_fields = {"unit", "title", "due", "resolves_need", "owner"}
    if set(fields) & row_fields:
        for row in rows:
            if row.cleaned_data and row.cleaned_data.get("title"):
                for name, problems in fields.items():
                    if name in row_fields and name in row.fields:
                        for problem in problems:
                            row.add_error(name, problem)
                    elif name in form.fields:
                        for problem in problems:
                            form.add_error(name, problem)
                return
    if "tasks" in fields:
        form.add_error(None, error.message)
        return
    onto_form(form, error)
