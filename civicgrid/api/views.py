"""The token page of the console (/console/tokens/): list your tokens, make one (shown once,
never again: only its hash is kept), revoke one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicgrid.api import services
from civicgrid.api.models import ApiToken
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.network.console import person


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=60,
        help_text=gettext_lazy("What the token is for, e.g. “hotline system”."),
    )


# never_cache: the page that shows a new token must not be kept by the browser or a proxy.
@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_token = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _row, new_token = services.token_create(
                    person=person(request), name=form.cleaned_data["name"]
                )
            except DomainError as failure:
                form.add_error("name", failure.message)
                status = failure.status
            else:
                form = TokenForm()
        else:
            status = 400
    tokens = ApiToken.objects.filter(person=person(request)).only(
        "id", "name", "prefix", "created_at", "last_used_at", "revoked_at"
    )
    context = {
        "form": form,
        "tokens": tokens,
        "new_token": new_token,
        "may_hold_token": services.may_hold_token(person(request)),
    }
    return render(request, "api/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponseRedirect:
    try:
        row = services.token_revoke(person=person(request), token_id=token_id)
    except NotFound:
        raise Http404(_("No such token.")) from None
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": row.name})
    return redirect("tokens:list")
