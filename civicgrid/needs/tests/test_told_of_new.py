"""Who is told of a new need is exactly who may act on it: every active community staff member
and admin bound at the level that holds it or above (the workflow's dispatchers), and no one
else. Superusers, who may act anywhere, are the one exception: they are not told."""

from __future__ import annotations

import pytest

from civicgrid.core.models import Notification
from civicgrid.needs import services, workflow
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By
from civicgrid.network.models import Person, Role
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db


def told(need: Need) -> set[Person]:
    rows = Notification.objects.filter(kind="need_new", url=f"/console/needs/{need.number}/")
    return {n.recipient for n in rows.select_related("recipient")}


def may_accept(need: Need) -> set[Person]:
    """Of everyone holding a role anywhere, those the workflow lets accept the need."""
    staff = Person.objects.filter(roles__isnull=False).distinct()
    need = Need.objects.select_related("owner_node", "node", "consultation").get(pk=need.pk)
    return {p for p in staff if workflow.may(need, By(p), Action.ACCEPT)}


def staffed(w: nf.World) -> dict[str, Person]:
    """Admins and staff at every level, some at two, one no longer active, one superuser."""
    t = w.t
    return {
        "league_admin": netf.person("盟管理员", roles=[(Role.ADMIN, t["league"])]),
        "banner_admin": netf.person("旗管理员", roles=[(Role.ADMIN, t["banner"])]),
        "town1_admin": netf.person("一镇管理员", roles=[(Role.ADMIN, t["town1"])]),
        "comm1_admin": netf.person("一社区管理员", roles=[(Role.ADMIN, t["comm1"])]),
        "comm2_admin": netf.person("二社区管理员", roles=[(Role.ADMIN, t["comm2"])]),
        "big1_admin": netf.person("大网格管理员", roles=[(Role.ADMIN, t["big1"])]),
        "banner_staff": netf.person("旗干部", roles=[(Role.COMMUNITY_STAFF, t["banner"])]),
        "two_levels": netf.person(
            "兼职干部", roles=[(Role.COMMUNITY_STAFF, t["comm1"]), (Role.ADMIN, t["town1"])]
        ),
        "gone": netf.person("离职干部", roles=[(Role.ADMIN, t["comm1"])], is_active=False),
        "root": Person.objects.create_superuser(mobile="13900000099", name="超级", password="x"),
    }


@pytest.mark.parametrize("follow_up", ["inline", "worker"])
def test_those_told_of_a_new_need_are_exactly_those_who_may_accept_it(settings, follow_up):
    settings.INTAKE_FOLLOW_UP = follow_up
    w = nf.world()
    people = staffed(w)
    in_comm1 = nf.raise_need(w, node=w.t["gridA"])
    in_comm2 = nf.raise_need(w, node=w.t["gridC"])
    nf.follow_up()

    for need in (in_comm1, in_comm2):
        assert told(need) == may_accept(need)
    # Admins at the level and above are told (they may act); a level below, another branch,
    # an inactive person and a superuser are not.
    assert {
        people["comm1_admin"],
        people["town1_admin"],
        people["two_levels"],
        people["banner_staff"],
        people["league_admin"],
        w.dispatcher,
        w.town_staff,
    } <= told(in_comm1)
    for left_out in ("big1_admin", "comm2_admin", "gone", "root"):
        assert people[left_out] not in told(in_comm1)
    assert people["comm2_admin"] in told(in_comm2)
    assert people["town1_admin"] not in told(in_comm2)


@pytest.mark.parametrize("follow_up", ["inline", "worker"])
def test_an_unplaced_need_and_its_placing_tell_those_who_may_accept_it_there(settings, follow_up):
    settings.INTAKE_FOLLOW_UP = follow_up
    w = nf.world()
    people = staffed(w)
    need = nf.raise_need(w, node=None, lat=30.0, lon=30.0, unplaced_at=w.t["league"])
    nf.follow_up()
    assert need.unplaced
    assert told(need) == may_accept(need) == {people["league_admin"]}

    Notification.objects.all().delete()
    placed = services.need_place(need=need, by=By(people["league_admin"]), node=w.t["gridC"])
    assert placed.owner_node == w.t["comm2"]
    assert told(placed) == may_accept(placed)
    assert people["comm2_admin"] in told(placed)
