from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "civicgrid.needs"
    label = "needs"
    verbose_name = _("Needs")

    def ready(self) -> None:
        from civicgrid.core.scheduler import register_periodic, register_poll

        register_periodic(
            "needs.sweep_deadlines",
            "civicgrid.needs.tasks.sweep_deadlines",
            "SWEEP_INTERVAL_SECONDS",
        )
        # The worker's part of intake (settings.INTAKE_FOLLOW_UP): dispatchers told, counts added.
        register_poll("civicgrid.needs.workflow.follow_up_pending")
        # What follows the workflow's events: messages to the people concerned.
        from civicgrid.needs import notices

        notices.subscribe()
        # The console's inbox counts, kept a few seconds per process, start again after any
        # event of any need here: at once, and after the commit (a page counted in between
        # still saw the old rows).
        from civicgrid.needs import events, selectors

        events.subscribe(events.ANY, selectors.forget_inbox_counts)
        events.subscribe(events.ANY, selectors.forget_inbox_counts, when="commit")
