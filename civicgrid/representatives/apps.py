from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepresentativesConfig(AppConfig):
    name = "civicgrid.representatives"
    label = "representatives"
    verbose_name = _("Representatives")
