"""Short videos in the library (issue 23): checked by content with ffprobe, remuxed by ffmpeg
without location, creation time, make, model or serial, a frame as the thumbnail, and the
verdicts of the media type film.

The videos are made here with ffmpeg, tagged the way a phone tags them. Without ffmpeg these
tests skip with a message, except in CI (REQUIRE_BROWSER=1 or CI set), where they fail.
"""

import io
import os
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from consents.library.services import item_people_set
from consents.models import LibraryItem

from . import factories as f
from .helpers import record
from .library_helpers import jpeg_with_gps, make_item, upload
from .video_helpers import (
    PLACE,
    all_tags,
    ffmpeg,
    nothing_stored,
    phone_video,
    post_video,
    probe,
    stored_path,
)

pytest_plugins = ["tests.library_fixtures"]
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("site_in_english", "library_storage"),
]

REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1" or bool(os.environ.get("CI"))
if not (shutil.which("ffmpeg") and shutil.which("ffprobe")) and not REQUIRED:
    pytest.skip(
        "video tests need ffmpeg and ffprobe (apt-get install ffmpeg)", allow_module_level=True
    )

# --- Upload and metadata ------------------------------------------------------------------


def test_a_phone_video_is_stored_without_place_make_model_serial_or_creation_time(
    client,
    communications,
    school,
    tmp_path,
    library_storage,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    original = phone_video(tmp_path)
    before = probe(original)
    tags = all_tags(before)  # the test's premise: the phone's tags are there
    assert tags["location"] == f"{PLACE}/" and tags["make"] == "Apple"
    assert tags["model"] == "iPhone 15" and tags["creation_time"].startswith("2026-05-01")
    assert tags["com.apple.quicktime.location.ISO6709"].startswith(PLACE)
    assert tags["0:creation_time"].startswith("2026-05-01")
    assert [s["codec_type"] for s in before["streams"]] == ["video", "audio", "subtitle"]
    client.force_login(communications)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_video(client, school, original, name="IMG_0042_zoe.MOV")

    item = LibraryItem.objects.get()
    assert response.status_code == 302 and response.url == reverse("library_item", args=[item.pk])
    assert item.media_type.code == "film" and item.content_type == "video/mp4"
    assert (item.width, item.height) == (320, 240)
    assert item.duration.total_seconds() == pytest.approx(2, abs=0.1)
    assert item.file.name.startswith(f"library/{school.pk}/") and item.file.name.endswith(".mp4")
    stored = stored_path(library_storage, item)
    assert item.size == stored.stat().st_size
    after = probe(stored)
    assert [s["codec_type"] for s in after["streams"]] == ["video", "audio"]
    assert after["streams"][0]["codec_name"] == "h264"  # copied, not re-encoded
    kept = all_tags(after)
    assert not {k for k in kept if "creation_time" in k or "location" in k}
    assert not {k for k in kept if k.endswith(("make", "model", "serial"))}
    assert "Core Media Video" not in kept.values()
    data = stored.read_bytes()
    for secret in (PLACE.encode(), b"iPhone", b"Apple", b"SERIAL-998877", b"990000862471854"):
        assert secret not in data
    # The worker (eager here) grabbed a frame for the thumbnail.
    item.refresh_from_db()
    assert item.thumbnail
    thumbnail = Image.open(library_storage / item.thumbnail.name)
    assert thumbnail.format == "JPEG" and thumbnail.size == (320, 240)
    # ... and the small copy the item page plays: H.264 and AAC, no tags either.
    preview = probe(library_storage / item.preview.name)
    assert [s["codec_name"] for s in preview["streams"]] == ["h264", "aac"]
    assert not {k for k in all_tags(preview) if "creation_time" in k or "location" in k}
    assert PLACE.encode() not in (library_storage / item.preview.name).read_bytes()


def test_a_webm_video_is_stored_as_webm_without_its_tags(
    client, communications, school, tmp_path, library_storage
):
    original = tmp_path / "clip.webm"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10"),
        *("-c:v", "libvpx-vp9", "-deadline", "realtime", "-metadata", f"location={PLACE}/"),
        *("-metadata", "creation_time=2026-05-01T10:00:00Z", str(original)),
    )
    assert all_tags(probe(original))["LOCATION"] == f"{PLACE}/"
    client.force_login(communications)

    response = post_video(client, school, original, name="clip.bin", content_type="text/plain")

    item = LibraryItem.objects.get()
    assert response.status_code == 302 and item.content_type == "video/webm"
    after = probe(stored_path(library_storage, item))
    assert after["format"]["format_name"] == "matroska,webm"
    assert not {k for k in all_tags(after) if "location" in k.lower() or "creation" in k.lower()}
    assert PLACE.encode() not in stored_path(library_storage, item).read_bytes()


