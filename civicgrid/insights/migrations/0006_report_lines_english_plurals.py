"""The seed's English report words with their singular forms ({one|many}): "solved 1
practical difficulty", not "difficulties". Only rows still holding the old default words are
changed; words an administrator wrote are theirs."""

from django.db import migrations

WORDS = {
    "collected %(n)s opinions": "collected %(n)s {opinion|opinions}",
    "resolved %(n)s conflicts and risks": "resolved %(n)s {conflict or risk|conflicts and risks}",
    "handled %(n)s petitions by proxy": "handled %(n)s {petition|petitions} by proxy",
    "solved %(n)s practical difficulties": "solved %(n)s practical {difficulty|difficulties}",
}


def forwards(apps, schema_editor):
    ReportLine = apps.get_model("insights", "ReportLine")
    for old, new in WORDS.items():
        ReportLine.objects.filter(template_en=old).update(template_en=new)


def backwards(apps, schema_editor):
    ReportLine = apps.get_model("insights", "ReportLine")
    for old, new in WORDS.items():
        ReportLine.objects.filter(template_en=new).update(template_en=old)


class Migration(migrations.Migration):
    dependencies = [("insights", "0005_counters_default_zero_in_the_database")]
    operations = [migrations.RunPython(forwards, backwards)]
