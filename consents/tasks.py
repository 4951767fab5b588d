"""Background work: thin tasks that take ids, load, call a service and retry on failure.

The periodic ones are PeriodicTask rows of django-celery-beat (created by a data migration,
editable in the admin); every one of them is idempotent, so a late or repeated run is harmless.
"""

from smtplib import SMTPException

from celery import shared_task

from consents import campaigns, publications
from consents.models import Campaign


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def takedown_tasks_notify(school_id: int) -> int:
    """Email a school's communications staff about its new takedown tasks."""
    return publications.takedown_notify(school_id=school_id)


@shared_task
def campaigns_advance() -> int:
    """Hourly: every campaign takes the step that is due and not yet taken."""
    return len(campaigns.campaigns_advance())


@shared_task
def campaign_advance_task(campaign_id: int) -> None:
    """Right after a campaign is opened by hand or created for a changed text."""
    campaign = Campaign.objects.select_related("board", "school_year", "text__purpose").get(
        pk=campaign_id
    )
    campaigns.campaign_advance(campaign)


@shared_task
def turning_sixteen_notify() -> int:
    """Daily: invite the students who turn 16 and tell their guardians (rule 2)."""
    return len(campaigns.turning_sixteen_notify())


@shared_task(bind=True, max_retries=None)
def outbox_send(self, message_id: int) -> str:
    """Send one outbox message; the row's state makes a repeated delivery send nothing."""
    try:
        return campaigns.outbox_deliver(message_id)
    except campaigns.RetryLater as later:
        raise self.retry(countdown=later.delay) from None


@shared_task
def outbox_sweep() -> int:
    """Every few minutes: publish rows that were committed but never picked up."""
    return campaigns.outbox_sweep()
