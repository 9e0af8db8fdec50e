from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "civicgrid.outreach"
    label = "outreach"
    verbose_name = _("Messages to residents")

    def ready(self) -> None:
        from civicgrid.core.scheduler import register_periodic

        # Messages whose time has come again: retries after a temporary failure, and those
        # postponed by the per-number limit (docs/outreach.md).
        register_periodic(
            "outreach.send_due", "civicgrid.outreach.tasks.send_due", "OUTREACH_POLL_SECONDS"
        )
        # A message row for each event residents hear of, in the event's transaction.
        from civicgrid.outreach import consumers

        consumers.subscribe()
        # The same for the messages residents leave for their representatives (liaison).
        from civicgrid.outreach import liaison as liaison_texts

        liaison_texts.subscribe()
        # What the resident was told, on a need's console page and in their data export.
        from civicgrid.needs import extensions
        from civicgrid.outreach.extensions import kept_about, messages_panel

        extensions.add_panel(messages_panel)
        extensions.add_personal(kept_about)
