import datetime as dt
import os
from pathlib import Path

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
    An earlier transactional test's flush removes the media types of the data migration:
    they are put back first.
    """
    from importlib import import_module

    from django.apps import apps

    import_module("consents.migrations.0002_append_only_and_media_types").add_media_types(
        apps, None
    )
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if "chain_transactional_db" in getattr(item, "fixturenames", ()):
        connection.close()


# --- Browser tests (Playwright in Debian's Chromium) -------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    """Browser tests skip with a message where Chromium or axe-core is missing,
    except when REQUIRE_BROWSER=1 (CI), where they fail instead."""
    if CHROMIUM.exists() and AXE.exists() or os.environ.get("REQUIRE_BROWSER") == "1":
        return
    reason = f"browser tests need {CHROMIUM} and {AXE} (apt-get install chromium; npm ci)"
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def log_in_browser(page, live_server, user):
    """Give the page a logged-in session for `user` without going through the login form."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core on the page; return the violations of the given impacts."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in impacts]


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# --- Issue 6: administrators' imports, paper forms, reports and exports ----------------------


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded scans and exports go to a temporary private MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def council_member(board):
    """A (G)MR member of the whole board: sees aggregate reports and nothing else."""
    return f.RoleFactory(
        kind=Role.Kind.COUNCIL, board=board, school=None, user__email="gmr@example.org"
    ).user


@pytest.fixture
def eager_celery():
    """Run Celery tasks in-process while the test runs (real-worker tests live elsewhere)."""
    from consent_portal.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def english(client):
    """Messages, headers and reports in English, whatever translations are compiled."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
