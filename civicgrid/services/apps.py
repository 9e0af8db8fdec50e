from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "civicgrid.services"
    label = "services"
    verbose_name = _("Services close to home")

    def ready(self) -> None:
        # The resident's texts about appointments are civicgrid/outreach's: it hears the
        # appointments' events (outreach/consumers.py).
        from civicgrid.core.scheduler import register_periodic

        register_periodic(
            "services.remind_appointments",
            "civicgrid.services.tasks.remind_appointments",
            "SERVICE_REMINDER_SECONDS",
        )
        # A need raised at a station in duty hours goes to the person on duty (routing.py).
        from civicgrid.services import routing

        routing.subscribe()
