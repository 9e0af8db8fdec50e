"""The project butler's records (项目管家): key projects, their butler teams and contacts, the
stage timeline, milestones, visits and matters. Fields and constraints only."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.needs.models import Need
from civicgrid.network.models import Node, Organisation, Person


class Stage(models.TextChoices):
    SIGNED = "signed", _("Signed")
    APPROVALS = "approvals", _("Approvals")
    CONSTRUCTION = "construction", _("Under construction")
    PRODUCTION = "production", _("In production")


class Project(models.Model):
    """A key project (重点项目) of an enterprise at a place."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="butler_projects",
    )
    name = models.CharField(_("name"), max_length=120)
    name_mn = models.CharField(_("Mongolian name"), max_length=150, blank=True)
    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="butler_projects"
    )
    investment = models.DecimalField(
        _("investment (yuan)"), max_digits=16, decimal_places=2, default=0
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.SIGNED)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        ordering: ClassVar[list[str]] = ["name", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(investment__gte=0), name="butler_project_investment_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamRole(models.TextChoices):
    LEADER = "leader", _("District leader")
    DEPARTMENT = "department", _("Department")
    CADRE = "cadre", _("Party-member cadre")


class TeamMember(models.Model):
    """One seat of a project's butler team: a leader or a cadre is a person; a department is an
    organisation (its members work the matters dispatched to it)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team")
    role = models.CharField(_("role"), max_length=12, choices=TeamRole.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="butler_seats",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="butler_seats",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("butler team member")
        ordering: ClassVar[list[str]] = ["project", "role", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # A department seat names an organisation; a leader's or cadre's names a person.
            models.CheckConstraint(
                condition=(
                    models.Q(role="department", organisation__isnull=False, person__isnull=True)
                    | (
                        models.Q(role__in=["leader", "cadre"])
                        & models.Q(person__isnull=False, organisation__isnull=True)
                    )
                ),
                name="butler_team_seat_shape",
            ),
            models.UniqueConstraint(
                fields=["project", "role", "person"],
                condition=models.Q(person__isnull=False),
                name="butler_team_person_once",
            ),
            models.UniqueConstraint(
                fields=["project", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="butler_team_department_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.role} {self.person_id or self.organisation_id}"


class Contact(models.Model):
    """Who speaks for the enterprise about the project: the phones that may raise matters by
    the project's QR code."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("mobile"), max_length=16)
    title = models.CharField(_("title"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise contact")
        ordering: ClassVar[list[str]] = ["project", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["project", "phone"], name="butler_contact_once"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectEvent(AppendOnly):
    """A project's own timeline (created, stage moves), numbered per project."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="events")
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
        verbose_name = "project event"
        ordering: ClassVar[list[str]] = ["project", "seq"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["project", "seq"], name="butler_projectevent_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}#{self.seq} {self.action}"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=120)
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("milestone")
        ordering: ClassVar[list[str]] = ["project", "planned_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Visit(models.Model):
    """A team member visited the enterprise on a day (走访)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey(
        Person, verbose_name=_("visitor"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("day of the visit"))
    found = models.TextField(_("what was found"), blank=True)
    matters_raised = models.PositiveSmallIntegerField(_("matters raised"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        ordering: ClassVar[list[str]] = ["project", "-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.visited_on}"


class MatterKind(models.TextChoices):
    APPROVAL = "approval", _("An approval to chase")
    PROBLEM = "problem", _("A problem to solve")


class Via(models.TextChoices):
    QR = "qr", _("The project's QR code")
    CONSOLE = "console", _("The console")
    API = "api", _("API")


class Matter(models.Model):
    """A matter (事项) the enterprise raised: a need in the enterprise-matter category. Its
    state, deadlines, escalation and rating are the need's; nothing here moves."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="matters")
    need = models.OneToOneField(Need, on_delete=models.PROTECT, related_name="butler_matter")
    kind = models.CharField(_("kind"), max_length=12, choices=MatterKind.choices)
    via = models.CharField(_("raised through"), max_length=8, choices=Via.choices)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="matters"
    )
    raised_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="matters"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("matter")
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.need_id}"