def test_a_video_filmed_upright_is_recorded_upright(
    client, communications, school, tmp_path, library_storage, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # received in a temporary file, as large ones are
    original = tmp_path / "upright.mov"
    # A phone filming upright stores the frames sideways and a rotation to show them with.
    ffmpeg(
        "-i",
        str(phone_video(tmp_path, seconds=1)),
        "-map",
        "0",
        "-c",
        "copy",
        *("-metadata:s:v:0", "rotate=90", str(original)),
    )
    client.force_login(communications)

    post_video(client, school, original)

    item = LibraryItem.objects.get()
    assert (item.width, item.height) == (240, 320)
    rotation = probe(stored_path(library_storage, item))["streams"][0]["side_data_list"][0]
    assert abs(rotation["rotation"]) == 90  # the orientation is kept, only the tags go


# --- Refusals -----------------------------------------------------------------------------


def test_a_text_file_named_mp4_is_refused_and_nothing_is_stored(
    client, communications, school, library_storage
):
    client.force_login(communications)
    text = SimpleUploadedFile("clip.mp4", b"hello, this is not a video\n" * 50, "video/mp4")

    response = client.post(
        reverse("library_upload") + f"?school={school.pk}", {"title": "Clip", "file": text}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This file is not a photo (JPEG, HEIC, PNG, WebP, GIF or TIFF) or a video" in html
    assert nothing_stored(library_storage)


def test_an_audio_file_is_not_taken_as_a_video(
    client, communications, school, tmp_path, library_storage
):
    sound = tmp_path / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(sound))
    client.force_login(communications)

    response = post_video(client, school, sound, name="voice.mp4", content_type="video/mp4")

    assert response.status_code == 400
    assert "or a video" in response.content.decode()
    assert nothing_stored(library_storage)


def test_a_video_longer_than_the_limit_is_refused_with_both_lengths_named(
    client, communications, school, tmp_path, library_storage, settings
):
    settings.LIBRARY_MAX_VIDEO_SECONDS = 60
    original = phone_video(tmp_path, seconds=65, rate=2)
    client.force_login(communications)

    response = post_video(client, school, original)

    assert response.status_code == 400
    html = response.content.decode()
    assert "This video lasts 1:05; the library takes videos of at most 1:00." in html
    assert nothing_stored(library_storage)


def test_a_video_over_the_size_limit_is_refused_with_the_limit_named(
    client, communications, school, tmp_path, library_storage, settings
):
    settings.LIBRARY_MAX_VIDEO_BYTES = 1000
    original = phone_video(tmp_path, seconds=1)
    client.force_login(communications)

    response = post_video(client, school, original)

    assert response.status_code == 400
    assert "the library takes videos of at most 1000\xa0bytes" in response.content.decode()
    assert nothing_stored(library_storage)


def test_without_ffmpeg_videos_are_refused_and_photos_still_work(
    client, communications, school, tmp_path, library_storage, settings
):
    original = phone_video(tmp_path, seconds=1)
    settings.LIBRARY_FFMPEG = str(tmp_path / "no-ffmpeg-here")
    client.force_login(communications)

    page = client.get(reverse("library_upload") + f"?school={school.pk}")
    response = post_video(client, school, original)

    assert "Videos cannot be accepted on this server; photos can." in page.content.decode()
    assert response.status_code == 400
    assert "videos cannot be accepted on this server" in response.content.decode()
    assert nothing_stored(library_storage)
    assert upload(client, school, jpeg_with_gps()).status_code == 302
    assert LibraryItem.objects.get().media_type.code == "photo"


def test_the_upload_page_names_the_video_limits(client, communications, school, settings):
    settings.LIBRARY_MAX_VIDEO_SECONDS = 120
    client.force_login(communications)

    html = client.get(reverse("library_upload") + f"?school={school.pk}").content.decode()

    assert "at most 2 minutes long and 200.0\xa0MB large" in html


# --- Verdicts and the item ----------------------------------------------------------------


def uploaded_video(client, school, tmp_path, *, marked_by=None, people=()) -> LibraryItem:
    """A one-second phone video uploaded through the page by the logged-in `client`, with
    `people` marked on it by `marked_by`."""
    post_video(client, school, phone_video(tmp_path, seconds=1))
    item = LibraryItem.objects.get()
    if people:
        item_people_set(user=marked_by, item=item, add=list(people), others_visible=False)
    return item


def test_a_video_follows_the_film_verdict_where_a_photo_follows_the_photo_verdict(
    client, communications, school, purposes, pupils, mother, tmp_path
):
    zoe, _sem, _lotte = pupils
    website, _yearbook = purposes
    # Zoë's mother allows photos on every channel (the fixture) but refuses film on the website.
    record(mother.user, zoe.student, website, f.media("film"), value="refused")
    client.force_login(communications)
    video = uploaded_video(client, school, tmp_path, marked_by=communications, people=[zoe])
    photo = make_item(communications, school, [zoe], title="Foto")

    video_html = client.get(reverse("library_item", args=[video.pk])).content.decode()
    photo_html = client.get(reverse("library_item", args=[photo.pk])).content.decode()

    assert 'data-state="not_allowed">Website: not allowed' in video_html
    assert "Zoë" in video_html and "(not allowed)" in video_html
    assert 'data-state="allowed">Website: allowed' in photo_html
    assert "Video of 0:01 (320 × 240)" in video_html and 'id="item-player"' not in video_html
    listing = client.get(reverse("library_list") + f"?school={school.pk}").content.decode()
    assert "video 0:01" in listing


def test_a_video_is_downloaded_for_a_channel_with_its_content_type(
    client, communications, school, purposes, pupils, tmp_path, library_storage
):
    zoe, _sem, _lotte = pupils
    _website, yearbook = purposes
    client.force_login(communications)
    item = uploaded_video(client, school, tmp_path, marked_by=communications, people=[zoe])
    # Zoë's mother has not answered for film: it needs a reason, as for any item.
    url = reverse("library_item_file", args=[item.pk])
    refused = client.post(url, {"purpose": yearbook.pk})
    assert refused.status_code == 400

    response = client.post(url, {"purpose": yearbook.pk, "override_reason": "Asked by phone"})

    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    body = b"".join(response.streaming_content)
    assert body == stored_path(library_storage, item).read_bytes()
    assert io.BytesIO(body).read(12)[4:8] == b"ftyp"


def test_the_video_wording_is_in_dutch_for_a_dutch_browser(
    client, communications, school, tmp_path, settings
):
    settings.LANGUAGE_CODE = "nl"
    client.force_login(communications)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"
    text = tmp_path / "notes.mov"
    text.write_text("geen video\n")

    page = client.get(reverse("library_upload") + f"?school={school.pk}").content.decode()
    refused = post_video(client, school, text).content.decode()

    assert "Foto of video toevoegen" in page and "Een video mag MP4 of MOV" in page
    assert "en geen video (MP4 of MOV met H.264 of HEVC, WebM)" in refused


def test_the_item_page_plays_the_small_copy_and_deleting_removes_every_file(
    client,
    administrator,
    school,
    tmp_path,
    library_storage,
    celery_eager,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.LIBRARY_THUMBNAIL_PIXELS = 160
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        item = uploaded_video(client, school, tmp_path)
    item.refresh_from_db()  # the worker's preview, made once the upload committed
    preview_url = reverse("library_preview", args=[item.pk])

    html = client.get(reverse("library_item", args=[item.pk])).content.decode()
    response = client.get(preview_url)

    assert f'src="{preview_url}"' in html and 'id="item-player"' in html
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}
    body = b"".join(response.streaming_content)
    assert body == (library_storage / item.preview.name).read_bytes()
    small = probe(library_storage / item.preview.name)["streams"][0]
    assert (small["width"], small["height"]) == (160, 120)
    files = [library_storage / name for name in (item.file.name, item.thumbnail.name)]
    files.append(library_storage / item.preview.name)
    assert all(path.exists() for path in files)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("library_item_delete", args=[item.pk]), {"confirm": "on"})

    assert not LibraryItem.objects.exists()
    assert not any(path.exists() for path in files)
    assert client.get(preview_url).status_code == 404


