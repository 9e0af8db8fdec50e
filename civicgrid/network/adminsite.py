"""The set-up admin is for superusers only.

Django's admin lets in anyone with `is_staff` and then trusts model permissions, which know
nothing of the scope rule: a league's administrator with the staff flag could tick
`is_superuser` on their own person and see every league (issue 11). Scoping every admin page
by the scope rule would be a second implementation of it; set-up is the work of the few people
who run the server, so the admin simply answers only to superusers. Everyone else works in the
console, where every page goes through `network/scope.py`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest


class SuperuserAuthenticationForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not user.is_superuser:
            # The admin's own words for a staff flag missing: nothing more is said.
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class SuperuserAdminSite(admin.AdminSite):
    login_form = SuperuserAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)
