import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LibraryStorage(Storage):
    """The private storage of the library (`STORAGES["library"]`, see `LIBRARY_STORAGE`),
    looked up on every use rather than once at import, so that a changed setting (a test's
    folder) counts. Never a public URL: files are served only by the library's views."""

    @property
    def _backend(self) -> Storage:
        return storages["library"]

    def open(self, name, mode="rb"):
        return self._backend.open(name, mode)

    def save(self, name, content, max_length=None):
        return self._backend.save(name, content, max_length=max_length)

    def generate_filename(self, filename):
        return self._backend.generate_filename(filename)

    def delete(self, name):
        return self._backend.delete(name)

    def exists(self, name):
        return self._backend.exists(name)

    def size(self, name):
        return self._backend.size(name)

    def path(self, name):
        return self._backend.path(name)

    def url(self, name):
        raise NotImplementedError("library files have no public URL")


def clock(seconds: float) -> str:
    """A length of time as minutes:seconds ("1:05")."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def library_storage() -> Storage:
    return LibraryStorage()


def library_path(item, filename: str) -> str:
    # One folder per school; the name is random, so nothing of the uploader's file name
    # (often a date, a place or a child's name) is kept.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"library/{item.school_id}/{uuid.uuid4().hex}.{extension}"


class LibraryItemQuerySet(models.QuerySet):
    def for_schools(self, schools) -> "LibraryItemQuerySet":
        return self.filter(school__in=schools)


class LibraryItem(models.Model):
    """A photo or short video in a school's private library, with the people staff marked
    on it. Its media type (photo or film) is the one the verdicts are asked for.

    Whether it may go on a channel is never stored: the library asks `consents.rules` each
    time (`consents/library/verdicts.py`). An item is a stored file or a link to an item
    kept elsewhere (`consents/library/links.py`), never both: a link has no file, no size,
    no dimensions and no thumbnail.
    """

    school = models.ForeignKey("consents.School", models.PROTECT, related_name="library_items")
    title = models.CharField(_("title"), max_length=200)
    media_type = models.ForeignKey(
        "consents.MediaType", models.PROTECT, related_name="library_items"
    )
    file = models.FileField(_("file"), storage=library_storage, upload_to=library_path, blank=True)
    # An item kept elsewhere (https only); the portal never fetches it. Empty for a file.
    link = models.URLField(_("link"), max_length=1000, blank=True, default="")
    content_type = models.CharField(_("content type"), max_length=50, blank=True, default="")
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    # A video's length; empty for a photo.
    duration = models.DurationField(_("duration"), null=True, blank=True)
    # Made by the worker (`library_thumbnail_make`); empty until then.
    thumbnail = models.FileField(
        _("thumbnail"), storage=library_storage, upload_to=library_path, blank=True
    )
    # A video's small copy to watch on the item page, made by the worker; the full file
    # leaves the library only for a channel. Empty for a photo, and until the worker made it.
    preview = models.FileField(
        _("preview"), storage=library_storage, upload_to=library_path, blank=True
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="library_uploads"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    people = models.ManyToManyField(
        "consents.Subject", through="consents.LibraryItemPerson", related_name="library_items"
    )
    # Set when staff saved who is on it (also "nobody recognisable"); until then the item
    # may go nowhere.
    people_marked_at = models.DateTimeField(_("people marked at"), null=True, blank=True)
    # People who are not in the directory (visitors, another school's students): their
    # consent is unknown, so the item may go nowhere without a reason.
    others_visible = models.BooleanField(_("other recognisable people visible"), default=False)
    # When someone was taken off the item because their data was erased: it still shows them,
    # so `others_visible` stays set for good (`services.item_people_set` refuses to clear it).
    someone_erased_at = models.DateTimeField(_("someone on it erased at"), null=True, blank=True)
    publications = models.ManyToManyField(
        "consents.Publication", blank=True, related_name="library_items"
    )

    objects = LibraryItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("library item")
        verbose_name_plural = _("library items")
        ordering = ["-uploaded_at", "-id"]
        # The list's order in full: a filtered page finds the end of its window in the index
        # alone (consents/library/window.py).
        indexes = [
            models.Index(fields=["school", "-uploaded_at", "-id"], name="library_school_order_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(link="")) | (~Q(file="") & Q(link="")),
                name="library_file_or_link",
                violation_error_message=_("An item is a file or a link, not both."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def link_host(self) -> str:
        """The host name of a link item ("" for a file): all the pages show of the link."""
        return (urlsplit(self.link).hostname or "") if self.link else ""

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")

    @property
    def duration_clock(self) -> str:
        """A video's length as minutes:seconds ("1:05"); "" for a photo."""
        return "" if self.duration is None else clock(self.duration.total_seconds())


class LibraryItemPerson(models.Model):
    """Someone staff marked on a library item (picked from a class list or the directory;
    the portal never looks for faces)."""

    item = models.ForeignKey(LibraryItem, models.CASCADE, related_name="entries")
    subject = models.ForeignKey("consents.Subject", models.CASCADE, related_name="library_entries")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("person on a library item")
        verbose_name_plural = _("people on library items")
        constraints = [
            models.UniqueConstraint(fields=["item", "subject"], name="library_person_unique"),
        ]
        indexes = [models.Index(fields=["subject", "item"], name="library_subject_idx")]

    def __str__(self):
        return f"{self.subject} on {self.item}"


class LibraryDownload(models.Model):
    """An item taken out of the library for a channel: who, when, for which purpose, and the
    reason when someone on it was not allowed (as publications record an override)."""

    item = models.ForeignKey(LibraryItem, models.CASCADE, related_name="downloads")
    purpose = models.ForeignKey("consents.Purpose", models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"))
    override_reason = models.TextField(_("reason to use it without consent"), blank=True)

    class Meta:
        verbose_name = _("library download")
        verbose_name_plural = _("library downloads")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.item} for {self.purpose}"
