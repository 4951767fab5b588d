"""The outbox: every email the portal sends on its own, one row each, sent at most once.

- `outbox_enqueue` writes a row in the caller's transaction and publishes it to Celery once
  that commits (a campaign step writes its rows in bulk and publishes them when it is planned,
  `campaigns.planning.step_finish`). A rollback sends nothing; a broker that is down loses nothing.
- The task `outbox_send` calls `outbox_deliver`, which claims the row with a compare-and-set
  (a duplicate delivery sends nothing), composes the email from the row's ids as things are
  now (with the composer each feature registered for its kind of email, `composer_register`:
  someone who answered in the meantime gets no reminder), and sends, or schedules a retry
  with exponential backoff, or marks the row failed with the error.
- `outbox_sweep` (every minute) publishes rows committed but never picked up and takes back
  rows whose worker died while sending.
"""

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consents.bulk import keyset_chunks
from consents.dates import school_today
from consents.emails import send_email
from consents.models import OutboxMessage
from consents.queue import enqueue

State = OutboxMessage.State
Template = OutboxMessage.Template
# Temporary trouble reaching the mail server: connection refused or reset, timeouts, 4xx.
SEND_ERRORS = (smtplib.SMTPException, OSError)
PUBLISH_CHUNK = 1000


class RetryLater(Exception):
    """Sending failed for now; the outbox row has been set to retry after `delay` seconds."""

    def __init__(self, delay: float):
        super().__init__(delay)
        self.delay = delay


@dataclass(frozen=True)
class Outgoing:
    """An outbox row composed into an email: to whom, and the context of its template.
    `sent` runs once the mail server has accepted it."""

    to: list[str]
    context: dict
    sent: Callable[[], object] | None = None


Composer = Callable[..., Outgoing | None]
# Which function composes each kind of email: filled by `composer_register`, which the
# features' owner, `consents.apps.ConsentsConfig.ready`, calls once at start-up. The features
# import this module to enqueue their emails, so the outbox cannot import them back.
COMPOSERS: dict[str, Composer] = {}


def composer_register(template: str, compose: Composer) -> None:
    """Let `compose(message, *, today)` compose the outbox rows of `template`: it returns the
    email as things are now, or None when it is no longer needed (the row ends as skipped)."""
    if template not in Template.values:
        raise ValueError(f"{template!r} is not a kind of outbox email")
    registered = COMPOSERS.setdefault(template, compose)
    if registered is not compose:
        raise ValueError(f"{template!r} already has a composer: {registered.__qualname__}")


def composer(template: str) -> Composer:
    """The function that composes an outbox row of `template`."""
    try:
        return COMPOSERS[template]
    except KeyError:
        raise LookupError(f"no composer registered for outbox emails of {template!r}") from None


def outbox_enqueue(
    *, template: str, recipient=None, context: dict | None = None, subjects=()
) -> OutboxMessage:
    """Write one outbox row in the caller's transaction; it is published once that commits.

    `context` holds ids (JSON), never the rendered email; `subjects` are the people the email
    is about (the admin shows them, and logs who looked).
    """
    message = OutboxMessage.objects.create(
        template=template, recipient=recipient, context=context or {}
    )
    if subjects:
        message.subjects.add(*subjects)
    transaction.on_commit(lambda: outbox_publish([message.pk]))
    return message


def outbox_publish(message_ids: list[int]) -> None:
    """Hand outbox rows to the broker (one task each) and note when."""
    published = [
        message_id
        for message_id in message_ids
        if enqueue("consents.tasks.outbox_send", message_id)
    ]
    # What the broker did not take keeps enqueued_at empty: the sweep publishes it again.
    OutboxMessage.objects.filter(pk__in=published).update(enqueued_at=timezone.now())


def retry_delay(attempts: int) -> float:
    """Exponential backoff after `attempts` failed attempts, capped below the broker's
    visibility timeout (settings check) so that Redis never hands the retry out twice."""
    return min(
        settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1), settings.OUTBOX_RETRY_MAX_SECONDS
    )


