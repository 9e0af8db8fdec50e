"""Assistance cards' pages.

Console (staff; a read-only leader reads them all and changes nothing): the cards, the card
kinds, the partner shops with their clerks, households and their cards (issue from a
household), a card's page (its timeline and moves, a printable card with its QR code), the
ledger of redemptions, the shops' monthly reconciliations (compute, approve, xlsx) and the
open flags.

The shop's phone page (public namespace, signed in as the shop's clerk, who may hold no staff
role): the card's QR code opens /care/shop/card/<number>/, which on a clerk's phone opens their
shop's redemption form for that card; the amount is checked (discount, what the household
pays, what is left this month) before it is confirmed; the form carries a one-time scan key so
that a double tap redeems once. For anyone else the address only says what the card is.

A page that writes refuses a read-only reader (403) before it reads a form; the services check
again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from civicgrid.care import (
    access,
    access_cards,
    cards,
    events,
    flags,
    reconcile,
    redemptions,
    register,
    shops,
)
from civicgrid.care.models import (
    Card,
    CardKind,
    CardState,
    CareKind,
    FlagKind,
    FlagState,
    Household,
    PartnerShop,
    ReconciliationState,
    Redemption,
)
from civicgrid.core import once
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.core.i18n import localised
from civicgrid.needs.qr import qr_svg
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node, NodeKind, Organisation, Person, mask_mobile, mask_name
from civicgrid.network.scope import scope_q, within_scope

C = "care/console/"
R = "care/resident/"
PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOP_PLACES = (NodeKind.TOWN, NodeKind.COMMUNITY, NodeKind.BIG_GRID, NodeKind.SMALL_GRID)
KIND_PLACES = (
    NodeKind.LEAGUE,
    NodeKind.BANNER,
    NodeKind.TOWN,
    NodeKind.COMMUNITY,
)


def _check_writer(user: Person) -> None:
    """Asked before a form is read: a read-only reader gets 403, not a form's errors."""
    if not access.serves_anywhere(user):
        raise PermissionDenied(_("Your role may read the cards but not change them."))


def _places(user: Person, kinds: tuple[str, ...]) -> QuerySet[Node]:
    nodes = Node.objects.filter(kind__in=kinds)
    return within_scope(nodes, user, write=True).order_by("path")


def _yuan(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)):.2f}"


def _percent(value: Decimal) -> str:
    """20.00 → 20, 12.50 → 12.5."""
    return f"{Decimal(value).normalize():f}"


def _local(when: dt.datetime | None) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else ""


def _month_param(raw: str) -> dt.date | None:
    """A month written as 2026-12 (an <input type=month>) or 2026-12-01."""
    try:
        year, month = (int(part) for part in raw.strip()[:7].split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return None


# --- Card kinds -------------------------------------------------------------------------------


class KindForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    name_mn = forms.CharField(label=gettext_lazy("Mongolian name"), max_length=120, required=False)
    node = forms.ModelChoiceField(
        label=gettext_lazy("Issued in"),
        queryset=Node.objects.none(),
        required=False,
        empty_label=gettext_lazy("Everywhere (administrators)"),
    )
    description = forms.CharField(
        label=gettext_lazy("Who is eligible"), max_length=200, required=False
    )
    eligible_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Care kinds that make a household eligible"),
        choices=CareKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: any household staff choose."),
    )
    monthly_amount = forms.DecimalField(
        label=gettext_lazy("Purchases a month (yuan)"),
        min_value=Decimal(0),
        max_digits=8,
        decimal_places=2,
    )
    monthly_uses = forms.IntegerField(
        label=gettext_lazy("Uses a month"), min_value=1, max_value=100
    )
    active = forms.BooleanField(label=gettext_lazy("Issued"), required=False, initial=True)

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = _places(user, KIND_PLACES)  # type: ignore[attr-defined]


@console_required
@require_safe
def kind_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    kinds = access_cards.visible_kinds(user).select_related("node").order_by("name", "pk")
    rows = [
        {
            "kind": k,
            "place": k.node.name if k.node else _("Everywhere"),
            "eligible": [CareKind(e).label for e in k.eligible_kinds or [] if e in CareKind.values],
            "may_edit": access_cards.may_keep_kind(user, k.node),
        }
        for k in kinds[:500]
    ]
    context = {"rows": rows, "may_add": access.serves_anywhere(user), "nav": "kinds"}
    return render(request, C + "cards_kinds.html", context)


