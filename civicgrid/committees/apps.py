from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "civicgrid.committees"
    label = "committees"
    verbose_name = _("Joint committees")

    def ready(self) -> None:
        # A need escalated to a consultation opens one here; a need that ends closes it
        # (consultations.py, in the need event's transaction).
        from civicgrid.committees import consultations

        consultations.subscribe()
        from civicgrid.core.scheduler import register_periodic

        register_periodic(
            "committees.task_deadlines",
            "civicgrid.committees.tasks.sweep_task_deadlines",
            "COMMITTEE_TASK_SWEEP_SECONDS",
        )
        register_periodic(
            "committees.schedule_meetings",
            "civicgrid.committees.tasks.schedule_meetings",
            "COMMITTEE_SCHEDULE_SECONDS",
        )
