"""The stored verdicts gain what the library's "needs attention" filter reads: whether the
person is protected, and the latest withdrawal among the decisions that count. The rows
written before do not have them, so the store no longer holds: readers work everything out
until the worker's next refresh rebuilds it."""

from django.db import migrations, models
from django.db.models import F


def store_rebuild(apps, schema_editor):
    apps.get_model("consents", "VerdictRefresh").objects.update(
        as_of=None, generation=F("generation") + 1
    )


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0026_library_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="currentverdict",
            name="protected",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="currentverdict",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(store_rebuild, migrations.RunPython.noop),
    ]
