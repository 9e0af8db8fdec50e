"""The category the project butler module raises enterprise matters in (issue 20: 项目管家事项,
an approval to chase or a problem of a key project). Seeded again from the seed, which keeps
every other category."""

from django.db import migrations


def forwards(apps, schema_editor):
    from civicgrid.needs.seed import seed_categories, seed_mongolian_names

    category = apps.get_model("needs", "Category")
    question = apps.get_model("needs", "CategoryQuestion")
    seed_categories(category, apps.get_model("needs", "CategoryDeadline"), question)
    seed_mongolian_names(category, question)


class Migration(migrations.Migration):
    dependencies = [("needs", "0012_seed_care_categories")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
