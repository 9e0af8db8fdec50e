from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "civicgrid.needs"
    label = "needs"
    verbose_name = _("Needs")

    def ready(self) -> None:
        from civicgrid.needs import notices

        notices.subscribe()
