"""A stamp of the last hand edit, apart from the publisher's last-updated-datetime (which hand
edits no longer overwrite), and the parts of the content each history entry changed.

Activities entered or edited by hand before take their last change as their last edit.
"""

from django.db import migrations, models
from django.db.models import F, Q


def stamp_hand_edits(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")
    Activity.objects.filter(Q(origin="manual") | Q(hand_edited=True)).update(
        edited_at=F("updated_at")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0006_import_run_in_imports_app'),
    ]

    operations = [
        migrations.AddField(
            model_name='activity',
            name='edited_at',
            field=models.DateTimeField(blank=True, editable=False, help_text="When the content was last entered or edited by hand; the publisher's last-updated-datetime stays as published.", null=True, verbose_name='last edited in cbcoord'),
        ),
        migrations.AddField(
            model_name='historicalactivity',
            name='changed_parts',
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.AddField(
            model_name='historicalactivity',
            name='edited_at',
            field=models.DateTimeField(blank=True, editable=False, help_text="When the content was last entered or edited by hand; the publisher's last-updated-datetime stays as published.", null=True, verbose_name='last edited in cbcoord'),
        ),
        migrations.RunPython(stamp_hand_edits, migrations.RunPython.noop),
    ]
