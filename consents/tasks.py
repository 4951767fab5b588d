"""Background work: thin tasks that take ids, load, call a service and retry on failure.

The periodic ones are PeriodicTask rows of django-celery-beat (created by a data migration,
editable in the admin); every one of them is idempotent, so a late or repeated run is harmless.
"""

import logging

from celery import shared_task

from consents import outbox, stored
from consents.campaigns import services as campaigns
from consents.campaigns import sixteen
from consents.dates import school_today
from consents.library.uploads import thumbnail_make
from consents.models import Board, Campaign, ExportJob, LibraryItem, SchoolYear
from consents.privacy.retention import retention_apply
from consents.reports.exports import export_job_produce
from consents.reports.snapshots import running_year_recount

logger = logging.getLogger(__name__)


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
    return len(sixteen.turning_sixteen_notify())


@shared_task
def sixteen_soon_notify() -> int:
    """Daily: tell the guardians of students who turn 16 in a week (rule 2)."""
    return len(sixteen.sixteen_soon_notify())


@shared_task(bind=True, max_retries=None)
def outbox_send(self, message_id: int) -> str:
    """Send one outbox message; the row's state makes a repeated delivery send nothing."""
    try:
        return outbox.outbox_deliver(message_id)
    except outbox.RetryLater as later:
        raise self.retry(countdown=later.delay) from None


@shared_task
def outbox_sweep() -> int:
    """Every minute: publish outbox rows that were committed but never picked up."""
    return outbox.outbox_sweep()


@shared_task(bind=True, max_retries=2, default_retry_delay=60)
def export_job_run(self, job_id: int) -> None:
    """Produce a large register export (issue 6); the page polls its progress."""
    job = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).first()
    if job is None:  # already produced (a redelivery) or gone
        return
    try:
        export_job_produce(job)
    except Exception as error:
        logger.exception("export job %s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=str(error)[:1000]
        )
        raise


@shared_task
def retention_run() -> dict:
    """Daily: erase people who left longer ago than their board's retention period."""
    return retention_apply()


@shared_task
def verdicts_refresh() -> int:
    """Every minute: bring the stored verdicts up to date (`consents.stored`); a run that
    finds another one still busy (a whole rebuild takes minutes) leaves it to that one."""
    done = stored.refresh(wait=False)
    return done.people if done else 0


@shared_task
def report_snapshots_refresh() -> int:
    """Count every school's running year again, before its counts expire (settings:
    CELERY_BEAT_SCHEDULE), so that (G)MR reports open without counting."""
    today = school_today()
    counted = 0
    for board in Board.objects.prefetch_related("schools"):
        school_year = SchoolYear.objects.for_date(board, today)
        for school in board.schools.all():
            running_year_recount(school, school_year, today)
            counted += 1
    return counted


@shared_task(bind=True, max_retries=3, default_retry_delay=30)
def library_thumbnail_make(self, item_id: int) -> bool:
    """Make a library photo's thumbnail after its upload (issue 23)."""
    item = LibraryItem.objects.filter(pk=item_id).first()
    if item is None or item.link:  # deleted before the worker got to it, or kept elsewhere
        return False
    return thumbnail_make(item)
