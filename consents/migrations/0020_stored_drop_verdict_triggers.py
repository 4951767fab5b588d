"""Drop the SQL triggers of 0011 that queued people for the stored verdicts.

What a verdict depends on is now declared once, in `consents.rules.inputs`, and changes mark
the stored verdicts stale from Python (`consents.stored.verdicts_mark_stale`, called by the
models' signals and by every bulk write of a declared field). Reversing puts the triggers back.
"""

from importlib import import_module

from django.db import migrations

STORED_VERDICTS = import_module("consents.migrations.0011_issue7_stored_verdicts")


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0019_comms_protected_people"),
    ]

    operations = [
        migrations.RunPython(STORED_VERDICTS.drop_triggers, STORED_VERDICTS.add_triggers),
    ]
