"""Resident pages, no account needed: raise a need in two steps, get a receipt, follow it on
its tracking page, rate the result or withdraw it. Views parse, call one service, render."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicgrid.core import once, phonecode, ratelimit
from civicgrid.core.dbrouter import replica_reads
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.hashing import keyed_digest
from civicgrid.core.i18n import localised
from civicgrid.core.views import limited, too_many_requests
from civicgrid.needs import events, publication, selectors, services, workflow
from civicgrid.needs.access import resident_category
from civicgrid.needs.forms_resident import (
    AnswerForm,
    Binding,
    FindByPhoneForm,
    MessagesForm,
    OwnerForm,
    RaiseForm,
    RatingForm,
    TrackForm,
    WithdrawForm,
    category_groups,
    place_groups,
)
from civicgrid.needs.models import FINAL_STATES, Channel, Need, NeedEvent, NeedPhoto, Rating
from civicgrid.needs.qr import QR_NODE_KINDS, QR_PERSON_ROLES
from civicgrid.needs.tracking import key_ok, tracking_key, tracking_url
from civicgrid.needs.words import (
    CONSULTATION_EVENT,
    CONSULTING,
    CONSULTING_WORDS,
    EVENT_WORDS,
    STATE_WORDS,
)
from civicgrid.network.models import (
    Node,
    Role,
    RoleBinding,
    mask_mobile,
    node_label,
    place_words,
)

logger = logging.getLogger("civicgrid.needs.resident")


# --- Raising a need -------------------------------------------------------------------------


def binding_of(request: HttpRequest) -> Binding:
    """The QR code the resident came from: ?at=<node code> or ?rep=<person id>. A code that
    no longer matches anything binds nothing: the resident chooses the place instead."""
    at = request.GET.get("at", "")
    rep = request.GET.get("rep", "")
    node = Node.objects.filter(code=at, kind__in=QR_NODE_KINDS).first() if at else None
    person = None
    held = holder_binding(int(rep), QR_PERSON_ROLES) if rep.isdigit() else None
    if held is not None:
        person = held.person
        node = node or held.node
    return Binding(node=node, person=person)


def carried(request: HttpRequest) -> str:
    """The QR parameters, kept from step to step."""
    kept = {k: request.GET[k] for k in ("at", "rep") if request.GET.get(k)}
    return f"?{urlencode(kept)}" if kept else ""


def place_of(binding: Binding) -> dict[str, Any]:
    """The words for a pre-bound place and person, for the page."""
    node = binding.node
    return {
        "bound_place": node_label(node) if node else "",
        "bound_service": node.service_name if node else "",
        "bound_person": binding.person.name if binding.person else "",
    }


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "needs/resident/home.html", {"track_form": TrackForm()})


def choose_category(request: HttpRequest) -> HttpResponse:
    binding = binding_of(request)
    context = {"groups": category_groups(), "carry": carried(request), **place_of(binding)}
    return render(request, "needs/resident/choose.html", context)


# The scope of the resident form's one-time keys (core/once.py).
RAISE_ONCE = "resident-raise"


def _receipt_url(number: str) -> str:
    receipt = reverse("resident:receipt", args=[number])
    return f"{receipt}?{urlencode({'k': tracking_key(number)})}"


def raise_need(request: HttpRequest, code: str) -> HttpResponse:
    category = resident_category(code)
    binding = binding_of(request)
    groups = place_groups()  # a poster's form offers them too, under "somewhere else?"
    if request.method == "POST":
        refused = limited(
            request, "resident-raise", settings.RESIDENT_RAISE_LIMIT, settings.RESIDENT_RAISE_WINDOW
        )
        if refused:
            return refused
        # The form's one-time key (drawn when it was shown): a repeat gets the first receipt.
        data = request.POST.copy()
        if not once.well_formed(data.get("once", "")):
            data["once"] = once.new_key()
        key = str(data["once"])
        first = once.result_of(RAISE_ONCE, key)
        if first:
            return redirect(_receipt_url(first))
        form = RaiseForm(data, request.FILES, category=category, binding=binding, groups=groups)
        if form.is_valid():
            try:
                need = services.need_raise(
                    by=workflow.RESIDENT,
                    category=category,
                    channel=Channel.QR if binding.from_qr else Channel.WEB,
                    **form.raise_kwargs(),
                    also=lambda need: once.claim(RAISE_ONCE, key, need.number),
                    language=get_language() or "",
                )
            except Invalid as exc:
                form.add_domain_error(exc)
            except IntegrityError:
                # Two clicks at once: the other request holds the key and its need is kept;
                # this one's was rolled back with the key it failed to write.
                first = once.result_of(RAISE_ONCE, key)
                if first is None:
                    raise
                return redirect(_receipt_url(first))
            else:
                return redirect(_receipt_url(need.number))
    else:
        form = RaiseForm(
            category=category, binding=binding, groups=groups, initial={"once": once.new_key()}
        )
    context = {
        "category": category,
        "form": form,
        "carry": carried(request),
        "found_at": _found_at(form),
        **place_of(binding),
    }
    response = render(request, "needs/resident/form.html", context)
    # Not kept by the browser: going back to the form fetches a fresh one-time key, so a new
    # need typed into it is not taken for a repeat of the last one.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _grid_at(lat: float | None, lon: float | None) -> Node | None:
    """The grid `services.locate` routes a point to, or None outside every grid. Invalid
    for a point that is not one."""
    try:
        return services.locate(node=None, lat=lat, lon=lon)
    except Invalid as exc:
        if exc.code == "outside_grids":
            return None
        raise


def _found_at(form: RaiseForm) -> str:
    """The place a location sent back with the form fell in, in words ("" if none)."""
    if not form.is_bound or form.data.get("place") or "place" in form.errors:
        return ""
    lat, lon = form.point()
    if lat is None or lon is None:
        return ""
    try:
        grid = _grid_at(lat, lon)
    except Invalid:
        return ""
    return place_words(grid) if grid else ""


@require_GET
def where(request: HttpRequest) -> JsonResponse:
    """The grid a location falls in, named for "use my location" to show before sending."""
    try:
        lat, lon = float(request.GET.get("lat", "")), float(request.GET.get("lon", ""))
    except ValueError:
        lat = lon = float("nan")  # refused by services.locate with its own words
    try:
        grid = _grid_at(lat, lon)
    except Invalid as exc:
        return JsonResponse({"message": exc.message}, status=400)
    return JsonResponse({"found": grid is not None, "place": place_words(grid) if grid else ""})


def receipt(request: HttpRequest, number: str) -> HttpResponse:
    # Only the person who raised it arrives with the key; without it the number alone shows
    # the public tracking page, never the link that allows rating and withdrawing.
    need = selectors.by_number(number)
    if need is None or not key_ok(need.number, request.GET.get("k", "")):
        raise Http404("no such receipt")
    link = request.build_absolute_uri(tracking_url(need.number))
    context = {"need": need, "link": link, "place": node_label(need.node)}
    response = render(request, "needs/resident/receipt.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- Tracking -------------------------------------------------------------------------------

# Staff appear on the tracking page by role and place, never by name or number.
ROLE_ORDER = (
    Role.GRID_WORKER,
    Role.UNIT_LEADER,
    Role.COMMUNITY_STAFF,
    Role.COMMITTEE_MEMBER,
    Role.MEMBER_UNIT_CONTACT,
    Role.REPRESENTATIVE,
    Role.PROVIDER,
    Role.PROJECT_BUTLER,
    Role.ADMIN,
    Role.LEADER,
)


@dataclass
class PublicEvent:
    event: NeedEvent
    title: Any
    who: str
    detail: str
    photos: list[NeedPhoto]
    note: str = ""  # as needs/publication.py allows: public replies (and, for the owner, theirs)


def _roles_of(person_ids: set[int]) -> dict[int, str]:
    """Each person's first role in ROLE_ORDER and its place, read as plain values (a place's
    row carries its polygon, which nobody here reads)."""
    if not person_ids:
        return {}
    best: dict[int, tuple[int, str]] = {}
    rows = RoleBinding.objects.filter(person_id__in=person_ids, role__in=ROLE_ORDER)
    for person_id, role, name, name_en, name_mn in rows.values_list(
        "person_id", "role", "node__name", "node__name_en", "node__name_mn"
    ):
        rank = ROLE_ORDER.index(role)
        if person_id not in best or rank < best[person_id][0]:
            place = localised(name, name_en, None, name_mn)
            best[person_id] = (rank, f"{Role(role).label} · {place}")
    return {person_id: words for person_id, (_rank, words) in best.items()}


def public_events(need: Need, *, owner: bool = False) -> list[PublicEvent]:
    """The timeline as the public sees it, or with `owner` as the holder of the need's
    tracking link does (needs/publication.py decides which notes and photos)."""
    timeline = selectors.public_timeline(need)
    roles = _roles_of({t.event.actor_id for t in timeline if t.event.actor_id})
    rows = []
    for t in timeline:
        e = t.event
        if e.actor_kind == "resident":
            who = _("Resident")
        elif e.actor_kind == "system":
            who = _("Automatic")
        elif e.actor_id:
            who = roles.get(e.actor_id, _("Staff"))
        else:
            who = ""
        detail = ""
        data = events.read(e)
        if isinstance(data, events.Dispatched) and data.assignee_org:
            detail = _("To: %(unit)s") % {"unit": data.assignee_org}
        elif isinstance(data, events.Escalated) and data.to and not data.consultation:
            # A level of the network, by its name; a consultation says whose in its title.
            detail = _("To: %(level)s") % {"level": data.to}
        elif (
            e.action == workflow.Action.CONFIRM
            and isinstance(data, events.Rated)
            and data.rating in Rating.values
        ):
            detail = str(Rating(data.rating).label)
        elif isinstance(data, events.Commented) and data.question:
            detail = _("A question for you")
        title = EVENT_WORDS.get(e.action) or workflow.ACTION_LABELS.get(e.action, e.action)
        if isinstance(data, events.Escalated) and data.consultation:
            title = CONSULTATION_EVENT
        note = publication.owner_note(e, need) if owner else publication.public_note(e, need)
        photos = publication.event_photos(e, need, t.photos, owner=owner)
        if e.action == workflow.COMMENT and not note and not photos:
            continue  # an internal note: nothing of it is for this reader, not even a heading
        rows.append(PublicEvent(e, title, who, detail, photos, note))
    return rows


@replica_reads()
def track_lookup(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_valid():
        need = selectors.by_number(form.cleaned_data["number"])
        if need is not None:
            return redirect("resident:track", number=need.number)
        form.add_error("number", _("We found no need with that number. Check it on your receipt."))
    return render(request, "needs/resident/track_lookup.html", {"form": form})


# A lost receipt: the needs of a mobile number, once a code texted to it is typed back.
FIND_BY_PHONE = "find-needs"


def find_by_phone(request: HttpRequest) -> HttpResponse:
    """Step 1 (a number) texts a code, if needs were left with that number: the page says the
    same either way. Step 2 (the number and the code) lists the number's needs with their
    tracking links. Both steps are limited per address, and codes per number."""
    form = FindByPhoneForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "step": "phone"}
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        context.update(step="code", masked=mask_mobile(phone))
        if form.cleaned_data["code"]:
            refused = limited(
                request,
                "find-needs-check",
                settings.RESIDENT_CODE_LIMIT,
                settings.RESIDENT_CODE_WINDOW,
            )
            if refused:
                return refused
            checked = phonecode.check(phone, purpose=FIND_BY_PHONE, code=form.cleaned_data["code"])
            if checked is phonecode.Checked.OK:
                found = [
                    (need, tracking_url(need.number), STATE_WORDS.get(need.state, ""))
                    for need in selectors.needs_of_phone(phone)
                ]
                context.update(step="found", found=found)
            elif checked is phonecode.Checked.WRONG:
                form.add_error(
                    "code", _("That code is not right. Check the text message and type it again.")
                )
            else:
                form.add_error(
                    "code",
                    _(
                        "This code can no longer be used: it expired, was used, or was typed "
                        "wrong too often. Ask for a new one."
                    ),
                )
        else:
            refused = limited(
                request,
                "find-needs-send",
                settings.RESIDENT_CODE_LIMIT,
                settings.RESIDENT_CODE_WINDOW,
            )
            if refused:
                return refused
            text = _(
                "CivicGrid: your code is %(code)s. It shows the needs you left with this number, "
                "once, within 10 minutes. Staff never ask you for it."
            )
            known = selectors.left_needs(phone)
            wait = phonecode.send(phone, purpose=FIND_BY_PHONE, text=text, deliver=known)
            if wait:
                return too_many_requests(request, wait)
    response = render(request, "needs/resident/find_by_phone.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response


# What the last four digits of the phone may stand in for, when the link is lost: rating only.
# Withdrawing needs the link: four digits are 10,000 guesses, and a withdrawal by a stranger
# stops the help someone asked for (staff can restore it, workflow.Action.RESTORE).
LAST4_OPS = frozenset({"rate"})


@dataclass(frozen=True)
class Proof:
    ok: bool
    keyed: bool = False  # by the tracking link's key (not the phone's last four digits)
    wait: int = 0  # seconds to wait: too many tries of the last four digits


def _owner(request: HttpRequest, need: Need, op: str, form: OwnerForm) -> Proof:
    """Whether the person acting owns the need: the tracking link's key, or, for rating, the
    last four digits of the phone left with the need. Those are tried at most
    RESIDENT_LAST4_PER_NEED times per need and RESIDENT_LAST4_PER_ADDRESS times per address
    in each RESIDENT_LAST4_WINDOW, whoever tries, and each try is written in the need's
    timeline for staff (`OWNER_CHECK`, never public) with a keyed digest of the address: the
    log of who tried what belongs with the need, and a resident has no account for the
    RevealLog to name. A success never hands out the key."""
    if key_ok(need.number, form.cleaned_data.get("k", "")):
        return Proof(ok=True, keyed=True)
    last4 = (form.cleaned_data.get("last4") or "").strip()
    if op not in LAST4_OPS or not last4:
        return Proof(ok=False)
    address = ratelimit.client_ip(request)
    per = settings.RESIDENT_LAST4_WINDOW
    wait = max(
        ratelimit.hit(
            "resident-last4-need", need.number, limit=settings.RESIDENT_LAST4_PER_NEED, per=per
        ),
        ratelimit.hit(
            "resident-last4-address", address, limit=settings.RESIDENT_LAST4_PER_ADDRESS, per=per
        ),
    )
    if wait:
        logger.warning("last-4 try refused (too many): need %s from %s", need.number, address)
        return Proof(ok=False, wait=wait)
    phone = need.contact_phone
    ok = len(last4) == 4 and len(phone) >= 4 and constant_time_compare(phone[-4:], last4)
    digest = keyed_digest(address, purpose="client-address")[:12]
    workflow.note(
        need,
        workflow.OWNER_CHECK,
        workflow.RESIDENT,
        data=events.OwnerChecked(op=op, ok=ok, address=digest),
    )
    logger.info("last-4 try %s: need %s from %s", "ok" if ok else "failed", need.number, address)
    return Proof(ok=ok)


def _act(need: Need, op: str, data: dict[str, Any]) -> Any:
    if op in ("stop", "resume"):
        services.need_stop_messages(need=need, stop=op == "stop")
        if op == "stop":
            return _("We will send you no more messages about this need.")
        return _("Messages about this need are on again.")
    if op == "answer":
        services.need_answer(need=need, text=data["comment"])
        return _("Thank you. Your answer was passed to the people handling your need.")
    comment = services.clean_text(
        data.get("comment", ""), field=_("Comment"), required=False, limit=1000
    )
    if op == "withdraw":
        services.need_act(need=need, action="withdraw", by=workflow.RESIDENT, reason=comment)
        return _("Your need is withdrawn. Thank you for telling us.")
    if data["rating"] == Rating.DISSATISFIED:
        services.need_act(need=need, action="reopen", by=workflow.RESIDENT, reason=comment)
        return _("Thank you. Your need is open again and goes back to the people handling it.")
    services.need_act(
        need=need, action="confirm", by=workflow.RESIDENT, rating=data["rating"], reason=comment
    )
    return _("Thank you for your rating. Your need is closed.")


# Read on the replica when there is one: the page many residents reload to follow their need.
# The one who has just raised, rated or withdrawn it reads the primary (core/dbrouter.py).
@replica_reads()
def track(request: HttpRequest, number: str) -> HttpResponse:
    need = selectors.by_number(number)
    if need is None:
        raise Http404("no need with that number")
    key = request.GET.get("k", "")
    if number != need.number:
        query = f"?{urlencode({'k': key})}" if key else ""
        return redirect(f"{reverse('resident:track', args=[need.number])}{query}")
    owner = key_ok(need.number, key)
    initial = {"k": key if owner else ""}
    op = request.POST.get("op", "") if request.method == "POST" else ""
    rating_form = RatingForm(request.POST if op == "rate" else None, initial=initial, prefix="rate")
    withdraw_form = WithdrawForm(
        request.POST if op == "withdraw" else None, initial=initial, prefix="withdraw"
    )
    answer_form = AnswerForm(
        request.POST if op == "answer" else None, initial=initial, prefix="answer"
    )
    messages_form = MessagesForm(
        request.POST if op in ("stop", "resume") else None, initial=initial, prefix="messages"
    )
    form = {
        "rate": rating_form,
        "withdraw": withdraw_form,
        "answer": answer_form,
        "stop": messages_form,
        "resume": messages_form,
    }.get(op)
    status, problem = 200, ""
    if request.method == "POST":
        refused = limited(
            request, "resident-track", settings.RESIDENT_TRACK_LIMIT, settings.RESIDENT_TRACK_WINDOW
        )
        if refused:
            return refused
    if form is not None and form.is_valid():
        answered = _owner_action(request, need, op, form)
        if isinstance(answered, HttpResponse):
            return answered
        status, problem = answered
    shown = need.merged_into if need.merged_into_id and need.merged_into else need
    allowed = workflow.allowed_actions(need, workflow.RESIDENT)
    timeline = public_events(shown, owner=owner and shown.pk == need.pk)
    consulting = publication.consulting(shown)
    context = {
        "need": need,
        "shown": shown,
        "place": node_label(shown.node),
        "state_name": CONSULTING if consulting else shown.get_state_display(),
        "state_words": CONSULTING_WORDS if consulting else STATE_WORDS.get(shown.state, ""),
        # The owner's rights are over their own need, not the one it was merged into.
        "events": timeline,
        "public_description": publication.public_description(shown),
        "photo_key": tracking_key(need.number) if owner else "",
        "owner": owner,
        "problem": problem,
        "can_rate": workflow.Action.CONFIRM in allowed,
        "can_withdraw": workflow.Action.WITHDRAW in allowed,
        "rating_form": rating_form,
        "withdraw_form": withdraw_form,
        "awaiting_response": selectors.awaiting_response(shown),
        # Staff asked something the resident has not answered yet (the owner answers).
        "question": owner and shown.pk == need.pk and _open_question(timeline, need),
        "answer_form": answer_form,
        # Messages about the need: the owner stops or resumes them (civicgrid/outreach).
        "messages_about": owner and bool(need.contact_phone),
        "messages_form": messages_form,
    }
    response = render(request, "needs/resident/track.html", context, status=status)
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _open_question(timeline: list[PublicEvent], need: Need) -> PublicEvent | None:
    """Staff's last question to the resident if nothing of theirs came after it and the need
    is not final: what the answer form on the tracking page answers."""
    if need.state in FINAL_STATES:
        return None
    for row in reversed(timeline):
        if row.event.actor_kind == "resident" and row.event.action == workflow.COMMENT:
            return None
        data = events.read(row.event)
        if isinstance(data, events.Commented) and data.question:
            return row
    return None


def _owner_action(
    request: HttpRequest, need: Need, op: str, form: OwnerForm
) -> HttpResponse | tuple[int, str]:
    """Rate or withdraw for the need's owner: a redirect once done, a 429 page past the
    last-four limit, or the status and problem to show the page again with."""
    proof = _owner(request, need, op, form)
    if proof.wait:
        return too_many_requests(request, proof.wait)
    if not proof.ok and op not in LAST4_OPS:
        said = (
            _(
                "To withdraw, open the link from your receipt. Lost it? Call your "
                "community or grid worker."
            )
            if op == "withdraw"
            else _(
                "Only the link from your receipt or from our messages can do this. Lost it? "
                "Call your community or grid worker."
            )
        )
        # Said at the top of the page: most of these forms are drawn for the link's holder only.
        return 403, said
    if not proof.ok:
        form.add_error("last4", _("That does not match the mobile number left with this need."))
        return 403, ""
    try:
        done = _act(need, op, form.cleaned_data)
    except Invalid as exc:
        message = exc.message
        if exc.code == "reason_required":
            message = _("Tell us what is still wrong, so that it can be put right.")
        form.add_error("comment", message)
        return 200, ""
    except (Conflict, NotAllowed) as exc:
        return 409, exc.message
    messages.success(request, done)
    # Back to the page as it was opened: the key only for who came with it.
    return redirect(tracking_url(need.number, key=proof.keyed))


def photo(request: HttpRequest, number: str, photo_id: int) -> FileResponse:
    """A photo of the need's timeline (or of the need it was merged into), if the publication
    rule lets the public see it, or `?k=` is the need's tracking key and it is the owner's."""
    need = selectors.by_number(number)
    if need is None:
        raise Http404("no need with that number")
    ids = [need.pk] + ([need.merged_into_id] if need.merged_into_id else [])
    picture = get_object_or_404(
        NeedPhoto.objects.select_related("event"), pk=photo_id, need_id__in=ids
    )
    mine = picture.need_id == need.pk
    of = need if mine or need.merged_into is None else need.merged_into
    owner = mine and key_ok(need.number, request.GET.get("k", ""))
    if not publication.photo_visible(picture, of, owner=owner):
        raise Http404("no such photo")
    response = FileResponse(picture.image.open("rb"), content_type="image/jpeg")
    patch_cache_control(response, private=True, max_age=86400)
    return response


def holder_binding(person_id: int, roles: tuple[str, ...]) -> RoleBinding | None:
    """The binding of the first of `roles` (in that order) an active person holds, or None."""
    if not 0 < person_id < 2**63:
        return None  # no such id, and a database may refuse to compare a number that large
    rows = RoleBinding.objects.filter(
        person_id=person_id, person__is_active=True, role__in=roles
    ).select_related("person", "node")
    return min(rows, key=lambda b: (roles.index(b.role), b.pk), default=None)
