"""Who may see and change what in the people-who-serve module, written once.

Every role-and-path check goes through `network/scope.py`. Staff of a community (and above)
organise its registrations, teams, activities and wishes; a team's leaders organise the team's
activities; party members and volunteers act for themselves. Services check again.
"""

from __future__ import annotations

from typing import Any

from civicgrid.network import scope
from civicgrid.network.models import Node, Role

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


# --- Registrations (registrations builder) ---------------------------------------------------

# --- Activities and teams (activities builder) -----------------------------------------------

# --- Wishes (wishes builder) -----------------------------------------------------------------
