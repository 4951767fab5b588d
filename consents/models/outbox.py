"""The outbox: one row for each email the portal sends on its own. See consents/outbox.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One email, sent at most once by a Celery task: a campaign's question or reminder, the
    turning-16 emails, a consent receipt, or a takedown notice to communications staff.

    Written in the caller's transaction and published after commit; the sweeper publishes rows
    that were committed but never picked up. A task claims the row with a compare-and-set on
    `state` before sending, so a duplicate delivery sends nothing.

    The row holds ids, not the email: `step` and `subjects` for a campaign, `context` for the
    others (a receipt's id, the takedown tasks; "language" the language to write in). The
    email is composed from them when it is sent, so the outbox keeps no copy of names or
    choices that are corrected or erased later.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        RETRY = "retry", _("waiting to retry")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("not sent: no longer needed")

    class Template(models.TextChoices):
        ASK = "campaign_ask", _("please answer")
        SIXTEEN_STUDENT = "sixteen_student", _("you turned 16: you decide now")
        SIXTEEN_GUARDIAN = "sixteen_guardian", _("your child turned 16: they decide now")
        SIXTEEN_SOON = "sixteen_soon", _("your child turns 16 in a week")
        RECEIPT = "consent_receipt", _("consent receipt")
        TAKEDOWN = "takedown_tasks", _("takedown tasks")

    # Only campaign emails belong to a step.
    step = models.ForeignKey(
        "consents.CampaignStep", models.PROTECT, null=True, blank=True, related_name="messages"
    )
    # None for a takedown notice: it goes to whoever is communications staff when it is sent.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    template = models.CharField(_("email"), max_length=20, choices=Template)
    context = models.JSONField(_("ids to compose it from"), default=dict, blank=True)
    subjects = models.ManyToManyField(
        "consents.Subject", related_name="outbox_messages", verbose_name=_("about")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("handed to the broker at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "recipient"],
                condition=Q(step__isnull=False),
                name="outbox_once_per_step",
            ),
        ]
        indexes = [
            # A withdrawal looks for its school's takedown notice still queued, to add to it,
            # while a campaign may have 100,000 rows queued (by `state` alone: 25 ms).
            models.Index(
                fields=["template"],
                condition=Q(template="takedown_tasks", state="queued"),
                name="outbox_takedown_queued",
            ),
        ]

    def __str__(self):
        about = self.step if self.step_id else self.get_template_display()
        return f"{about}: {self.recipient or '–'}"
