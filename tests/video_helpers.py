"""What the library's video tests share: phone-like videos made with ffmpeg, ffprobe's view
of a file, and uploading one."""

import json
import subprocess  # nosec B404
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consents.models import LibraryItem

PLACE = "+52.3676+004.9041"
PHONE_TAGS = [
    *("-metadata", f"location={PLACE}/"),
    *("-metadata", f"com.apple.quicktime.location.ISO6709={PLACE}+000.000/"),
    *("-metadata", "make=Apple", "-metadata", "model=iPhone 15"),
    *("-metadata", "com.apple.quicktime.make=Apple"),
    *("-metadata", "com.apple.quicktime.model=iPhone 15"),
    *("-metadata", "serial=SERIAL-998877"),
    *("-metadata", "creation_time=2026-05-01T10:00:00Z"),
    *("-metadata:s:v:0", "creation_time=2026-05-01T10:00:00Z"),
    *("-metadata:s:v:0", "handler_name=Core Media Video"),
]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)  # nosec B603


def probe(path: Path) -> dict:
    out = subprocess.run(  # nosec B603
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def phone_video(tmp_path: Path, seconds: int = 2, rate: int = 25) -> Path:
    """A MOV as a phone makes it: H.264 and AAC, with place, make, model, serial number and
    creation time, and a text track carrying the position (as Apple's timed metadata can)."""
    track = tmp_path / "gps.srt"
    track.write_text(f"1\n00:00:00,000 --> 00:00:01,000\nGPS {PLACE} IMEI 990000862471854\n")
    out = tmp_path / "IMG_0042.MOV"
    ffmpeg(
        *("-f", "lavfi", "-i", f"testsrc=duration={seconds}:size=320x240:rate={rate}"),
        *("-f", "lavfi", "-i", f"sine=duration={seconds}"),
        *("-i", str(track), "-map", "0", "-map", "1", "-map", "2"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-c:s", "mov_text", *PHONE_TAGS),
        *("-movflags", "use_metadata_tags", str(out)),
    )
    return out


def all_tags(info: dict) -> dict:
    tags = dict(info["format"].get("tags", {}))
    for stream in info["streams"]:
        tags.update({f"{stream['index']}:{k}": v for k, v in stream.get("tags", {}).items()})
    return tags


def post_video(client, school, path: Path, name=None, content_type="video/quicktime"):
    data = SimpleUploadedFile(name or path.name, path.read_bytes(), content_type=content_type)
    return client.post(
        reverse("library_upload") + f"?school={school.pk}", {"title": "Schoolreis", "file": data}
    )


def stored_path(library_storage, item) -> Path:
    return library_storage / item.file.name


def nothing_stored(library_storage) -> bool:
    files = list(library_storage.rglob("*.*")) if library_storage.exists() else []
    return not LibraryItem.objects.exists() and not files
