"""Who may see and change what in the people-who-serve module, written once.

Every role-and-path check goes through `network/scope.py`. Staff of a community (and above)
organise its registrations, teams, activities and wishes; a team's leaders organise the team's
activities; party members and volunteers act for themselves. Services check again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.network import models as network_models
from civicgrid.network import scope
from civicgrid.network.models import Node, Role
from civicgrid.volunteers import models as vm

# People who serve: what gives a login the member's phone pages.
MEMBER_ROLES = (Role.PARTY_MEMBER, Role.VOLUNTEER)


def is_member(user: Any) -> bool:
    """A party member or volunteer (by role anywhere), or anyone with an approved registration
    is checked by the registrations module."""
    return scope.holds_any_role(user, MEMBER_ROLES)


def organises_place(user: Any, node: Node) -> bool:
    """Staff who may change things at `node` (community staff and admins over it)."""
    return scope.holds_role_over(user, (Role.COMMUNITY_STAFF, Role.ADMIN), node) or bool(
        getattr(user, "is_superuser", False)
    )


# --- Points, reports and the member's home -------------------------------------------------


def may_set_point_rules(user: Any) -> bool:
    """Point rules and star levels hold for the whole network: a superuser, or an
    administrator bound to a root of the tree."""
    if getattr(user, "is_superuser", False):
        return True
    paths = scope.role_scope_paths(user, (Role.ADMIN,)) or []
    return any(path.count("/") == 1 for path in paths)


def access_report_node(user: Any, node_id: int) -> Node:
    """A place whose members' reports and leaderboard staff read: within the user's scope
    (404 outside it: another community's staff never learn it exists)."""
    return scope.access_node(user, node_id)


def may_read_reports(user: Any) -> bool:
    """Staff with a scope (a leader reads too); a team's member without a role does not."""
    return scope.is_staff_user(user)


# --- Registrations --------------------------------------------------------------------------
# Registrations are decided by the staff over their community (`registrations.actor_kinds`);
# teams are changed by the staff over their node, their members by the staff and the leaders.


def access_registration(user: Any, registration_id: int, *, write: bool = False) -> vm.Registration:
    """The registration, if its community is in the user's sight (404 otherwise, never saying
    whether it exists); with `write`, 403 unless the user is staff over the community."""
    found = (
        vm.Registration.objects.select_related("community", "person", "unit")
        .filter(pk=registration_id)
        .first()
    )
    if found is None or not scope.can_see(user, found.community):
        raise Http404(_("No such registration in your area."))
    if write and not organises_place(user, found.community):
        raise PermissionDenied(_("Your role may read this registration but not decide on it."))
    return found


def may_change_team(user: Any, team: vm.Team) -> bool:
    """Staff over the team's node: its name, theme, rule, state and leaders."""
    return organises_place(user, team.organisation.node)


def may_change_members(user: Any, team: vm.Team) -> bool:
    return may_change_team(user, team) or leads_team_id(user, team.pk)


def may_see_team(user: Any, team: vm.Team) -> bool:
    """Staff whose scope sees the team's node (a leader of the network reads), and the team's
    own members (its leaders are members)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if scope.can_see(user, team.organisation.node):
        return True
    return network_models.Membership.objects.filter(
        organisation_id=team.organisation_id, person=user
    ).exists()


def access_team(user: Any, team_id: int, *, write: bool = False, members: bool = False) -> vm.Team:
    """The team, if the user may see it (404 otherwise); `write`: 403 unless they may change
    it; `members`: 403 unless they may change its members."""
    team = vm.Team.objects.select_related("organisation__node").filter(pk=team_id).first()
    if team is None or not may_see_team(user, team):
        raise Http404(_("No such team in your area."))
    if write and not may_change_team(user, team):
        raise PermissionDenied(_("Your role may read this team but not change it."))
    if members and not may_change_members(user, team):
        raise PermissionDenied(_("Your role may read this team but not change its members."))
    return team


# --- Activities and teams -------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def leads_team_id(user: Any, team_id: int | None) -> bool:
    """Whether the user is one of the team's leaders (`Team.leaders`)."""
    if not team_id or not _active(user):
        return False
    return vm.Team.leaders.through.objects.filter(team_id=team_id, person_id=user.pk).exists()


def in_team(user: Any, team: vm.Team) -> bool:
    """A member (`Membership` of the team's organisation) or a leader of the team."""
    if not _active(user):
        return False
    return (
        leads_team_id(user, team.pk)
        or network_models.Membership.objects.filter(
            organisation_id=team.organisation_id, person_id=user.pk
        ).exists()
    )


def organises_activity(user: Any, activity: vm.Activity) -> bool:
    """Staff who organise at the activity's place, or a leader of its organising team."""
    if not _active(user):
        return False
    return organises_place(user, activity.node) or leads_team_id(user, activity.team_id)


def may_organise_activities(user: Any) -> bool:
    """Whether the user may plan an activity anywhere: staff who organise a place, or a team's
    leader (the console's "new activity" button)."""
    if not _active(user):
        return False
    if user.is_superuser or scope.role_scope_paths(user, (Role.COMMUNITY_STAFF, Role.ADMIN)):
        return True
    return vm.Team.leaders.through.objects.filter(person_id=user.pk).exists()


def serves(user: Any) -> bool:
    """A registered party member or volunteer: by role, by a place in a team, or by an approved
    registration with a community (Audience.MEMBERS)."""
    if not _active(user):
        return False
    return (
        is_member(user)
        or network_models.Membership.objects.filter(
            person_id=user.pk, organisation__kind=network_models.OrgKind.TEAM
        ).exists()
        or vm.Registration.objects.filter(
            person_id=user.pk, state=vm.RegistrationState.APPROVED
        ).exists()
    )


def may_join(user: Any, activity: vm.Activity) -> bool:
    """Whether the user may sign up for the activity, by its audience."""
    if not _active(user):
        return False
    if activity.audience == vm.Audience.PUBLIC:
        return True
    if activity.audience == vm.Audience.TEAM:
        return activity.team is not None and in_team(user, activity.team)
    return serves(user)


def may_see_activity(user: Any, activity: vm.Activity) -> bool:
    """The public pages: a planned activity is its organisers' only; a public one is everyone's;
    the others are for those who may join them (and those already signed up)."""
    if organises_activity(user, activity):
        return True
    if activity.state == vm.ActivityState.PLANNED:
        return False
    if activity.audience == vm.Audience.PUBLIC:
        return True
    if not _active(user):
        return False
    return (
        may_join(user, activity)
        or vm.SignUp.objects.filter(activity_id=activity.pk, person_id=user.pk).exists()
    )


def access_activity(user: Any, activity_id: int, *, write: bool = False) -> vm.Activity:
    """An activity for the console: 404 unless the user's scope sees its place or they lead its
    team; with write=True, 403 unless they organise it."""
    activity = (
        vm.Activity.objects.select_related("node", "team", "team__organisation")
        .filter(pk=activity_id)
        .first()
    )
    if activity is None or not _active(user):
        raise Http404(_("No such activity in your area."))
    if not (scope.can_see(user, activity.node) or leads_team_id(user, activity.team_id)):
        raise Http404(_("No such activity in your area."))
    if write and not organises_activity(user, activity):
        raise PermissionDenied(_("You may read this activity but not change it."))
    return activity


# --- Wishes ---------------------------------------------------------------------------------
# Staff see the wishes of the communities in their scope, and a grid worker those of the
# community their grid lies in; who may do what to a wish is `wishes.TRANSITIONS`.


def may_see_wish(user: Any, wish: vm.Wish) -> bool:
    """The console's rule for one wish (`selectors_wishes.visible_wishes` is its SQL form)."""
    from civicgrid.volunteers import wishes

    if not _active(user):
        return False
    return scope.can_see(user, wish.community) or wishes.serves_community(user, wish.community)


def access_wish(user: Any, wish_id: int, *, write: bool = False) -> vm.Wish:
    """The wish for the console: 404 unless the user may see it (never saying whether it
    exists); with write=True, 403 unless they serve its community (a leader reads only)."""
    from civicgrid.volunteers import wishes

    wish = (
        vm.Wish.objects.select_related("community", "posted_by", "claimed_by", "claimed_unit")
        .filter(pk=wish_id)
        .first()
    )
    if wish is None or not may_see_wish(user, wish):
        raise Http404(_("No such wish in your area."))
    if write and not wishes.serves_community(user, wish.community):
        raise PermissionDenied(_("Your role may read this wish but not change it."))
    return wish


def may_post_wishes(user: Any) -> bool:
    """Whether the user serves any community where wishes are posted (the "new" button)."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    from civicgrid.volunteers import wishes

    return bool(scope.role_scope_paths(user, wishes.POSTER_ROLES))


def may_claim_wishes(user: Any) -> bool:
    """A member who may claim: a party member or volunteer, or a unit's contact."""
    from civicgrid.volunteers import wishes

    return wishes.is_member(user)