def test_a_photo_has_no_preview(client, communications, school, library_storage):
    client.force_login(communications)
    upload(client, school, jpeg_with_gps())

    response = client.get(reverse("library_preview", args=[LibraryItem.objects.get().pk]))

    assert response.status_code == 404


def test_the_player_gets_the_byte_ranges_it_asks_for_so_it_can_seek(
    client,
    administrator,
    school,
    tmp_path,
    library_storage,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        item = uploaded_video(client, school, tmp_path)
    item.refresh_from_db()  # the worker's preview, made once the upload committed
    url = reverse("library_preview", args=[item.pk])
    stored = (library_storage / item.preview.name).read_bytes()
    size = len(stored)

    def get(header):
        response = client.get(url, HTTP_RANGE=header)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body

    response, body = get("bytes=0-1")  # what Safari asks first
    assert (response.status_code, body) == (206, stored[:2])
    assert response["Content-Range"] == f"bytes 0-1/{size}"
    assert response["Content-Length"] == "2" and response["Accept-Ranges"] == "bytes"
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}
    response, body = get("bytes=100-")  # seeking
    assert (response.status_code, body) == (206, stored[100:])
    assert response["Content-Range"] == f"bytes 100-{size - 1}/{size}"
    response, body = get("bytes=-10")  # the last ten bytes
    assert (response.status_code, body) == (206, stored[-10:])
    response, body = get(f"bytes=0-{size + 500}")  # past the end: up to the end
    assert (response.status_code, body) == (206, stored)
    response, _body = get(f"bytes={size}-")  # nothing there
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{size}"
    for unreadable in ("bytes=0-1,5-9", "items=0-1", "bytes=9-2", "bytes=x-"):
        response, body = get(unreadable)  # the whole file, as without a range
        assert (response.status_code, body) == (200, stored), unreadable
