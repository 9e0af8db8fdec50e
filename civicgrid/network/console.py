"""What every staff console page asks first, whichever app serves it (needs, insights, privacy):
who the person is, and whether they may come in at all."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from civicgrid.network.models import Membership, Person
from civicgrid.network.scope import is_staff_user

View = Callable[..., HttpResponseBase]


def person(request: HttpRequest) -> Person:
    """The logged-in person (precondition: the view is behind a login check)."""
    user = request.user
    assert isinstance(user, Person)
    return user


def console_required(view: View) -> View:
    """Logged in, and holding a staff role or belonging to an organisation (a member unit's
    people hold no role but handle the needs dispatched to their unit)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        # The roles are read once a request anyway (scope.role_paths); the memberships only
        # for someone who holds no staff role.
        if not (
            is_staff_user(user)
            or (isinstance(user, Person) and Membership.objects.filter(person=user).exists())
        ):
            return render(request, "network/no_role.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
