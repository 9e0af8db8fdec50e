"""Who may see and change what of the mailbox. Everything hangs on the mailbox's town:

- **Staff who serve the town** (a write role bound to the town or above: the town's staff, an
  administrator) screen proposals, make the selection, keep projects and milestones, and
  read a proposer's phone in full (each reveal logged).
- **Readers** (a leader; anyone whose scope holds the town) read lists and counts with phones
  masked; they change nothing and reveal nothing.
- Residents have no account: they propose and support with a phone proven by a code.

Every check goes through `network/scope.py`; the commands check again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.core.errors import NotAllowed
from civicgrid.mailbox.models import LivelihoodProject, Mailbox, Proposal
from civicgrid.needs.reveal import reveal_log
from civicgrid.network import scope
from civicgrid.network.models import Node, Person


def person_of(user: Any) -> Person | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user  # type: ignore[no-any-return,unused-ignore]


def serves(user: Any, node: Node) -> bool:
    """Staff who may change the mailbox of `node` (a write role over the town)."""
    return person_of(user) is not None and scope.can_change(user, node)


def reads(user: Any, node: Node) -> bool:
    return person_of(user) is not None and scope.can_see(user, node)


def serves_anywhere(user: Any) -> bool:
    """Whether the user may change anything anywhere: asked before a form is read."""
    if person_of(user) is None:
        return False
    paths = scope.scope_paths(user, write=True)
    return paths is None or bool(paths)


def check_serves(user: Any, node: Node) -> None:
    if not serves(user, node):
        raise NotAllowed(_("Only staff who serve this town may do this."), code="not_allowed")


# --- Lists ------------------------------------------------------------------------------------


def visible_mailboxes(user: Any) -> QuerySet[Mailbox]:
    if person_of(user) is None:
        return Mailbox.objects.none()
    return scope.within_scope(Mailbox.objects.all(), user, node_field="node")


def visible_proposals(user: Any) -> QuerySet[Proposal]:
    """Proposals of the mailboxes whose town the user's scope holds."""
    if person_of(user) is None:
        return Proposal.objects.none()
    return scope.within_scope(
        Proposal.objects.filter(forgotten_at__isnull=True), user, node_field="call__mailbox__node"
    )


def visible_projects(user: Any) -> QuerySet[LivelihoodProject]:
    if person_of(user) is None:
        return LivelihoodProject.objects.none()
    return scope.within_scope(
        LivelihoodProject.objects.all(), user, node_field="proposal__call__mailbox__node"
    )


# --- One record -------------------------------------------------------------------------------


def access_mailbox(user: Any, mailbox_id: int, *, write: bool = False) -> Mailbox:
    """404 outside the reader's scope, 403 to a reader who may not change it."""
    if person_of(user) is None:
        raise Http404
    mailbox = Mailbox.objects.select_related("node").filter(pk=mailbox_id).first()
    if mailbox is None or not reads(user, mailbox.node):
        raise Http404
    if write and not serves(user, mailbox.node):
        raise PermissionDenied
    return mailbox


def access_proposal(user: Any, proposal_id: int, *, write: bool = False) -> Proposal:
    if person_of(user) is None:
        raise Http404
    proposal = (
        Proposal.objects.select_related("call__mailbox__node", "node", "merged_into")
        .filter(pk=proposal_id, forgotten_at__isnull=True)
        .first()
    )
    if proposal is None or not reads(user, proposal.call.mailbox.node):
        raise Http404
    if write and not serves(user, proposal.call.mailbox.node):
        raise PermissionDenied
    return proposal


def access_project(user: Any, project_id: int, *, write: bool = False) -> LivelihoodProject:
    if person_of(user) is None:
        raise Http404
    project = (
        LivelihoodProject.objects.select_related(
            "proposal__call__mailbox__node", "proposal__node", "organisation"
        )
        .filter(pk=project_id)
        .first()
    )
    if project is None or not reads(user, project.proposal.call.mailbox.node):
        raise Http404
    if write and not serves(user, project.proposal.call.mailbox.node):
        raise PermissionDenied
    return project


# --- Phones -----------------------------------------------------------------------------------


def may_reveal(user: Any, proposal: Proposal) -> bool:
    """Who reads a proposer's phone and name in full: staff who serve the town."""
    return serves(user, proposal.call.mailbox.node)


def reveal(user: Any, proposal: Proposal) -> str:
    """The proposer's phone in full, logged; 403 to anyone else."""
    person = person_of(user)
    if person is None or not may_reveal(user, proposal):
        raise PermissionDenied
    reveal_log(actor=person, subject=f"mailbox-proposal:{proposal.pk}", field="proposer_phone")
    return proposal.proposer_phone
