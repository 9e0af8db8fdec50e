"""The seed's report lines in traditional Mongolian (issue 15)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from civicgrid.insights.sentences import seed_mongolian_lines

    seed_mongolian_lines(apps.get_model("insights", "ReportLine"))


class Migration(migrations.Migration):
    dependencies = [("insights", "0007_report_line_mongolian")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
