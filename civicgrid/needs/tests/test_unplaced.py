"""The unplaced queue (issue 11, docs/workflow.md): a report no grid could be found for is
never turned away; it waits at the jurisdiction it came through, and that level's dispatchers
place it, through one command (`services.need_place`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.insights.tests.checks import actual_rollups, expected_rollups
from civicgrid.needs import services, workflow
from civicgrid.needs.models import Need, NeedEvent, State
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tests.test_resident_views import english, form_data, raise_url
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db


def region_dispatcher(w: nf.World):
    return netf.person("盟调度员", roles=[(Role.COMMUNITY_STAFF, w.t["league"])])


def unplaced(w: nf.World, **overrides) -> Need:
    fields = {"node": None, "lat": 30.0, "lon": 30.0, "unplaced_at": w.t["league"]}
    fields.update(overrides)
    return nf.raise_need(w, **fields)


# --- Intake -----------------------------------------------------------------------------------


def test_a_point_outside_every_grid_waits_at_the_jurisdiction_and_its_dispatchers_hear():
    w = nf.world()
    boss = region_dispatcher(w)
    need = unplaced(w)
    assert need.unplaced and need.state == State.SUBMITTED
    assert (need.node, need.owner_node) == (w.t["league"], w.t["league"])
    assert (need.lat, need.lon) == (30.0, 30.0)
    nf.follow_up()
    told = Notification.objects.filter(kind="need_new").values_list("recipient_id", flat=True)
    assert list(told) == [boss.pk]


def test_where_no_level_above_has_community_staff_the_admins_at_the_top_hear():
    # The demo's shape: leagues hold an admin and leaders, no community staff.
    w = nf.world()
    admin = netf.person("盟管理员", roles=[(Role.ADMIN, w.t["league"])])
    unplaced(w)
    nf.follow_up()
    told = Notification.objects.filter(kind="need_new").values_list("recipient_id", flat=True)
    assert list(told) == [admin.pk]


def test_where_reports_wait_is_the_top_node_or_the_one_unplaced_at_names(settings):
    # Several trees in one database (the demo's eight leagues): UNPLACED_AT says which node's
    # people place what no grid holds; without it, or naming no node, the first top node.
    from civicgrid.core.localcache import forget

    w = nf.world()
    other = netf.node("league", None, name="另一盟")
    assert services.region_root() == w.t["league"]
    settings.UNPLACED_AT = other.code
    forget()
    assert services.region_root() == other
    settings.UNPLACED_AT = "no-such-code"
    forget()
    assert services.region_root() == w.t["league"]


def test_without_a_jurisdiction_the_intake_still_refuses_what_it_cannot_place():
    w = nf.world()
    with pytest.raises(Invalid) as caught:
        nf.raise_need(w, node=None, lat=30.0, lon=30.0)
    assert caught.value.code == "outside_grids"


def test_a_point_inside_a_grid_is_routed_even_with_a_jurisdiction():
    w = nf.world()
    need = unplaced(w, lat=0.5, lon=0.5)
    assert (need.node, need.unplaced) == (w.t["gridA"], False)


# --- The place command ------------------------------------------------------------------------


def test_a_region_dispatcher_places_it_in_a_grid_and_the_community_takes_it_on():
    w = nf.world()
    boss = region_dispatcher(w)
    need = unplaced(w)
    placed = services.need_place(need=need, by=workflow.By(boss), node=w.t["gridB"])
    stored = Need.objects.get(pk=need.pk)
    assert (stored.node, stored.owner_node, stored.unplaced) == (
        w.t["gridB"],
        w.t["comm1"],
        False,
    )
    assert placed.state == stored.state == State.SUBMITTED
    event = NeedEvent.objects.filter(need=need).order_by("seq").last()
    assert event is not None and event.action == workflow.PLACE and event.actor == boss
    assert event.data == {"from": "兴安盟", "to": "B网格"}
    nf.follow_up()  # tells the new owner level, as the place did not (the follow-up had not run)
    told = Notification.objects.filter(kind="need_new", recipient=w.dispatcher)
    assert told.count() == 1  # the community's dispatcher, as for a need raised there
    assert workflow.may(stored, workflow.By(w.dispatcher), workflow.Action.ACCEPT)


def test_a_click_on_the_map_places_it_in_the_grid_under_the_point():
    w = nf.world()
    need = unplaced(w)
    services.need_place(need=need, by=workflow.By(region_dispatcher(w)), lat=0.5, lon=1.5)
    stored = Need.objects.get(pk=need.pk)
    assert (stored.node, stored.lat, stored.lon) == (w.t["gridB"], 0.5, 1.5)


def test_only_the_dispatchers_holding_it_place_it_and_only_in_their_area():
    w = nf.world()
    need = unplaced(w)
    for person in (w.dispatcher, w.leader, w.grid_worker):  # below the region, or read-only
        with pytest.raises(NotAllowed):
            services.need_place(need=need, by=workflow.By(person), node=w.t["gridA"])
    with pytest.raises(NotAllowed):
        services.need_place(need=need, by=workflow.RESIDENT, node=w.t["gridA"])
    assert Need.objects.get(pk=need.pk).unplaced


def test_a_placed_need_cannot_be_placed_again():
    w = nf.world()
    boss = workflow.By(region_dispatcher(w))
    need = unplaced(w)
    services.need_place(need=need, by=boss, node=w.t["gridA"])
    with pytest.raises(Conflict):
        services.need_place(need=need, by=boss, node=w.t["gridB"])


@pytest.mark.parametrize("follow_up", ["inline", "worker"])
def test_the_counters_move_with_the_need_and_equal_a_recount(settings, follow_up):
    settings.INTAKE_FOLLOW_UP = follow_up
    w = nf.world()
    boss = workflow.By(region_dispatcher(w))
    need = unplaced(w)
    need = workflow.transition(need, workflow.Action.ACCEPT, boss)
    services.need_place(need=need, by=boss, node=w.t["gridA"])
    assert actual_rollups() == expected_rollups()
    workflow.follow_up_pending()
    assert actual_rollups() == expected_rollups()
    at = {key[0] for key in actual_rollups()["daily"]}
    assert w.t["gridA"].pk in at and w.t["comm1"].pk in at  # counted where it now is


# --- The console's queue ----------------------------------------------------------------------


def test_the_unplaced_queue_lists_what_waits_in_the_dispatchers_area(client):
    w = nf.world()
    boss = region_dispatcher(w)
    waiting = unplaced(w)
    placed = nf.raise_need(w)
    client.force_login(boss)
    page = client.get(reverse("needs:list"), {"tab": "unplaced"}).content.decode()
    assert waiting.number[:4] in page and placed.number[:4] not in page
    assert "bulk-form" not in page or 'name="numbers"' not in page  # placed one by one first
    client.force_login(w.dispatcher)  # the community below sees nothing of the region's queue
    page = client.get(reverse("needs:list"), {"tab": "unplaced"}).content.decode()
    assert waiting.number[:4] not in page


def test_a_dispatcher_places_it_from_the_detail_page(client):
    w = nf.world()
    boss = region_dispatcher(w)
    need = unplaced(w)
    client.force_login(boss)
    detail = client.get(reverse("needs:detail", args=[need.number])).content.decode()
    assert reverse("needs:place", args=[need.number]) in detail
    response = client.post(reverse("needs:place", args=[need.number]), {"node": w.t["gridA"].pk})
    assert response.status_code == 302
    assert Need.objects.get(pk=need.pk).node == w.t["gridA"]


def test_the_place_form_refuses_a_place_outside_the_area(client):
    w = nf.world()
    need = unplaced(w)
    client.force_login(w.dispatcher)  # cannot even see it
    response = client.post(reverse("needs:place", args=[need.number]), {"node": w.t["gridA"].pk})
    assert response.status_code == 404
    assert Need.objects.get(pk=need.pk).unplaced


# --- The resident page ------------------------------------------------------------------------


def test_a_resident_outside_every_grid_is_accepted_at_the_region_and_told_so(client):
    w = nf.world()
    response = english(client).post(raise_url(), form_data(w, place="", lat="30", lon="30"))
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.unplaced and need.node == w.t["league"] and (need.lat, need.lon) == (30, 30)
    receipt = client.get(response["Location"]).content.decode()
    assert "not yet placed" in receipt


def test_a_resident_who_gives_no_place_at_all_is_accepted_too(client):
    w = nf.world()
    response = client.post(raise_url(), form_data(w, place=""))
    assert response.status_code == 302
    assert Need.objects.get().unplaced


def test_a_resident_who_chooses_a_community_is_routed_there_as_before(client):
    w = nf.world()
    client.post(raise_url(), form_data(w, place=w.t["comm2"].code, lat="30", lon="30"))
    need = Need.objects.get()
    assert (need.node, need.unplaced) == (w.t["comm2"], False)
