from django.db import migrations

from civicgrid.insights.sentences import seed_report_lines


def forwards(apps, schema_editor):
    seed_report_lines(apps.get_model("insights", "ReportLine"))


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_daily_and_handler_rollups_report_lines")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
