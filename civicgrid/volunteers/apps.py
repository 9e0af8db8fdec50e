from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "civicgrid.volunteers"
    label = "volunteers"
    verbose_name = _("People who serve")

    def ready(self) -> None:
        # Points: the members' months kept from activities', wishes' and needs' events, in the
        # event's transaction (docs/volunteers.md).
        from civicgrid.volunteers import points

        points.subscribe()
        # A team set inactive is offered no more as a need's dispatch target (needs/targets).
        from civicgrid.core.localcache import watch
        from civicgrid.needs.cached import TARGETS
        from civicgrid.volunteers.models import Team

        watch(TARGETS, Team)
        # The worker's periodic work (tasks.py); each step claims its mark with a conditional
        # UPDATE, so two workers never do it twice.
        from civicgrid.core.scheduler import register_periodic

        register_periodic(
            "volunteers.check_team_months",
            "civicgrid.volunteers.tasks.check_team_months_task",
            "VOLUNTEER_TEAM_CHECK_SECONDS",
        )
        register_periodic(
            "volunteers.remind_unclaimed_wishes",
            "civicgrid.volunteers.tasks.remind_unclaimed_wishes",
            "VOLUNTEER_WISH_REMINDER_SECONDS",
        )
        register_periodic(
            "volunteers.hold_ended_activities",
            "civicgrid.volunteers.tasks.hold_ended_activities",
            "VOLUNTEER_HOLD_SECONDS",
        )