def outbox_claim(message_id: int) -> OutboxMessage | None:
    """Compare-and-set queued (or due for retry) → sending; None when another delivery of the
    same task, or an earlier one, has it already."""
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id)
        .filter(
            Q(state=State.QUEUED)
            | Q(state=State.RETRY, next_attempt_at__isnull=True)
            | Q(state=State.RETRY, next_attempt_at__lte=now)
        )
        .update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return OutboxMessage.objects.select_related(
        "recipient", "step__campaign__board", "step__campaign__school_year", "step__campaign__text"
    ).get(pk=message_id)


def outbox_deliver(message_id: int, *, today: dt.date | None = None) -> str:
    """Send one outbox message, at most once; returns the row's new state ("" if not claimed).

    Raises RetryLater after a temporary failure (the row is in state retry by then).
    """
    message = outbox_claim(message_id)
    if message is None:
        return ""
    try:
        outgoing = composer(message.template)(message, today=today or school_today())
        if outgoing is None:
            return message_finish(message, State.SKIPPED)
        send_email(
            message.template,
            outgoing.to,
            outgoing.context,
            language=message.context.get("language"),
        )
    except SEND_ERRORS as error:
        return message_failed(message, error)
    except Exception as error:
        message_finish(message, State.FAILED, last_error=describe_error(error))
        raise
    if outgoing.sent is not None:
        outgoing.sent()
    return message_finish(message, State.SENT, sent_at=timezone.now())


def message_finish(message: OutboxMessage, state: str, **fields) -> str:
    OutboxMessage.objects.filter(pk=message.pk).update(state=state, **fields)
    return state


def describe_error(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def message_failed(message: OutboxMessage, error: Exception) -> str:
    permanent = isinstance(error, smtplib.SMTPRecipientsRefused) or (
        isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600
    )
    if permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        return message_finish(message, State.FAILED, last_error=describe_error(error))
    delay = retry_delay(message.attempts)
    now = timezone.now()
    message_finish(
        message,
        State.RETRY,
        last_error=describe_error(error),
        next_attempt_at=now + dt.timedelta(seconds=delay),
        enqueued_at=now,
    )
    raise RetryLater(delay)


def outbox_sweep(*, now: dt.datetime | None = None) -> int:
    """Publish again what was committed but never picked up; returns how many rows.

    - a worker died while sending (the row is `sending` past the lease): back to retry;
    - rows never handed to the broker (a crash between commit and publish, a broker that was
      down), once their campaign step, if any, is planned;
    - rows handed over long ago and still waiting, or whose retry is long overdue (the broker
      lost them).
    A row published twice is harmless: the claim lets only one delivery send.
    """
    now = now or timezone.now()
    ago = lambda seconds: now - dt.timedelta(seconds=seconds)  # noqa: E731
    OutboxMessage.objects.filter(
        state=State.SENDING, claimed_at__lt=ago(settings.OUTBOX_SENDING_LEASE_SECONDS)
    ).update(
        state=State.RETRY,
        next_attempt_at=None,
        enqueued_at=None,
        last_error=_("The worker stopped while sending; sending again."),
    )
    stale = OutboxMessage.objects.filter(
        Q(
            state=State.QUEUED,
            enqueued_at__isnull=True,
            created_at__lt=ago(settings.OUTBOX_SWEEP_AFTER_SECONDS),
        )
        # A step still being planned publishes its own rows when it is done.
        & (Q(step__isnull=True) | Q(step__planned_at__isnull=False))
        | Q(state=State.RETRY, enqueued_at__isnull=True, next_attempt_at__isnull=True)
        | Q(state=State.QUEUED, enqueued_at__lt=ago(settings.OUTBOX_REDELIVER_AFTER_SECONDS))
        | Q(
            state=State.RETRY,
            next_attempt_at__lt=ago(settings.OUTBOX_REDELIVER_AFTER_SECONDS),
        )
    )
    count = 0
    for ids in keyset_chunks(stale, PUBLISH_CHUNK):
        outbox_publish(ids)
        count += len(ids)
    return count
