"""Campaigns ask people to answer (rules 2, 7, 8); the outbox emails each of them exactly once.

- `campaigns_advance` (hourly, idempotent) takes the step of each campaign that is due today
  and not yet planned; a scheduler that was down for a while catches up once.
- `planning.step_plan` writes one OutboxMessage per recipient, chunk by chunk with bounded
  memory, each recipient with everyone they answer for (one email per guardian for siblings),
  and publishes the rows to Celery after the step's transaction commits.
- The outbox (`consents.outbox`) sends each row; `composing.message_compose` asks the rules
  again whether the recipient still has to answer, so someone who answered meanwhile gets
  nothing.
- Turning 16 has its own daily steps (`sixteen.py`); progress is counted in `progress.py`.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consents.campaigns.planning import step_plan
from consents.dates import school_today
from consents.models import Campaign, CampaignStep, SchoolYear
from consents.queue import enqueue_on_commit

TEXT_CHANGE_DAYS = 60


class CampaignError(ValidationError):
    """The campaign cannot do what was asked; the message says why."""


# --- Opening and advancing campaigns -------------------------------------------------------


@transaction.atomic
def campaign_open(*, campaign: Campaign, by=None, today: dt.date | None = None) -> Campaign:
    """Open `campaign` by hand today; the invitation is planned by a task after commit."""
    today = today or school_today()
    campaign = (
        Campaign.objects.select_for_update().select_related("school_year").get(pk=campaign.pk)
    )
    if campaign.kind == Campaign.Kind.TURNING_SIXTEEN:
        raise CampaignError(_("This campaign runs by itself on every 16th birthday."))
    if campaign.opened_on is not None:
        raise CampaignError(
            _("This campaign has been open since %(date)s.") % {"date": campaign.opened_on}
        )
    if not campaign.school_year.contains(today):
        raise CampaignError(
            _("This campaign is for school year %(year)s; it can only be opened during it.")
            % {"year": campaign.school_year}
        )
    if today > campaign.closes_on:
        raise CampaignError(_("This campaign closed on %(date)s.") % {"date": campaign.closes_on})
    campaign.opened_on = today
    campaign.opened_by = by
    campaign.opens_on = min(campaign.opens_on, today)
    campaign.save(update_fields=["opened_on", "opened_by", "opens_on"])
    enqueue_on_commit("consents.tasks.campaign_advance_task", campaign.pk)
    return campaign


def campaign_advance(campaign: Campaign, *, today: dt.date | None = None) -> CampaignStep | None:
    """Take the step of `campaign` that is due today, unless it was taken already."""
    today = today or school_today()
    due = campaign.due_step(today)
    if due is None:
        return None
    name, due_on = due
    if campaign.opened_on is None:
        Campaign.objects.filter(pk=campaign.pk, opened_on__isnull=True).update(opened_on=today)
        campaign.refresh_from_db(fields=["opened_on"])
        due_on = campaign.opened_on
    step, _created = CampaignStep.objects.get_or_create(
        campaign=campaign, name=name, defaults={"due_on": due_on}
    )
    if step.planned_at is None:
        step_plan(step, today=today)
    return step


def campaigns_advance(*, today: dt.date | None = None) -> list[CampaignStep]:
    """The hourly job: every campaign acts on what is due and not yet done. Idempotent."""
    today = today or school_today()
    campaigns = (
        Campaign.objects.exclude(kind=Campaign.Kind.TURNING_SIXTEEN)
        .filter(opens_on__lte=today, closes_on__gte=today)
        .select_related("board", "school_year", "text__purpose")
    )
    steps = [campaign_advance(campaign, today=today) for campaign in campaigns]
    return [step for step in steps if step is not None]


@transaction.atomic
def text_change_campaign_create(*, text, today: dt.date | None = None) -> Campaign:
    """Rule 8: a material change asks everyone affected again, through the same outbox and
    reminders; the campaign opens at once (a task plans it after commit)."""
    today = today or school_today()
    board = text.purpose.board
    school_year = SchoolYear.objects.for_date(board, today)
    campaign = Campaign.objects.create(
        board=board,
        school_year=school_year,
        kind=Campaign.Kind.TEXT_CHANGE,
        text=text,
        opens_on=today,
        closes_on=min(today + dt.timedelta(days=TEXT_CHANGE_DAYS), school_year.end_date),
    )
    enqueue_on_commit("consents.tasks.campaign_advance_task", campaign.pk)
    return campaign
