import contextlib
import datetime as dt
import logging
import os
from pathlib import Path

import factory.random
import pytest
from django.db import connection

from consents.models import MediaType, Role

from . import factories as f
from .helpers import FlakyBackend

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _repeatable_fake_data(request):
    """Faker names and other factory values are the same on every run of a test."""
    factory.random.reseed_random(request.node.nodeid)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rolled-back rows reuse their ids, so what one
    test kept under an id (rate limits) must not meet the next test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser, with the second factor every superuser must have."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(admin_user, generate_totp_secret())
    return admin_user


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
    """A transactional database (kept as a name for tests that record decisions)."""


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return (
        "transactional_db" in names
        or "live_server" in names
        or bool(marker and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Let the flush after a transactional test pass the decision log's TRUNCATE trigger.

    The trigger refuses TRUNCATE; the flush runs on this connection with triggers off
    (session_replication_role = replica), and the connection is closed afterwards so that
    no later test runs without them.
    """
    transactional = _is_transactional(item) and connection.vendor == "postgresql"
    if transactional:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
        except RuntimeError:  # skipped before its database was set up: nothing to flush
            transactional = False
    yield
    if transactional:
        connection.close()


# --- Browser tests (Playwright in Debian's Chromium) -------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    """Browser tests skip with a message where Chromium or axe-core is missing,
    except when REQUIRE_BROWSER=1 (CI), where they fail instead."""
    # Real-worker tests need Redis: kombu's filesystem transport can hand a worker a message
    # file that is still being written, which makes them flaky. CI runs them against Redis.
    from django.conf import settings

    # The flush after a transactional test also removes what the data migrations wrote (the
    # media types, the content types). Every transactional test starts with it restored, so
    # that none depends on which tests ran before it (`pytest -m browser` alone failed).
    for item in items:
        if _is_transactional(item) and "django_db_serialized_rollback" not in item.fixturenames:
            item.fixturenames.append("django_db_serialized_rollback")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        for item in items:
            if "broker" in item.keywords:
                item.add_marker(
                    pytest.mark.skip(
                        reason="needs a Redis broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/N"
                    )
                )
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


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as an inline script, which the portal's CSP rightly refuses.
    # Tests read English text; Dutch as the default language is tested in test_i18n.py.
    return {**browser_context_args, "bypass_csp": True, "locale": "en-GB"}


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


# --- Communications staff and Celery (issue 4) ----------------------------------------------


@pytest.fixture
def communications(school):
    """Communications staff of `school` only."""
    return f.RoleFactory(
        school=school, kind=Role.Kind.COMMUNICATIONS, user__email="comms@example.org"
    ).user


@pytest.fixture
def other_school_communications(other_school):
    return f.RoleFactory(
        school=other_school, kind=Role.Kind.COMMUNICATIONS, user__email="dana@example.org"
    ).user


@pytest.fixture
def flaky_mail_server(settings):
    """A mail server that loses the connection to the addresses in `.failures` that many
    times (set them in the test); `.attempts` notes when each address was tried."""
    FlakyBackend.failures = {}
    FlakyBackend.attempts.clear()
    settings.EMAIL_BACKEND = "tests.helpers.FlakyBackend"
    return FlakyBackend


@pytest.fixture
def celery_eager():
    """Run Celery tasks in-process, as they are enqueued (no broker, no worker)."""
    from consent_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


# --- Celery: a real broker and worker (tests marked `broker`) ------------------------------


@pytest.fixture(scope="session", autouse=True)
def celery_broker_folder(tmp_path_factory):
    """With the filesystem broker, tests publish into a folder of their own, never into the
    one `make run` uses. Returns the VAR_DIR a worker process must get to share it."""
    from consent_portal.celery import app

    var_dir = tmp_path_factory.mktemp("var")
    if app.conf.broker_url.startswith("filesystem://"):
        folder = var_dir / "celery-broker"
        for sub in ("out", "processed"):
            (folder / sub).mkdir(parents=True)
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "out"),
            "data_folder_out": str(folder / "out"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    return var_dir


@pytest.fixture
def media_types(db):
    """Photo, film and sound (also restored after every flush by consents.apps)."""
    from consents.apps import ensure_reference_data

    ensure_reference_data(None)


@pytest.fixture
def celery_worker(settings):
    """Start a real Celery worker (in a thread) with `with celery_worker():`, on the broker
    from settings: the filesystem broker on SQLite, Redis when CELERY_BROKER_URL is set. The
    queue starts empty and retry delays are short."""
    from celery.contrib.testing.worker import start_worker

    from consent_portal.celery import app

    settings.OUTBOX_RETRY_SECONDS = 0.05
    settings.OUTBOX_RETRY_MAX_SECONDS = 0.2
    app.control.purge()

    @contextlib.contextmanager
    def worker():
        # Celery sets the root logger to the worker's level (ERROR) and keeps it so: later
        # tests would no longer see warnings.
        root = logging.getLogger()
        level, handlers = root.level, root.handlers[:]
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
                yield
        finally:
            root.setLevel(level)
            root.handlers[:] = handlers

    return worker


# --- Administrators' imports, paper forms, reports and exports (issue 6) --------------------


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
def eager_celery(celery_eager):
    return celery_eager


@pytest.fixture
def site_in_english(settings):
    """The site's default language English for a test module whose assertions read wording
    (the site default is Dutch): `pytest.mark.usefixtures("site_in_english")`."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def english(client):
    """Messages, headers and reports in English (the site default is Dutch)."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
