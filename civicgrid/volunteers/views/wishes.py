"""Pages of micro-wishes (微心愿).

The console (/console/serve/wishes/…): the list in the staff's scope, the post form, a wish's
page with its timeline, its actions (confirm, send back, withdraw) and the person's phone,
masked until revealed (each reveal logged, as `needs/reveal.py` does).

The public (/serve/wishes/…): a community's wall of wishes (and the same as JSON), which shows
only what `selectors_wishes.public_card` lets out; a member claims there, and on "my wishes"
gives a wish back or says how it was fulfilled (with a photo); the person the wish is for
confirms it with a code texted to the phone left with the wish.

Views parse, check access, call one command or selector and render. Domain errors keep their
status (400/403/409) and are shown on the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from civicgrid.core import once, phonecode, ratelimit
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.core.models import RevealLog
from civicgrid.core.views import too_many_requests
from civicgrid.needs.reveal import phone_paths
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node, Organisation, Person, mask_mobile, node_label
from civicgrid.network.scope import within_paths
from civicgrid.volunteers import access, selectors_wishes, wishes
from civicgrid.volunteers.models import Wish, WishState

PAGE_SIZE = 50
T = "volunteers/wishes/"

DONE: dict[str, Any] = {
    wishes.Action.CONFIRM: gettext_lazy("Confirmed: the wish is fulfilled."),
    wishes.Action.RETURN: gettext_lazy("Sent back to the member who claimed it."),
    wishes.Action.WITHDRAW: gettext_lazy("Withdrawn."),
}


# --- Forms ----------------------------------------------------------------------------------


class WishFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("Any state")), *WishState.choices],
    )
    community = forms.TypedChoiceField(
        label=gettext_lazy("Community"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, communities: list[Node], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [  # type: ignore[attr-defined]
            ("", _("Every community")),
            *[(c.pk, c.name) for c in communities],
        ]


class WishPostForm(forms.Form):
    community = forms.TypedChoiceField(label=gettext_lazy("Community"), coerce=int)
    title = forms.CharField(
        label=gettext_lazy("The wish"),
        max_length=120,
        help_text=gettext_lazy("What is wished for, e.g. “a winter coat”, “a school bag”."),
    )
    story = forms.CharField(
        label=gettext_lazy("A few words about it"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    public_name = forms.CharField(
        label=gettext_lazy("Shown to the public as"),
        required=False,
        max_length=40,
        help_text=gettext_lazy(
            "Only a first name or words such as “一位老人”. Left empty: “a resident”."
        ),
    )
    person_name = forms.CharField(
        label=gettext_lazy("The person's name (staff only)"), required=False, max_length=64
    )
    person_mobile = forms.CharField(
        label=gettext_lazy("The person's mobile (staff only, optional)"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("With a number, the person can confirm the wish by a texted code."),
    )
    needed_by = forms.DateField(
        label=gettext_lazy("Wanted by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, communities: list[Node], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.communities = {c.pk: c for c in communities}
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("key", once.new_key())
            if len(communities) == 1:
                self.initial.setdefault("community", communities[0].pk)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FulfilForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("How was it fulfilled?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(label=gettext_lazy("A photo (optional)"), required=False)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("The 6-digit code from the text message"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


# --- The console --------------------------------------------------------------------------


def _by(request: HttpRequest) -> wishes.By:
    return wishes.By(person(request))


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def may_reveal(user: Any, wish: Wish) -> bool:
    """Who reads the person's phone in full (on a button, logged): the staff who serve the
    wish's community, and those who read phones in full there (`needs.reveal.phone_paths`).
    A leader reads it masked."""
    return wishes.serves_community(user, wish.community) or (
        within_paths(phone_paths(user), wish.community.path)
    )


@console_required
@require_safe
def wishes_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = WishFilterForm(request.GET or None, communities=selectors_wishes.communities_seen(user))
    state, community = "", None
    if form.is_valid():
        state = form.cleaned_data["state"] or ""
        community_id = form.cleaned_data["community"]
        community = Node.objects.filter(pk=community_id).first() if community_id else None
    found = selectors_wishes.console_list(user, state=state, community=community)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "wish": w,
            "url": reverse("volunteers:wish_detail", args=[w.pk]),
            "late": w.state == WishState.POSTED and w.needed_by < timezone.localdate(),
        }
        for w in page
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "may_post": access.may_post_wishes(user),
    }
    return render(request, T + "console_list.html", context)


@console_required
def wish_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    communities = selectors_wishes.communities_for_posting(user)
    if not communities:
        raise PermissionDenied(_("Your role may not post wishes."))
    form = WishPostForm(request.POST or None, communities=communities)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            key = data.get("key") or ""
            scope = f"wish-post:{user.pk}"
            try:
                with transaction.atomic():
                    wish = wishes.wish_post(
                        by=_by(request),
                        community=form.communities[data["community"]],
                        title=data["title"],
                        story=data["story"],
                        public_name=data["public_name"],
                        person_name=data["person_name"],
                        person_mobile=data["person_mobile"],
                        needed_by=data["needed_by"],
                    )
                    if once.well_formed(key):
                        once.claim(scope, key, str(wish.pk))
            except IntegrityError:
                first = once.result_of(scope, key)
                if first is None:
                    raise
                return redirect("volunteers:wish_detail", wish_id=int(first))
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The wish is posted on the community's wall."))
                return redirect("volunteers:wish_detail", wish_id=wish.pk)
    return render(request, T + "console_new.html", {"form": form}, status=status)


def _detail_context(
    request: HttpRequest,
    wish: Wish,
    *,
    error: str = "",
    phone: str = "",
    bound: tuple[str, ReasonForm] | None = None,
) -> dict[str, Any]:
    user = request.user
    by = _by(request)
    actions = [a for a in wishes.allowed_actions(wish, by) if a in wishes.STAFF_ACTIONS]
    action_forms = []
    for action in actions:
        form = bound[1] if bound and bound[0] == action else ReasonForm()
        action_forms.append(
            (action, wishes.ACTION_LABELS[action], form, wishes.TRANSITIONS[action].reason_required)
        )
    return {
        "wish": wish,
        "timeline": selectors_wishes.timeline(wish),
        "action_forms": action_forms,
        "may_reveal": may_reveal(user, wish),
        "phone": phone,
        "masked_phone": mask_mobile(wish.person_mobile),
        "error": error,
        "wall_url": reverse("serve:wishes_wall", args=[wish.community.code]),
        "photo_url": (reverse("serve:wish_photo", args=[wish.pk]) if wish.fulfilled_photo else ""),
    }


def _detail(request: HttpRequest, wish: Wish, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render(
        request, T + "console_detail.html", _detail_context(request, wish, **extra), status=status
    )


@console_required
@require_safe
def wish_detail(request: HttpRequest, wish_id: int) -> HttpResponse:
    return _detail(request, access.access_wish(request.user, wish_id))


@console_required
@require_POST
def wish_act(request: HttpRequest, wish_id: int, action: str) -> HttpResponse:
    if action not in wishes.STAFF_ACTIONS:
        raise Http404(_("No such action."))
    wish = access.access_wish(request.user, wish_id, write=True)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    params: dict[str, Any] = {} if action == wishes.Action.CONFIRM else {"reason": reason}
    try:
        wishes.transition(wish, action, _by(request), **params)
    except DomainError as failure:
        wish = access.access_wish(request.user, wish_id)
        if form.is_valid():
            onto_form(form, failure)
        return _detail(
            request, wish, status=failure.status, error=failure.message, bound=(action, form)
        )
    messages.success(request, str(DONE[action]))
    return redirect("volunteers:wish_detail", wish_id=wish.pk)


@console_required
@require_POST
def wish_phone(request: HttpRequest, wish_id: int) -> HttpResponse:
    """Show the person's phone in full in place of its mask; every reveal is logged."""
    wish = access.access_wish(request.user, wish_id)
    if not may_reveal(request.user, wish):
        return _detail(request, wish, status=403, error=_("You may not see this number."))
    RevealLog.objects.create(
        actor=person(request), subject=f"wish:{wish.pk}", field="person_mobile"
    )
    if _is_htmx(request):
        context = {"wish": wish, "phone": wish.person_mobile, "may_reveal": True}
        return render(request, T + "_phone.html", context)
    return _detail(request, wish, phone=wish.person_mobile)


