from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "civicgrid.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from civicgrid.insights import consumers

        consumers.subscribe()