@console_required
def kind_edit(request: HttpRequest, kind_id: int | None = None) -> HttpResponse:
    user = person(request)
    _check_writer(user)
    kind = access_cards.access_kind(user, kind_id, write=True) if kind_id else None
    initial = (
        {f: getattr(kind, f) for f in shops.KIND_FIELDS} if kind is not None else {"active": True}
    )
    form = KindForm(request.POST or None, initial=initial, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = shops.card_kind_save(by=user, values=form.cleaned_data, kind=kind)
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(
                    request, _("The card kind %(name)s is saved.") % {"name": saved.name}
                )
                return redirect("care:card_kinds")
    context = {"form": form, "kind": kind, "nav": "kinds"}
    return render(request, C + "cards_kind_edit.html", context, status=status)


# --- Partner shops ----------------------------------------------------------------------------


class ShopForm(forms.ModelForm):
    class Meta:
        model = PartnerShop
        fields = list(shops.SHOP_FIELDS)
        widgets = {
            "licensed_on": forms.DateInput(attrs={"type": "date"}),
            "agreement_from": forms.DateInput(attrs={"type": "date"}),
            "agreement_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = _places(user, SHOP_PLACES)  # type: ignore[attr-defined]
        orgs = within_scope(Organisation.objects.all(), user, node_field="node")
        self.fields["enterprise"].queryset = orgs.order_by("name")  # type: ignore[attr-defined]


class ClerksForm(forms.Form):
    clerks = forms.CharField(
        label=gettext_lazy("Clerks, one a line: name and mobile"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "A person the system does not know yet is added without a password and without a "
            "role; an administrator gives them one to sign in."
        ),
    )


def _shop_row(shop: PartnerShop, today: dt.date) -> dict[str, Any]:
    open_now = (
        shop.active
        and shop.agreement_from <= today
        and (shop.agreement_until is None or today <= shop.agreement_until)
    )
    return {
        "shop": shop,
        "place": shop.node.name,
        "enterprise": shop.enterprise.name if shop.enterprise else "",
        "discount": _percent(shop.discount_percent),
        "open": open_now,
    }


@console_required
@require_safe
def shop_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    found = (
        access_cards.visible_shops(user)
        .select_related("node", "enterprise")
        .annotate(clerk_count=Count("clerks"))
        .order_by("node__path", "name", "pk")[:500]
    )
    today = timezone.localdate()
    rows = [_shop_row(s, today) | {"clerks": s.clerk_count} for s in found]
    may_add = _places(user, SHOP_PLACES).exists()
    return render(
        request, C + "cards_shops.html", {"rows": rows, "may_add": may_add, "nav": "shops"}
    )


def _shop_context(
    request: HttpRequest, shop: PartnerShop, form: ClerksForm | None = None
) -> dict[str, Any]:
    user = person(request)
    serves = access.serves(user, shop.node)
    clerks = list(shop.clerks.order_by("name").values("name", "mobile"))
    month = redemptions.month_of(timezone.now())
    figures = Redemption.objects.filter(shop=shop, month=month).aggregate(
        uses=Count("pk"), amount=Sum("amount"), discount=Sum("discount")
    )
    initial = "\n".join(f"{c['name']} {c['mobile'] or ''}".strip() for c in clerks)
    return {
        "shop": shop,
        "row": _shop_row(shop, timezone.localdate()),
        "clerks": [{"name": c["name"], "mobile": mask_mobile(c["mobile"])} for c in clerks],
        "serves": serves,
        "form": form or (ClerksForm(initial={"clerks": initial}) if serves else None),
        "month": month,
        "uses": figures["uses"] or 0,
        "amount": _yuan(figures["amount"]),
        "discount": _yuan(figures["discount"]),
        "redeem_url": request.build_absolute_uri(
            reverse("care_public:shop_redeem", args=[shop.pk])
        ),
        "nav": "shops",
    }


@console_required
@require_safe
def shop_detail(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = access_cards.access_shop(person(request), shop_id)
    return render(request, C + "cards_shop.html", _shop_context(request, shop))


@console_required
def shop_edit(request: HttpRequest, shop_id: int | None = None) -> HttpResponse:
    user = person(request)
    _check_writer(user)
    shop = access_cards.access_shop(user, shop_id, write=True) if shop_id else None
    form = ShopForm(request.POST or None, instance=shop, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = shops.shop_save(by=user, values=form.cleaned_data, shop=shop)
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The shop is saved."))
                return redirect("care:card_shop", shop_id=saved.pk)
    context = {"form": form, "shop": shop, "nav": "shops"}
    return render(request, C + "cards_shop_edit.html", context, status=status)


@console_required
@require_POST
def shop_clerks(request: HttpRequest, shop_id: int) -> HttpResponse:
    user = person(request)
    _check_writer(user)
    shop = access_cards.access_shop(user, shop_id, write=True)
    form = ClerksForm(request.POST)
    if form.is_valid():
        try:
            shops.shop_clerks_set(
                by=user, shop=shop, clerks=shops.parse_clerks(form.cleaned_data["clerks"])
            )
        except DomainError as failure:
            onto_form(form, failure)
            context = _shop_context(request, shop, form)
            return render(request, C + "cards_shop.html", context, status=failure.status)
        messages.success(request, _("The clerks are saved."))
        return redirect("care:card_shop", shop_id=shop.pk)
    return render(request, C + "cards_shop.html", _shop_context(request, shop, form), status=400)


# --- Households and issuing -------------------------------------------------------------------


class HouseholdForm(forms.Form):
    node = forms.ModelChoiceField(label=gettext_lazy("Place"), queryset=Node.objects.none())
    name = forms.CharField(label=gettext_lazy("Household"), max_length=60)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = within_scope(Node.objects.filter(kind__in=register.PLACE_KINDS), user, write=True)
        self.fields["node"].queryset = places.order_by("path")  # type: ignore[attr-defined]


class IssueForm(forms.Form):
    kind = forms.ModelChoiceField(label=gettext_lazy("Card kind"), queryset=CardKind.objects.none())
    reason = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = access_cards.kinds_for(household).order_by("name")  # type: ignore[attr-defined]


@console_required
@require_safe
def household_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    found = access_cards.visible_households(user).select_related("node")
    q = request.GET.get("q", "").strip()[:40]
    if q:
        number = cards.clean_number(q) or "-"
        holders = Card.objects.filter(number=number).values("household_id")
        found = found.filter(Q(name__contains=q) | Q(pk__in=holders))
    found = found.annotate(
        member_count=Count("members", filter=Q(members__left_at__isnull=True), distinct=True)
    ).order_by("node__path", "name", "pk")
    page = Paginator(found, PAGE).get_page(request.GET.get("page"))
    ids = [h.pk for h in page]
    live = {
        c["household_id"]: c
        for c in Card.objects.filter(household_id__in=ids, state__in=cards.LIVE).values(
            "pk", "household_id", "number", "state", "kind__name"
        )
    }
    rows = [
        {
            "household": h,
            "place": h.node.name,
            "address": access.mask_address(h.address),
            "members": h.member_count,  # type: ignore[attr-defined]
            "card": live.get(h.pk),
            "card_number": cards.grouped(live[h.pk]["number"]) if h.pk in live else "",
            "card_state": CardState(live[h.pk]["state"]).label if h.pk in live else "",
        }
        for h in page
    ]
    may_add = access.serves_anywhere(user)
    context = {
        "rows": rows,
        "page": page,
        "q": q,
        "query": urlencode({"q": q}) if q else "",
        "may_add": may_add,
        "form": HouseholdForm(user=user) if may_add else None,
        "nav": "households",
    }
    return render(request, C + "cards_households.html", context)


@console_required
@require_POST
def household_add(request: HttpRequest) -> HttpResponse:
    user = person(request)
    _check_writer(user)
    form = HouseholdForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            home = register.household_save(
                by=user,
                node=data["node"],
                name=data["name"],
                address=data["address"],
                phone=data["phone"],
            )
        except DomainError as failure:
            onto_form(form, failure)
        else:
            messages.success(request, _("The household is added."))
            return redirect("care:card_household", household_id=home.pk)
    context: dict[str, Any] = {
        "rows": [],
        "page": None,
        "q": "",
        "may_add": True,
        "form": form,
        "nav": "households",
    }
    return render(request, C + "cards_households.html", context, status=400)


def _card_rows(found: QuerySet[Card]) -> list[dict[str, Any]]:
    return [
        {
            "id": c["pk"],
            "number": cards.grouped(c["number"]),
            "state": c["state"],
            "state_label": CardState(c["state"]).label,
            "kind": c["kind__name"],
            "household": c["household__name"],
            "issued": _local(c["issued_at"]),
        }
        for c in found.values("pk", "number", "state", "kind__name", "household__name", "issued_at")
    ]


def _household_context(
    request: HttpRequest, household: Household, form: IssueForm | None = None
) -> dict[str, Any]:
    user = person(request)
    serves = access.serves(user, household.node)
    members = household.members.filter(left_at__isnull=True, forgotten_at__isnull=True)
    today = timezone.localdate()
    held = Card.objects.filter(household=household)
    has_live = held.filter(state__in=cards.LIVE).exists()
    return {
        "household": household,
        "address": access.mask_address(household.address),
        "phone": mask_mobile(household.phone),
        "members": [
            {
                "name": m.name,
                "age": m.age_on(today),
                "kinds": [CareKind(k).label for k in m.marks.values_list("kind", flat=True)],
            }
            for m in members.order_by("birth_date")
        ],
        "cards": _card_rows(held.order_by("-issued_at", "-pk")),
        "form": (form or IssueForm(household=household)) if serves and not has_live else None,
        "nav": "households",
    }


@console_required
@require_safe
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = access_cards.access_household(person(request), household_id)
    return render(request, C + "cards_household.html", _household_context(request, household))


@console_required
@require_POST
def card_issue(request: HttpRequest, household_id: int) -> HttpResponse:
    user = person(request)
    _check_writer(user)
    household = access_cards.access_household(user, household_id, write=True)
    form = IssueForm(request.POST, household=household)
    status = 400
    if form.is_valid():
        try:
            card = cards.card_issue(
                by=user,
                household=household,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as failure:
            onto_form(form, failure)
            status = failure.status
        else:
            messages.success(request, _("The card is issued: print it for the household."))
            return redirect("care:card", card_id=card.pk)
    context = _household_context(request, household, form)
    return render(request, C + "cards_household.html", context, status=status)


# --- Cards ------------------------------------------------------------------------------------


@console_required
@require_safe
def card_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    found = access_cards.visible_cards(user)
    state = request.GET.get("state", "")
    if state in CardState.values:
        found = found.filter(state=state)
    q = request.GET.get("q", "").strip()[:40]
    if q:
        number = cards.clean_number(q)
        found = found.filter(number=number) if number else found.filter(household__name__contains=q)
    page = Paginator(found.order_by("-issued_at", "-pk"), PAGE).get_page(request.GET.get("page"))
    ids = [c.pk for c in page]
    rows = _card_rows(Card.objects.filter(pk__in=ids).order_by("-issued_at", "-pk"))
    query = urlencode({k: v for k, v in (("q", q), ("state", state)) if v})
    context = {
        "rows": rows,
        "page": page,
        "q": q,
        "state": state,
        "states": CardState.choices,
        "query": query,
        "open_flags": access_cards.visible_flags(user).filter(state=FlagState.OPEN).count(),
        "nav": "cards",
    }
    return render(request, C + "cards_list.html", context)


class ActForm(forms.Form):
    op = forms.ChoiceField(choices=[(a.value, a.value) for a in cards.Action])
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=200, required=False)


def _card_context(request: HttpRequest, card: Card, form: ActForm | None = None) -> dict[str, Any]:
    user = person(request)
    series = card.series or card.pk
    left = redemptions.allowance(card)
    used = (
        Redemption.objects.filter(series=series)
        .order_by("-created_at", "-pk")
        .values("created_at", "shop__name", "amount", "discount", "paid", "what", "card__number")[
            :50
        ]
    )
    timeline = [
        (e, cards.EVENT_LABELS.get(e.action, e.action))
        for e in events.timeline(card).select_related("actor")
    ]
    siblings = Card.objects.filter(series=series).exclude(pk=card.pk).order_by("issued_at")
    return {
        "card": card,
        "number": cards.grouped(card.number),
        "allowance": left,
        "amount_left": _yuan(left.amount_left),
        "amount_used": _yuan(left.amount_used),
        "used": [
            {
                "when": _local(u["created_at"]),
                "shop": u["shop__name"],
                "amount": _yuan(u["amount"]),
                "discount": _yuan(u["discount"]),
                "paid": _yuan(u["paid"]),
                "what": u["what"],
                "number": cards.grouped(u["card__number"]),
            }
            for u in used
        ],
        "timeline": timeline,
        "siblings": [(c, cards.grouped(c.number)) for c in siblings],
        "actions": [(a.value, cards.ACTION_LABELS[a]) for a in cards.allowed_actions(card, user)],
        "form": form or ActForm(),
        "flags": card.flags.filter(state=FlagState.OPEN).count(),
        "nav": "cards",
    }


@console_required
@require_safe
def card_detail(request: HttpRequest, card_id: int) -> HttpResponse:
    card = access_cards.access_card(person(request), card_id)
    return render(request, C + "cards_card.html", _card_context(request, card))


@console_required
@require_POST
def card_act(request: HttpRequest, card_id: int) -> HttpResponse:
    user = person(request)
    _check_writer(user)
    card = access_cards.access_card(user, card_id, write=True)
    form = ActForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            after = cards.card_act(
                by=user,
                card=card,
                action=cards.Action(form.cleaned_data["op"]),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as failure:
            onto_form(form, failure)
            status = failure.status
        else:
            messages.success(request, _("Done."))
            return redirect("care:card", card_id=after.pk)
    card.refresh_from_db()
    return render(request, C + "cards_card.html", _card_context(request, card, form), status=status)


@console_required
@require_safe
def card_print(request: HttpRequest, card_id: int) -> HttpResponse:
    """The card to print and hand to the household: its number, the household, the kind and
    the QR code a clerk scans."""
    card = access_cards.access_card(person(request), card_id)
    url = cards.card_url(card.number)
    context = {
        "card": card,
        "number": cards.grouped(card.number),
        "url": url,
        "qr": mark_safe(qr_svg(url, scalable=True)),  # noqa: S308 (segno output)
    }
    return render(request, R + "cards_print.html", context)


# --- The ledger -------------------------------------------------------------------------------


@console_required
@require_safe
def ledger(request: HttpRequest) -> HttpResponse:
    user = person(request)
    visible_shops = access_cards.visible_shops(user).order_by("name")
    found = access_cards.visible_redemptions(user)
    shop_id = request.GET.get("shop", "")
    if shop_id.isdigit():
        found = found.filter(shop_id=int(shop_id))
    month = _month_param(request.GET.get("month", "")) or redemptions.month_of(timezone.now())
    found = found.filter(month=month)
    totals = found.aggregate(
        uses=Count("pk"), amount=Sum("amount"), discount=Sum("discount"), paid=Sum("paid")
    )
    page = Paginator(found.order_by("-created_at", "-pk"), PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "when": _local(r["created_at"]),
            "shop": r["shop__name"],
            "card_id": r["card_id"],
            "number": cards.grouped(r["card__number"]),
            "household": mask_name(r["card__household__name"]),
            "amount": _yuan(r["amount"]),
            "discount": _yuan(r["discount"]),
            "paid": _yuan(r["paid"]),
            "what": r["what"],
            "clerk": r["clerk__name"] or "",
        }
        for r in Redemption.objects.filter(pk__in=[p.pk for p in page])
        .order_by("-created_at", "-pk")
        .values(
            "created_at",
            "shop__name",
            "card_id",
            "card__number",
            "card__household__name",
            "amount",
            "discount",
            "paid",
            "what",
            "clerk__name",
        )
    ]
    context = {
        "rows": rows,
        "page": page,
        "shops": list(visible_shops.values("pk", "name")[:500]),
        "shop_id": int(shop_id) if shop_id.isdigit() else None,
        "month": month,
        "uses": totals["uses"] or 0,
        "amount": _yuan(totals["amount"]),
        "discount": _yuan(totals["discount"]),
        "paid": _yuan(totals["paid"]),
        "query": urlencode({"shop": shop_id, "month": f"{month:%Y-%m}"}),
        "nav": "ledger",
    }
    return render(request, C + "cards_ledger.html", context)


# --- Reconciliations --------------------------------------------------------------------------


class ComputeForm(forms.Form):
    shop = forms.ModelChoiceField(label=gettext_lazy("Shop"), queryset=PartnerShop.objects.none())
    month = forms.CharField(
        label=gettext_lazy("Month"), widget=forms.TextInput(attrs={"type": "month"})
    )

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shops_served = access_cards.visible_shops(user)
        q = scope_q(user, node_field="node", write=True)
        if q is not None:
            shops_served = shops_served.filter(q)
        self.fields["shop"].queryset = shops_served.order_by("name")  # type: ignore[attr-defined]

    def clean_month(self) -> dt.date:
        month = _month_param(self.cleaned_data.get("month", ""))
        if month is None:
            raise forms.ValidationError(_("Choose a month, e.g. 2026-11."))
        return month


def _rec_list_context(request: HttpRequest, form: ComputeForm | None = None) -> dict[str, Any]:
    user = person(request)
    found = (
        access_cards.visible_reconciliations(user)
        .select_related("shop")
        .order_by("-month", "shop__name")[:300]
    )
    may_compute = access.serves_anywhere(user)
    last_month = redemptions.month_of(timezone.now()) - dt.timedelta(days=1)
    return {
        "rows": [
            {
                "rec": r,
                "amount": _yuan(r.amount),
                "discount": _yuan(r.discount),
                "paid": _yuan(r.amount - r.discount),
            }
            for r in found
        ],
        "form": form
        or (
            ComputeForm(user=user, initial={"month": f"{last_month:%Y-%m}"})
            if may_compute
            else None
        ),
        "nav": "reconciliations",
    }


@console_required
@require_safe
def rec_list(request: HttpRequest) -> HttpResponse:
    return render(request, C + "cards_reconciliations.html", _rec_list_context(request))


@console_required
@require_POST
def rec_compute(request: HttpRequest) -> HttpResponse:
    user = person(request)
    _check_writer(user)
    form = ComputeForm(request.POST, user=user)
    status = 400
    if form.is_valid():
        try:
            rec = reconcile.reconcile(
                by=user, shop=form.cleaned_data["shop"], month=form.cleaned_data["month"]
            )
        except DomainError as failure:
            onto_form(form, failure)
            status = failure.status
        else:
            return redirect("care:card_reconciliation", rec_id=rec.pk)
    context = _rec_list_context(request, form)
    return render(request, C + "cards_reconciliations.html", context, status=status)


def _rec_context(request: HttpRequest, rec: Any) -> dict[str, Any]:
    user = person(request)
    lines = reconcile.rows(rec)
    current = redemptions.month_of(timezone.now())
    serves = access.serves(user, rec.shop.node)
    return {
        "rec": rec,
        "rows": [
            line
            | {
                "when": line["time"].strftime("%Y-%m-%d %H:%M"),
                "amount": _yuan(line["amount"]),
                "discount": _yuan(line["discount"]),
                "paid": _yuan(line["paid"]),
            }
            for line in lines
        ],
        "amount": _yuan(rec.amount),
        "discount": _yuan(rec.discount),
        "paid": _yuan(rec.amount - rec.discount),
        "may_approve": serves and rec.state == ReconciliationState.OPEN and rec.month < current,
        "may_recompute": serves and rec.state == ReconciliationState.OPEN,
        "timeline": [(e, e.action) for e in events.timeline(rec).select_related("actor")],
        "nav": "reconciliations",
    }


@console_required
@require_safe
def rec_detail(request: HttpRequest, rec_id: int) -> HttpResponse:
    rec = access_cards.access_reconciliation(person(request), rec_id)
    return render(request, C + "cards_reconciliation.html", _rec_context(request, rec))


@console_required
@require_POST
def rec_approve(request: HttpRequest, rec_id: int) -> HttpResponse:
    user = person(request)
    _check_writer(user)
    rec = access_cards.access_reconciliation(user, rec_id, write=True)
    op = request.POST.get("op", "approve")
    try:
        if op == "recompute":
            reconcile.reconcile(by=user, shop=rec.shop, month=rec.month)
        else:
            reconcile.reconciliation_approve(by=user, rec=rec)
    except DomainError as failure:
        messages.error(request, failure.message)
        context = _rec_context(request, access_cards.access_reconciliation(user, rec_id))
        return render(request, C + "cards_reconciliation.html", context, status=failure.status)
    messages.success(request, _("Recomputed.") if op == "recompute" else _("Approved."))
    return redirect("care:card_reconciliation", rec_id=rec.pk)


@console_required
@require_safe
def rec_xlsx(request: HttpRequest, rec_id: int) -> HttpResponse:
    rec = access_cards.access_reconciliation(person(request), rec_id)
    response = HttpResponse(reconcile.workbook(rec), content_type=XLSX)
    name = f"cards-shop{rec.shop_id}-{rec.month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- Flags ------------------------------------------------------------------------------------


class DecideForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("Checked"),
        choices=[(s.value, s.label) for s in flags.DECISIONS],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


@console_required
@require_safe
def flag_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    show_all = request.GET.get("all") == "1"
    found = access_cards.visible_flags(user).select_related(
        "shop__node", "card__household__node", "decided_by"
    )
    if not show_all:
        found = found.filter(state=FlagState.OPEN)
    flagged = list(found.order_by("-created_at", "-pk")[:300])
    rows = [
        {
            "flag": f,
            "kind": FlagKind(f.kind).label,
            "when": _local(f.created_at),
            "shop": f.shop.name if f.shop else "",
            "number": cards.grouped(f.card.number) if f.card else "",
            "household": mask_name(f.card.household.name) if f.card else "",
            "may_decide": f.state == FlagState.OPEN and access_cards.may_decide_flag(user, f),
        }
        for f in flagged
    ]
    context = {"rows": rows, "show_all": show_all, "form": DecideForm(), "nav": "flags"}
    return render(request, C + "cards_flags.html", context)


@console_required
@require_POST
def flag_decide(request: HttpRequest, flag_id: int) -> HttpResponse:
    user = person(request)
    _check_writer(user)
    flag = access_cards.access_flag(user, flag_id, write=True)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether something was wrong."))
        return redirect("care:card_flags")
    try:
        flags.flag_decide(
            by=user, flag=flag, state=form.cleaned_data["state"], note=form.cleaned_data["note"]
        )
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("The flag is decided."))
    return redirect("care:card_flags")


# --- The shop's phone page --------------------------------------------------------------------


class NumberForm(forms.Form):
    card = forms.CharField(
        label=gettext_lazy("Card number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class AmountForm(forms.Form):
    card = forms.CharField(widget=forms.HiddenInput, max_length=20)
    amount = forms.CharField(
        label=gettext_lazy("Amount at list prices (yuan)"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    what = forms.CharField(label=gettext_lazy("What was bought"), max_length=120, required=False)


def _card_facts(card: Card, shop: PartnerShop) -> dict[str, Any]:
    left = redemptions.allowance(card)
    return {
        "number": cards.grouped(card.number),
        "household": mask_name(card.household.name),
        "kind": card.kind.name,
        "state": card.state,
        "state_label": card.get_state_display(),
        "active": card.state == CardState.ACTIVE,
        "amount_left": _yuan(left.amount_left),
        "uses_left": left.uses_left,
        "discount": _percent(shop.discount_percent),
    }


def _counter_context(shop: PartnerShop, **extra: Any) -> dict[str, Any]:
    return {"shop": shop, "discount": _percent(shop.discount_percent)} | extra


@login_required
def shop_redeem(request: HttpRequest, shop_id: int) -> HttpResponse:
    """The clerk's page: a card number (from the QR code or typed), the amount, a check that
    shows the discount and what is left, then the confirmation (once per scan key)."""
    user = person(request)
    shop = access_cards.access_shop_counter(user, shop_id)
    raw = request.POST.get("card") if request.method == "POST" else request.GET.get("card")
    if not raw:
        number_form = NumberForm()
        context = _counter_context(shop, number_form=number_form)
        return render(request, R + "cards_redeem.html", context)
    try:
        card = redemptions.find_card(raw)
    except DomainError as failure:
        number_form = NumberForm({"card": raw})
        number_form.is_valid()
        number_form.add_error("card", failure.message)
        context = _counter_context(shop, number_form=number_form)
        return render(request, R + "cards_redeem.html", context, status=failure.status)
    facts = _card_facts(card, shop)
    if request.method != "POST":
        form = AmountForm(initial={"card": card.number})
        return render(
            request, R + "cards_redeem.html", _counter_context(shop, facts=facts, form=form)
        )
    form = AmountForm(request.POST)
    op = request.POST.get("op", "check")
    if not form.is_valid():
        context = _counter_context(shop, facts=facts, form=form)
        return render(request, R + "cards_redeem.html", context, status=400)
    data = form.cleaned_data
    try:
        if op == "confirm":
            made = redemptions.redeem(
                by=user,
                shop=shop,
                card_number=card.number,
                amount=data["amount"],
                what=data["what"],
                scan_key=request.POST.get("scan_key", ""),
            )
            return redirect("care_public:shop_receipt", shop_id=shop.pk, redemption_id=made.pk)
        checked = redemptions.check(
            by=user, shop=shop, card_number=card.number, amount=data["amount"]
        )
    except DomainError as failure:
        onto_form(form, failure)
        facts = _card_facts(Card.objects.select_related("kind", "household").get(pk=card.pk), shop)
        context = _counter_context(shop, facts=facts, form=form)
        return render(request, R + "cards_redeem.html", context, status=failure.status)
    over = checked["over_count"] or checked["over_amount"]
    context = _counter_context(
        shop,
        facts=facts,
        form=form,
        checked={
            "amount": _yuan(checked["amount"]),
            "discount": _yuan(checked["discount"]),
            "paid": _yuan(checked["paid"]),
            "over": over,
            "over_count": checked["over_count"],
        },
        scan_key=once.new_key(),
    )
    return render(request, R + "cards_redeem.html", context)


@login_required
@require_safe
def shop_receipt(request: HttpRequest, shop_id: int, redemption_id: int) -> HttpResponse:
    user = person(request)
    shop = access_cards.access_shop_counter(user, shop_id)
    made = (
        Redemption.objects.select_related("card", "card__kind", "card__household")
        .filter(pk=redemption_id, shop=shop)
        .first()
    )
    if made is None:
        raise Http404(_("No such redemption at this shop."))
    facts = _card_facts(made.card, shop)
    context = _counter_context(
        shop,
        facts=facts,
        made=made,
        when=_local(made.created_at),
        amount=_yuan(made.amount),
        discount_yuan=_yuan(made.discount),
        paid=_yuan(made.paid),
    )
    return render(request, R + "cards_receipt.html", context)


@login_required
@require_safe
def shops_mine(request: HttpRequest) -> HttpResponse:
    """A clerk's shops: where their phone redeems cards."""
    mine = list(access_cards.clerk_shops(person(request)).order_by("name"))
    if len(mine) == 1:
        return redirect("care_public:shop_redeem", shop_id=mine[0].pk)
    return render(request, R + "cards_shops.html", {"shops": mine}, status=200 if mine else 403)


@require_safe
def card_scanned(request: HttpRequest, number: str) -> HttpResponse:
    """What the card's QR code opens: on a clerk's phone their shop's redemption form for this
    card; for anyone else only what kind of card it is (no name, nothing of the household)."""
    clean = cards.clean_number(number)
    card = Card.objects.select_related("kind").filter(number=clean).first() if clean else None
    if card is None:
        raise Http404(_("This is not an assistance card."))
    mine = (
        list(access_cards.clerk_shops(request.user).order_by("name"))
        if request.user.is_authenticated
        else []
    )
    chosen = request.GET.get("shop", "")
    if chosen.isdigit():
        mine = [s for s in mine if s.pk == int(chosen)]
    if len(mine) == 1:
        target = reverse("care_public:shop_redeem", args=[mine[0].pk])
        return redirect(f"{target}?{urlencode({'card': card.number})}")
    login = f"{reverse('console:login')}?{urlencode({'next': request.get_full_path()})}"
    context = {
        "kind": card.kind,
        "kind_name": localised(card.kind.name, None, name_mn=card.kind.name_mn),
        "shops": mine,
        "number": card.number,
        "login_url": login,
    }
    return render(request, R + "cards_card.html", context)


console_urls = [
    path("cards/", card_list, name="cards"),
    path("cards/<int:card_id>/", card_detail, name="card"),
    path("cards/<int:card_id>/act/", card_act, name="card_act"),
    path("cards/<int:card_id>/print/", card_print, name="card_print"),
    path("cards/kinds/", kind_list, name="card_kinds"),
    path("cards/kinds/new/", kind_edit, name="card_kind_new"),
    path("cards/kinds/<int:kind_id>/", kind_edit, name="card_kind_edit"),
    path("cards/shops/", shop_list, name="card_shops"),
    path("cards/shops/new/", shop_edit, name="card_shop_new"),
    path("cards/shops/<int:shop_id>/", shop_detail, name="card_shop"),
    path("cards/shops/<int:shop_id>/edit/", shop_edit, name="card_shop_edit"),
    path("cards/shops/<int:shop_id>/clerks/", shop_clerks, name="card_shop_clerks"),
    path("cards/households/", household_list, name="card_households"),
    path("cards/households/new/", household_add, name="card_household_add"),
    path("cards/households/<int:household_id>/", household_detail, name="card_household"),
    path("cards/households/<int:household_id>/issue/", card_issue, name="card_issue"),
    path("cards/ledger/", ledger, name="card_ledger"),
    path("cards/reconciliations/", rec_list, name="card_reconciliations"),
    path("cards/reconciliations/compute/", rec_compute, name="card_reconcile"),
    path("cards/reconciliations/<int:rec_id>/", rec_detail, name="card_reconciliation"),
    path(
        "cards/reconciliations/<int:rec_id>/approve/",
        rec_approve,
        name="card_reconciliation_approve",
    ),
    path("cards/reconciliations/<int:rec_id>/xlsx/", rec_xlsx, name="card_reconciliation_xlsx"),
    path("cards/flags/", flag_list, name="card_flags"),
    path("cards/flags/<int:flag_id>/decide/", flag_decide, name="card_flag_decide"),
]

public_urls = [
    path("shop/", shops_mine, name="shops_mine"),
    path("shop/card/<str:number>/", card_scanned, name="card"),
    path("shop/<int:shop_id>/redeem/", shop_redeem, name="shop_redeem"),
    path(
        "shop/<int:shop_id>/redemptions/<int:redemption_id>/",
        shop_receipt,
        name="shop_receipt",
    ),
]
