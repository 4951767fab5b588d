"""The role matrix: every URL of the portal, requested as every role, compared with
tests/permissions_matrix.py (which docs/permissions.md mirrors).

The URLs come from the resolver, so a new page fails test_every_url_is_in_the_matrix until
it has a row (or a written reason to skip it).
"""

from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consents.models import Role

from . import factories as f
from .permissions_matrix import PAGES, ROLES, SKIPPED, SKIPPED_UNNAMED, markdown
from .permissions_world import (
    ALL_PAGES,
    actual_outcomes,
    admin_object_pages_skipped,
    target_kwargs,
    url_patterns,
    world_build,
)

# The permission world keeps a library photo on disk: in the test's own private folder.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

DOC = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"


# --- Tests ------------------------------------------------------------------------------


def test_every_url_is_in_the_matrix():
    skipped_admin = admin_object_pages_skipped()
    missing, seen = [], set()
    for name, route, module in url_patterns():
        if name is None:
            if module not in SKIPPED_UNNAMED:
                missing.append(f"unnamed pattern {route!r} ({module}): name it and add a row")
            continue
        seen.add(name)
        if name not in ALL_PAGES and name not in SKIPPED and name not in skipped_admin:
            missing.append(f"{name!r} ({route})")
    assert not missing, (
        "URLs missing from the role matrix; add a row to PAGES in tests/permissions_matrix.py "
        "(expected outcome per role, for an object of the own and of another school/family), "
        "or a reason to SKIPPED:\n  " + "\n  ".join(missing)
    )
    stale = (set(PAGES) | set(SKIPPED)) - seen
    assert not stale, f"rows for URL names that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("name", list(ALL_PAGES))
def test_each_role_gets_what_the_matrix_says(name, settings):
    settings.LANGUAGE_CODE = "en"
    world = world_build()
    page = ALL_PAGES[name]
    problems, rows = [], []
    for variant in page.variants:
        expected = page.expected(variant)
        found = actual_outcomes(world, name, page, variant)
        rows.append(f"{variant}={' '.join(found[role] for role in ROLES)!r}")
        problems += [
            f"{role} ({variant}): expected {expected[role]}, got {found[role]}"
            for role in ROLES
            if found[role] != expected[role]
        ]
    assert not problems, (
        f"{name}: " + "; ".join(problems) + f"\nactual row, roles {ROLES}: " + ", ".join(rows)
    )


def test_the_documented_matrix_is_the_tested_one():
    assert markdown() in DOC.read_text(), (
        "docs/permissions.md differs from tests/permissions_matrix.py: paste the output of "
        "`python -m tests.permissions_matrix` into it"
    )


# --- MFA: the roles that see other people's data need a second factor on every page ---------

MFA_FREE_PREFIXES = ("/accounts/", "/i18n/")


@pytest.mark.parametrize("kind", [Role.Kind.ADMINISTRATOR, Role.Kind.COMMUNICATIONS, "superuser"])
def test_without_a_second_factor_every_page_sends_staff_to_add_one(kind):
    """Every page of the matrix outside the account pages (where the factor is added).

    tests/test_login.py checks the requirement on one page, and that adding TOTP lifts it.
    """
    world = world_build()
    own = world.objects[("school", "own")]
    if kind == "superuser":
        user = f.UserFactory(is_staff=True, is_superuser=True)
    else:
        user = f.RoleFactory(school=own, kind=kind, mfa=False).user
    client = Client()
    client.force_login(user)
    let_through, checked = [], 0
    for name, page in ALL_PAGES.items():
        kwargs, query = target_kwargs(world, page, "administrator", "own")
        url = reverse(name, kwargs=kwargs) + query
        if url.startswith(MFA_FREE_PREFIXES):
            continue
        response = getattr(client, page.method)(url)
        checked += 1
        if response.status_code != 302 or response["Location"] != reverse("mfa_index"):
            let_through.append(f"{name}: {response.status_code}")
    assert checked > 50
    assert not let_through, "pages reachable without a second factor: " + ", ".join(let_through)


def test_a_staff_page_reads_the_users_roles_once(client, communications, child):
    """The second-factor check, the page's access check and the menu share one read."""
    client.force_login(communications)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("communications_lookup"), {"q": child.last_name})

    assert response.status_code == 200 and child.name in response.content.decode()
    role_reads = [q["sql"] for q in captured.captured_queries if '"consents_role"' in q["sql"]]
    assert len(role_reads) == 1, role_reads


def test_a_role_taken_away_counts_from_the_next_request(client, communications):
    client.force_login(communications)
    assert client.get(reverse("communications_lookup")).status_code == 200

    Role.objects.filter(user=communications).delete()

    assert client.get(reverse("communications_lookup")).status_code == 403
