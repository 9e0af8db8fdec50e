"""Forms of the personal data requests page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class ExportForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    format = forms.ChoiceField(
        label=_("File"), choices=[("json", "JSON"), ("xlsx", _("Excel workbook"))]
    )
    reason = forms.CharField(label=_("Request (who asked, how)"), max_length=200, required=False)


class AnonymiseForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    number = forms.CharField(label=_("or tracking number"), max_length=20, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    sure = forms.BooleanField(
        label=_("I understand that the personal data cannot be brought back."), required=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("phone")) == bool(data.get("number")):
            raise forms.ValidationError(_("Give a mobile number or a tracking number, not both."))
        return data
