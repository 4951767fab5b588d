import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from consents.dates import school_date


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a recorded decision."""


class DecisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Consent decisions are append-only: record a new decision instead.")

    def delete(self):
        raise AppendOnlyError("Consent decisions are append-only and never deleted.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Consent decisions are append-only.")


class ConsentDecision(models.Model):
    """One decision, appended to a tamper-evident log (rule 5).

    Each event carries the hash of the previous one. The hash covers only non-personal fields
    and pseudonymous keys; personal evidence (IP address, user agent, note, scan) lives in
    DecisionEvidence, so that erasing it later leaves the chain verifiable.
    """

    class Value(models.TextChoices):
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Capacity(models.TextChoices):
        GUARDIAN = "guardian", _("guardian")
        SELF = "self", _("student of 16 or older, for themself")
        STAFF = "staff", _("staff member, for themself")
        ADMINISTRATOR = "administrator", _("administrator entering a form")
        # A guardian of a child with no registered guardian, named in the evidence: counts
        # until a registered guardian decides (consents.rules).
        UNREGISTERED = (
            "unregistered",
            _("administrator entering the decision of a guardian who is not registered"),
        )

    class Method(models.TextChoices):
        ONLINE = "online", _("online")
        PAPER = "paper", _("paper form")
        RECORDED = "recorded", _("recorded by an administrator")

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True, editable=False)
    subject = models.ForeignKey("consents.Subject", models.PROTECT, related_name="decisions")
    purpose = models.ForeignKey("consents.Purpose", models.PROTECT, related_name="decisions")
    media_type = models.ForeignKey("consents.MediaType", models.PROTECT, related_name="decisions")
    value = models.CharField(_("decision"), max_length=10, choices=Value)
    # The voice this decision belongs to: a guardian, or (empty) the subject themself.
    guardian = models.ForeignKey(
        "consents.Guardian", models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="consent_decisions"
    )
    capacity = models.CharField(_("capacity"), max_length=15, choices=Capacity)
    method = models.CharField(_("method"), max_length=10, choices=Method)
    text = models.ForeignKey("consents.ConsentText", models.PROTECT, related_name="decisions")
    school_year = models.ForeignKey("consents.SchoolYear", models.PROTECT, related_name="decisions")
    decided_at = models.DateTimeField(_("decided at"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent decision")
        verbose_name_plural = _("consent decisions")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["subject", "purpose", "media_type"], name="decision_subject_idx"),
            # The (G)MR report counts withdrawals per school and year (4% of the log).
            models.Index(
                fields=["subject", "school_year"],
                condition=Q(value="withdrawn"),
                name="decision_withdrawn_idx",
            ),
        ]

    def __str__(self):
        return f"#{self.seq} {self.get_value_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Consent decisions are append-only: record a new decision.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Consent decisions are append-only and never deleted.")

    @property
    def is_granted(self) -> bool:
        return self.value == self.Value.GRANTED

    @property
    def by_unregistered_guardian(self) -> bool:
        return self.capacity == self.Capacity.UNREGISTERED

    # What the rules read of a decision (consents.rules.DecisionFacts carries the same
    # attributes without a model instance).
    @cached_property
    def decided_on(self) -> dt.date:
        return school_date(self.decided_at)

    @property
    def school_year_start(self) -> dt.date:
        return self.school_year.start_date

    @property
    def text_version(self) -> int:
        return self.text.version


class DecisionEvidence(models.Model):
    """Request evidence and notes for a decision: personal data, outside the hash chain."""

    decision = models.OneToOneField(
        ConsentDecision, models.PROTECT, primary_key=True, related_name="evidence"
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    # The guardian, not registered in the portal, whose paper or phone decision this is.
    guardian_name = models.CharField(
        _("guardian (not registered)"), max_length=200, blank=True, default="", db_default=""
    )
    scan = models.FileField(_("scanned form"), upload_to="scans/%Y/", blank=True)

    class Meta:
        verbose_name = _("decision evidence")
        verbose_name_plural = _("decision evidence")

    def __str__(self):
        return f"evidence for #{self.decision_id}"


class ChainHead(models.Model):
    """The single row that holds the head of the decision chain; appending locks it."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("chain head")

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"


class ConsentStatusQuerySet(models.QuerySet):
    def of_voice(self, guardian):
        """The rows of one voice: a registered guardian, or (None) the person themself; never
        the voice of a guardian who is not registered."""
        return self.filter(guardian=guardian, unregistered=False)


class ConsentStatus(models.Model):
    """The latest decision per subject, purpose, media type and voice (a registered guardian,
    the guardians who are not registered, or the person themself).

    Kept in step with the log in the same transaction, so that verdicts for thousands of
    people take a constant number of queries. `manage.py rebuild_consent_status` rebuilds it.
    """

    subject = models.ForeignKey("consents.Subject", models.CASCADE, related_name="statuses")
    purpose = models.ForeignKey("consents.Purpose", models.CASCADE, related_name="+")
    media_type = models.ForeignKey("consents.MediaType", models.CASCADE, related_name="+")
    guardian = models.ForeignKey(
        "consents.Guardian", models.CASCADE, null=True, blank=True, related_name="+"
    )
    decision = models.OneToOneField(ConsentDecision, models.CASCADE, related_name="+")
    # The voice of guardians who are not registered (decisions with capacity "unregistered").
    unregistered = models.BooleanField(default=False, db_default=False)

    objects = ConsentStatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("current status")
        verbose_name_plural = _("current statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "purpose", "media_type", "guardian"],
                condition=Q(guardian__isnull=False),
                name="status_unique_guardian_voice",
            ),
            models.UniqueConstraint(
                fields=["subject", "purpose", "media_type"],
                condition=Q(guardian__isnull=True, unregistered=False),
                name="status_unique_own_voice",
            ),
            models.UniqueConstraint(
                fields=["subject", "purpose", "media_type"],
                condition=Q(guardian__isnull=True, unregistered=True),
                name="status_unique_unregistered_voice",
            ),
        ]

    def __str__(self):
        return f"{self.subject_id}/{self.purpose_id}/{self.media_type_id}: {self.decision_id}"
