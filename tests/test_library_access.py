"""The photo library (issue 23): the file for a channel, least privilege, retention."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from PIL import Image

from consents.library.services import item_people_set
from consents.models import AccessLogEntry, LibraryDownload, LibraryItem

from . import factories as f
from .library_helpers import (
    NOW,
    jpeg_with_gps,
    list_items,
    make_item,
    stored_item,
    upload,
)

# The library's fixtures (a class of pupils, private storage at a fixed moment).
pytest_plugins = ["tests.library_fixtures"]
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("site_in_english", "library_storage"),
]


# --- The file, for a channel ---------------------------------------------------------------


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
    library_storage,
):
    zoe, _sem, _lotte = pupils
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, school, jpeg_with_gps())
    item = LibraryItem.objects.get()
    item_people_set(user=administrator, item=item, add=[zoe], others_visible=False)
    files = [library_storage / item.file.name, library_storage / item.thumbnail.name]
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
