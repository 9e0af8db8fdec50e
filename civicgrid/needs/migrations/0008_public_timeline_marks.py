"""The public timeline marks on a need (issue 13): added, then filled from the events."""

from django.db import migrations, models
from django.db.models import Case, OuterRef, Q, Subquery, Value, When

# As workflow.STAFF_ONLY_ACTIONS was when this migration was written.
STAFF_ONLY = ("remind", "overdue", "owner_check")


def fill(apps, schema_editor):
    Need = apps.get_model("needs", "Need")
    NeedEvent = apps.get_model("needs", "NeedEvent")
    public = NeedEvent.objects.filter(need=OuterRef("pk")).exclude(action__in=STAFF_ONLY)
    last = public.order_by("-seq")
    change = last.exclude(to_state="")
    reply = Case(
        When(Q(public=True) & ~Q(actor_kind__in=("resident", "system")), then="note"),
        default=Value(""),
        output_field=models.TextField(),
    )
    Need.objects.update(
        public_updated_at=Subquery(last.values("created_at")[:1]),
        public_changed_at=Subquery(change.values("created_at")[:1]),
    )
    # No copy of a note for anonymised needs (privacy.services.CLEARED).
    Need.objects.filter(public_changed_at__isnull=False, anonymised_at__isnull=True).update(
        public_reply=Subquery(change.annotate(reply=reply).values("reply")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0007_publication_unplaced_intl_phone"),
    ]

    operations = [
        migrations.AddField(
            model_name="need",
            name="public_changed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="need",
            name="public_reply",
            # A database default too: rows written by SQL of its own (bench/benchdata.py's
            # COPY) get "" as the ORM's do.
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.AddField(
            model_name="need",
            name="public_updated_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
