"""The cast and objects the role matrix (tests/permissions_matrix.py) is checked against,
and every page of the portal with the way to reach it (used by the matrix, the header and
the hostile-input tests).

Two schools of one board: school A is "own" (every staff role below works there or for the
whole board, and the family lives there), school B is "other". Every kind of object a URL
can point to exists once in each school.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from consents.decisions.services import decision_record
from consents.models import (
    AccessLogEntry,
    Campaign,
    CampaignStep,
    ConsentReceipt,
    LibraryItem,
    MediaType,
    OutboxMessage,
    Publication,
    Role,
    SchoolYear,
    TakedownTask,
)

from . import factories as f
from .permissions_matrix import (
    ADMIN_NO_DELETE,
    ADMIN_OBJECT_PAGES_FOR,
    ADMIN_READ_ONLY,
    PAGES,
    ROLES,
    Page,
)

LOGIN_PATHS = {"/accounts/login/", "/admin/login/"}


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role name -> user (no "anonymous")
    objects: dict = field(default_factory=dict)  # (kind, variant) -> object
    own_subject: dict = field(default_factory=dict)  # role name -> the person it decides for

    def subject(self, role, variant):
        """The person a "my consent" URL points to: for "own", the one the role decides for
        (or, for roles that decide for no one, a student of their own school)."""
        if variant == "own":
            return self.own_subject.get(role, self.objects[("student", "own")])
        return self.objects[("student", "other")]

    def receipt(self, role, variant):
        if variant == "own":
            return self.objects.get(("receipt", role), self.objects[("receipt", "guardian")])
        return self.objects[("receipt", "other")]


def receipt_issued(user, subject, purpose, media_type) -> ConsentReceipt:
    decision = decision_record(
        actor=user, subject=subject, purpose=purpose, media_type=media_type, value="granted"
    )
    receipt = ConsentReceipt.objects.create(subject=subject, issued_to=user)
    receipt.decisions.set([decision])
    return receipt


def world_build() -> World:
    w = World()
    board = f.BoardFactory(name="Matrix board")
    schools = {"own": f.SchoolFactory(board=board), "other": f.SchoolFactory(board=board)}
    website = f.PurposeFactory(board=board, code="website")
    photo = MediaType.objects.get(code="photo")
    for variant, school in schools.items():
        family_build(w, variant, school, website, photo)
    people_build(w, board, schools["own"], website, photo)
    admin_objects_build(w, board)
    # Everyone has logged in before: a login by code verifies the address (allauth), which is
    # what re-authentication by code sends its code to.
    for user in w.users.values():
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    return w


def family_build(w: World, variant: str, school, website, photo) -> None:
    """A child of the school with a guardian, a decision, a receipt, and a publication with a
    takedown task; the guardian of the own school is the role "guardian"."""
    now = timezone.now()
    w.objects[("school", variant)] = school
    child = f.StudentFactory(
        school=school,
        group=f.GroupFactory(school=school),
        date_of_birth=dt.date.today().replace(year=2015),
    )
    guardian = f.GuardianFactory(students=[child])
    w.objects[("student", variant)] = child
    w.objects[("guardian", variant)] = guardian
    decision = decision_record(
        actor=guardian.user, subject=child, purpose=website, media_type=photo, value="granted"
    )
    receipt = ConsentReceipt.objects.create(subject=child, issued_to=guardian.user)
    receipt.decisions.set([decision])
    w.objects[("receipt", "guardian" if variant == "own" else "other")] = receipt
    w.objects[("decision", variant)] = decision
    author = f.RoleFactory(school=school, kind=Role.Kind.COMMUNICATIONS).user
    publication = Publication.objects.create(
        school=school,
        title=f"Sports day {variant}",
        purpose=website,
        media_type=photo,
        published_on=dt.date.today(),
        recorded_by=author,
        recorded_at=now,
        flagged=True,
        override_reason="Test",
    )
    publication.entries.create(subject=child, state="allowed")
    w.objects[("publication", variant)] = publication
    w.objects[("takedown", variant)] = TakedownTask.objects.create(
        publication=publication, subject=child, decision=decision, opened_at=now
    )
    w.objects[("library_item", variant)] = library_item_build(school, author, child, photo, now)
    if variant == "own":
        w.users["guardian"] = guardian.user
        w.own_subject["guardian"] = child


def library_item_build(school, author, child, photo, now) -> LibraryItem:
    """A photo in the school's library with the child on it and a thumbnail and preview on
    disk (the test's private MEDIA_ROOT)."""
    item = LibraryItem(
        school=school,
        title="Sports day",
        media_type=photo,
        content_type="image/jpeg",
        size=3,
        width=1,
        height=1,
        uploaded_by=author,
        uploaded_at=now,
        people_marked_at=now,
    )
    item.file.save("photo.jpg", ContentFile(b"jpg"), save=False)
    item.thumbnail.save("thumbnail.jpg", ContentFile(b"jpg"), save=False)
    item.preview.save("preview.mp4", ContentFile(b"mp4"), save=False)  # as a video has one
    item.save()
    item.entries.create(subject=child, added_by=author, added_at=now)
    return item


def people_build(w: World, board, own, website, photo) -> None:
    """A student of 16+, a staff member and every staff role, at the own school or board."""
    student = f.StudentFactory(school=own, date_of_birth=dt.date(2008, 5, 1), user=f.UserFactory())
    w.users["student"] = student.user
    w.own_subject["student"] = student
    w.objects[("receipt", "student")] = receipt_issued(student.user, student, website, photo)
    staff = f.StaffMemberFactory(board=board, schools=[own])
    w.users["staff"] = staff.user
    w.own_subject["staff"] = staff
    w.objects[("receipt", "staff")] = receipt_issued(staff.user, staff, website, photo)
    w.users["communications"] = f.RoleFactory(school=own, kind=Role.Kind.COMMUNICATIONS).user
    w.users["administrator"] = f.RoleFactory(school=own, kind=Role.Kind.ADMINISTRATOR).user
    w.users["board_administrator"] = f.RoleFactory(
        board=board, school=None, kind=Role.Kind.ADMINISTRATOR
    ).user
    w.users["council"] = f.RoleFactory(board=board, school=None, kind=Role.Kind.COUNCIL).user
    superuser = f.UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(superuser, generate_totp_secret())
    w.users["superuser"] = superuser


def admin_objects_build(w: World, board) -> None:
    """An access log entry, and a campaign with one step and one outbox message, for their
    admin pages."""
    now = timezone.now()
    superuser = w.users["superuser"]
    entry = AccessLogEntry.objects.create(
        user=superuser, user_email=superuser.email, action="person", path="/"
    )
    entry.subjects.add(w.objects[("student", "own")])
    year = SchoolYear.objects.for_date(board, now.date())
    campaign = Campaign.objects.create(board=board, school_year=year)
    step = CampaignStep.objects.create(campaign=campaign, name="invitation", due_on=now.date())
    message = OutboxMessage.objects.create(
        step=step, recipient=w.objects[("guardian", "own")].user, template="campaign_ask"
    )
    message.subjects.add(w.objects[("student", "own")])


# --- Every page of the portal, and how to reach it ------------------------------------


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
    others = "login " + "403 " * (len(ROLES) - 2)
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


# URL keyword arguments of the pages whose object is the same for every role and variant.
FIXED_TARGETS = {
    None: {},
    "json": {"fmt": "json"},
    "csv": {"fmt": "csv"},
    "import_example": {"name": "leerlingen.csv"},
    # No import run or export job of this user has this token: the role gate decides.
    "unknown_token": {"token": "00000000-0000-4000-8000-000000000000"},
    # No object with this id exists: the role gate decides, then 404.
    "unknown_pk": {"pk": 999_999_999},
    "app_label": {"app_label": "consents"},
}


def student(world: World, variant: str):
    return world.objects[("student", variant)]


# URL keyword arguments and query string of the pages whose object depends on the variant
# (own, other family, other school) and sometimes on the role.
OBJECT_TARGETS = {
    "subject": lambda world, role, variant: ({"key": world.subject(role, variant).key}, ""),
    "subject_publication": lambda world, role, variant: (
        {
            "key": world.subject(role, variant).key,
            "pk": world.objects[("publication", variant)].pk,
        },
        "",
    ),
    "receipt": lambda world, role, variant: (
        {"receipt_id": world.receipt(role, variant).pk},
        "",
    ),
    "person": lambda world, role, variant: ({"pk": student(world, variant).pk}, ""),
    "publication": lambda world, role, variant: (
        {"pk": world.objects[("publication", variant)].pk},
        "",
    ),
    "takedown": lambda world, role, variant: (
        {"pk": world.objects[("takedown", variant)].pk},
        "",
    ),
    "library_item": lambda world, role, variant: (
        {"pk": world.objects[("library_item", variant)].pk},
        "",
    ),
    "lookup": lambda world, role, variant: ({}, f"?q={student(world, 'own').last_name}"),
    "person_key": lambda world, role, variant: ({"key": student(world, variant).key}, ""),
    "person_access": lambda world, role, variant: (
        {"key": student(world, variant).key, "fmt": "json"},
        "",
    ),
    "decision": lambda world, role, variant: (
        {"decision_id": world.objects[("decision", variant)].pk},
        "",
    ),
    "school": lambda world, role, variant: (
        {},
        f"?school={world.objects[('school', variant)].pk}",
    ),
}


def admin_object_kwargs(label: str) -> dict:
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, (
        f"the permission world has no {label}: add one to world_build() in "
        "tests/permissions_world.py so its admin pages can be checked"
    )
    return {"object_id": obj.pk}


def target_kwargs(world: World, page: Page, role: str, variant: str) -> tuple[dict, str]:
    """URL keyword arguments and query string for the page's object of `variant`."""
    target = page.target
    if target in FIXED_TARGETS:
        return dict(FIXED_TARGETS[target]), ""
    if target in OBJECT_TARGETS:
        return OBJECT_TARGETS[target](world, role, variant)
    if target.startswith("admin_object:"):
        return admin_object_kwargs(target.removeprefix("admin_object:")), ""
    raise AssertionError(f"unknown target {page.target!r}: add it to target_kwargs()")


def outcome(response) -> str:
    if response.status_code == 302:
        path = urlsplit(response["Location"]).path
        return "login" if path in LOGIN_PATHS else "302"
    return str(response.status_code)


def page_url(world: World, name: str, page: Page, role: str, variant: str = "own") -> str:
    kwargs, query = target_kwargs(world, page, role, variant)
    return reverse(name, kwargs=kwargs) + query


def logged_in_client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def actual_outcomes(world: World, name: str, page: Page, variant: str) -> dict[str, str]:
    found = {}
    for role in ROLES:
        client = logged_in_client(world, role)
        response = getattr(client, page.method)(page_url(world, name, page, role, variant))
        found[role] = outcome(response)
    return found
