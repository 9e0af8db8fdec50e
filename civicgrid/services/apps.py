from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "civicgrid.services"
    label = "services"
    verbose_name = _("Services close to home")
