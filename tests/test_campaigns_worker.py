"""Campaign emails through a real Celery worker and broker: nothing lost, nothing sent twice.

The broker is the one from settings: kombu's filesystem broker in the SQLite run, Redis when
CELERY_BROKER_URL=redis://... (CI runs the suite both ways). Dates are relative to today,
because the worker runs on the real clock.
"""

import datetime as dt
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from celery.signals import task_postrun
from django.core import mail
from django.db import connection

from benchmarks.processes import database_url
from benchmarks.processes import worker_process as start_worker
from benchmarks.smtp_sink import SmtpSink
from consent_portal.celery import app
from consents import outbox
from consents.campaigns import planning
from consents.campaigns import services as campaigns
from consents.dates import school_today
from consents.models import Campaign, MediaType, OutboxMessage, SchoolYear
from consents.tasks import campaigns_advance, outbox_send, outbox_sweep

from . import factories as f
from .helpers import outbox_all_done as all_done
from .helpers import record, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

State = OutboxMessage.State
ROOT = Path(__file__).resolve().parent.parent


def answer_everything(user, subject):
    for purpose in subject.board.purposes.all():
        for media_type in MediaType.objects.all():
            record(user, subject, purpose, media_type, "granted")


def renewal_opened(board, days_ago=0):
    """A renewal campaign that opened `days_ago` days ago and runs to the end of the year."""
    today = school_today()
    year = SchoolYear.objects.for_date(board, today)
    opened = today - dt.timedelta(days=days_ago)
    return Campaign.objects.create(
        board=board,
        school_year=year,
        opens_on=opened,
        opened_on=opened,
        closes_on=max(year.end_date, today),
    )


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def small_board(media_types, school, purposes):
    """Three families (one with two children), a teacher and a student of 17."""
    families = []
    for number in range(3):
        children = [f.StudentFactory(school=school)]
        if number == 0:
            children.append(f.StudentFactory(school=school))
        guardian = f.GuardianFactory(user__email=f"parent{number}@example.org", students=children)
        families.append((guardian, children))
    f.StaffMemberFactory(board=school.board, schools=[school], user__email="teacher@example.org")
    older = f.StudentFactory(school=school, date_of_birth=school_today().replace(year=2000))
    older.user = f.UserFactory(email="older@example.org")
    older.save()
    return families


EVERYONE = [
    "older@example.org",
    "parent0@example.org",
    "parent1@example.org",
    "parent2@example.org",
    "teacher@example.org",
]


@pytest.fixture
def finished_tasks():
    """Counts the tasks the in-process worker has finished, by task name."""
    counts = Counter()

    def count(sender=None, **kwargs):
        counts[sender.name.rsplit(".", 1)[-1]] += 1

    task_postrun.connect(count, weak=False)
    yield counts
    task_postrun.disconnect(count)


def test_a_campaign_sends_exactly_one_email_per_recipient(
    chain_transactional_db, small_board, board, celery_worker, finished_tasks
):
    campaign = renewal_opened(board)
    with celery_worker():
        for _run in range(3):  # the hourly job, three times: only the first finds work
            campaigns_advance.delay()
        wait_until(lambda: finished_tasks["campaigns_advance"] == 3 and all_done())
    assert sent_to() == EVERYONE
    siblings = next(m for m in mail.outbox if m.to == ["parent0@example.org"])
    for child in small_board[0][1]:
        assert child.name in siblings.body
    assert campaign.steps.get().recipients == 5


def test_reminders_go_only_to_who_has_not_answered_and_not_after_answering(
    chain_transactional_db, small_board, board, celery_worker
):
    renewal_opened(board, days_ago=14)
    (first, first_children), (second, [second_child]), _third = small_board
    for child in first_children:
        answer_everything(first.user, child)
    campaigns.campaigns_advance()  # the first reminder is due: queued and published
    assert OutboxMessage.objects.filter(step__name="reminder-1").count() == 4
    answer_everything(second.user, second_child)  # ... before any worker picked it up
    with celery_worker():
        wait_until(all_done)
    assert sent_to() == ["older@example.org", "parent2@example.org", "teacher@example.org"]
    assert OutboxMessage.objects.get(recipient=second.user).state == State.SKIPPED
    assert not OutboxMessage.objects.filter(recipient=first.user).exists()


def test_a_crash_between_commit_and_publish_is_recovered_by_the_sweeper(
    chain_transactional_db, small_board, board, celery_worker, settings, monkeypatch
):
    renewal_opened(board)
    with monkeypatch.context() as crash:
        crash.setattr(planning, "outbox_publish_step", lambda step: None)
        campaigns.campaigns_advance()
    assert OutboxMessage.objects.filter(state=State.QUEUED, enqueued_at=None).count() == 5
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    with celery_worker():
        outbox_sweep.delay()
        wait_until(all_done)
    assert sent_to() == EVERYONE


