"""Security headers and cookies on every page of the portal, with the production settings.

The pages come from the URL resolver (tests/permissions_world.py: ALL_PAGES), each requested
as a role that may open it. Which values production uses is read from a process started
with the production environment (DEBUG off), so a default changed in settings.py shows here.
"""

import json
import re
import subprocess
import sys

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from . import factories as f
from .permissions_world import ALL_PAGES, logged_in_client, page_url, world_build
from .test_settings import ROOT, production_env

# The permission world keeps a library photo on disk: in the test's own private folder.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

ONE_YEAR = 365 * 24 * 3600
PRODUCTION_KEYS = [
    "DEBUG",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "X_FRAME_OPTIONS",
]
# Where a role may open the page, the first of these that may; otherwise the first role
# (the headers must be on the login redirect and the 403 as much as on the page).
ROLE_PREFERENCE = [
    "superuser",
    "guardian",
    "student",
    "communications",
    "administrator",
    "council",
    "anonymous",
]
# django-celery-beat's periodic-task form carries a small inline script (it fills in the
# task's name from a list); the CSP blocks it and the form works without it.
THIRD_PARTY_INLINE_SCRIPT = {"admin:django_celery_beat_periodictask_add"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.I)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The security settings as production has them (DEBUG off, the required variables set)."""
    env = {
        **production_env(),
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "toestemming.example.org",
        "VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "DJANGO_SETTINGS_MODULE": "consent_portal.settings",
    }
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k) for k in {PRODUCTION_KEYS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def production_settings(settings, production):
    for key, value in production.items():
        if key != "DEBUG":
            setattr(settings, key, value)
    settings.LANGUAGE_CODE = "en"
    return settings


def test_production_asks_for_https_for_at_least_a_year_and_secure_cookies(production):
    assert production["DEBUG"] is False
    assert production["SECURE_HSTS_SECONDS"] >= ONE_YEAR
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_HTTPONLY"] is True
    assert production["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["X_FRAME_OPTIONS"] == "DENY"


def header_problems(response) -> list[str]:
    problems = []
    csp = response.get("Content-Security-Policy", "")
    if not csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"Content-Security-Policy {csp!r}")
    if "frame-ancestors 'none'" not in csp or "script-src 'self'" not in csp:
        problems.append(f"CSP lacks frame-ancestors 'none' or script-src 'self': {csp!r}")
    hsts = re.search(r"max-age=(\d+)", response.get("Strict-Transport-Security", ""))
    if not hsts or int(hsts.group(1)) < ONE_YEAR:
        problems.append(f"Strict-Transport-Security {response.get('Strict-Transport-Security')!r}")
    expected = {
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    for header, value in expected.items():
        if response.get(header) != value:
            problems.append(f"{header} {response.get(header)!r}")
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control {response.get('Cache-Control')!r}")
    return problems


def inline_code(response) -> list[str]:
    if "text/html" not in response.get("Content-Type", ""):
        return []
    html = response.content.decode()
    return [
        f"inline {what}: {match.group(0)!r}"
        for what, pattern in (
            ("script", INLINE_SCRIPT),
            ("style", INLINE_STYLE),
            ("event handler", INLINE_HANDLER),
        )
        if (match := pattern.search(html))
    ]


def test_every_page_sends_the_security_headers_and_no_inline_code(production_settings):
    world = world_build()
    problems, statuses = [], {}
    for name, page in ALL_PAGES.items():
        expected = page.expected("own")
        role = next((r for r in ROLE_PREFERENCE if expected[r] == "200"), "anonymous")
        client = logged_in_client(world, role)
        url = page_url(world, name, page, role)
        response = getattr(client, page.method)(url, secure=True)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        problems += [f"{name} as {role}: {p}" for p in header_problems(response)]
        if name not in THIRD_PARTY_INLINE_SCRIPT:
            problems += [f"{name} as {role}: {p}" for p in inline_code(response)]
    assert statuses.get(200, 0) > 50, statuses  # most pages were really rendered
    assert not problems, "\n".join(problems)


def test_plain_http_is_sent_to_https(production_settings, client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


def cookie_problems(response) -> list[str]:
    problems = []
    for name, morsel in response.cookies.items():
        if not morsel.value:  # a deletion
            continue
        if not morsel["secure"] or not morsel["httponly"]:
            problems.append(f"{name}: secure={morsel['secure']!r} httponly={morsel['httponly']!r}")
        if morsel["samesite"] not in ("Lax", "Strict"):
            problems.append(f"{name}: samesite={morsel['samesite']!r}")
    return problems


def test_every_cookie_of_a_login_is_secure_http_only_and_same_site(production_settings):
    user = f.UserFactory(email="sanne@example.org")
    client = Client()
    set_cookies, problems = set(), []
    responses = [client.get(reverse("account_request_login_code"), secure=True)]
    responses.append(
        client.post(reverse("account_request_login_code"), {"email": user.email}, secure=True)
    )
    code = re.search(r"\b(\d{4}-\d{4})\b", mail.outbox[-1].body).group(1)
    responses.append(
        client.post(reverse("account_confirm_login_code"), {"code": code}, secure=True)
    )
    responses.append(client.get(reverse("my_consent"), secure=True))
    for response in responses:
        set_cookies |= {name for name, morsel in response.cookies.items() if morsel.value}
        problems += cookie_problems(response)
    assert {"sessionid", "csrftoken", "known_device"} <= set_cookies
    assert "_auth_user_id" in client.session
    assert not problems, problems
