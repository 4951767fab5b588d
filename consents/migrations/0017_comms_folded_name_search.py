from django.db import migrations

# Names are searched without case or diacritics: "zoe celik" finds "Zoë Çelik" (issue 21).
# `portal_fold(text)` is lower(unaccent(text)), declared IMMUTABLE so that it can be indexed
# (unaccent itself is only STABLE: its dictionary could change; ours does not). The trigram
# indexes on UPPER(name) of migrations 0006 and 0009 give way to indexes on the folded names.
# SQLite registers the same function in Python (now `consents.names.fold`).
FOLD_SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION portal_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
CREATE INDEX IF NOT EXISTS subject_first_name_fold_trgm
    ON consents_subject USING gin (portal_fold(first_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS subject_last_name_fold_trgm
    ON consents_subject USING gin (portal_fold(last_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS subject_prefix_fold_trgm
    ON consents_subject USING gin (portal_fold(prefix) gin_trgm_ops);
DROP INDEX IF EXISTS subject_first_name_trgm;
DROP INDEX IF EXISTS subject_last_name_trgm;
DROP INDEX IF EXISTS subject_prefix_upper;
"""

UNFOLD_SQL = """
CREATE INDEX IF NOT EXISTS subject_first_name_trgm
    ON consents_subject USING gin (UPPER(first_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS subject_last_name_trgm
    ON consents_subject USING gin (UPPER(last_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS subject_prefix_upper ON consents_subject (UPPER(prefix));
DROP INDEX IF EXISTS subject_prefix_fold_trgm;
DROP INDEX IF EXISTS subject_last_name_fold_trgm;
DROP INDEX IF EXISTS subject_first_name_fold_trgm;
DROP FUNCTION IF EXISTS portal_fold(text);
"""


def fold_indexes_add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FOLD_SQL)


def fold_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNFOLD_SQL)


class Migration(migrations.Migration):
    dependencies = [("consents", "0016_imports_column_mapping_and_formats")]

    operations = [migrations.RunPython(fold_indexes_add, fold_indexes_drop)]
