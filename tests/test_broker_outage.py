"""The broker (Redis) down: parents see no error, and nothing that was to be sent is lost.

Here the broker's refusal is simulated at the publish call; `benchmarks/faults/` stops a
real Redis during real saves and a real campaign (results in docs/benchmarks.md).
"""

import datetime as dt

import pytest
import time_machine
from celery.app.task import Task
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from consents import outbox
from consents.campaigns import services as campaigns
from consents.models import ExportJob, OutboxMessage, TakedownTask
from consents.tasks import outbox_sweep

from . import factories as f
from .helpers import publish, record
from .test_campaigns_worker import renewal_opened

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]


@pytest.fixture
def broker_down(monkeypatch):
    """Every publish fails as it does when Redis refuses connections."""
    attempts = []

    def refuse(self, *args, **kwargs):
        attempts.append(self.name)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    return attempts


def to_staff():
    return [message for message in mail.outbox if message.to == ["comms@example.org"]]


def test_a_withdrawal_while_the_broker_is_down_succeeds_and_staff_are_told_after_it_returns(
    client,
    communications,
    school,
    website,
    photo,
    child,
    mother,
    broker_down,
    monkeypatch,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child], "Sportdag")
    client.force_login(mother.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("consent_withdraw", args=[child.key]), {"purpose": website.code}
        )

    assert response.status_code == 302, "the parent saw an error"
    # The takedown notice and the parent's receipt wait in the outbox, never handed over.
    assert broker_down == ["consents.tasks.outbox_send", "consents.tasks.outbox_send"]
    assert set(OutboxMessage.objects.values_list("template", "state", "enqueued_at")) == {
        ("takedown_tasks", "queued", None),
        ("consent_receipt", "queued", None),
    }
    task = TakedownTask.objects.get()
    assert task.notified_at is None and not mail.outbox

    # The broker is back; the sweep (every minute) publishes what it never got.
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        outbox_sweep()
        outbox_sweep()  # and only once
    task.refresh_from_db()
    assert task.notified_at is not None
    assert len(to_staff()) == 1 and "Sportdag" in to_staff()[0].body
    assert [message.to for message in mail.outbox if message not in to_staff()] == [
        [mother.user.email]
    ]


def test_campaign_mail_the_broker_did_not_take_is_published_by_the_sweep(
    board, school, media_types, purposes, broker_down, django_capture_on_commit_callbacks
):
    for number in range(3):
        f.GuardianFactory(
            user__email=f"parent{number}@example.org", students=[f.StudentFactory(school=school)]
        )
    renewal_opened(board)

    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaigns_advance()  # plans the step; every publish is refused

    messages = OutboxMessage.objects.all()
    assert messages.count() == 3
    assert not messages.filter(enqueued_at__isnull=False).exists()
    assert len(broker_down) == 3

    published = []
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        Task.apply_async = lambda self, args=(), *rest, **kw: published.append(args[0])
        assert outbox.outbox_sweep() == 3
    assert sorted(published) == sorted(messages.values_list("pk", flat=True))
    assert messages.filter(enqueued_at__isnull=False).count() == 3


def test_an_export_that_cannot_be_queued_says_so_instead_of_waiting_forever(
    client, school, purposes, media_types, broker_down, django_capture_on_commit_callbacks, settings
):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    administrator = f.RoleFactory(kind="administrator", school=school).user
    f.StudentFactory(school=school)
    client.force_login(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("register_export"),
            {"kind": "register_status", "school": school.pk, "format": "csv"},
        )

    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED
    assert "unavailable" in job.error
