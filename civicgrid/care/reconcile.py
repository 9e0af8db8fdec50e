"""A partner shop's month, reconciled: what the ledger says the shop sold on the cards (uses,
amount at list prices, the discount it gave), linked to the month's redemptions, and approved
by staff, after which it is fixed.

A redemption counts in the month it happens (local time) and nowhere else. A month can be
computed any time (an open reconciliation is recomputed from the ledger every time) and
approved once it is over; approving recomputes it one last time under the row lock, so the
approved figures are exactly the sums of the redemptions linked to it, and a redemption into
an approved month is refused (`redemptions.redeem`: `month_closed`).

The spreadsheet (`workbook`) lists every redemption of the month (time, card, the household's
name masked, amounts) and the totals, for the shop and the office that pays it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.care import access, cards, events
from civicgrid.care.models import PartnerShop, Reconciliation, ReconciliationState, Redemption
from civicgrid.care.redemptions import month_of
from civicgrid.core import xlsx
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network.models import mask_name


@events.kind("reconciliation.compute")
@events.kind("reconciliation.approve")
@dataclass(frozen=True, kw_only=True)
class Figures(events.EventData):
    """The month's figures when computed or approved (yuan as text, exact)."""

    uses: int
    amount: str
    discount: str


def _check(by: Any, shop: PartnerShop) -> None:
    if access.person_of(by) is None or not access.serves(by, shop.node):
        raise NotAllowed(_("Your role may not reconcile this shop."), code="not_allowed")


def _month(month: dt.date, now: dt.datetime) -> dt.date:
    first = month.replace(day=1)
    if first > month_of(now):
        message = _("That month has not begun.")
        raise Invalid(message, code="future_month", fields={"month": [message]})
    return first


def _refresh(rec: Reconciliation, now: dt.datetime) -> Reconciliation:
    """Link the month's redemptions at the shop and take their sums (the row is locked)."""
    month_rows = Redemption.objects.filter(shop_id=rec.shop_id, month=rec.month)
    month_rows.exclude(reconciliation=rec).update(reconciliation=rec)
    sums = Redemption.objects.filter(reconciliation=rec).aggregate(
        uses=Count("pk"), amount=Sum("amount"), discount=Sum("discount")
    )
    rec.uses = sums["uses"] or 0
    rec.amount = sums["amount"] or Decimal(0)
    rec.discount = sums["discount"] or Decimal(0)
    rec.computed_at = now
    Reconciliation.objects.filter(pk=rec.pk).update(
        uses=rec.uses, amount=rec.amount, discount=rec.discount, computed_at=now
    )
    return rec


def _figures(rec: Reconciliation) -> Figures:
    return Figures(uses=rec.uses, amount=str(rec.amount), discount=str(rec.discount))


def _lock(shop: PartnerShop, month: dt.date, now: dt.datetime) -> Reconciliation:
    found = Reconciliation.objects.select_for_update().filter(shop=shop, month=month).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            Reconciliation.objects.create(shop=shop, month=month, computed_at=now)
    except IntegrityError:
        pass  # created meanwhile by another request: lock theirs
    return Reconciliation.objects.select_for_update().get(shop=shop, month=month)


def reconcile(
    *, by: Any, shop: PartnerShop, month: dt.date, now: dt.datetime | None = None
) -> Reconciliation:
    """The shop's month computed from the ledger (staff who serve the shop's place). An open
    one is recomputed; an approved one is returned as it was approved."""
    now = now or timezone.now()
    _check(by, shop)
    month = _month(month, now)
    with transaction.atomic():
        rec = _lock(shop, month, now)
        if rec.state == ReconciliationState.APPROVED:
            return rec
        rec = _refresh(rec, now)
        events.append(rec, "compute", actor=by, actor_kind="staff", data=_figures(rec), now=now)
        return rec


