from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    label = "core"

    def ready(self) -> None:
        from civicgrid.core import pgtypes
        from civicgrid.core.scheduler import register_periodic

        pgtypes.connect()  # PostgreSQL timestamps read by psycopg's compiled loader

        # Deletes the request counters of rate-limit windows that ended over an hour ago.
        register_periodic(
            "core.prune_rate_counters", "civicgrid.core.tasks.prune_rate_counters", 3600
        )
        # Deletes one-time form keys older than a day (core/once.py).
        register_periodic("core.prune_once_keys", "civicgrid.core.tasks.prune_once_keys", 3600)
        # Deletes one-time phone codes a day after they were sent (core/phonecode.py).
        register_periodic("core.prune_phone_codes", "civicgrid.core.tasks.prune_phone_codes", 3600)
