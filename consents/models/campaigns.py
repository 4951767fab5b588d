"""Campaigns that ask people to answer (rules 2, 7 and 8).

A campaign runs in steps (the invitation, then reminders); each step writes one outbox row per
recipient (consents/models/outbox.py), and a Celery task sends each row exactly once. See
consents/campaigns.py.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_comma_separated_integer_list
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consents.dates import campaign_period

INVITATION = "invitation"


class Campaign(models.Model):
    """One round of asking: the yearly renewal, the follow-up of a material text change, or the
    standing invitation of students who turn 16 (one per board and school year)."""

    class Kind(models.TextChoices):
        RENEWAL = "renewal", _("yearly renewal")
        TEXT_CHANGE = "text_change", _("material text change")
        TURNING_SIXTEEN = "turning_sixteen", _("students turning 16")

    board = models.ForeignKey("consents.Board", models.PROTECT, related_name="campaigns")
    school_year = models.ForeignKey("consents.SchoolYear", models.PROTECT, related_name="campaigns")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.RENEWAL)
    text = models.ForeignKey(
        "consents.ConsentText",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        help_text=_("For a material text change: the new version people are asked about."),
    )
    opens_on = models.DateField(
        _("opening date"), blank=True, help_text=_("Default: 1 September of the school year.")
    )
    closes_on = models.DateField(
        _("closing date"),
        blank=True,
        help_text=_("No reminders after this day. Default: 30 November of the school year."),
    )
    reminder_days = models.CharField(
        _("reminders (days after opening)"),
        max_length=100,
        default="14,28",
        blank=True,
        validators=[validate_comma_separated_integer_list],
        help_text=_("Comma-separated, for example 14,28."),
    )
    reminder_interval = models.PositiveSmallIntegerField(
        _("then every (days)"),
        default=30,
        help_text=_(
            "After the listed reminders, remind again every so many days until closing; "
            "0 for no further reminders."
        ),
    )
    subject_nl = models.CharField(
        _("email subject (Dutch)"), max_length=200, blank=True, help_text=_("Empty: the default.")
    )
    subject_en = models.CharField(
        _("email subject (English)"), max_length=200, blank=True, help_text=_("Empty: the default.")
    )
    message_nl = models.TextField(
        _("email text (Dutch)"), blank=True, help_text=_("Empty: the default text.")
    )
    message_en = models.TextField(
        _("email text (English)"), blank=True, help_text=_("Empty: the default text.")
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["board", "school_year"],
                condition=Q(kind="renewal"),
                name="campaign_one_renewal_per_year",
            ),
            models.UniqueConstraint(
                fields=["board", "school_year"],
                condition=Q(kind="turning_sixteen"),
                name="campaign_one_sixteen_per_year",
            ),
            models.UniqueConstraint(
                fields=["text"], condition=Q(text__isnull=False), name="campaign_one_per_text"
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="campaign_closes_after_open"
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.TEXT_CHANGE and self.text_id:
            return f"{self.get_kind_display()}: {self.text} ({self.school_year})"
        return f"{self.get_kind_display()} {self.school_year}"

    def fill_defaults(self) -> None:
        if self.school_year_id:
            opens_on, closes_on = campaign_period(self.school_year.start_date)
            self.opens_on = self.opens_on or opens_on
            self.closes_on = self.closes_on or closes_on

    def clean(self):
        self.fill_defaults()
        errors = {}
        if self.school_year_id and self.board_id and self.school_year.board_id != self.board_id:
            errors["school_year"] = _("This school year belongs to another board.")
        if self.opens_on and self.closes_on:
            if self.closes_on < self.opens_on:
                errors["closes_on"] = _("The closing date cannot be before the opening date.")
            if self.school_year_id and not self.school_year.contains(self.opens_on):
                errors["opens_on"] = _("The opening date must fall in the school year.")
            if self.school_year_id and not self.school_year.contains(self.closes_on):
                errors["closes_on"] = _("The closing date must fall in the school year.")
        if self.kind == self.Kind.TEXT_CHANGE and not self.text_id:
            errors["text"] = _("Name the new text version this campaign asks about.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.fill_defaults()
        super().save(*args, **kwargs)

    @property
    def purposes(self) -> list | None:
        """The purposes asked about: the changed text's purpose, or (None) all active ones."""
        return [self.text.purpose] if self.text_id else None

    def schedule(self) -> list[tuple[str, dt.date]]:
        """The steps and their due dates: the invitation on the day the campaign opened (or
        will open), then reminders a number of days later, none after the closing date."""
        start = self.opened_on or self.opens_on
        steps = [(INVITATION, start)]
        offsets = sorted({int(day) for day in self.reminder_days.split(",") if day.strip()})
        if self.reminder_interval:
            last = offsets[-1] if offsets else 0
            while start + dt.timedelta(days=last + self.reminder_interval) <= self.closes_on:
                last += self.reminder_interval
                offsets.append(last)
        for number, offset in enumerate(offsets, start=1):
            due = start + dt.timedelta(days=offset)
            if offset > 0 and due <= self.closes_on:
                steps.append((f"reminder-{number}", due))
        return steps

    def due_step(self, today: dt.date) -> tuple[str, dt.date] | None:
        """The step to take on `today`: the last one due. Earlier steps missed while nothing ran
        are skipped, so a scheduler that was down catches up once, not once per missed step."""
        if self.kind == self.Kind.TURNING_SIXTEEN or today > self.closes_on:
            return None
        if self.opened_on is None:
            return (INVITATION, today) if today >= self.opens_on else None
        due = [step for step in self.schedule() if step[1] <= today]
        return due[-1] if due else None

    def is_open(self, today: dt.date) -> bool:
        return self.opened_on is not None and today <= self.closes_on


class CampaignStep(models.Model):
    """One step of a campaign (the invitation, a reminder, or a day of 16th birthdays)."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="steps")
    name = models.CharField(_("step"), max_length=20)
    due_on = models.DateField(_("due on"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    planned_at = models.DateTimeField(_("planned at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    unreachable = models.PositiveIntegerField(
        _("people without an email address"),
        default=0,
        help_text=_("People who need an answer but have nobody with an email address to ask."),
    )

    class Meta:
        verbose_name = _("campaign step")
        verbose_name_plural = _("campaign steps")
        ordering = ["campaign", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="campaignstep_unique_name"),
        ]

    def __str__(self):
        return f"{self.campaign} – {self.name}"

    @property
    def is_reminder(self) -> bool:
        return self.name.startswith("reminder-")
