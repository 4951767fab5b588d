"""Every view of other people's personal data by staff is logged: who, whom, when, where from.

The coverage test walks every page of the role matrix, so a new staff page (or an export of
issue 6) that shows people without calling consents.privacy.access_log.staff_access_record()
fails here.
"""

import pytest
from django.contrib import admin
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from consents.models import AccessLogEntry, Role
from consents.privacy.access_log import Action, staff_access_record

from . import factories as f
from .permissions_matrix import ADMIN_WITHOUT_PERSONAL_DATA, WITHOUT_PERSONAL_DATA
from .permissions_world import ALL_PAGES, logged_in_client, page_url, world_build

# The permission world keeps a library photo on disk: in the test's own private folder.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

STAFF_ROLES = ("communications", "administrator", "board_administrator", "council", "superuser")


def admin_label(name: str) -> str | None:
    """The model label of an admin page name, or None for other pages."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model._meta.label_lower
    return None


def shows_personal_data(name: str) -> bool:
    if name in WITHOUT_PERSONAL_DATA:
        return False
    label = admin_label(name)
    return not (label in ADMIN_WITHOUT_PERSONAL_DATA or (label and name.endswith("_add")))


def test_every_page_that_shows_staff_personal_data_writes_an_access_log_entry():
    world = world_build()
    unlogged, checked = [], 0
    for name, page in ALL_PAGES.items():
        expected = page.expected("own")
        role = next((r for r in STAFF_ROLES if expected[r] == "200"), None)
        if role is None or not shows_personal_data(name):
            continue
        user = world.users[role]
        before = AccessLogEntry.objects.filter(user=user).count()
        response = getattr(logged_in_client(world, role), page.method)(
            page_url(world, name, page, role)
        )
        assert response.status_code == 200, (name, role, response.status_code)
        checked += 1
        if AccessLogEntry.objects.filter(user=user).count() == before:
            unlogged.append(f"{name} (as {role})")
    assert checked >= 35  # the pages of communications staff and the admin's person pages
    assert not unlogged, (
        "pages showing people to staff without an access-log entry: call "
        "consents.privacy.access_log.staff_access_record() in the view (or, for an admin, use "
        "AccessLoggedAdmin), or add the page to WITHOUT_PERSONAL_DATA in "
        "tests/permissions_matrix.py with the reason:\n  " + "\n  ".join(unlogged)
    )


@pytest.fixture
def classmates(school, child):
    return [child, f.StudentFactory(school=school, first_name="Bram", last_name="Vries")]


def test_a_lookup_records_who_saw_whom_when_and_from_where(client, communications, classmates):
    client.force_login(communications)
    response = client.get(reverse("communications_lookup"), {"q": "Vries"}, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert entry.user == communications
    assert entry.user_email == "comms@example.org"
    assert entry.action == Action.LOOKUP
    assert {s.pk for s in entry.subjects.all()} == {s.pk for s in classmates}
    assert entry.people_count == 2
    assert entry.ip_address == "192.0.2.7"
    assert entry.path == reverse("communications_lookup")
    assert entry.at is not None


def test_a_search_that_finds_nobody_records_nothing(client, communications, classmates):
    client.force_login(communications)
    client.get(reverse("communications_lookup"), {"q": "Nobodyhere"})
    assert not AccessLogEntry.objects.exists()


def test_the_person_page_records_the_person(client, communications, child):
    client.force_login(communications)
    client.get(reverse("communications_person", args=[child.pk]))
    entry = AccessLogEntry.objects.get()
    assert entry.action == Action.PERSON
    assert [s.pk for s in entry.subjects.all()] == [child.pk]


def test_an_outsider_who_gets_404_is_shown_nobody_and_nothing_is_recorded(
    client, other_school_communications, child
):
    client.force_login(other_school_communications)
    assert client.get(reverse("communications_person", args=[child.pk])).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_a_group_check_records_everyone_checked(
    client, communications, classmates, school, website, photo
):
    group = f.GroupFactory(school=school)
    for student in classmates:
        student.group = group
        student.save()
    client.force_login(communications)
    response = client.post(
        reverse("communications_group_check"),
        {"school": school.pk, "purpose": website.pk, "media_type": photo.pk, "groups": [group.pk]},
    )
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert entry.action == Action.GROUP_CHECK
    assert {s.pk for s in entry.subjects.all()} == {s.pk for s in classmates}


def test_the_admin_records_the_student_opened(admin_user, child, mother):
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:consents_student_change", args=[child.pk])
    assert client.get(url).status_code == 200
    entry = AccessLogEntry.objects.get()
    assert entry.action == Action.ADMIN
    assert [s.pk for s in entry.subjects.all()] == [child.pk]
    assert list(entry.guardians.all()) == [mother]
    assert entry.detail == f"consents.student change: {child.pk}"


def test_an_export_is_always_recorded_even_without_people(rf, administrator):
    request = rf.get("/exports/report.csv")
    request.user = administrator
    entry = staff_access_record(request, Action.EXPORT, detail="(G)MR report 2026")
    assert entry.action == Action.EXPORT and entry.people_count == 0


@pytest.mark.django_db(transaction=True)
def test_an_entry_is_never_left_without_the_people_it_names(rf, administrator, child):
    request = rf.get("/manage/people/")
    request.user = administrator

    with pytest.raises(IntegrityError):
        staff_access_record(request, Action.LOOKUP, subjects=[child.pk, 10**9])

    assert not AccessLogEntry.objects.exists()
    assert (
        staff_access_record(request, Action.LOOKUP, subjects=[child.pk]).subjects.get().pk
        == child.pk
    )


def test_administrators_read_the_log_in_the_admin_and_cannot_change_it(admin_user, child):
    communications = f.RoleFactory(school=child.school, kind=Role.Kind.COMMUNICATIONS).user
    client = Client()
    client.force_login(communications)
    client.get(reverse("communications_person", args=[child.pk]))
    entry = AccessLogEntry.objects.get()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:consents_accesslogentry_changelist"), {"q": "Vries"})
    assert listing.status_code == 200
    assert communications.email in listing.content.decode()
    page = client.get(reverse("admin:consents_accesslogentry_change", args=[entry.pk]))
    assert child.name in page.content.decode()
    assert (
        client.post(
            reverse("admin:consents_accesslogentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()
