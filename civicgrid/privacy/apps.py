from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "civicgrid.privacy"
    label = "privacy"
    verbose_name = _("Personal information")

    def ready(self) -> None:
        from civicgrid.core.scheduler import register_periodic

        # Removes personal data from needs closed longer than NEED_RETENTION_DAYS ago.
        register_periodic(
            "privacy.anonymise_expired",
            "civicgrid.privacy.tasks.anonymise_expired_needs",
            "RETENTION_INTERVAL_SECONDS",
        )
