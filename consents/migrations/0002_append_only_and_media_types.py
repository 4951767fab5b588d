from django.db import migrations

# On PostgreSQL the database itself refuses to change or remove a decision, whoever asks.
# SQLite (the development default) relies on the model and queryset guards.
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION consents_decision_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent decisions are append-only (%% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER consents_decision_no_update_delete
    BEFORE UPDATE OR DELETE ON consents_consentdecision
    FOR EACH ROW EXECUTE FUNCTION consents_decision_append_only();
CREATE TRIGGER consents_decision_no_truncate
    BEFORE TRUNCATE ON consents_consentdecision
    FOR EACH STATEMENT EXECUTE FUNCTION consents_decision_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS consents_decision_no_truncate ON consents_consentdecision;
DROP TRIGGER IF EXISTS consents_decision_no_update_delete ON consents_consentdecision;
DROP FUNCTION IF EXISTS consents_decision_append_only();
"""

def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("consents", "0001_initial")]

    operations = [
        migrations.RunPython(add_triggers, drop_triggers),
    ]
