"""Forms of the staff console and the set-up admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from civicgrid.network.geo import BadPolygon, parse_polygon
from civicgrid.network.models import Node, Person


class MobileLoginForm(AuthenticationForm):
    """Log in with a mobile number. The error never says which of the two was wrong."""

    error_messages = {
        "invalid_login": _("Mobile number or password is incorrect."),
        # Same words on purpose: telling "inactive" apart would confirm the number exists.
        "inactive": _("Mobile number or password is incorrect."),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Mobile number")
        username.widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "username", "maxlength": "11"}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class NodeAdminForm(forms.ModelForm):
    class Meta:
        model = Node
        fields = ("code", "name", "name_en", "name_mn", "kind", "parent", "lat", "lon", "polygon")

    def clean_parent(self) -> Node | None:
        parent: Node | None = self.cleaned_data.get("parent")
        node = self.instance
        if parent is not None and node.pk and parent.path.startswith(node.path):
            raise forms.ValidationError(
                _("A node cannot move under itself or anything inside its own subtree.")
            )
        return parent

    def clean_polygon(self) -> Any:
        polygon = self.cleaned_data.get("polygon")
        if polygon in (None, "", {}):
            return None
        try:
            parse_polygon(polygon)
        except BadPolygon as exc:
            raise forms.ValidationError(
                _("This is not a usable polygon: %(reason)s"), params={"reason": str(exc)}
            ) from exc
        return polygon


class PersonCreationForm(AdminUserCreationForm):
    class Meta:
        model = Person
        fields = ("mobile", "name")


class PersonChangeForm(UserChangeForm):
    class Meta:
        model = Person
        fields = "__all__"