def reconciliation_approve(
    *, by: Any, rec: Reconciliation | int, now: dt.datetime | None = None
) -> Reconciliation:
    """Approve a past month's reconciliation: recomputed one last time, then fixed. Refused for
    the current month (`month_not_over`) and twice (`approved`)."""
    now = now or timezone.now()
    with transaction.atomic():
        pk = rec if isinstance(rec, int) else rec.pk
        locked = (
            Reconciliation.objects.select_for_update(of=("self",))
            .select_related("shop", "shop__node")
            .get(pk=pk)
        )
        _check(by, locked.shop)
        if locked.state == ReconciliationState.APPROVED:
            raise Conflict(_("This month is already approved."), code="approved")
        if locked.month >= month_of(now):
            raise Conflict(_("A month can be approved once it is over."), code="month_not_over")
        locked = _refresh(locked, now)
        changed = Reconciliation.objects.filter(
            pk=locked.pk, state=ReconciliationState.OPEN
        ).update(state=ReconciliationState.APPROVED, approved_by=by, approved_at=now)
        if not changed:  # pragma: no cover - the row lock makes this unreachable
            raise Conflict(_("This month is already approved."), code="approved")
        locked.state = ReconciliationState.APPROVED
        locked.approved_by, locked.approved_at = by, now
        events.append(
            locked, "approve", actor=by, actor_kind="staff", data=_figures(locked), now=now
        )
        return locked


# --- The spreadsheet --------------------------------------------------------------------------


def rows(rec: Reconciliation) -> list[dict[str, Any]]:
    """The month's redemptions at the shop, oldest first: what the sheet and the page list.
    An open month lists the ledger as it is now; an approved one, what it linked."""
    if rec.state == ReconciliationState.APPROVED:
        found = Redemption.objects.filter(reconciliation=rec)
    else:
        found = Redemption.objects.filter(shop_id=rec.shop_id, month=rec.month)
    values = found.order_by("created_at", "pk").values(
        "pk", "created_at", "card__number", "card__household__name", "amount", "discount", "paid"
    )
    return [
        {
            "id": v["pk"],
            "time": timezone.localtime(v["created_at"]),
            "card": cards.grouped(v["card__number"]),
            "household": mask_name(v["card__household__name"]),
            "amount": v["amount"],
            "discount": v["discount"],
            "paid": v["paid"],
        }
        for v in values
    ]


def workbook(rec: Reconciliation) -> bytes:
    """The month as a spreadsheet: a title, one row per redemption, the totals."""
    lines = rows(rec)
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1})
    money = book.add_format({"num_format": "0.00"})
    money_bold = book.add_format({"num_format": "0.00", "bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = book.add_worksheet(rec.month.strftime("%Y-%m"))
    state = _("approved") if rec.state == ReconciliationState.APPROVED else _("to approve")
    title = f"{rec.shop.name} · {rec.month:%Y-%m} · {state}"
    xlsx.write_cell(sheet, 0, 0, title, bold)
    xlsx.write_row(
        sheet,
        2,
        [
            _("Time"),
            _("Card number"),
            _("Household"),
            _("Amount (yuan)"),
            _("Discount (yuan)"),
            _("Paid (yuan)"),
        ],
        header,
    )
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 5, 14)
    sheet.freeze_panes(3, 0)
    row = 3
    for line in lines:
        xlsx.write_cell(sheet, row, 0, line["time"].replace(tzinfo=None), when)
        xlsx.write_cell(sheet, row, 1, line["card"])
        xlsx.write_cell(sheet, row, 2, line["household"])
        for col, key in ((3, "amount"), (4, "discount"), (5, "paid")):
            xlsx.write_cell(sheet, row, col, float(line[key]), money)
        row += 1
    totals = {
        key: sum((line[key] for line in lines), Decimal(0))
        for key in ("amount", "discount", "paid")
    }
    xlsx.write_cell(sheet, row, 0, _("Total"), bold)
    xlsx.write_cell(sheet, row, 1, len(lines), bold)
    for col, key in ((3, "amount"), (4, "discount"), (5, "paid")):
        xlsx.write_cell(sheet, row, col, float(totals[key]), money_bold)
    book.close()
    return out.getvalue()
