"""The network (一张网): nodes of the four-level tree, people, their roles, organisations.

The tree is stored as a materialised path: `Node.path` is the chain of ids from the root, each
followed by "/" ("1/7/42/"). "Everything under this banner" is then one indexed prefix query,
`path LIKE '1/7/%'`, on both PostgreSQL and SQLite. Only `services.node_move` rewrites paths.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core.i18n import localised

# Chinese mainland mobile numbers: 11 digits starting 13-19.
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 13 to 19, e.g. 13812345678."),
            code="invalid_mobile",
        )


def mask_mobile(value: str | None) -> str:
    """138****1234: what lists and exports show unless the reader may see the number."""
    if not value or len(value) < 7:
        return value or ""
    return f"{value[:3]}****{value[-4:]}"


def mask_name(name: str | None) -> str:
    """王秀英 → 王**: the first character, the rest hidden (a one-character name too), enough to
    tell two people apart on a call, not to identify one. What lists and ledgers show."""
    name = (name or "").strip()
    return name[0] + "*" * max(1, len(name) - 1) if name else ""


def mask_email(value: str | None) -> str:
    """b***@example.org: the first letter and the domain, as a phone keeps its ends."""
    if not value:
        return ""
    local, at, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if at and local else "***"


class NodeKind(models.TextChoices):
    LEAGUE = "league", _("League / city")
    BANNER = "banner", _("Banner / district")
    TOWN = "town", _("Sumu / town / subdistrict")
    COMMUNITY = "community", _("Gacha / community")
    BIG_GRID = "big_grid", _("Big grid")
    SMALL_GRID = "small_grid", _("Small grid")
    UNIT = "unit", _("Unit")


# The service side mirrors the administrative tree (DESIGN.md section 2): party-mass service
# center at town and community, station at the big grid, grid party organisation at the small
# grid, and the unit led by its unit leader.
SERVICE_NAMES: dict[str, Any] = {
    NodeKind.TOWN: _("Party-mass service center"),
    NodeKind.COMMUNITY: _("Party-mass service center"),
    NodeKind.BIG_GRID: _("Party-mass service station"),
    NodeKind.SMALL_GRID: _("Grid party organisation"),
    NodeKind.UNIT: _("Unit (led by a unit leader)"),
}


class NodeQuerySet(models.QuerySet["Node"]):
    def subtree(self, node: Node) -> NodeQuerySet:
        """The node and everything below it: one indexed prefix query."""
        return self.filter(path__startswith=node.path)

    def descendants(self, node: Node) -> NodeQuerySet:
        return self.subtree(node).exclude(pk=node.pk)

    def grids(self) -> NodeQuerySet:
        return self.filter(kind=NodeKind.SMALL_GRID)


class Node(models.Model):
    code = models.CharField(
        _("code"), max_length=40, unique=True, help_text=_("Unique code, e.g. the division code.")
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    name_mn = models.CharField(_("Mongolian name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=NodeKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Maintained by services only; see the module docstring. db_index also gives PostgreSQL
    # a varchar_pattern_ops index, which is what LIKE 'prefix%' needs.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    polygon = models.JSONField(
        _("polygon"), null=True, blank=True, help_text=_("GeoJSON Polygon or MultiPolygon.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = NodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("node")
        verbose_name_plural = _("nodes")
        ordering: ClassVar[list[str]] = ["path"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["kind", "path"], name="node_kind_path_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def service_name(self) -> Any:
        return SERVICE_NAMES.get(self.kind, "")

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this node, included, read from the path."""
        return [int(part) for part in self.path.split("/") if part]

    def is_within(self, other: Node) -> bool:
        return self.path.startswith(other.path)


