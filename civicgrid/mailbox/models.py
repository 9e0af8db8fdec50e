"""The subdistrict's QR mailbox for livelihood projects (民生实事): a mailbox per town, its
yearly call for proposals, residents' proposals and the supports they gather, the projects the
yearly selection makes, their milestones, and one append-only timeline.

Fields and constraints only: every write goes through `workflow.py` (proposals),
`supports.py`, `selection.py` and `projects.py`."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.network.models import Node, Organisation, Person


class Mailbox(models.Model):
    """A town's (subdistrict's) mailbox: what its QR poster opens."""

    node = models.OneToOneField(Node, on_delete=models.PROTECT, related_name="mailbox")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("mailbox")

    def __str__(self) -> str:
        return f"mailbox {self.node_id}"


class Call(models.Model):
    """A mailbox's call for proposals of one year: proposals and supports are taken from
    `opens_on` to `closes_on` (both days included); the selection follows."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="calls")
    year = models.PositiveSmallIntegerField()
    opens_on = models.DateField()
    closes_on = models.DateField()
    text = models.TextField(max_length=600, blank=True)
    text_mn = models.TextField(max_length=1200, blank=True)
    selected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("call for proposals")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["mailbox", "year"], name="mailbox_call_one_a_year"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="mailbox_call_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"call {self.year}"


class ProposalState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    PUBLISHED = "published", _("Published")
    DECLINED = "declined", _("Declined")
    MERGED = "merged", _("Merged")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def public(self) -> ProposalQuerySet:
        return self.filter(state__in=PUBLIC_STATES)


PUBLIC_STATES = (ProposalState.PUBLISHED, ProposalState.SELECTED, ProposalState.NOT_SELECTED)


class Proposal(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="proposals")
    # The community (or the town itself) the project is for.
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=80)
    body = models.TextField(max_length=1000)
    place = models.CharField(max_length=120, blank=True)
    estimated_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    proposer_name = models.CharField(max_length=40, blank=True)
    proposer_phone = models.CharField(max_length=20, blank=True)
    state = models.CharField(
        max_length=16, choices=ProposalState.choices, default=ProposalState.SUBMITTED
    )
    reason = models.CharField(max_length=300, blank=True)  # declined / selection reason
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    created_at = models.DateTimeField(db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    forgotten_at = models.DateTimeField(null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(state=ProposalState.MERGED, merged_into__isnull=False)
                | (~Q(state=ProposalState.MERGED) & Q(merged_into__isnull=True)),
                name="mailbox_proposal_merged_into",
            ),
            models.CheckConstraint(
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0),
                name="mailbox_proposal_cost",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Support(models.Model):
    """One phone's support of one proposal: only a keyed digest of the phone is kept, and the
    database holds one per (proposal, phone) however many requests arrive at once."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    phone_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("support")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["proposal", "phone_digest"], name="mailbox_support_one_per_phone"
            ),
        ]

    def __str__(self) -> str:
        return f"support {self.proposal_id}"


class LivelihoodProject(models.Model):
    """A selected proposal, tracked until it is done."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="project")
    title = models.CharField(max_length=80)
    title_mn = models.CharField(max_length=160, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responsible = models.CharField(max_length=80, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    planned_finish = models.DateField()
    finished_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("livelihood project")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="mailbox_project_budget"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    project = models.ForeignKey(
        LivelihoodProject, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(max_length=80)
    title_mn = models.CharField(max_length=160, blank=True)
    due = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("milestone")
        ordering: ClassVar[list[str]] = ["due", "pk"]

    def __str__(self) -> str:
        return self.title


class Subject(models.TextChoices):
    PROPOSAL = "proposal", "proposal"
    PROJECT = "project", "project"
    CALL = "call", "call"


class MailboxEvent(AppendOnly):
    subject = models.CharField(max_length=12, choices=Subject.choices)
    subject_id = models.BigIntegerField()
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=12)
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("mailbox event")
        ordering: ClassVar[list[str]] = ["subject", "subject_id", "seq"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["subject", "subject_id", "seq"], name="mailboxevent_seq"
            ),
        ]


class ProposerNotice(models.Model):
    """What the proposer should be told (published, declined, merged, selected, not
    selected): written with the move, for outreach to send and mark `sent_at`."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="notices")
    action = models.CharField(max_length=24)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.action}"
