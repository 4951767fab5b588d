"""Writing the generated board in bulk: the tables, their constraints put aside while loading,
the status table derived from the log in one query, and the sequences set after."""

import resource
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection

from consents import stored
from consents.models import (
    ConsentDecision,
    ConsentStatus,
    DecisionEvidence,
    Group,
    Guardian,
    Guardianship,
    StaffMember,
    Student,
    Subject,
)

User = get_user_model()


def peak_memory_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The tables written in bulk, parents before children.
BULK_MODELS = [
    User,
    Guardian,
    Group,
    Subject,
    Student,
    Guardianship,
    StaffMember,
    StaffMember.schools.through,
    ConsentDecision,
    DecisionEvidence,
    ConsentStatus,
]


@contextmanager
def constraints_deferred(models):
    """On PostgreSQL, load `models` without their indexes and constraints, then rebuild them.

    Building an index once over sorted data is much faster than updating it row by row, and a
    foreign key added afterwards is validated in one join instead of one queued check per row
    (Django's foreign keys are deferred to the commit, millions of them). The primary keys
    stay. The definitions are read from the catalogue, so they come back exactly as they were.
    """
    if connection.vendor != "postgresql":
        yield
        return
    saved = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Tables with checks still queued cannot be altered: run the checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "                WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid)",
                [table],
            )
            indexes = cursor.fetchall()
            quoted = connection.ops.quote_name(table)
            for name, _kind, _definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            saved.append((quoted, constraints, indexes))
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _table, _constraints, indexes in saved:
            for _name, definition in indexes:
                cursor.execute(definition)
        for kind in ("u", "f"):  # unique constraints first: foreign keys may refer to them
            for table, constraints, _indexes in saved:
                for name, constraint_kind, definition in constraints:
                    if constraint_kind == kind:
                        cursor.execute(
                            f"ALTER TABLE {table} ADD CONSTRAINT "
                            f"{connection.ops.quote_name(name)} {definition}"
                        )


def next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def statuses_write() -> int:
    """The latest decision per subject, purpose, media type and voice, in one query."""
    status = connection.ops.quote_name(ConsentStatus._meta.db_table)
    decision = connection.ops.quote_name(ConsentDecision._meta.db_table)
    with connection.cursor() as cursor:
        # Table names come from the models' meta; there is no user input in this query.
        query = """
            INSERT INTO {} (subject_id, purpose_id, media_type_id, guardian_id,
                                  unregistered, decision_id)
            SELECT subject_id, purpose_id, media_type_id, guardian_id, unregistered, id
            FROM (
                SELECT id, subject_id, purpose_id, media_type_id, guardian_id,
                       capacity = 'unregistered' AS unregistered,
                       ROW_NUMBER() OVER (
                           PARTITION BY subject_id, purpose_id, media_type_id, guardian_id,
                                        capacity = 'unregistered'
                           ORDER BY seq DESC
                       ) AS position
                FROM {}
            ) AS latest
            WHERE position = 1
            """.format(status, decision)  # noqa: UP032  # nosec B608
        cursor.execute(query)
        # Written past the models' signals: the stored verdicts are all worked out again.
        stored.verdicts_mark_stale(everyone=True)
        return cursor.rowcount


def sequences_reset():
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), BULK_MODELS):
            cursor.execute(sql)
