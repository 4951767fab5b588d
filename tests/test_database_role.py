"""In production the application connects as a role that cannot alter the decision log.

PostgreSQL only: the test creates such a role (roles are cluster-wide, so the name is unique
to this run, and it is dropped afterwards), grants it its rights with `grant_app_role` as
the owner would after `migrate`, then connects as it.
"""

import io
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError, ProgrammingError

from consents.models import ConsentDecision, ConsentStatus

from .helpers import record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles need PostgreSQL"),
]


@pytest.fixture
def app_role(chain_transactional_db):
    role = f"portal_app_test_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOINHERIT')
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


class connected_as:  # noqa: N801 - used as a context manager, reads as a phrase
    """Reconnect Django's default connection as `role` for the block, then back."""

    def __init__(self, role):
        self.role = role

    def __enter__(self):
        default = connections["default"]
        self.saved = dict(default.settings_dict)
        default.close()
        default.settings_dict.update(USER=self.role, PASSWORD="")
        return default

    def __exit__(self, *exc):
        default = connections["default"]
        default.close()
        default.settings_dict.clear()
        default.settings_dict.update(self.saved)


def refused(sql, params=()) -> str:
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(error.value)


def test_the_application_role_may_append_decisions_but_not_change_remove_or_empty_them(
    app_role, school, mother, child, website, photo
):
    call_command("grant_app_role", role=app_role, stdout=io.StringIO())
    first = record(mother.user, child, website, photo)
    table = ConsentDecision._meta.db_table

    with connected_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
        # Recording a decision, as the application does, works ...
        second = record(mother.user, child, website, photo, value="refused")
        assert ConsentDecision.objects.count() == 2
        assert ConsentStatus.objects.get(subject=child).decision_id == second.pk
        # ... changing, removing or emptying the log is refused by the privileges themselves
        # (not only by the triggers, whose message is "append-only") ...
        for sql in (
            f'UPDATE "{table}" SET value = %s WHERE id = %s',
            f'DELETE FROM "{table}" WHERE id = %s',
            f'TRUNCATE "{table}"',
        ):
            params = ["granted", first.pk] if sql.startswith("UPDATE") else [first.pk]
            message = refused(sql, params if "%s" in sql else ())
            assert f"permission denied for table {table}" in message, message
        # ... and so is switching the triggers off or dropping the table: it owns nothing.
        assert "must be owner" in refused(f'ALTER TABLE "{table}" DISABLE TRIGGER ALL')
        assert "must be owner" in refused(f'DROP TABLE "{table}"')
        assert "permission denied" in refused("CREATE TABLE sneaky (id int)")
        assert "permission denied" in refused("DELETE FROM django_migrations")

    assert list(ConsentDecision.objects.order_by("seq").values_list("pk", flat=True)) == [
        first.pk,
        second.pk,
    ]


def test_the_command_refuses_the_owner_and_a_missing_role(app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="owns nothing"):
        call_command("grant_app_role", role=owner)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("grant_app_role", role="no_such_role_here")
    with pytest.raises(CommandError, match="plain PostgreSQL role name"):
        call_command("grant_app_role", role='x"; DROP TABLE consents_consentdecision; --')


def test_without_the_grants_the_role_can_do_nothing(app_role, school):
    with connected_as(app_role), pytest.raises(ProgrammingError, match="permission denied"):
        list(ConsentDecision.objects.all())