# --- The public wall ----------------------------------------------------------------------


def _community(code: str) -> Node:
    community = selectors_wishes.community_by_code(code)
    if community is None:
        raise Http404(_("No such community."))
    return community


def _wall_context(request: HttpRequest, community: Node, **extra: Any) -> dict[str, Any]:
    user = request.user
    member = access.may_claim_wishes(user)
    board = selectors_wishes.wall(community)
    labels = {
        "waiting": _("Waiting for someone"),
        "claimed": _("Claimed"),
        "fulfilled": _("Fulfilled"),
    }
    return {
        "community": community,
        "groups": [(key, labels[key], cards) for key, cards in board.groups],
        "counts": board.counts,
        "member": member,
        "signed_in": user.is_authenticated,
        "units": selectors_wishes.units_of(user) if isinstance(user, Person) and member else [],
        "login_url": f"{reverse('console:login')}?next={request.path}",
        **extra,
    }


@require_safe
def wishes_wall(request: HttpRequest, code: str) -> HttpResponse:
    community = _community(code)
    return render(request, T + "wall.html", _wall_context(request, community))


@require_safe
def wishes_wall_json(request: HttpRequest, code: str) -> JsonResponse:
    community = _community(code)
    board = selectors_wishes.wall(community)
    return JsonResponse(
        {
            "community": node_label(community),
            "counts": board.counts,
            "groups": {key: [c.as_json() for c in cards] for key, cards in board.groups},
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _member_wish(request: HttpRequest, wish_id: int) -> Wish:
    """A wish on the wall, for a signed-in member's action: 403 to anyone who is no member,
    404 for a wish that is not on any wall."""
    if not access.may_claim_wishes(request.user):
        raise PermissionDenied(
            _("Only party members, volunteers and units' contacts claim wishes.")
        )
    wish = Wish.objects.select_related("community").filter(pk=wish_id).first()
    if wish is None or wish.state == WishState.WITHDRAWN:
        raise Http404(_("No such wish."))
    return wish


@login_required
@require_POST
def wish_claim(request: HttpRequest, wish_id: int) -> HttpResponse:
    wish = _member_wish(request, wish_id)
    unit: Organisation | None = None
    unit_id = request.POST.get("unit", "")
    if unit_id:
        if not unit_id.isdigit():
            raise Http404(_("No such unit."))
        unit = Organisation.objects.filter(pk=int(unit_id)).first()
        if unit is None:
            raise Http404(_("No such unit."))
    try:
        wishes.wish_claim(wish=wish, by=_by(request), unit=unit)
    except DomainError as failure:
        context = _wall_context(request, wish.community, error=failure.message)
        return render(request, T + "wall.html", context, status=failure.status)
    messages.success(request, _("You have claimed this wish. Thank you!"))
    return redirect("serve:wishes_mine")


def _mine_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    user = person(request)
    rows = []
    for wish in selectors_wishes.claimed_by_member(user):
        rows.append(
            {
                "wish": wish,
                "may_fulfil": wishes.may(wish, _by(request), wishes.Action.FULFIL),
                "may_release": wishes.may(wish, _by(request), wishes.Action.RELEASE),
                "form": extra.get("forms", {}).get(wish.pk) or FulfilForm(),
                "wall_url": reverse("serve:wishes_wall", args=[wish.community.code]),
            }
        )
    return {"rows": rows, "member": access.may_claim_wishes(user), **extra}


@login_required
@require_safe
def wishes_mine(request: HttpRequest) -> HttpResponse:
    response = render(request, T + "mine.html", _mine_context(request))
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_POST
def wish_fulfil(request: HttpRequest, wish_id: int) -> HttpResponse:
    wish = _member_wish(request, wish_id)
    form = FulfilForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _mine_context(request, forms={wish.pk: form}, error=_("Check the form below."))
        return render(request, T + "mine.html", context, status=400)
    try:
        wishes.wish_fulfil(
            wish=wish,
            by=_by(request),
            note=form.cleaned_data["note"],
            photo=form.cleaned_data.get("photo"),
        )
    except DomainError as failure:
        onto_form(form, failure)
        context = _mine_context(request, forms={wish.pk: form}, error=failure.message)
        return render(request, T + "mine.html", context, status=failure.status)
    messages.success(request, _("Thank you! The community will confirm it."))
    return redirect("serve:wishes_mine")


@login_required
@require_POST
def wish_release(request: HttpRequest, wish_id: int) -> HttpResponse:
    wish = _member_wish(request, wish_id)
    try:
        wishes.wish_release(wish=wish, by=_by(request))
    except DomainError as failure:
        context = _mine_context(request, error=failure.message)
        return render(request, T + "mine.html", context, status=failure.status)
    messages.success(request, _("You gave the wish back: someone else may claim it now."))
    return redirect("serve:wishes_mine")


# --- The person confirms by a texted code ---------------------------------------------------

CONFIRM_PURPOSE = "wish-confirm:%d"


def _limited(request: HttpRequest, scope: str) -> HttpResponse | None:
    wait = ratelimit.hit(
        scope,
        ratelimit.client_ip(request),
        limit=settings.RESIDENT_CODE_LIMIT,
        per=settings.RESIDENT_CODE_WINDOW,
    )
    return too_many_requests(request, wait) if wait else None


def wish_confirm(request: HttpRequest, wish_id: int) -> HttpResponse:
    """Step 1 texts a code to the phone left with the wish; step 2 (the code) confirms it."""
    card = selectors_wishes.public_wish(wish_id)
    if card is None:
        raise Http404(_("No such wish."))
    wish = Wish.objects.select_related("community").get(pk=wish_id)
    form = CodeForm(request.POST if request.method == "POST" else None)
    step = "start"
    status = 200
    if wish.state == WishState.CONFIRMED:
        step = "done"
    elif wish.state != WishState.FULFILLED or not wish.person_mobile:
        step = "not_now"
    elif request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        purpose = CONFIRM_PURPOSE % wish.pk
        if code:
            refused = _limited(request, "wish-confirm-check")
            if refused:
                return refused
            step = "code"
            checked = phonecode.check(wish.person_mobile, purpose=purpose, code=code)
            if checked is phonecode.Checked.OK:
                try:
                    wishes.wish_confirm(wish=wish, by=wishes.BENEFICIARY)
                    step = "done"
                except DomainError as failure:
                    form.add_error(None, failure.message)
                    status = failure.status
            elif checked is phonecode.Checked.WRONG:
                form.add_error(
                    "code", _("That code is not right. Check the text message and type it again.")
                )
                status = 400
            else:
                form.add_error(
                    "code",
                    _(
                        "This code can no longer be used: it expired, was used, or was typed "
                        "wrong too often. Ask for a new one."
                    ),
                )
                status = 400
        else:
            refused = _limited(request, "wish-confirm-send")
            if refused:
                return refused
            text = _(
                "CivicGrid: your code is %(code)s. It confirms that your wish was fulfilled, "
                "within 10 minutes. Staff never ask you for it."
            )
            wait = phonecode.send(wish.person_mobile, purpose=purpose, text=text)
            if wait:
                return too_many_requests(request, wait)
            step = "code"
    response = render(
        request, T + "confirm.html", {"card": card, "form": form, "step": step}, status=status
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def wish_photo(request: HttpRequest, wish_id: int) -> FileResponse:
    """The fulfilment's photo: public once the wish is confirmed; before, for the staff who
    see the wish and for its claimer."""
    wish = Wish.objects.select_related("community").filter(pk=wish_id).first()
    if wish is None or not wish.fulfilled_photo or wish.state == WishState.WITHDRAWN:
        raise Http404(_("No such photo."))
    user = request.user
    if wish.state != WishState.CONFIRMED and not (
        access.may_see_wish(user, wish)
        or (
            isinstance(user, Person)
            and wishes.Actor.CLAIMER in wishes.actor_kinds(wish, wishes.By(user))
        )
    ):
        raise Http404(_("No such photo."))
    response = FileResponse(wish.fulfilled_photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = (
        "public, max-age=3600" if wish.state == WishState.CONFIRMED else "private, max-age=600"
    )
    return response


console_urls: list[URLPattern] = [
    path("wishes/", wishes_list, name="wishes_list"),
    path("wishes/new/", wish_new, name="wish_new"),
    path("wishes/<int:wish_id>/", wish_detail, name="wish_detail"),
    path("wishes/<int:wish_id>/phone/", wish_phone, name="wish_phone"),
    path("wishes/<int:wish_id>/<str:action>/", wish_act, name="wish_act"),
]
public_urls: list[URLPattern] = [
    path("wishes/mine/", wishes_mine, name="wishes_mine"),
    path("wishes/c/<str:code>/", wishes_wall, name="wishes_wall"),
    path("wishes/c/<str:code>/json/", wishes_wall_json, name="wishes_wall_json"),
    path("wishes/<int:wish_id>/claim/", wish_claim, name="wish_claim"),
    path("wishes/<int:wish_id>/release/", wish_release, name="wish_release"),
    path("wishes/<int:wish_id>/fulfil/", wish_fulfil, name="wish_fulfil"),
    path("wishes/<int:wish_id>/confirm/", wish_confirm, name="wish_confirm"),
    path("wishes/<int:wish_id>/photo/", wish_photo, name="wish_photo"),
]
