from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "civicgrid.care"
    label = "care"
    verbose_name = _("Care")

    def ready(self) -> None:
        from civicgrid.care import wiring

        wiring.ready()
