"""The photo library (issue 23): private files, metadata stripped, people marked from class
lists, verdicts per channel asked of the rules, and takedowns through publications."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from PIL import Image

from consents.communications.protection import protection_set
from consents.decisions.services import consent_withdraw
from consents.library.services import item_people_set
from consents.models import (
    AccessLogEntry,
    LibraryItem,
    LibraryItemPerson,
    Publication,
    Role,
    TakedownTask,
)

from . import factories as f
from .library_helpers import (
    NOW,
    heic_from_phone,
    jpeg_with_gps,
    list_items,
    list_query_counts,
    make_item,
    upload,
)

# The library's fixtures (a class of pupils, private storage at a fixed moment).
pytest_plugins = ["tests.library_fixtures"]
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("site_in_english", "library_storage"),
]

# --- Upload ------------------------------------------------------------------------------


def test_an_uploaded_photo_is_stored_privately_without_exif_gps_or_serial(
    client,
    communications,
    school,
    celery_eager,
    django_capture_on_commit_callbacks,
    library_storage,
):
    client.force_login(communications)
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test's premise

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, school, original, name="IMG_2026_zoe-de-vries.jpg")

    item = LibraryItem.objects.get()
    assert response.status_code == 302 and response.url == reverse("library_item", args=[item.pk])
    assert item.file.name.startswith(f"library/{school.pk}/") and "zoe" not in item.file.name
    assert (library_storage / item.file.name).exists()
    with item.file.open("rb") as stored:
        data = stored.read()
    assert b"SERIAL-123456" not in data and b"Camera maker" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif() and "exif" not in image.info
    # The worker made the thumbnail (eager here), kept privately too.
    item.refresh_from_db()
    assert item.thumbnail and (library_storage / item.thumbnail.name).exists()


def test_a_phone_photo_in_heic_is_stored_upright_as_jpeg_without_exif_gps_or_serial(
    client,
    communications,
    school,
    celery_eager,
    django_capture_on_commit_callbacks,
    library_storage,
):
    client.force_login(communications)
    original = heic_from_phone(size=(64, 48))
    with Image.open(io.BytesIO(original)) as premise:  # a HEIC, with GPS, shown 48 x 64
        assert premise.format == "HEIF" and premise.size == (48, 64)
        assert premise.getexif().get_ifd(0x8825)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, school, original, name="IMG_4021.HEIC")

    item = LibraryItem.objects.get()
    assert response.status_code == 302
    assert item.content_type == "image/jpeg" and item.file.name.endswith(".jpg")
    assert (item.width, item.height) == (48, 64)
    with item.file.open("rb") as stored:
        data = stored.read()
    assert b"SERIAL-123456" not in data and b"Apple" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (48, 64)
    assert not image.getexif() and "exif" not in image.info
    # Upright as the phone shows it: the blue side on top.
    red, _green, blue = image.getpixel((24, 4))
    assert blue > 150 and red < 100
    red, _green, blue = image.getpixel((24, 60))
    assert red > 150 and blue < 100
    item.refresh_from_db()
    assert item.thumbnail and (library_storage / item.thumbnail.name).exists()


def test_a_file_that_is_not_an_image_by_its_content_is_refused_and_nothing_is_stored(
    client, communications, school, library_storage
):
    client.force_login(communications)

    response = upload(client, school, b"%PDF-1.4 not a photo at all", name="photo.jpg")

    assert response.status_code == 400
    assert "This file is not a photo" in response.content.decode()
    assert not LibraryItem.objects.exists()
    assert not library_storage.exists() or not any(library_storage.rglob("*.*"))


def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(
    client, communications, school, settings
):
    settings.LIBRARY_MAX_BYTES = 1000
    client.force_login(communications)

    response = upload(client, school, jpeg_with_gps(size=(400, 400)))

    assert response.status_code == 400
    assert "at most 1000" in response.content.decode()
    assert not LibraryItem.objects.exists()


def test_a_library_file_has_no_public_url():
    with pytest.raises(NotImplementedError):
        LibraryItem(file="library/1/a.jpg").file.url  # noqa: B018


# --- People and verdicts -------------------------------------------------------------------


def test_a_class_list_shows_nobody_ticked_and_saving_marks_who_is_on_it(
    client, communications, school, group, pupils
):
    zoe, sem, lotte = pupils
    item = make_item(communications, school, marked=False)
    client.force_login(communications)

    page = client.get(reverse("library_item", args=[item.pk]) + f"?group={group.pk}")
    html = page.content.decode()
    assert f'value="{sem.pk}" id="add-{sem.pk}"' in html and "checked" not in html
    assert "Nobody has marked yet who is on it." in html

    response = client.post(
        reverse("library_item_people", args=[item.pk]), {"add": [zoe.pk, sem.pk]}
    )

    assert response.status_code == 302
    assert set(item.people.values_list("pk", flat=True)) == {zoe.pk, sem.pk}
    item.refresh_from_db()
    assert item.people_marked_at is not None


def test_a_name_that_finds_nobody_changes_nothing(client, communications, school, pupils):
    zoe, _sem, _lotte = pupils
    item = make_item(communications, school, marked=False)
    client.force_login(communications)

    response = client.post(
        reverse("library_item_people", args=[item.pk]),
        {"add": [zoe.pk], "names": "Nobody Bythisname"},
    )

    assert response.status_code == 400
    assert "Nobody Bythisname" in response.content.decode()
    assert not LibraryItemPerson.objects.exists()
    item.refresh_from_db()
    assert item.people_marked_at is None


def test_an_empty_form_does_not_mark_an_item_as_showing_nobody(client, communications, school):
    item = make_item(communications, school, marked=False)
    client.force_login(communications)
    url = reverse("library_item_people", args=[item.pk])

    assert client.post(url, {}).status_code == 400
    item.refresh_from_db()
    assert item.people_marked_at is None

    assert client.post(url, {"nobody": "on"}).status_code == 302
    item.refresh_from_db()
    assert item.people_marked_at is not None


def test_someone_of_another_school_cannot_be_put_on_an_item(
    client, communications, school, other_school
):
    outsider = f.StudentFactory(school=other_school)
    item = make_item(communications, school, marked=False)
    client.force_login(communications)

    response = client.post(reverse("library_item_people", args=[item.pk]), {"add": [outsider.pk]})

    assert response.status_code == 400
    assert not LibraryItemPerson.objects.exists()


def test_the_item_shows_per_channel_who_holds_it_back(client, communications, school, pupils):
    zoe, sem, lotte = pupils
    item = make_item(communications, school, [zoe, sem])
    client.force_login(communications)

    html = client.get(reverse("library_item", args=[item.pk])).content.decode()

    assert 'data-state="not_allowed">Website: not allowed' in html
    assert 'data-state="allowed">Yearbook: allowed' in html
    assert "Sem Bakker (not allowed)" in html
    entry = AccessLogEntry.objects.get(action="library")
    assert set(entry.subjects.values_list("pk", flat=True)) == {zoe.pk, sem.pk}


def test_the_list_filters_what_may_go_on_a_channel_and_what_needs_attention(
    client, communications, school, purposes, pupils
):
    zoe, sem, lotte = pupils
    website, yearbook = purposes
    make_item(communications, school, [zoe], title="Only Zoë")
    make_item(communications, school, [zoe, sem], title="Zoë and Sem")
    make_item(communications, school, [lotte], title="Lotte")
    make_item(communications, school, marked=False, title="Not marked")
    others = make_item(communications, school, [zoe], title="Crowd")
    item_people_set(user=communications, item=others, others_visible=True)
    client.force_login(communications)

    assert list_items(client, school, purpose=website.pk) == ["Only Zoë"]
    assert sorted(list_items(client, school, purpose=yearbook.pk)) == ["Only Zoë", "Zoë and Sem"]
    assert sorted(list_items(client, school, attention="on")) == ["Crowd", "Not marked"]
    assert len(list_items(client, school)) == 5


def test_the_list_takes_the_same_number_of_queries_for_10_and_100_items(
    client, communications, school, purposes, pupils
):
    website, _yearbook = purposes
    client.force_login(communications)

    def queries(count):
        return list_query_counts(client, communications, school, pupils, website, count)

    assert queries(10) == queries(100)


# --- Consent changes -----------------------------------------------------------------------


def test_a_withdrawal_flags_the_item_and_opens_a_takedown_for_its_publication(
    client,
    communications,
    school,
    purposes,
    pupils,
    mother,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    zoe, _sem, _lotte = pupils
    website, _yearbook = purposes
    item = make_item(communications, school, [zoe])
    client.force_login(communications)
    response = client.post(
        reverse("library_item_publish", args=[item.pk]),
        {"purpose": website.pk, "published_on": "2026-11-02", "url": "https://school.nl/a"},
    )
    publication = Publication.objects.get()
    assert response.status_code == 302
    assert list(item.publications.all()) == [publication]
    assert list_items(client, school, attention="on") == []

    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            consent_withdraw(actor=mother.user, subject=zoe, purposes=[website])
        client.force_login(communications)  # the session of an hour ago has expired
        assert list_items(client, school, attention="on") == ["Sportdag"]
        html = client.get(reverse("library_item", args=[item.pk])).content.decode()

    assert "withdrew consent after it was added" in html
    assert "Published on Website, where someone on it may no longer appear." in html
    task = TakedownTask.objects.get()
    assert (task.publication_id, task.subject_id) == (publication.pk, zoe.pk)


def test_a_protected_person_flags_the_item_everywhere(
    client, communications, administrator, school, purposes, pupils
):
    zoe, _sem, _lotte = pupils
    make_item(communications, school, [zoe])
    protection_set(user=administrator, subject=zoe, protected=True, note="Court order")
    client.force_login(communications)

    assert list_items(client, school, attention="on") == ["Sportdag"]
    assert list_items(client, school, purpose=purposes[1].pk) == []


def test_a_lapsed_year_flags_the_item(client, communications, school, purposes, pupils):
    zoe, _sem, _lotte = pupils
    make_item(communications, school, [zoe])
    client.force_login(communications)

    with time_machine.travel(dt.datetime(2027, 9, 1, 10, tzinfo=dt.UTC), tick=False):
        client.force_login(communications)
        assert list_items(client, school, attention="on") == ["Sportdag"]


def test_staff_at_two_schools_upload_into_the_school_whose_page_they_are_on(
    client, communications, school, other_school, django_capture_on_commit_callbacks
):
    """The school comes with the form: a photo added on the second school's page is that
    school's, not the first school (by name) of the uploader."""
    f.RoleFactory(school=other_school, kind=Role.Kind.COMMUNICATIONS, user=communications)
    client.force_login(communications)
    later = max([school, other_school], key=lambda s: s.name)
    page = client.get(reverse("library_upload"), {"school": later.pk}).content.decode()
    assert f'name="school" value="{later.pk}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        upload(client, later, jpeg_with_gps())

    assert LibraryItem.objects.get().school == later


def test_a_card_says_nobody_has_marked_yet_instead_of_counting_nobody(
    client, communications, school, purposes, pupils
):
    zoe, _sem, _lotte = pupils
    make_item(communications, school, marked=False, title="Not marked")
    make_item(communications, school, [], title="Nobody recognisable")
    make_item(communications, school, [zoe], title="Zoë")
    client.force_login(communications)

    html = client.get(reverse("library_list"), {"school": school.pk}).content.decode()
    cards = {
        card.split("</a>")[0].rsplit(">", 1)[1]: card for card in html.split('data-item="')[1:]
    }
    assert "Nobody has marked yet who is on it." in cards["Not marked"]
    assert "people on it" not in cards["Not marked"]
    assert "0 people on it" in cards["Nobody recognisable"]
    assert "1 person on it" in cards["Zoë"]
