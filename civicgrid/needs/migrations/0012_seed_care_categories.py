"""Two categories the care module raises and records (issue 19): a welfare check (关爱探视,
when a delivery finds nobody home or a visit finds someone in need) and a care visit
(关爱走访, proactive work). Seeded again from the seed, which keeps every other category."""

from django.db import migrations


def forwards(apps, schema_editor):
    from civicgrid.needs.seed import seed_categories, seed_mongolian_names

    category = apps.get_model("needs", "Category")
    question = apps.get_model("needs", "CategoryQuestion")
    seed_categories(category, apps.get_model("needs", "CategoryDeadline"), question)
    seed_mongolian_names(category, question)


class Migration(migrations.Migration):
    dependencies = [("needs", "0011_need_language_messages_stopped")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
