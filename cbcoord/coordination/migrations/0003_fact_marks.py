"""SQLite finds new activities and tags by the highest ids the facts have seen (``triggers.py``):
the marks start at today's highest ids, which the insert triggers this replaces have noted."""

from django.db import migrations, models
from django.db.models import Max


def mark_what_was_noted(apps, schema_editor):  # type: ignore[no-untyped-def]
    activity = apps.get_model("activities", "Activity")
    tag = apps.get_model("activities", "ActivityProvision")
    state = apps.get_model("coordination", "FactState")
    state.objects.update(
        activity_mark=activity.objects.aggregate(last=Max("pk"))["last"] or 0,
        tag_mark=tag.objects.aggregate(last=Max("pk"))["last"] or 0,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0002_records_and_facts"),
        ("activities", "0010_relevance_in_order_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="factstate",
            name="activity_mark",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="factstate",
            name="tag_mark",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(mark_what_was_noted, migrations.RunPython.noop),
    ]
