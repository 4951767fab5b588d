from django.db import migrations

# A lookup searches people by any part of their name ("jan" finds Jansen and Jan de Vries):
# `icontains`, which PostgreSQL answers with a sequential scan of every person of the board
# unless trigram indexes cover UPPER(name), the expression Django's icontains compares. A
# student number is found by its first digits (`startswith`, a LIKE 'x%' pattern index).
# SQLite (development) has no pg_trgm and scans; its tables are small.
INDEXES_SQL = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS subject_first_name_trgm
    ON consents_subject USING gin (UPPER(first_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS subject_last_name_trgm
    ON consents_subject USING gin (UPPER(last_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS student_number_prefix
    ON consents_student (student_number varchar_pattern_ops);
"""

DROP_SQL = """
DROP INDEX IF EXISTS student_number_prefix;
DROP INDEX IF EXISTS subject_last_name_trgm;
DROP INDEX IF EXISTS subject_first_name_trgm;
"""


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEXES_SQL)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("consents", "0005_issue5_campaigns")]

    operations = [
        migrations.RunPython(add_indexes, drop_indexes),
    ]
