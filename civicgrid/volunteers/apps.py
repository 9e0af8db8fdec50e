from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "civicgrid.volunteers"
    label = "volunteers"
    verbose_name = _("People who serve")

    def ready(self) -> None:
        # Points, counters and reminders subscribe to this app's events here (docs/volunteers.md).
        pass
