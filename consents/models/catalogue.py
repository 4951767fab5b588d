import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Bilingual(models.Model):
    """A name (and description) in Dutch and English, shown in the user's language."""

    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class Purpose(Bilingual):
    """A channel on which media may be published: the board's own, editable list."""

    board = models.ForeignKey("consents.Board", models.PROTECT, related_name="purposes")
    code = models.SlugField(_("code"), max_length=40)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["board", "code"], name="purpose_unique_code"),
        ]

    @property
    def description(self) -> str:
        english = (get_language() or "nl").startswith("en")
        return self.description_en if english else self.description_nl


class MediaType(Bilingual):
    """Photo, film or sound."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("media type")
        verbose_name_plural = _("media types")
        ordering = ["order", "id"]


class ConsentTextQuerySet(models.QuerySet):
    def in_force(self, purpose, at=None) -> "ConsentText | None":
        """The latest version of `purpose`'s text published at `at` (default: now)."""
        return (
            self.filter(purpose=purpose, created_at__lte=at or timezone.now())
            .order_by("-version")
            .first()
        )


class ConsentText(models.Model):
    """One version of the text a person reads before deciding about a purpose.

    Texts are never edited: a change is a new version (rule 8). A *material* change asks
    everyone affected again; an *editorial* one keeps their decisions.
    """

    class Change(models.TextChoices):
        INITIAL = "initial", _("first version")
        EDITORIAL = "editorial", _("editorial change: decisions stay")
        MATERIAL = "material", _("material change: everyone is asked again")

    purpose = models.ForeignKey(Purpose, models.PROTECT, related_name="texts")
    version = models.PositiveIntegerField(_("version"), editable=False)
    body_nl = models.TextField(_("text (Dutch)"))
    body_en = models.TextField(_("text (English)"))
    change = models.CharField(_("kind of change"), max_length=10, choices=Change)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("published at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, editable=False
    )

    objects = ConsentTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["purpose", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="text_unique_version"),
        ]

    def __str__(self):
        return f"{self.purpose} v{self.version}"

    @property
    def body(self) -> str:
        return self.body_en if (get_language() or "nl").startswith("en") else self.body_nl

    def compute_sha256(self) -> str:
        canonical = "\n\x1e\n".join(
            [self.purpose.code, str(self.version), self.body_nl.strip(), self.body_en.strip()]
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("A consent text is never edited: publish a new version."))
        if self.version is None:
            last = ConsentText.objects.filter(purpose=self.purpose).order_by("-version").first()
            self.version = last.version + 1 if last else 1
        if self.version == 1:
            self.change = self.Change.INITIAL
        self.sha256 = self.compute_sha256()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A consent text is never deleted."))
