"""A city-size network for benchmarks: by default 10,000 small grids and 100,000 people.

The benchmark city is a separate root ("基准测试市", code `SCALE`), so it can sit beside the
demo region without touching it. Its shape is fixed fan-outs: 10 small grids per big grid
(a 5 × 2 block of the lattice), 5 big grids per community, 10 communities per subdistrict,
5 subdistricts per district; smaller sizes keep the fan-outs and drop the remainder.

Everything goes through `bulk.py`: one INSERT per level of the tree and per thousand people,
and one password hash shared by every staff member.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from civicgrid.demo import layout
from civicgrid.demo.bulk import NodeSpec, PersonSpec, create_nodes, create_people
from civicgrid.demo.names import SCALE_RANGE, NameMaker
from civicgrid.demo.region import DEMO_PASSWORD, SEED
from civicgrid.network.models import Node, NodeKind, Role

SCALE_CODE = "SCALE"
DEFAULT_GRIDS = 10_000
DEFAULT_PEOPLE = 100_000

GRIDS_PER_BIG = 10
BLOCK = (5, 2)  # a big grid's block of lattice cells: GRIDS_PER_BIG cells
BIG_PER_COMMUNITY = 5
COMMUNITIES_PER_TOWN = 10
TOWNS_PER_BANNER = 5
# Somewhere in the steppe north of Hohhot, far from every demo place, so that the grid index
# never finds a benchmark grid overlapping a demo grid.
CENTRE = (111.0, 41.6)  # lon, lat
CELL_M = 300

K = NodeKind


@dataclass(frozen=True)
class ScaleResult:
    nodes: int
    small_grids: int
    people: int


def scale_exists() -> bool:
    return Node.objects.filter(code=SCALE_CODE).exists()


def _groups(count: int, size: int) -> int:
    return math.ceil(count / size)


@transaction.atomic
def build_scale_city(*, grids: int = DEFAULT_GRIDS, people: int = DEFAULT_PEOPLE) -> ScaleResult:
    """Create the benchmark city. Precondition: it does not exist (`scale_exists`)."""
    if grids < 1 or people < 0:
        raise ValueError("grids must be at least 1 and people not negative")
    rng = random.Random(SEED)
    n_big = _groups(grids, GRIDS_PER_BIG)
    n_comm = _groups(n_big, BIG_PER_COMMUNITY)
    n_town = _groups(n_comm, COMMUNITIES_PER_TOWN)
    n_banner = _groups(n_town, TOWNS_PER_BANNER)

    # Blocks in rows of `per_row`, chosen so the city comes out roughly square.
    per_row = max(1, round(math.sqrt(n_big * BLOCK[1] / BLOCK[0])))
    block_rows = _groups(n_big, per_row)
    lon, lat = CENTRE
    lattice = layout.Lattice.around(
        rng, lon=lon, lat=lat, cols=per_row * BLOCK[0], rows=block_rows * BLOCK[1], cell_m=CELL_M
    )

    specs = [
        NodeSpec(SCALE_CODE, SCALE_CODE, "基准测试市", K.LEAGUE, None, "Benchmark city", lat, lon)
    ]
    banners = [f"{SCALE_CODE}-D{b + 1:02d}" for b in range(n_banner)]
    for b, code in enumerate(banners):
        specs.append(
            NodeSpec(code, code, f"第{b + 1}区", K.BANNER, SCALE_CODE, f"District {b + 1}")
        )
    towns: list[str] = []
    for t in range(n_town):
        parent = banners[t // TOWNS_PER_BANNER]
        local = t % TOWNS_PER_BANNER + 1
        code = f"{parent}-T{local:02d}"
        towns.append(code)
        specs.append(NodeSpec(code, code, f"第{local}街道", K.TOWN, parent, f"Subdistrict {local}"))
    communities: list[str] = []
    for c in range(n_comm):
        parent = towns[c // COMMUNITIES_PER_TOWN]
        local = c % COMMUNITIES_PER_TOWN + 1
        code = f"{parent}-C{local:02d}"
        communities.append(code)
        specs.append(
            NodeSpec(code, code, f"第{local}社区", K.COMMUNITY, parent, f"Community {local}")
        )
    small_grids: list[str] = []
    for g in range(n_big):
        parent = communities[g // BIG_PER_COMMUNITY]
        local = g % BIG_PER_COMMUNITY + 1
        big = f"{parent}-G{local}"
        specs.append(
            NodeSpec(big, big, f"第{local}大网格", K.BIG_GRID, parent, f"Big grid {local}")
        )
        count = min(GRIDS_PER_BIG, grids - g * GRIDS_PER_BIG)
        cells = layout.block_cells(
            lattice, block=(g % per_row, g // per_row), block_size=BLOCK, count=count
        )
        for s, cell in enumerate(cells, start=1):
            shape = layout.shape_of(cell)
            code = f"{big}-S{s}"
            small_grids.append(code)
            specs.append(
                NodeSpec(code, code, f"第{local}-{s}网格", K.SMALL_GRID, big, f"Grid {local}-{s}",
                         shape.lat, shape.lon, shape.polygon)
            )  # fmt: skip

    # Staff first (leaders, community staff, one grid worker per grid), then residents spread
    # over the grids; a small `people` keeps only the first ones.
    roles: list[tuple[str, str]] = [(Role.LEADER, SCALE_CODE)] * 2
    roles += [(Role.LEADER, code) for code in banners for _i in range(2)]
    roles += [(Role.COMMUNITY_STAFF, code) for code in towns for _i in range(2)]
    roles += [(Role.COMMUNITY_STAFF, code) for code in communities for _i in range(3)]
    roles += [(Role.GRID_WORKER, code) for code in small_grids]
    roles = roles[:people]
    staff = len(roles)
    roles += [(Role.RESIDENT, small_grids[i % len(small_grids)]) for i in range(people - staff)]

    names = NameMaker(random.Random(SEED + 1))
    low = SCALE_RANGE[0]
    person_specs = [
        PersonSpec(
            key=str(i),
            name=names.name(0.15),
            mobile=str(low + i),
            roles=[role],
            can_login=i < staff,
        )
        for i, role in enumerate(roles)
    ]
    nodes = create_nodes(specs)
    create_people(person_specs, nodes, make_password(DEMO_PASSWORD))
    return ScaleResult(nodes=len(nodes), small_grids=len(small_grids), people=len(person_specs))