class PersonManager(BaseUserManager["Person"]):
    use_in_migrations = True

    def create_user(
        self, mobile: str | None, name: str, password: str | None = None, **extra: Any
    ) -> Person:
        person = self.model(mobile=mobile or None, name=name, **extra)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save(using=self._db)
        return person

    def create_superuser(self, mobile: str, name: str, password: str, **extra: Any) -> Person:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(mobile, name, password, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    """Anyone the system knows: staff log in with their mobile number; residents may not."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=64, db_index=True)
    mobile = models.CharField(
        _("mobile number"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_mobile],
        help_text=_("Used to log in. Leave empty for people who never log in."),
    )
    is_staff = models.BooleanField(
        _("admin site access"), default=False, help_text=_("May log in to the set-up site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering: ClassVar[list[str]] = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        # An empty form field means "no login", which must be NULL to keep mobile unique.
        self.mobile = self.mobile or None

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    UNIT_LEADER = "unit_leader", _("Unit leader")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    MEMBER_UNIT_CONTACT = "member_unit_contact", _("Member-unit contact")
    PARTY_MEMBER = "party_member", _("Party member")
    VOLUNTEER = "volunteer", _("Volunteer")
    PROVIDER = "provider", _("Provider")
    REPRESENTATIVE = "representative", _("Representative")
    PROJECT_BUTLER = "project_butler", _("Project butler")
    LEADER = "leader", _("Leader (read-only)")
    ADMIN = "admin", _("Administrator")


# Roles that open the staff console and give a scope (the bound node's subtree). Residents,
# party members, volunteers and providers are bound to a node too (their home community or
# workshop), but that binding says where they belong, not what they may see.
STAFF_ROLES = frozenset(
    {
        Role.UNIT_LEADER,
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.COMMITTEE_MEMBER,
        Role.MEMBER_UNIT_CONTACT,
        Role.REPRESENTATIVE,
        Role.PROJECT_BUTLER,
        Role.LEADER,
        Role.ADMIN,
    }
)
# Staff roles that may change things within their scope: every staff role but the leader's.
WRITE_ROLES = STAFF_ROLES - {Role.LEADER}


class RoleBinding(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    node = models.ForeignKey(
        Node, verbose_name=_("node"), on_delete=models.PROTECT, related_name="role_bindings"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role binding")
        verbose_name_plural = _("role bindings")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["person", "role", "node"], name="rolebinding_unique"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["node", "role"], name="rolebinding_node_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.node}"


class OrgKind(models.TextChoices):
    PARTY_ORG = "party_org", _("Party organisation")
    JOINT_COMMITTEE = "joint_committee", _("Joint party committee")
    MEMBER_UNIT = "member_unit", _("Member unit")
    PROVIDER = "provider", _("Service provider")
    TEAM = "team", _("Volunteer or party-member team")


class UnitKind(models.TextChoices):
    ARMY = "army", _("Army unit")
    POLICE = "police", _("Police / border post")
    GACHA = "gacha", _("Gacha / village")
    ENTERPRISE = "enterprise", _("Enterprise")
    DEPARTMENT = "department", _("Government department")
    INSTITUTION = "institution", _("School, hospital or other institution")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """A party organisation, joint committee, member unit or service provider at a node.

    Member units belong to a joint committee (非建制性联合党委) through `committee`; they sit
    across the tree, so their own `node` need not be under the committee's.
    """

    name = models.CharField(_("name"), max_length=120, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    unit_kind = models.CharField(
        _("unit kind"), max_length=20, choices=UnitKind.choices, blank=True
    )
    node = models.ForeignKey(
        Node, verbose_name=_("node"), on_delete=models.PROTECT, related_name="organisations"
    )
    committee = models.ForeignKey(
        "self",
        verbose_name=_("joint committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member_units",
        limit_choices_to={"kind": OrgKind.JOINT_COMMITTEE},
    )
    members = models.ManyToManyField(Person, through="Membership", related_name="organisations")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering: ClassVar[list[str]] = ["name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(committee__isnull=True) | models.Q(kind="member_unit"),
                name="organisation_only_member_units_join_committees",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE)
    title = models.CharField(_("title"), max_length=60, blank=True, help_text=_("e.g. secretary"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["organisation", "person"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organisation}"


class AccessChange(models.Model):
    """One change to what a person may do: a role bound or unbound, the active, staff or
    superuser flag, groups or permissions. Appended by `network/services.py` and the admin,
    never changed: the audit trail of who gave whom which access, and when.

    `what` is written in English, as a log line: it records a fact, it is not a page's text.
    The person's name is kept too, so the row still says whom it was about if they are deleted.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        Person,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="access_changes",
    )
    person_name = models.CharField(pgettext_lazy("person", "name"), max_length=64, blank=True)
    what = models.CharField(_("what changed"), max_length=300)
    # "admin", "import", "service" (a command or the console): where the change was made.
    source = models.CharField(_("made in"), max_length=20, default="service")

    class Meta:
        verbose_name = _("access change")
        verbose_name_plural = _("access changes")
        ordering: ClassVar[list[str]] = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_name}: {self.what}"


def node_label(node: Node, language: str | None = None) -> str:
    """The node's name in `language` (by default the active one)."""
    return localised(node.name, node.name_en, language, node.name_mn)


def place_words(node: Node, language: str | None = None) -> str:
    """A place as a resident recognises it: a grid or unit after its community's name
    ("团结社区 · 第三网格"), anything else by its own name. One query for the community."""
    if node.kind not in (NodeKind.BIG_GRID, NodeKind.SMALL_GRID, NodeKind.UNIT):
        return node_label(node, language)
    community = (
        Node.objects.filter(pk__in=node.ancestor_ids(), kind=NodeKind.COMMUNITY)
        .only("name", "name_en", "name_mn")
        .first()
    )
    own = node_label(node, language)
    return f"{node_label(community, language)} · {own}" if community else own
