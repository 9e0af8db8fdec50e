"""The mailbox's figures for one call, and its xlsx ledger of proposals (phones masked)."""

from __future__ import annotations

from typing import IO, Any

from django.db.models import Count, F
from django.utils.translation import gettext as _

from civicgrid.core import xlsx
from civicgrid.mailbox.models import Call, LivelihoodProject, Proposal, ProposalState, Support
from civicgrid.network.models import mask_mobile


def counts(call: Call) -> dict[str, Any]:
    """Proposals by state and by community, supports, selected, projects (done, done on
    time)."""
    proposals = Proposal.objects.filter(call=call, forgotten_at__isnull=True)
    by_state = {s.value: 0 for s in ProposalState}
    for row in proposals.values("state").annotate(n=Count("pk")):
        by_state[row["state"]] = row["n"]
    by_community = [
        {"node_id": r["node_id"], "name": r["node__name"], "proposals": r["n"]}
        for r in proposals.values("node_id", "node__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "node__name")
    ]
    projects = LivelihoodProject.objects.filter(proposal__call=call)
    done = projects.filter(finished_on__isnull=False)
    return {
        "proposals": proposals.count(),
        "by_state": by_state,
        "by_community": by_community,
        "supports": Support.objects.filter(proposal__call=call).count(),
        "selected": by_state[ProposalState.SELECTED],
        "projects": projects.count(),
        "projects_done": done.count(),
        "projects_done_on_time": done.filter(finished_on__lte=F("planned_finish")).count(),
    }


def write_ledger(call: Call, target: IO[bytes]) -> None:
    """One row per proposal of the call: its community, title, cost, state, supports, the
    proposer's phone masked."""
    book = xlsx.workbook(target)
    sheet = book.add_worksheet(_("Proposals")[:31])
    header = [
        _("No."), _("Community"), _("Title"), _("Where"), _("Estimated cost"), _("State"),
        _("Supports"), _("Proposer's phone"), _("Submitted"), _("Reason"),
    ]  # fmt: skip
    xlsx.write_row(sheet, 0, header, book.add_format({"bold": True}))
    rows = (
        Proposal.objects.filter(call=call, forgotten_at__isnull=True)
        .annotate(n=Count("supports"))
        .order_by("pk")
        .values_list(
            "pk", "node__name", "title", "place", "estimated_cost", "state", "n",
            "proposer_phone", "created_at", "reason",
        )
    )  # fmt: skip
    labels = dict(ProposalState.choices)
    for i, (pk, node, title, place, cost, state, n, phone, created, reason) in enumerate(rows, 1):
        xlsx.write_row(
            sheet,
            i,
            [
                pk, node, title, place, float(cost) if cost is not None else "",
                str(labels.get(state, state)), n, mask_mobile(phone),
                created.date().isoformat(), reason,
            ],
        )  # fmt: skip
    book.close()
