"""Hours of other services (the care module's meal deliveries) in the members' months, and
their point rule (points.DEFAULT_RULES: one point an hour, at most 40 a month), as a row an
administrator can change; values written here so later changes to the code do not rewrite them."""

from decimal import Decimal

from django.db import migrations, models


def seed(apps, schema_editor):
    PointRule = apps.get_model("volunteers", "PointRule")
    PointRule.objects.get_or_create(
        source="service_hour", defaults={"points": Decimal("1"), "monthly_cap": Decimal("40")}
    )


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0003_activity_photos")]

    operations = [
        migrations.AddField(
            model_name="membermonth",
            name="service_hours",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=8),
        ),
        migrations.AlterField(
            model_name="pointrule",
            name="source",
            field=models.CharField(
                choices=[
                    ("activity_hour", "An hour of service at an activity"),
                    ("resolved_need", "A need taken and resolved"),
                    ("fulfilled_wish", "A micro-wish fulfilled"),
                    ("service_hour", "An hour of other service (meal deliveries…)"),
                ],
                max_length=16,
                unique=True,
                verbose_name="for",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
