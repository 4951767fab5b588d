"""Background work: thin tasks that take ids, load, and call a service."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=2, default_retry_delay=60)
def export_job_run(self, job_id: int) -> None:
    """Produce a large register export (issue 6); the page polls its progress."""
    from consents.exports import export_job_produce
    from consents.models import ExportJob

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
    from consents.retention import retention_apply

    return retention_apply()


@shared_task
def report_snapshots_refresh() -> int:
    """Nightly: count every school's running year, so that (G)MR reports open quickly."""
    from consents.dates import school_today
    from consents.models import School, SchoolYear
    from consents.reports.snapshots import school_counts

    today = school_today()
    counted = 0
    for school in School.objects.select_related("board"):
        school_counts(school, SchoolYear.objects.for_date(school.board, today), today=today)
        counted += 1
    return counted
