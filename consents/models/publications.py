from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PublicationQuerySet(models.QuerySet):
    def for_schools(self, schools) -> "PublicationQuerySet":
        return self.filter(school__in=schools)


class Publication(models.Model):
    """A photo, film or sound fragment that communications staff put out (rule 9).

    The people on it are stored with the verdict they had at the moment of recording, so the
    school can later show why it published, and find what to take down after a withdrawal.
    """

    school = models.ForeignKey("consents.School", models.PROTECT, related_name="publications")
    title = models.CharField(_("title"), max_length=200)
    purpose = models.ForeignKey("consents.Purpose", models.PROTECT, related_name="publications")
    media_type = models.ForeignKey(
        "consents.MediaType", models.PROTECT, related_name="publications"
    )
    published_on = models.DateField(_("publication date"))
    url = models.URLField(_("web address"), max_length=500, blank=True)
    people = models.ManyToManyField(
        "consents.Subject", through="consents.PublicationPerson", related_name="publications"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="recorded_publications"
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    override_reason = models.TextField(_("reason to publish without consent"), blank=True)
    # Set when someone on it was not allowed: the administrator reviews every such record.
    flagged = models.BooleanField(_("flagged for the administrator"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_publications",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(flagged=False) | ~Q(override_reason=""),
                name="publication_flag_has_reason",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def awaits_review(self) -> bool:
        return self.flagged and self.reviewed_at is None


class PublicationPerson(models.Model):
    """One person on a publication, with their verdict at the moment it was recorded."""

    publication = models.ForeignKey(Publication, models.CASCADE, related_name="entries")
    subject = models.ForeignKey(
        "consents.Subject", models.CASCADE, related_name="publication_entries"
    )
    # The verdict as the rules gave it then (consents.rules.State values), and why.
    state = models.CharField(_("verdict then"), max_length=20)
    explanation = models.TextField(_("reason then"), blank=True)
    group_name = models.CharField(_("class then"), max_length=50, blank=True)
    # The decisions that counted (ConsentDecision ids), for the audit trail.
    decision_ids = models.JSONField(_("decisions that counted"), default=list, blank=True)

    class Meta:
        verbose_name = _("person on a publication")
        verbose_name_plural = _("people on publications")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "subject"], name="publication_person_unique"
            ),
        ]
        indexes = [models.Index(fields=["subject", "publication"], name="publication_subject_idx")]

    def __str__(self):
        return f"{self.subject} on {self.publication}"


class TakedownTaskQuerySet(models.QuerySet):
    def open(self) -> "TakedownTaskQuerySet":
        return self.filter(closed_at__isnull=True)

    def for_schools(self, schools) -> "TakedownTaskQuerySet":
        return self.filter(publication__school__in=schools)


class TakedownTask(models.Model):
    """Take a publication down (or decide not to): after a person on it withdrew (rule 6),
    because the person who decides for them asked, or because an administrator marked the
    person protected (rule 12)."""

    class Origin(models.TextChoices):
        WITHDRAWAL = "withdrawal", _("consent withdrawn")
        REQUEST = "request", _("asked to take it down")
        PROTECTED = "protected", _("the person may no longer appear")

    class Outcome(models.TextChoices):
        REMOVED = "removed", _("removed")
        EDITED = "edited", _("edited: the person is no longer recognisable")
        KEPT = "kept", _("kept, with a reason")

    publication = models.ForeignKey(Publication, models.CASCADE, related_name="takedown_tasks")
    subject = models.ForeignKey("consents.Subject", models.CASCADE, related_name="takedown_tasks")
    origin = models.CharField(
        _("why"), max_length=12, choices=Origin, default=Origin.WITHDRAWAL, editable=False
    )
    # The withdrawal that opened it (origin "withdrawal").
    decision = models.ForeignKey(
        "consents.ConsentDecision",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="takedown_tasks",
    )
    # Who asked, and why in their words (origin "request").
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="requested_takedowns",
    )
    request_reason = models.TextField(_("reason given by the person who asked"), blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    # When the school's communications staff were emailed about it.
    notified_at = models.DateTimeField(_("staff emailed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_takedown_tasks",
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = TakedownTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("takedown task")
        verbose_name_plural = _("takedown tasks")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "subject"],
                condition=Q(closed_at__isnull=True),
                name="takedown_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, outcome="", closed_by__isnull=True)
                | (Q(closed_at__isnull=False, closed_by__isnull=False) & ~Q(outcome="")),
                name="takedown_closed_completely",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="kept") | ~Q(reason=""),
                name="takedown_kept_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(origin="withdrawal") | Q(decision__isnull=False),
                name="takedown_withdrawal_has_decision",
            ),
            models.CheckConstraint(
                condition=~Q(origin="request")
                | (Q(requested_by__isnull=False) & ~Q(request_reason="")),
                name="takedown_request_has_who_and_why",
            ),
        ]

    def __str__(self):
        return f"{self.publication} – {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
