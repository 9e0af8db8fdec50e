"""The demo region: the places of the seed article in Inner Mongolia, with people and roles.

Everything is generated from fixed data and `random.Random(SEED)`, in a fixed order, so every
build on every database gives the same places, names, mobile numbers and polygons (only the
database ids differ). The places, their approximate coordinates and the figures whose shape the
demo reproduces are in `/work/shared/demo/places.md`; docs/demo.md explains the result.

Node codes are explained in `places.py`; grids append `-G<n>` (big grid), `-S<n>` (small grid)
and `-U<n>` (unit) to their community's code.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import shapely
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from civicgrid.demo import layout, mongolian
from civicgrid.demo.bulk import NodeSpec, PersonSpec, create_nodes, create_people
from civicgrid.demo.login import DEMO_PASSWORD as DEMO_PASSWORD
from civicgrid.demo.login import ROOT_CODE as ROOT_CODE
from civicgrid.demo.login import demo_exists as demo_exists
from civicgrid.demo.names import REGION_RANGE, MobileMaker, NameMaker
from civicgrid.demo.places import (
    MANDUBAOLIGE_CODE,
    SHANBA_BIG_GRIDS,
    SHANBA_CODE,
    SHANBA_ESTATES,
    Community,
    Town,
    estates_for,
    places,
)
from civicgrid.network.models import (
    STAFF_ROLES,
    Membership,
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
    Role,
    RoleBinding,
    UnitKind,
)

SEED = 2026
COMMITTEE_NAME = "满都宝力格镇非建制性联合党委"

K = NodeKind


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    mobile: str
    node_code: str


# One login per role, at a node where that role has something to do in the demo: the grid
# worker and the resident share a Shanba grid, so a need raised by one reaches the other.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(Role.ADMIN, "刘志强", "19900000001", ROOT_CODE),
    DemoLogin(Role.LEADER, "王海峰", "19900000002", "150826"),
    DemoLogin(Role.COMMUNITY_STAFF, "张丽娟", "19900000003", "150826100001"),
    DemoLogin(Role.GRID_WORKER, "李晓燕", "19900000004", "150826100001-G1-S1"),
    DemoLogin(Role.UNIT_LEADER, "赵桂兰", "19900000005", "150826100001-G1-S1-U1"),
    DemoLogin(Role.COMMITTEE_MEMBER, "巴特尔", "19900000006", MANDUBAOLIGE_CODE),
    DemoLogin(Role.MEMBER_UNIT_CONTACT, "苏和", "19900000007", MANDUBAOLIGE_CODE),
    DemoLogin(Role.REPRESENTATIVE, "陈建华", "19900000008", "150502003001"),
    DemoLogin(Role.PROJECT_BUTLER, "孙鹏", "19900000009", "150502003"),
    DemoLogin(Role.PROVIDER, "周凤云", "19900000010", "150204001001"),
    DemoLogin(Role.PARTY_MEMBER, "马俊", "19900000011", "150204001001"),
    DemoLogin(Role.VOLUNTEER, "其其格", "19900000012", "152525102001"),
    DemoLogin(Role.RESIDENT, "杨秀英", "19900000013", "150826100001-G1-S1"),
)


# --- The build ------------------------------------------------------------------------------


@dataclass
class _Plan:
    """Everything a build inserts, collected first so that inserts can be done in bulk."""

    nodes: list[NodeSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    share: dict[str, float] = field(default_factory=dict)  # node code → Mongolian share

    def node(self, spec: NodeSpec, share: float) -> str:
        self.nodes.append(spec)
        self.share[spec.code] = share
        return spec.code


class _Builder:
    def __init__(self) -> None:
        # Separate streams, so that changing how many people a place gets does not move every
        # polygon, and the other way round.
        self.layout_rng = random.Random(SEED)
        self.names = NameMaker(random.Random(SEED + 1))
        self.mobiles = MobileMaker(random.Random(SEED + 2), REGION_RANGE)
        self.count_rng = random.Random(SEED + 3)
        self.plan = _Plan()
        self.buildings: dict[str, int] = {}  # last building number given in each estate
        self.password_hash = ""

    # Places -----------------------------------------------------------------------------

    def add_places(self) -> None:
        for league in places():
            self.plan.node(
                NodeSpec(league.code, league.code, league.name, K.LEAGUE, None,
                         league.name_en, league.lat, league.lon,
                         name_mn=mongolian.place(league.name)),
                0.2,
            )  # fmt: skip
            for banner in league.banners:
                self.plan.node(
                    NodeSpec(banner.code, banner.code, banner.name, K.BANNER, league.code,
                             banner.name_en, banner.lat, banner.lon,
                             name_mn=mongolian.place(banner.name)),
                    0.2,
                )  # fmt: skip
                for town in banner.towns:
                    self.add_town(town, banner.code)

    def add_town(self, town: Town, banner_code: str) -> None:
        parent = banner_code
        if town.name:
            parent = self.plan.node(
                NodeSpec(town.code, town.code, town.name, town.kind, banner_code,
                         town.name_en, town.lat, town.lon, name_mn=mongolian.place(town.name)),
                town.mongolian_share,
            )  # fmt: skip
        bw, bh = town.block_size
        cols = max(bx for c in town.communities for bx, _ in c.blocks) + 1
        rows = max(by for c in town.communities for _, by in c.blocks) + 1
        lattice = layout.Lattice.around(
            self.layout_rng,
            lon=town.lon,
            lat=town.lat,
            cols=cols * bw,
            rows=rows * bh,
            cell_m=town.cell_m,
        )
        estate_of_grid: Iterator[tuple[str, str]] | None = None
        if town.code == SHANBA_CODE:
            # Spread the 116 estates over the 246 grids in order: neighbouring grids share one.
            estates = estates_for(self.layout_rng, SHANBA_ESTATES)
            total = sum(SHANBA_BIG_GRIDS)
            estate_of_grid = iter([estates[i * SHANBA_ESTATES // total] for i in range(total)])
        for community in town.communities:
            self.add_community(community, parent, lattice, town, estate_of_grid)

    def add_community(
        self,
        community: Community,
        parent: str,
        lattice: layout.Lattice,
        town: Town,
        estate_of_grid: Iterator[tuple[str, str]] | None,
    ) -> None:
        share = town.mongolian_share
        grids: list[list[shapely.Geometry]] = [
            layout.block_cells(lattice, block=block, block_size=town.block_size, count=count)
            for block, count in zip(community.blocks, community.big_grids, strict=True)
        ]
        outline = layout.shape_of(shapely.unary_union([c for g in grids for c in g]))
        lat = community.lat if community.lat is not None else outline.lat
        lon = community.lon if community.lon is not None else outline.lon
        self.plan.node(
            NodeSpec(community.code, community.code, community.name, K.COMMUNITY, parent,
                     community.name_en, lat, lon, outline.polygon,
                     mongolian.place(community.name)),
            share,
        )  # fmt: skip
        for b, cells in enumerate(grids, start=1):
            big = layout.shape_of(shapely.unary_union(cells))
            big_code = f"{community.code}-G{b}"
            self.plan.node(
                NodeSpec(big_code, big_code, f"{community.name}第{b}大网格", K.BIG_GRID,
                         community.code, f"{community.name_en}, big grid {b}",
                         big.lat, big.lon, big.polygon, mongolian.big_grid(community.name, b)),
                share,
            )  # fmt: skip
            for s, cell in enumerate(cells, start=1):
                small = layout.shape_of(cell)
                small_code = f"{big_code}-S{s}"
                self.plan.node(
                    NodeSpec(small_code, small_code, f"{community.name}第{b}-{s}网格",
                             K.SMALL_GRID, big_code, f"{community.name_en}, grid {b}-{s}",
                             small.lat, small.lon, small.polygon,
                             mongolian.small_grid(community.name, b, s)),
                    share,
                )  # fmt: skip
                if estate_of_grid is not None:
                    estate = next(estate_of_grid)
                elif community.estates:
                    estate = community.estates[(s - 1) % len(community.estates)]
                else:
                    estate = None
                self.add_units(community, small_code, small, estate, share)

    def add_units(
        self,
        community: Community,
        grid_code: str,
        grid: layout.GridShape,
        estate: tuple[str, str] | None,
        share: float,
    ) -> None:
        low, high = community.units
        for u in range(1, self.layout_rng.randint(low, high) + 1):
            code = f"{grid_code}-U{u}"
            if estate is None:
                # Pastoral areas: neighbouring herder households form a joint household group.
                name, name_en = f"第{u}联户组", f"Household group {u}"
                name_mn = mongolian.household_group(u)
            else:
                number = self.buildings[estate[0]] = self.buildings.get(estate[0], 0) + 1
                name, name_en = f"{estate[0]}{number}号楼", f"{estate[1]}, building {number}"
                name_mn = ""
            self.plan.node(
                NodeSpec(
                    code,
                    code,
                    name,
                    K.UNIT,
                    grid_code,
                    name_en,
                    grid.lat,
                    grid.lon,
                    name_mn=name_mn,
                ),
                share,
            )

    # People -----------------------------------------------------------------------------

    def person(
        self, role: str, node_code: str, *, can_login: bool = False, name: str | None = None
    ) -> PersonSpec:
        spec = PersonSpec(
            key=f"p{len(self.plan.people)}",
            name=name or self.names.name(self.plan.share.get(node_code, 0.1)),
            mobile=self.mobiles.next(),
            roles=[(role, node_code)],
            can_login=can_login,
        )
        self.plan.people.append(spec)
        return spec

    def add_logins(self) -> None:
        for login in DEMO_LOGINS:
            self.plan.people.append(
                PersonSpec(
                    key=f"login:{login.role}",
                    name=login.name,
                    mobile=login.mobile,
                    roles=[(login.role, login.node_code)],
                    can_login=True,
                    is_staff=login.role == Role.ADMIN,
                )
            )

    def add_people(self) -> None:
        """Roles on every level, in tree order so that the draw order never changes.

        Staff get the demo password too, so any grid worker can be tried; residents, party
        members, volunteers and providers other than the demo logins cannot log in.
        """
        rng = self.count_rng
        for spec in self.plan.nodes:
            code, kind = spec.code, spec.kind
            staff: list[tuple[str, int]] = []
            others: list[tuple[str, int]] = []
            if kind == K.LEAGUE:
                staff = [(Role.LEADER, 2)]
            elif kind == K.BANNER:
                staff = [(Role.LEADER, 2), (Role.REPRESENTATIVE, 1)]
            elif kind == K.TOWN:
                staff = [(Role.COMMUNITY_STAFF, 3), (Role.REPRESENTATIVE, 2)]
            elif kind == K.COMMUNITY:
                staff = [(Role.COMMUNITY_STAFF, 4)]
                others = [(Role.PARTY_MEMBER, 2), (Role.VOLUNTEER, 2)]
            elif kind == K.BIG_GRID:
                # The head of the big grid's party-mass service station.
                staff = [(Role.COMMUNITY_STAFF, 1)]
            elif kind == K.SMALL_GRID:
                staff = [(Role.GRID_WORKER, 1)]
                others = [
                    (Role.RESIDENT, rng.randint(3, 6)),
                    (Role.PARTY_MEMBER, rng.randint(0, 2)),
                    (Role.VOLUNTEER, rng.randint(0, 1)),
                ]
            elif kind == K.UNIT:
                staff = [(Role.UNIT_LEADER, 1)]
            for role, count in staff:
                for _i in range(count):
                    self.person(role, code, can_login=True)
            for role, count in others:
                for _i in range(count):
                    self.person(role, code)
        self.add_special_people()

    def add_special_people(self) -> None:
        """People the seed article singles out at particular places."""
        # Qingyuan: 150+ party-member residents in mutual aid.
        for _i in range(150):
            self.person(Role.PARTY_MEMBER, "150204001001")
        # Shunyuan: a representatives' home and two liaison stations.
        for _i in range(6):
            self.person(Role.REPRESENTATIVE, "150502003001", can_login=True)
        # Hongxing: a project butler per key enterprise project.
        for _i in range(3):
            self.person(Role.PROJECT_BUTLER, "150502003", can_login=True)
        # Shangdu: party-member volunteers in "我帮你" vests at shearing time.
        for _i in range(8):
            self.person(Role.VOLUNTEER, "152525102001")
        # Shanba: the "陕坝大妈" help team.
        for community in range(1, 6):
            for _i in range(3):
                self.person(
                    Role.VOLUNTEER,
                    f"{SHANBA_CODE}{community:03d}",
                    name=self.names.han(female=True),
                )


# Member units of the Mandubaolige joint committee: (name, unit kind, node code).
_MEMBER_UNITS: tuple[tuple[str, str, str], ...] = (
    ("满都宝力格镇党委", UnitKind.DEPARTMENT, MANDUBAOLIGE_CODE),
    ("满都宝力格边境派出所", UnitKind.POLICE, MANDUBAOLIGE_CODE),
    ("驻满都宝力格镇某部队", UnitKind.ARMY, MANDUBAOLIGE_CODE),
    ("满都宝力格嘎查党支部", UnitKind.GACHA, MANDUBAOLIGE_CODE + "001"),
    ("巴彦宝拉格嘎查党支部", UnitKind.GACHA, MANDUBAOLIGE_CODE + "002"),
    ("额仁高毕嘎查党支部", UnitKind.GACHA, MANDUBAOLIGE_CODE + "003"),
    ("查干淖尔嘎查党支部", UnitKind.GACHA, MANDUBAOLIGE_CODE + "004"),
    ("东乌珠穆沁旗乃林郭勒乳业有限公司", UnitKind.ENTERPRISE, MANDUBAOLIGE_CODE),
    ("满都宝力格镇草原供销服务有限公司", UnitKind.ENTERPRISE, MANDUBAOLIGE_CODE),
)
# The convenience workshop "青享+便民工坊" at Qingyuan and the seed's other providers.
_PROVIDERS: tuple[tuple[str, str, str], ...] = (
    ("青享+便民工坊·一元理发", UnitKind.OTHER, "150204001001"),
    ("青享+便民工坊·家电维修", UnitKind.OTHER, "150204001001"),
    ("青享+便民工坊·社区团购", UnitKind.OTHER, "150204001001"),
    ("青享+便民工坊·开锁配钥匙", UnitKind.OTHER, "150204001001"),
    ("青享+便民工坊·便民裁缝", UnitKind.OTHER, "150204001001"),
    ("青享+便民工坊·自行车维修", UnitKind.OTHER, "150204001001"),
    ("青享+便民工坊·疏通下水管道", UnitKind.OTHER, "150204001001"),
    ("青享+便民工坊·修鞋换拉锁", UnitKind.OTHER, "150204001001"),
    ("青山区口腔门诊（共建）", UnitKind.INSTITUTION, "150204001001"),
    ("突泉县蒙中医医院（结对义诊）", UnitKind.INSTITUTION, "152224000001"),
    ("陕坝镇惠民粮油店（爱心帮扶卡）", UnitKind.ENTERPRISE, SHANBA_CODE),
    ("陕坝镇丰收粮油超市（爱心帮扶卡）", UnitKind.ENTERPRISE, SHANBA_CODE),
    ("城川镇大沟湾助餐点", UnitKind.OTHER, "150623102001"),
)


def _add_organisations(
    builder: _Builder, nodes: dict[str, Node], people: dict[str, Person]
) -> None:
    """The Mandubaolige joint committee with its member units, the providers, party orgs."""
    names = builder.names
    mobiles = builder.mobiles
    extra: list[PersonSpec] = []
    org_members: list[tuple[str, str, str]] = []  # (organisation name, person key, title)

    def newcomer(role: str, node_code: str) -> str:
        spec = PersonSpec(
            key=f"x{len(extra)}",
            name=names.name(builder.plan.share.get(node_code, 0.1)),
            mobile=mobiles.next(),
            roles=[(role, node_code)],
            can_login=role in STAFF_ROLES,
        )
        extra.append(spec)
        return spec.key

    # The committee: the demo committee-member login plus a secretary, deputies and members.
    committee_titles = ["书记", "副书记", "副书记", "委员", "委员", "委员"]
    org_members.append((COMMITTEE_NAME, f"login:{Role.COMMITTEE_MEMBER}", "委员"))
    for title in committee_titles:
        org_members.append(
            (COMMITTEE_NAME, newcomer(Role.COMMITTEE_MEMBER, MANDUBAOLIGE_CODE), title)
        )
    for index, (unit, _kind, node_code) in enumerate(_MEMBER_UNITS):
        if index == 1:  # the border police post's contact is the demo login
            org_members.append((unit, f"login:{Role.MEMBER_UNIT_CONTACT}", "联络员"))
        else:
            org_members.append((unit, newcomer(Role.MEMBER_UNIT_CONTACT, node_code), "联络员"))
        org_members.append((unit, newcomer(Role.PARTY_MEMBER, node_code), "书记"))
        org_members.append((unit, newcomer(Role.PARTY_MEMBER, node_code), "党员"))
    for index, (provider, _kind, node_code) in enumerate(_PROVIDERS):
        if index == 0:  # the one-yuan haircut is the demo provider login's
            org_members.append((provider, f"login:{Role.PROVIDER}", "师傅"))
        org_members.append((provider, newcomer(Role.PROVIDER, node_code), "师傅"))

    people.update(create_people(extra, nodes, builder.password_hash))

    orgs: dict[str, Organisation] = {}
    committee = Organisation.objects.create(
        name=COMMITTEE_NAME, kind=OrgKind.JOINT_COMMITTEE, node=nodes[MANDUBAOLIGE_CODE]
    )
    orgs[COMMITTEE_NAME] = committee
    for name, unit_kind, node_code in _MEMBER_UNITS:
        orgs[name] = Organisation(
            name=name,
            kind=OrgKind.MEMBER_UNIT,
            unit_kind=unit_kind,
            node=nodes[node_code],
            committee=committee,
        )
    for name, unit_kind, node_code in _PROVIDERS:
        orgs[name] = Organisation(
            name=name, kind=OrgKind.PROVIDER, unit_kind=unit_kind, node=nodes[node_code]
        )
    # A party organisation for every community and gacha, as the four-level network has.
    for spec in builder.plan.nodes:
        if spec.kind == K.COMMUNITY:
            party = f"{spec.name}党委" if spec.name.endswith("社区") else f"{spec.name}党支部"
            if party not in orgs:
                orgs[party] = Organisation(
                    name=party, kind=OrgKind.PARTY_ORG, node=nodes[spec.code]
                )
    Organisation.objects.bulk_create([o for o in orgs.values() if o.pk is None])
    Membership.objects.bulk_create(
        [
            Membership(organisation=orgs[org], person=people[key], title=title)
            for org, key, title in org_members
        ]
    )


@dataclass(frozen=True)
class BuildResult:
    nodes: int
    people: int


@transaction.atomic
def build_demo_region() -> BuildResult:
    """Create the demo region. Precondition: it does not exist (see `demo_exists`)."""
    builder = _Builder()
    builder.add_places()
    builder.add_logins()
    builder.add_people()
    # One hash for every demo login: Argon2 is slow on purpose, and the password is public.
    builder.password_hash = make_password(DEMO_PASSWORD)
    nodes = create_nodes(builder.plan.nodes)
    people = create_people(builder.plan.people, nodes, builder.password_hash)
    _add_organisations(builder, nodes, people)
    # The demo admin may set up the network in the admin site.
    admin = people[f"login:{Role.ADMIN}"]
    admin.user_permissions.set(Permission.objects.filter(content_type__app_label="network"))
    return BuildResult(nodes=len(nodes), people=len(people))


# --- The logins table -----------------------------------------------------------------------


def login_rows() -> list[tuple[str, str, str, str, str]]:
    """(role, name, mobile, password, node) for each demo login, with the node's name."""
    names = dict(
        Node.objects.filter(code__in=[login.node_code for login in DEMO_LOGINS]).values_list(
            "code", "name"
        )
    )
    return [
        (
            str(Role(login.role).label),
            login.name,
            login.mobile,
            DEMO_PASSWORD,
            names.get(login.node_code, login.node_code),
        )
        for login in DEMO_LOGINS
    ]


def login_table() -> str:
    """The demo logins as a plain-text table for the console."""
    # Column titles reuse the models' field names, which the catalogue already translates.
    header = (
        capfirst(RoleBinding._meta.get_field("role").verbose_name),
        capfirst(Person._meta.get_field("name").verbose_name),
        capfirst(Person._meta.get_field("mobile").verbose_name),
        _("Password"),
        capfirst(Node._meta.verbose_name),
    )
    rows = [header, *login_rows()]
    widths = [max(_display_width(str(row[i])) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [_pad(str(value), width) for value, width in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _display_width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))
