from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ButlerConfig(AppConfig):
    name = "civicgrid.butler"
    label = "butler"
    verbose_name = _("Project butler")

    def ready(self) -> None:
        from civicgrid.butler import wiring

        wiring.ready()
