"""Give the application's database role what it needs, and no more (PostgreSQL).

Run by the owner of the tables after every `migrate`: the web, worker and beat processes
connect as the application role, which owns nothing (so it cannot alter a table or drop a
trigger), may read and write the tables, and may only INSERT into the decision log: UPDATE,
DELETE and TRUNCATE on it are revoked, on top of the append-only triggers of migration 0002.
"""

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from consents.models import ConsentDecision

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role_statements(*, role: str, owner: str, database: str) -> list[str]:
    """The SQL that leaves `role` exactly the rights the application needs."""
    log = ConsentDecision._meta.db_table
    return [
        f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'REVOKE CREATE ON SCHEMA public FROM "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        # The decision log: read and append, never change, remove or empty.
        f'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "{log}" FROM "{role}"',
        # Migrations are the owner's business.
        f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "django_migrations" FROM "{role}"',
        # Tables a later migration adds are usable before this command runs again.
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public '
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public '
        f'GRANT USAGE, SELECT ON SEQUENCES TO "{role}"',
    ]


class Command(BaseCommand):
    help = (
        "Grant the application's database role (which must not own the tables) what it "
        "needs, and revoke UPDATE, DELETE and TRUNCATE on the decision log. Run as the "
        "owner after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", default="portal_app", help="the application's role")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role is for PostgreSQL; SQLite has no roles.")
        if not ROLE_NAME.match(role):
            raise CommandError(f"{role!r} is not a plain PostgreSQL role name.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database_name = cursor.fetchone()
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
                [role],
            )
            (owned,) = cursor.fetchone()
        if found is None:
            raise CommandError(
                f"The role {role!r} does not exist. Create it first, e.g. "
                f"CREATE ROLE {role} LOGIN PASSWORD '...'; (deploy/postgres-init does this)."
            )
        if role == owner or found[0] or owned:
            raise CommandError(
                f"{role!r} is the owner, a superuser, or owns tables: the application must "
                "connect as a role that owns nothing."
            )
        statements = app_role_statements(role=role, owner=owner, database=database_name)
        with transaction.atomic(using=database), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"{role}: read and write on the tables of {database_name}; the decision log "
            "only read and append."
        )
