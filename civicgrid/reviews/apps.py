from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How often the worker closes rounds past their last day (seconds).
CLOSE_EVERY = 3600


class ReviewsConfig(AppConfig):
    name = "civicgrid.reviews"
    label = "reviews"
    verbose_name = _("Department reviews")

    def ready(self) -> None:
        from civicgrid.core.scheduler import register_periodic

        register_periodic(
            "reviews.close_due_rounds", "civicgrid.reviews.tasks.close_due_rounds", CLOSE_EVERY
        )
