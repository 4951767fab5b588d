import datetime as dt
import os

import pytest
from django.db import connection

from consents.models import MediaType, Role

from . import factories as f

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def board():
    return f.BoardFactory(name="CVO Test")


@pytest.fixture
def school(board):
    return f.SchoolFactory(board=board, name="Waldheim-mavo")


@pytest.fixture
def other_school(board):
    return f.SchoolFactory(board=board, name="Griftland College")


@pytest.fixture
def purposes(board):
    return [
        f.PurposeFactory(board=board, code="website", name_nl="Website", name_en="Website"),
        f.PurposeFactory(board=board, code="yearbook", name_nl="Jaarboek", name_en="Yearbook"),
    ]


@pytest.fixture
def website(purposes):
    return purposes[0]


@pytest.fixture
def photo(db):
    return MediaType.objects.get(code="photo")


@pytest.fixture
def child(school):
    """A student who turns 16 on 14 March 2029 (born 14 March 2013)."""
    return f.StudentFactory(
        school=school,
        first_name="Zoë",
        prefix="de",
        last_name="Vries",
        date_of_birth=dt.date(2013, 3, 14),
    )


@pytest.fixture
def mother(child):
    return f.GuardianFactory(user__email="sanne@example.org", students=[child])


@pytest.fixture
def father(child):
    return f.GuardianFactory(user__email="mark@example.org", students=[child])


@pytest.fixture
def other_family_guardian(school):
    other_child = f.StudentFactory(school=school)
    return f.GuardianFactory(user__email="bob@example.org", students=[other_child])


@pytest.fixture
def administrator(school):
    return f.RoleFactory(
        school=school, kind=Role.Kind.ADMINISTRATOR, user__email="admin@example.org"
    ).user


@pytest.fixture
def other_school_administrator(other_school):
    return f.RoleFactory(
        school=other_school, kind=Role.Kind.ADMINISTRATOR, user__email="charlie@example.org"
    ).user


@pytest.fixture
def chain_transactional_db(transactional_db):
    """A transactional database whose append-only triggers let the test teardown flush it.

    The flush after the test runs with replication triggers off on this connection; the
    connection is closed after teardown (see below), so no later test runs without them.
    """
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if "chain_transactional_db" in getattr(item, "fixturenames", ()):
        connection.close()
