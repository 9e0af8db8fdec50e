"""What the services' console pages share: who may open them (staff, a unit's people, and a
provider who gives a service though they hold no staff role: the tailor with their phone)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from civicgrid.network.models import Membership, Person
from civicgrid.network.scope import is_staff_user
from civicgrid.services import access


def console_or_provider(view: Any) -> Any:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        allowed = isinstance(user, Person) and (
            is_staff_user(user)
            or Membership.objects.filter(person=user).exists()
            or bool(access.provider_ids(user))
        )
        if not allowed:
            return render(request, "network/no_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
