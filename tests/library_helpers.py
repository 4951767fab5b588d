"""What the library's tests share: a JPEG and a phone's HEIC with GPS, items, the list as
titles."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consents.library.services import item_people_set
from consents.models import LibraryItem

from . import factories as f

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


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


def heic_from_phone(size=(64, 48)) -> bytes:
    """A HEIC as a phone writes it (libheif's encoder, through pillow-heif): held sideways
    (EXIF orientation 6, which libheif turns into the file's rotation), with the phone's make,
    serial number and GPS position in its EXIF. The left quarter of the pixels is blue, so
    that the top of the photo as the phone shows it is blue."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((0, 0, 255), (0, 0, size[0] // 4, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to show
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 10.0, 30.0)
    gps[3], gps[4] = "E", (5.0, 17.0, 2.0)
    out = io.BytesIO()
    image.save(out, format="HEIF", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def upload(client, school, data, title="Sportdag", name="photo.jpg"):
    return client.post(
        reverse("library_upload") + f"?school={school.pk}",
        {
            # As the page's form sends it: the school in the form, not only in the address.
            "school": school.pk,
            "title": title,
            "file": SimpleUploadedFile(name, data, content_type="image/jpeg"),
        },
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


def list_items(client, school, **params):
    query = "&".join(f"{k}={v}" for k, v in {"school": school.pk, **params}.items())
    response = client.get(reverse("library_list") + "?" + query)
    assert response.status_code == 200
    return [status.item.title for status in response.context["page"].object_list]


def stored_item(client, school):
    upload(client, school, jpeg_with_gps())
    return LibraryItem.objects.get()


def list_query_counts(
    client, communications, school, pupils, purpose, count, *, before=None
) -> list[int]:
    """The queries of the list, unfiltered, "may go on `purpose`" and "needs attention", for
    `count` items of one to three `pupils`; `before` runs once the items are made."""
    LibraryItem.objects.all().delete()
    for n in range(count):
        make_item(communications, school, pupils[: 1 + n % 3], title=f"Item {n}")
    if before:
        before()
    counts = []
    for params in ({}, {"purpose": purpose.pk}, {"attention": "on"}):
        with CaptureQueriesContext(connection) as captured:
            list_items(client, school, **params)
        counts.append(len(captured))
    return counts
