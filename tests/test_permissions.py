"""The role matrix: every URL of the portal, requested as every role, compared with
tests/permissions_matrix.py (which docs/permissions.md mirrors).

The URLs come from the resolver, so a new page fails test_every_url_is_in_the_matrix until
it has a row (or a written reason to skip it).
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from consents.models import Role

from . import factories as f
from .permissions_matrix import (
    ADMIN_NO_DELETE,
    ADMIN_OBJECT_PAGES_FOR,
    ADMIN_READ_ONLY,
    PAGES,
    ROLES,
    SKIPPED,
    SKIPPED_UNNAMED,
    Page,
    markdown,
)
from .permissions_world import World, world_build

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"
LOGIN_PATHS = {"/accounts/login/", "/admin/login/"}


def url_patterns(patterns=None, prefix="", namespace=""):
    """Every pattern of the URLconf as (name with namespace or None, route, view module)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            module = getattr(pattern.callback, "__module__", "")
            yield name, prefix + str(pattern.pattern), module


# --- The admin: one rule for every registered model -----------------------------------------


def admin_pages() -> dict[str, Page]:
    """A matrix row for every admin page of every registered model (see ADMIN_READ_ONLY)."""
    others = "login " * (len(ROLES) - 1)
    rows = {}
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        base = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        read_only = label in ADMIN_READ_ONLY
        kinds = {"changelist": "200", "add": "403" if read_only else "200"}
        if model._meta.app_label in ADMIN_OBJECT_PAGES_FOR:
            kinds["change"] = "200"  # a read-only model shows its read-only view
            kinds["history"] = "200"
            kinds["delete"] = "403" if read_only or label in ADMIN_NO_DELETE else "200"
        for kind, superuser in kinds.items():
            target = None if kind in ("changelist", "add") else f"admin_object:{label}"
            rows[f"{base}_{kind}"] = Page(others + superuser, target=target)
    return rows


def admin_object_pages_skipped() -> set[str]:
    return {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{kind}"
        for model in admin.site._registry
        if model._meta.app_label not in ADMIN_OBJECT_PAGES_FOR
        for kind in ("change", "history", "delete")
    }


ALL_PAGES = {**PAGES, **admin_pages()}


# --- Requests ---------------------------------------------------------------------------


def target_kwargs(world: World, page: Page, role: str, variant: str) -> tuple[dict, str]:
    """URL keyword arguments and query string for the page's object of `variant`."""
    match page.target:
        case None:
            return {}, ""
        case "subject":
            return {"key": world.subject(role, variant).key}, ""
        case "receipt":
            return {"receipt_id": world.receipt(role, variant).pk}, ""
        case "person":
            return {"pk": world.objects[("student", variant)].pk}, ""
        case "publication" | "takedown":
            return {"pk": world.objects[(page.target, variant)].pk}, ""
        case "app_label":
            return {"app_label": "consents"}, ""
        case "school":
            return {}, f"?school={world.objects[('school', variant)].pk}"
        case str(target) if target.startswith("admin_object:"):
            label = target.removeprefix("admin_object:")
            model = next(m for m in admin.site._registry if m._meta.label_lower == label)
            obj = model._default_manager.order_by("pk").first()
            assert obj is not None, (
                f"the permission world has no {label}: add one to world_build() in "
                "tests/permissions_world.py so its admin pages can be checked"
            )
            return {"object_id": obj.pk}, ""
    raise AssertionError(f"unknown target {page.target!r}: add it to target_kwargs()")


def outcome(response) -> str:
    if response.status_code == 302:
        path = urlsplit(response["Location"]).path
        return "login" if path in LOGIN_PATHS else "302"
    return str(response.status_code)


def actual_outcomes(world: World, name: str, page: Page, variant: str) -> dict[str, str]:
    found = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        kwargs, query = target_kwargs(world, page, role, variant)
        url = reverse(name, kwargs=kwargs) + query
        response = getattr(client, page.method)(url)
        found[role] = outcome(response)
    return found


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
