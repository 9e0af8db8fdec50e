"""The default weights of the assessment's measures (考核共评), as data the admin can change
(`committees/seed.py` holds the same, for a flushed database)."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = {
    "tasks_done": Decimal("25"),
    "on_time": Decimal("20"),
    "returned": Decimal("10"),
    "needs": Decimal("15"),
    "attendance": Decimal("10"),
    "peer": Decimal("20"),
}


def seed(apps, schema_editor):
    weight = apps.get_model("committees", "AssessmentWeight")
    for measure, value in DEFAULTS.items():
        weight.objects.get_or_create(measure=measure, defaults={"weight": value})


class Migration(migrations.Migration):
    dependencies = [("committees", "0001_committees_work")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
