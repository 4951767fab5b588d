"""This year's renewal of the demo board, taken step by step between the demo's answers, as
beat would have taken it, so that the campaign progress page has a year to show."""

import datetime as dt

from consents.campaigns.services import campaign_advance
from consents.dates import SCHOOL_TZ
from consents.models import Campaign, OutboxMessage


def campaign_steps(board, this_year, now: dt.datetime) -> list[tuple[Campaign, dt.datetime]]:
    """This year's renewal and the moments its steps were due (9:00 on the day), up to `now`:
    taken in between the answers, so that it asks whoever had not answered yet."""
    campaign, _ = Campaign.objects.get_or_create(
        board=board, school_year=this_year, kind=Campaign.Kind.RENEWAL
    )
    moments = [
        dt.datetime.combine(due, dt.time(9), tzinfo=SCHOOL_TZ) for _name, due in campaign.schedule()
    ]
    return [(campaign, moment) for moment in moments if moment < now]


def campaign_step(campaign: Campaign, moment: dt.datetime) -> None:
    """Take the step due at `moment` as beat would have, its emails sent minutes later."""
    step = campaign_advance(campaign, today=moment.date())
    if step is not None:
        OutboxMessage.objects.filter(step=step).update(
            state=OutboxMessage.State.SENT,
            created_at=moment,
            enqueued_at=moment,
            sent_at=moment + dt.timedelta(minutes=5),
        )
