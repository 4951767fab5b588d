"""The photo library (issue 23): private files, metadata stripped, people marked from class
lists, verdicts per channel asked of the rules, and takedowns through publications."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consents.communications.protection import protection_set
from consents.decisions.services import consent_withdraw
from consents.library.services import item_people_set
from consents.models import (
    AccessLogEntry,
    LibraryDownload,
    LibraryItem,
    LibraryItemPerson,
    Publication,
    TakedownTask,
)

from . import factories as f
from .helpers import record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _private_storage(private_media):
    with time_machine.travel(NOW, tick=False):
        yield private_media


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A real JPEG carrying EXIF: GPS position, camera serial number and make."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 10.0, 30.0)
    gps[3], gps[4] = "E", (5.0, 17.0, 2.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def group(school):
    year = f.SchoolYearFactory(board=school.board, start_date=dt.date(2026, 8, 1))
    return f.GroupFactory(school=school, school_year=year, name="G1a")


@pytest.fixture
def pupils(group, child, mother, purposes, photo):
    """Zoë (allowed everywhere by her mother), Sem (refused the website), Lotte (no answer)."""
    child.group = group
    child.save()
    sem = f.StudentFactory(school=group.school, group=group, first_name="Sem", last_name="Bakker")
    lotte = f.StudentFactory(school=group.school, group=group, first_name="Lotte", last_name="Smit")
    sem_parent = f.GuardianFactory(students=[sem])
    for purpose in purposes:
        record(mother.user, child, purpose, photo)
    website, yearbook = purposes
    record(sem_parent.user, sem, website, photo, value="refused")
    record(sem_parent.user, sem, yearbook, photo)
    return child.subject_ptr, sem.subject_ptr, lotte.subject_ptr


def upload(client, school, data, title="Sportdag", name="photo.jpg"):
    return client.post(
        reverse("library_upload") + f"?school={school.pk}",
        {"title": title, "file": SimpleUploadedFile(name, data, content_type="image/jpeg")},
    )


def make_item(user, school, people=(), marked=True, title="Sportdag"):
    item = LibraryItem.objects.create(
        school=school,
        title=title,
        media_type_id=f.media("photo").pk,
        file="library/x.jpg",
        content_type="image/jpeg",
        size=1,
        width=1,
        height=1,
        uploaded_by=user,
        uploaded_at=timezone.now(),
    )
    if marked:
        item_people_set(
            user=user, item=item, add=list(people), others_visible=False, nobody=not people
        )
    return item


# --- Upload ------------------------------------------------------------------------------


def test_an_uploaded_photo_is_stored_privately_without_exif_gps_or_serial(
    client,
    communications,
    school,
    celery_eager,
    django_capture_on_commit_callbacks,
    _private_storage,
):
    client.force_login(communications)
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test's premise

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, school, original, name="IMG_2026_zoe-de-vries.jpg")

    item = LibraryItem.objects.get()
    assert response.status_code == 302 and response.url == reverse("library_item", args=[item.pk])
    assert item.file.name.startswith(f"library/{school.pk}/") and "zoe" not in item.file.name
    assert (_private_storage / item.file.name).exists()
    with item.file.open("rb") as stored:
        data = stored.read()
    assert b"SERIAL-123456" not in data and b"Camera maker" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif() and "exif" not in image.info
    # The worker made the thumbnail (eager here), kept privately too.
    item.refresh_from_db()
    assert item.thumbnail and (_private_storage / item.thumbnail.name).exists()


def test_a_file_that_is_not_an_image_by_its_content_is_refused_and_nothing_is_stored(
    client, communications, school, _private_storage
):
    client.force_login(communications)

    response = upload(client, school, b"%PDF-1.4 not a photo at all", name="photo.jpg")

    assert response.status_code == 400
    assert "This file is not a photo" in response.content.decode()
    assert not LibraryItem.objects.exists()
    assert not _private_storage.exists() or not any(_private_storage.rglob("*.*"))


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


def list_items(client, school, **params):
    query = "&".join(f"{k}={v}" for k, v in {"school": school.pk, **params}.items())
    response = client.get(reverse("library_list") + "?" + query)
    assert response.status_code == 200
    return [status.item.title for status in response.context["page"].object_list]


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
        LibraryItem.objects.all().delete()
        for n in range(count):
            make_item(communications, school, pupils[: 1 + n % 3], title=f"Item {n}")
        counts = []
        for params in ({}, {"purpose": website.pk}, {"attention": "on"}):
            with CaptureQueriesContext(connection) as captured:
                list_items(client, school, **params)
            counts.append(len(captured))
        return counts

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


# --- The file, for a channel ---------------------------------------------------------------


def stored_item(client, school):
    upload(client, school, jpeg_with_gps())
    return LibraryItem.objects.get()


def test_the_file_comes_for_an_allowed_channel_and_is_logged(
    client, communications, school, purposes, pupils
):
    zoe, _sem, _lotte = pupils
    client.force_login(communications)
    item = stored_item(client, school)
    item_people_set(user=communications, item=item, add=[zoe], others_visible=False)

    response = client.post(
        reverse("library_item_file", args=[item.pk]), {"purpose": purposes[0].pk}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"
    download = LibraryDownload.objects.get()
    assert (download.purpose, download.override_reason) == (purposes[0], "")
    assert AccessLogEntry.objects.filter(detail__contains="file for purpose").exists()


def test_the_file_for_a_channel_someone_may_not_appear_on_needs_a_reason(
    client, communications, school, purposes, pupils
):
    zoe, sem, _lotte = pupils
    website = purposes[0]
    client.force_login(communications)
    item = stored_item(client, school)
    item_people_set(user=communications, item=item, add=[zoe, sem], others_visible=False)
    url = reverse("library_item_file", args=[item.pk])

    refused = client.post(url, {"purpose": website.pk})

    assert refused.status_code == 400
    assert "Sem Bakker may not appear on this channel." in refused.content.decode()
    assert not LibraryDownload.objects.exists()

    allowed = client.post(url, {"purpose": website.pk, "override_reason": "Sem is blurred."})
    assert allowed.status_code == 200
    assert LibraryDownload.objects.get().override_reason == "Sem is blurred."


# --- Least privilege ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["library_item", "library_thumbnail", "library_item_file", "library_item_people"]
)
def test_staff_of_another_school_get_404_on_an_item(
    client, communications, other_school_communications, school, name
):
    item = make_item(communications, school)
    item.thumbnail = "library/t.jpg"
    item.save()
    client.force_login(other_school_communications)

    url = reverse(name, args=[item.pk])
    response = (
        client.post(url)
        if name in ("library_item_file", "library_item_people")
        else client.get(url)
    )

    assert response.status_code == 404


def test_parents_and_the_council_get_403_on_the_library(client, mother, school):
    council = f.RoleFactory(school=school, kind="council").user
    for user in (mother.user, council):
        client.force_login(user)
        assert client.get(reverse("library_list")).status_code == 403
        assert client.get(reverse("library_upload")).status_code == 403


def test_another_schools_items_are_not_in_the_list(
    client, communications, other_school_communications, school, other_school
):
    make_item(communications, school, title="Ours")
    client.force_login(other_school_communications)

    assert list_items(client, other_school) == []
    assert client.get(reverse("library_list") + f"?school={school.pk}").status_code == 404


# --- Retention -----------------------------------------------------------------------------


def test_old_items_and_items_of_people_who_all_left_are_listed_for_review(
    client, administrator, school, pupils
):
    zoe, sem, _lotte = pupils
    make_item(administrator, school, [zoe, sem], title="Recent")
    with time_machine.travel(NOW - dt.timedelta(days=800), tick=False):
        make_item(administrator, school, [zoe], title="Old")
    make_item(administrator, school, [sem], title="Sem left")
    sem.date_left = dt.date(2026, 7, 31)
    sem.save()
    client.force_login(administrator)

    response = client.get(reverse("library_retention") + f"?school={school.pk}")

    assert [item.title for item in response.context["page"].object_list] == ["Old", "Sem left"]


def test_deleting_an_item_removes_its_files_and_is_logged(
    client,
    administrator,
    school,
    pupils,
    celery_eager,
    django_capture_on_commit_callbacks,
    _private_storage,
):
    zoe, _sem, _lotte = pupils
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, school, jpeg_with_gps())
    item = LibraryItem.objects.get()
    item_people_set(user=administrator, item=item, add=[zoe], others_visible=False)
    files = [_private_storage / item.file.name, _private_storage / item.thumbnail.name]
    url = reverse("library_item_delete", args=[item.pk])

    client.post(url, {})  # not confirmed: nothing happens
    assert LibraryItem.objects.exists() and all(path.exists() for path in files)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "on"})

    assert response.status_code == 302
    assert not LibraryItem.objects.exists()
    assert not any(path.exists() for path in files)
    entry = AccessLogEntry.objects.get(detail=f"library item {item.pk} deleted")
    assert list(entry.subjects.values_list("pk", flat=True)) == [zoe.pk]


def test_communications_staff_cannot_delete_items(client, communications, school):
    item = make_item(communications, school)
    client.force_login(communications)

    response = client.post(reverse("library_item_delete", args=[item.pk]), {"confirm": "on"})

    assert response.status_code == 403
    assert LibraryItem.objects.filter(pk=item.pk).exists()
