"""The seed's Mongolian names for the categories and their questions (issue 15)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from civicgrid.needs.seed import seed_mongolian_names

    seed_mongolian_names(
        apps.get_model("needs", "Category"), apps.get_model("needs", "CategoryQuestion")
    )


class Migration(migrations.Migration):
    dependencies = [("needs", "0009_mongolian_names")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
