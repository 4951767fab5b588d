"""What communications staff see at a glance (issue 21): a group check that ticks nobody and
marks namesakes, the lookup by channel, the person's grid, the staff home page."""

import re

import pytest
from django.urls import reverse

from consents.dates import school_today
from consents.models import MediaType, SchoolYear

from . import factories as f
from .helpers import record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]


@pytest.fixture
def class_g1a(school):
    year = SchoolYear.objects.for_date(school.board, school_today())
    return f.GroupFactory(school=school, school_year=year, name="G1a")


@pytest.fixture
def two_brontes(school, class_g1a, website, photo):
    """Two students of G1a with the same name: one refused, one allowed."""
    refused, allowed = (
        f.StudentFactory(
            school=school,
            group=class_g1a,
            first_name="Brontë",
            prefix="van der",
            last_name="Linden",
        )
        for _ in range(2)
    )
    for student, value in ((refused, "refused"), (allowed, "granted")):
        guardian = f.GuardianFactory(students=[student])
        record(guardian.user, student, website, photo, value=value)
    return refused, allowed


def check(client, school, group, website, photo):
    return client.post(
        reverse("communications_group_check"),
        {"school": school.pk, "groups": [group.pk], "purpose": website.pk, "media_type": photo.pk},
    ).content.decode()


def row_of(html, person):
    return re.search(rf'<tr data-person="{person.pk}".*?</tr>', html, re.S).group(0)


def test_a_group_check_ticks_nobody_and_offers_to_tick_the_allowed(
    client, communications, school, class_g1a, two_brontes, website, photo
):
    client.force_login(communications)
    html = check(client, school, class_g1a, website, photo)
    refused, allowed = two_brontes
    assert " checked" not in row_of(html, refused) and " checked" not in row_of(html, allowed)
    assert "data-allowed" in row_of(html, allowed) and "data-allowed" not in row_of(html, refused)
    assert "Tick everyone who may appear" in html


def test_namesakes_in_a_group_check_are_marked_with_their_student_number(
    client, communications, school, class_g1a, two_brontes, website, photo
):
    other = f.StudentFactory(school=school, group=class_g1a, first_name="Sem", last_name="Bakker")
    client.force_login(communications)
    html = check(client, school, class_g1a, website, photo)
    for person in two_brontes:
        row = row_of(html, person)
        assert "same name: check the number" in row
        assert f"no. {person.student.student_number}" in row
    assert "same name" not in row_of(html, other)
    assert f"no. {other.student_number}" in row_of(html, other)


def test_the_lookup_shows_only_the_chosen_channel(client, communications, child, purposes):
    website, other = purposes[0], purposes[1]
    client.force_login(communications)
    html = client.get(
        reverse("communications_lookup"), {"q": child.last_name, "purpose": website.pk}
    ).content.decode()
    assert f'data-purpose="{website.pk}"' in html
    assert f'data-purpose="{other.pk}"' not in html


def test_a_lookup_with_a_channel_that_names_nothing_shows_every_channel(
    client, communications, child, purposes
):
    client.force_login(communications)
    response = client.get(
        reverse("communications_lookup"), {"q": child.last_name, "purpose": "x", "media": "?"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert all(f'data-purpose="{p.pk}"' in html for p in purposes)


def test_the_person_page_is_a_grid_of_purposes_and_media_types_with_the_reason(
    client, communications, child, mother, website, photo, purposes
):
    record(mother.user, child, website, photo)
    client.force_login(communications)
    html = client.get(reverse("communications_person", args=[child.pk])).content.decode()
    grid = html[html.index('id="person-grid"') :]
    row = re.search(rf'<tr data-purpose="{website.pk}">.*?</tr>', grid, re.S).group(0)
    assert row.count("data-state=") == MediaType.objects.count() == 3
    assert '<td data-media="photo"' in row and 'data-state="allowed"' in row
    assert "<summary>Why?</summary>" in row and mother.name in row


def test_the_staff_home_lists_open_takedowns_first_then_my_latest_group_checks(
    client, communications, school, class_g1a, two_brontes, website, photo
):
    client.force_login(communications)
    html = client.get(reverse("communications_home")).content.decode()
    assert "No group checks yet." in html
    check(client, school, class_g1a, website, photo)
    html = client.get(reverse("communications_home")).content.decode()
    recent = html[html.index('id="recent-checks"') :]
    assert "Website" in recent and "2 people" in recent
    assert html.index("Takedown tasks") < html.index("Your latest group checks")
