"""What residents read about a need's state and its events: the tracking page and Open311 say
the same words."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from civicgrid.needs import workflow
from civicgrid.needs.models import State

STATE_WORDS: dict[str, Any] = {
    State.SUBMITTED: gettext_lazy("Received. The community will look at it soon."),
    State.ACCEPTED: gettext_lazy("The community has accepted it and is choosing who handles it."),
    State.DISPATCHED: gettext_lazy("Passed to the people who will handle it."),
    State.TAKEN: gettext_lazy("Someone has taken it on."),
    State.IN_PROGRESS: gettext_lazy("Work is in progress."),
    State.RESOLVED: gettext_lazy("Reported solved. Please tell us if you are satisfied."),
    State.CLOSED: gettext_lazy("Finished."),
    State.REJECTED: gettext_lazy("Not taken up. The reason is below."),
    State.WITHDRAWN: gettext_lazy("Withdrawn by the resident."),
    State.ESCALATED: gettext_lazy("Passed up to a higher level for help."),
    State.MERGED: gettext_lazy("Joined with another need about the same problem."),
}

# While a joint party committee holds the need (publication.consulting): the state's name and
# words on the tracking page, and the event that brought it there.
CONSULTING = gettext_lazy("Joint party committee consulting")
CONSULTING_WORDS = gettext_lazy(
    "The joint party committee and its member units are working out together who does what."
)
CONSULTATION_EVENT = gettext_lazy("Brought to the joint party committee for consultation")

EVENT_WORDS: dict[str, Any] = {
    workflow.RAISE: gettext_lazy("Need received"),
    workflow.Action.ACCEPT: gettext_lazy("Accepted by the community"),
    workflow.Action.REJECT: gettext_lazy("Not taken up"),
    workflow.Action.DISPATCH: gettext_lazy("Passed to a handler"),
    workflow.Action.TAKE: gettext_lazy("A handler took it on"),
    workflow.Action.START: gettext_lazy("Work started"),
    workflow.Action.RESOLVE: gettext_lazy("Reported solved"),
    workflow.Action.RETURN: gettext_lazy("Handed back to the community to reassign"),
    workflow.Action.ESCALATE: gettext_lazy("Passed up for help"),
    workflow.Action.CONFIRM: gettext_lazy("Confirmed by the resident"),
    workflow.Action.REOPEN: gettext_lazy("Reopened: the resident was not satisfied"),
    workflow.Action.WITHDRAW: gettext_lazy("Withdrawn by the resident"),
    workflow.Action.MERGE: gettext_lazy("Joined with another need about the same problem"),
    workflow.Action.CLOSE_UNRATED: gettext_lazy("Closed without a rating"),
    workflow.Action.RESTORE: gettext_lazy("Restored by the community after a withdrawal"),
    workflow.MERGED_IN: gettext_lazy("A need about the same problem was joined to this one"),
    workflow.COMMENT: gettext_lazy("Note"),
    workflow.RECORD: gettext_lazy("Recorded"),
    workflow.ANONYMISE: gettext_lazy("Personal data removed"),
    workflow.PLACE: gettext_lazy("Located by the staff and passed to the people there"),
}
