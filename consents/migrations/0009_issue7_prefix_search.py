from django.db import migrations

# A search word is also compared with the name prefix ("de", "van der": `iexact`, which is
# UPPER(prefix) = UPPER(word)); without an index on that expression PostgreSQL scans every
# person for it, even when the word's other alternatives are answered by the trigram
# indexes of migration 0006. SQLite (development) scans; its tables are small.


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS subject_prefix_upper ON consents_subject (UPPER(prefix))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS subject_prefix_upper")


class Migration(migrations.Migration):
    dependencies = [("consents", "0008_issue8_access_log")]

    operations = [
        migrations.RunPython(add_index, drop_index),
    ]
