"""Handing work to the broker without letting a broker outage fail the request.

Everything that is queued is first committed to the database (outbox rows, takedown tasks,
export jobs, campaigns), and a periodic sweep publishes again what the broker never got. So
when Redis is down a parent's save still succeeds: the hand-over is logged and left to the
sweep, instead of raising out of an on-commit hook after the decision was committed.

Work is queued by the task's registered name ("consents.tasks.outbox_send"): the tasks import
the features, never the other way round.
"""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Fail fast: a request must not hang while the broker is away (Celery's default policy
# retries for a few tenths of a second too, but without these bounds a lost connection can
# wait much longer).
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}
BROKER_DOWN = (OperationalError, OSError)


def enqueue(task_name: str, *args, **kwargs) -> bool:
    """Publish the task registered as `task_name` with these arguments; False (logged) when
    the broker cannot be reached.

    The name is looked up in Celery's registry (`consents.apps` imports the tasks in every
    process), so that a misspelt name fails here rather than in a worker, and eager runs
    (tests, CELERY_TASK_ALWAYS_EAGER) run the task in-process.
    """
    task = current_app.tasks[task_name]
    try:
        task.apply_async(args, kwargs, retry=True, retry_policy=RETRY_POLICY)
    except BROKER_DOWN as error:
        logger.warning(
            "Broker unavailable, %s left to the sweep: %s", task_name, type(error).__name__
        )
        return False
    return True


def enqueue_on_commit(task_name: str, *args, **kwargs) -> None:
    """`enqueue` once the current transaction has committed."""
    transaction.on_commit(lambda: enqueue(task_name, *args, **kwargs))
