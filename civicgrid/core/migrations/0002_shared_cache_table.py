from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The database cache's table (settings.CACHES), made here so that every installation and
    # every test database has it without a separate `createcachetable` step. It does nothing
    # when CACHES points at Redis.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_inbox_reveal_log_schedule")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
