"""Putting a photo or a short video into the library: checked by its content, stripped of its
metadata, stored privately; the thumbnail is left to the worker. Videos: `videos.py`.

Pillow reads the file (never its name or the browser's content type), and the stored copy is
a fresh encoding of the pixels only: EXIF (GPS position, camera serial number, date), XMP,
IPTC and comments are not carried over. The orientation EXIF recorded is applied first, so
the photo still stands the right way up.

Phones store photos as HEIC/HEIF (iPhones by default, many Android phones by setting); a
computer that copies them off the phone keeps that format. pillow-heif lets Pillow decode
them (libheif, which also applies the file's rotation); the library stores them as JPEG, which
every browser shows, with their depth maps, thumbnails and metadata left behind.
"""

import io
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from consents.library.videos import video_clean, video_preview, video_thumbnail
from consents.models import LibraryItem, MediaType, School
from consents.queue import enqueue_on_commit

register_heif_opener()

# What Pillow may decode: the formats cameras and phones produce. Anything else (a PDF, a
# script renamed to .jpg, an SVG) is refused.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "TIFF", "MPO", "HEIF"}
THUMBNAIL_TASK = "consents.tasks.library_thumbnail_make"


def image_clean(data: bytes) -> tuple[bytes, str, Image.Image]:
    """The image in `data` encoded anew without any metadata: (bytes, content type, image).

    Raises ValidationError when `data` is not an image this library takes.
    """
    refused = ValidationError(
        _("This file is not a photo (JPEG, HEIC, PNG, WebP, GIF or TIFF). Nothing was stored."),
        code="not_an_image",
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise refused
            if probe.width * probe.height > settings.LIBRARY_MAX_PIXELS:
                raise ValidationError(
                    _("This photo has too many pixels; make it smaller first."),
                    code="too_many_pixels",
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refused from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    # A new image from the pixels alone: no `info`, so no EXIF, XMP, ICC comments or text.
    pixels = Image.new(upright.mode, upright.size)
    pixels.paste(upright)
    out = io.BytesIO()
    if has_alpha:
        pixels.convert("RGBA").save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png", pixels
    pixels.convert("RGB").save(out, format="JPEG", quality=90)
    return out.getvalue(), "image/jpeg", pixels


def _is_image(upload) -> bool:
    """Whether Pillow recognises `upload` as a photo format (from its header, not its name)."""
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            return probe.format in ACCEPTED_FORMATS
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    finally:
        upload.seek(0)


def _item(*, user, school: School, title: str, media: str, **fields) -> LibraryItem:
    return LibraryItem(
        school=school,
        title=title,
        media_type=MediaType.objects.get(code=media),
        uploaded_by=user,
        uploaded_at=timezone.now(),
        **fields,
    )


def _photo_item(*, upload, **common) -> LibraryItem:
    if upload.size > settings.LIBRARY_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is %(size)s; the library takes at most %(limit)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.LIBRARY_MAX_BYTES),
                }
            }
        )
    try:
        data, content_type, image = image_clean(upload.read())
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    extension = "png" if content_type == "image/png" else "jpg"
    item = _item(
        media="photo",
        content_type=content_type,
        size=len(data),
        width=image.width,
        height=image.height,
        **common,
    )
    item.file.save(f"upload.{extension}", ContentFile(data), save=False)
    return item


def _video_item(*, upload, **common) -> LibraryItem:
    with tempfile.TemporaryDirectory() as workdir:
        try:
            video = video_clean(upload, Path(workdir))
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from None
        item = _item(
            media="film",
            content_type=video.content_type,
            size=video.path.stat().st_size,
            width=video.width,
            height=video.height,
            duration=video.duration,
            **common,
        )
        with video.path.open("rb") as cleaned:
            item.file.save(f"upload.{video.extension}", File(cleaned), save=False)
    return item


@transaction.atomic
def library_item_upload(*, user, school: School, title: str, upload) -> LibraryItem:
    """Store the photo or short video `upload` in `school`'s library without its metadata.

    A photo is recorded with the media type "photo", a video with "film", so the verdicts
    are asked for that media type. Raises ValidationError and stores nothing when the title
    is empty, the file is too large (or the video too long), or is neither a photo nor a
    video by its content. The thumbnail is made by the worker after commit.
    """
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the photo a title.")})
    make = _photo_item if _is_image(upload) else _video_item
    item = make(upload=upload, user=user, school=school, title=title)
    item.save()
    enqueue_on_commit(THUMBNAIL_TASK, item.pk)
    return item


def _thumbnail(item: LibraryItem, pixels: int) -> bytes:
    if item.is_video:
        return video_thumbnail(item.file, item.duration, pixels)
    with item.file.open("rb") as stored, Image.open(stored) as image:
        image.thumbnail((pixels, pixels))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()


def thumbnail_make(item: LibraryItem) -> bool:
    """Make what `item` still lacks (the worker's job): the thumbnail (the photo made small,
    or a frame of the video) and a video's preview; False when nothing was missing."""
    pixels = settings.LIBRARY_THUMBNAIL_PIXELS
    made = []
    if not item.thumbnail:
        item.thumbnail.save("thumbnail.jpg", ContentFile(_thumbnail(item, pixels)), save=False)
        made.append("thumbnail")
    if item.is_video and not item.preview:
        with tempfile.TemporaryDirectory() as workdir:
            preview = video_preview(item.file, Path(workdir), pixels)
            with preview.open("rb") as small:
                item.preview.save("preview.mp4", File(small), save=False)
        made.append("preview")
    if made:
        LibraryItem.objects.filter(pk=item.pk).update(
            **{name: getattr(item, name).name for name in made}
        )
    return bool(made)
