"""Handing work to the broker without letting a broker outage fail the request.

Everything that is queued is first committed to the database (outbox rows, takedown tasks,
export jobs, campaigns), and a periodic sweep publishes again what the broker never got. So
when Redis is down a parent's save still succeeds: the hand-over is logged and left to the
sweep, instead of raising out of an on-commit hook after the decision was committed.
"""

import logging

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Fail fast: a request must not hang while the broker is away (Celery's default policy
# retries for a few tenths of a second too, but without these bounds a lost connection can
# wait much longer).
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}
BROKER_DOWN = (OperationalError, OSError)


def enqueue(task, *args, **kwargs) -> bool:
    """Publish `task(*args, **kwargs)`; False (logged) when the broker cannot be reached."""
    try:
        task.apply_async(args, kwargs, retry=True, retry_policy=RETRY_POLICY)
    except BROKER_DOWN as error:
        logger.warning(
            "Broker unavailable, %s left to the sweep: %s", task.name, type(error).__name__
        )
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """`enqueue` once the current transaction has committed."""
    from django.db import transaction

    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
