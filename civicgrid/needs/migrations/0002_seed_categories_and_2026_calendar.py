from django.db import migrations

from civicgrid.needs.seed import seed_calendar, seed_categories


def forwards(apps, schema_editor):
    seed_categories(
        apps.get_model("needs", "Category"),
        apps.get_model("needs", "CategoryDeadline"),
        apps.get_model("needs", "CategoryQuestion"),
    )
    seed_calendar(apps.get_model("needs", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("needs", "0001_needs_events_categories_calendar")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
