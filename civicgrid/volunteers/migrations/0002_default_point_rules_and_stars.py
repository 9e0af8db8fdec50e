"""The rules every installation starts with (points.DEFAULT_RULES, DEFAULT_STARS), as rows an
administrator can change; values written here so later changes to the code do not rewrite them."""

from decimal import Decimal

from django.db import migrations

RULES = (
    ("activity_hour", Decimal("1"), Decimal("40")),
    ("resolved_need", Decimal("2"), Decimal("20")),
    ("fulfilled_wish", Decimal("5"), Decimal("20")),
)
STARS = ((1, Decimal("10")), (2, Decimal("30")), (3, Decimal("60")), (4, Decimal("100")), (5, Decimal("150")))


def seed(apps, schema_editor):
    PointRule = apps.get_model("volunteers", "PointRule")
    StarLevel = apps.get_model("volunteers", "StarLevel")
    for source, points, cap in RULES:
        PointRule.objects.get_or_create(source=source, defaults={"points": points, "monthly_cap": cap})
    for stars, threshold in STARS:
        StarLevel.objects.get_or_create(stars=stars, defaults={"threshold": threshold})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_people_who_serve")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
