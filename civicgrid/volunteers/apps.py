from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "civicgrid.volunteers"
    label = "volunteers"
    verbose_name = _("People who serve")

    def ready(self) -> None:
        # Points, counters and reminders subscribe to this app's events here (docs/volunteers.md).
        # Points: the members' months kept from activities', wishes' and needs' events.
        from civicgrid.volunteers import points

        points.subscribe()
        # Wishes nobody has claimed near their date: their staff reminded once (hourly task).
        from civicgrid.volunteers import wish_reminders

        wish_reminders.register()
        # Each team's previous month against its rule, once the check day has come.
        from civicgrid.core.scheduler import register_periodic

        register_periodic(
            "volunteers.check_team_months",
            "civicgrid.volunteers.tasks.check_team_months_task",
            "VOLUNTEER_TEAM_CHECK_SECONDS",
        )
        pass
