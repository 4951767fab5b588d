"""Background work: thin tasks that take ids, load, call a service and retry on failure."""

from smtplib import SMTPException

from celery import shared_task

from consents import publications


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def takedown_tasks_notify(school_id: int) -> int:
    """Email a school's communications staff about its new takedown tasks."""
    return publications.takedown_notify(school_id=school_id)
