from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How often the sweep (reminders, overdue marks, closing answered messages) runs.
SWEEP_SECONDS = 300


class LiaisonConfig(AppConfig):
    name = "civicgrid.liaison"
    label = "liaison"
    verbose_name = _("Messages to representatives")

    def ready(self) -> None:
        from civicgrid.core import notifications
        from civicgrid.core.scheduler import register_periodic
        from civicgrid.liaison import following, workflow

        register_periodic("liaison.sweep", "civicgrid.liaison.tasks.sweep", SWEEP_SECONDS)
        texts = {
            workflow.NOTICE_NEW: _("New message %(number)s for you, to answer by %(due)s"),
            workflow.NOTICE_REMIND: _("Reminder: message %(number)s must be answered by %(due)s"),
            workflow.NOTICE_OVERDUE: _("Message %(number)s is overdue (due %(due)s)"),
            workflow.NOTICE_NEED_DONE: _(
                "Need %(need)s raised from message %(number)s is done: the resident is told"
            ),
        }
        for kind, text in texts.items():
            notifications.register_text(kind, text)
        # The need made from a message answers it; the need's page shows the message.
        following.wire()