def test_a_message_delivered_three_times_is_sent_once(
    chain_transactional_db, small_board, board, celery_worker, monkeypatch, finished_tasks
):
    renewal_opened(board)
    with monkeypatch.context() as quiet:
        quiet.setattr(planning, "outbox_publish_step", lambda step: None)
        campaigns.campaigns_advance()
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    for _delivery in range(3):
        for pk in ids:
            outbox_send.delay(pk)
    with celery_worker():
        wait_until(lambda: finished_tasks["outbox_send"] == 3 * len(ids))
    assert sent_to() == EVERYONE
    assert set(OutboxMessage.objects.values_list("state", "attempts")) == {(State.SENT, 1)}


def test_smtp_errors_retry_with_backoff_and_end_as_failed_with_the_error(
    chain_transactional_db, small_board, board, celery_worker, settings, flaky_mail_server
):
    flaky_mail_server.failures = {"parent0@example.org": 99, "parent1@example.org": 2}
    settings.OUTBOX_MAX_ATTEMPTS = 4
    renewal_opened(board)
    with celery_worker():
        campaigns.campaigns_advance()
        wait_until(all_done)
    assert sent_to() == [
        "older@example.org",
        "parent1@example.org",
        "parent2@example.org",
        "teacher@example.org",
    ]
    failed = OutboxMessage.objects.get(recipient__email="parent0@example.org")
    assert (failed.state, failed.attempts) == (State.FAILED, 4)
    assert failed.last_error == ("SMTPServerDisconnected: parent0@example.org: connection lost")
    recovered = OutboxMessage.objects.get(recipient__email="parent1@example.org")
    assert (recovered.state, recovered.attempts) == (State.SENT, 3)
    # The waits between attempts grow: 0.05 s, 0.1 s, then 0.2 s (the configured cap).
    times = flaky_mail_server.attempts["parent0@example.org"]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert len(gaps) == 3
    for gap, delay in zip(gaps, [0.05, 0.1, 0.2], strict=True):
        assert gap >= delay * 0.9


def test_a_beat_down_for_a_day_catches_up_once(
    chain_transactional_db, small_board, board, celery_worker, finished_tasks
):
    campaign = renewal_opened(board, days_ago=15)
    campaigns.campaign_advance(campaign, today=school_today() - dt.timedelta(days=15))
    with celery_worker():
        wait_until(lambda: len(mail.outbox) == 5 and all_done())
        # Yesterday the first reminder was due, but nothing ran; today the hourly job runs
        # every hour (and beat, after its restart, may fire it more than once).
        for _hour in range(24):
            campaigns_advance.delay()
        wait_until(lambda: finished_tasks["campaigns_advance"] == 24 and all_done())
    assert list(campaign.steps.values_list("name", flat=True)) == ["invitation", "reminder-1"]
    reminders = list(mail.outbox[5:])
    assert sorted(address for m in reminders for address in m.to) == EVERYONE


# --- A worker killed in the middle of a batch (a separate worker process) -------------------


def worker_process(sink, var_dir, log):
    """`celery worker` with 2 processes, on this test database and broker, mailing the sink."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": app.conf.broker_url,
        "VAR_DIR": str(var_dir),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "DJANGO_SETTINGS_MODULE": "consent_portal.settings",
    }
    return start_worker(env, log)


def stop(process, sig=signal.SIGTERM):
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker process cannot open the in-memory SQLite test database; "
    "runs on PostgreSQL (the second run of .ci/run)",
)
def test_killing_the_worker_mid_batch_still_emails_everyone_exactly_once(
    chain_transactional_db,
    media_types,
    school,
    purposes,
    board,
    settings,
    celery_broker_folder,
    tmp_path,
):
    emails = [f"parent{number}@example.org" for number in range(12)]
    for address in emails:
        f.GuardianFactory(user__email=address, students=[f.StudentFactory(school=school)])
    app.control.purge()
    renewal_opened(board)
    log = (tmp_path / "worker.log").open("w")
    with SmtpSink() as sink:
        first = worker_process(sink, celery_broker_folder, log)
        try:
            campaigns.campaigns_advance()
            assert sink.wait_for(4, timeout=60), "the worker sent nothing"
            sink.hold()  # every conversation now waits before its recipient is accepted
            assert sink.wait_held(2, timeout=30), "the worker processes did not go on"
            stop(first, signal.SIGKILL)  # in the middle of two SMTP conversations
        finally:
            if first.poll() is None:
                stop(first, signal.SIGKILL)
        sink.release()
        received = len(sink.messages)
        assert OutboxMessage.objects.filter(state=State.SENDING).count() == 2
        assert received < len(emails)

        settings.OUTBOX_SENDING_LEASE_SECONDS = 0
        outbox.outbox_sweep()  # takes back the two rows whose worker died
        second = worker_process(sink, celery_broker_folder, log)
        try:
            wait_until(all_done, timeout=60)
        finally:
            stop(second)
    assert sink.recipients() == dict.fromkeys(emails, 1)
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SENT}
