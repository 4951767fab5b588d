"""The outbox carries every email the portal sends on its own: here the consent receipt and the
takedown notice (the campaign emails are in test_campaigns.py). A parent's save never waits for
the mail server; the email is a row with states and retries, in the admin.
"""

import datetime as dt
import importlib
import json
import smtplib

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.urls import reverse

from consents import outbox
from consents.communications.takedowns import takedown_close
from consents.decisions.services import consent_withdraw
from consents.models import ConsentDecision, ConsentReceipt, OutboxMessage, TakedownTask
from consents.tasks import outbox_send, outbox_sweep

from . import factories as f
from .helpers import outbox_all_done as all_done
from .helpers import publish, record, wait_until

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]

State = OutboxMessage.State
Template = OutboxMessage.Template


class DownBackend:
    """A mail server that is away: every connection is lost. Counts the attempts."""

    attempts = 0

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        DownBackend.attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def mail_server_down(settings):
    DownBackend.attempts = 0
    settings.EMAIL_BACKEND = "tests.test_outbox.DownBackend"
    return DownBackend


def save(client, subject, answers):
    return client.post(reverse("consent_save", args=[subject.key]), answers)


def cell(purpose, media_type):
    return f"consent:{purpose.code}:{media_type.code}"


# --- The consent receipt ---------------------------------------------------------------------


def test_a_parents_save_does_not_wait_for_the_mail_server_and_the_receipt_waits_to_retry(
    client, mother, child, website, photo, mail_server_down, django_capture_on_commit_callbacks
):
    client.force_login(mother.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = save(client, child, {cell(website, photo): "yes"})

    assert response.status_code == 302
    assert ConsentDecision.objects.filter(subject=child, value="granted").count() == 1
    assert mail_server_down.attempts == 0, "the request talked to the mail server"
    receipt = ConsentReceipt.objects.get()
    message = OutboxMessage.objects.get()
    assert (message.template, message.recipient, message.state) == (
        Template.RECEIPT,
        mother.user,
        State.QUEUED,
    )
    assert list(message.subjects.values_list("pk", flat=True)) == [child.pk]
    # Ids only: the names and choices are read when the email is sent.
    assert message.context == {"receipt": str(receipt.pk), "language": "en"}
    assert child.first_name not in json.dumps(message.context)

    outbox_send.apply(args=[message.pk])  # the worker's first attempt

    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.RETRY, 1)
    assert message.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert mail_server_down.attempts == 1 and not mail.outbox


def test_a_receipt_that_keeps_failing_is_shown_failed_in_the_admin_and_can_be_sent_again(
    client, mother, child, website, photo, mail_server_down, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    client.force_login(mother.user)
    assert save(client, child, {cell(website, photo): "yes"}).status_code == 302
    message = OutboxMessage.objects.get()
    outbox_send.apply(args=[message.pk])
    message.refresh_from_db()
    with time_machine.travel(message.next_attempt_at + dt.timedelta(seconds=1)):
        outbox_send.apply(args=[message.pk])  # the retry, when due, fails for good
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.FAILED, 2)

    client.force_login(f.superuser())
    page = client.get(reverse("admin:consents_outboxmessage_changelist"), {"state": "failed"})
    text = page.content.decode()
    assert "consent receipt" in text and mother.user.email in text
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in text
    detail = client.get(reverse("admin:consents_outboxmessage_change", args=[message.pk]))
    assert child.name in detail.content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # it is back
    client.post(
        reverse("admin:consents_outboxmessage_changelist"),
        {"action": "send_again", "_selected_action": [message.pk]},
    )
    outbox_send.apply(args=[message.pk])

    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 1)
    [email] = mail.outbox
    assert email.to == [mother.user.email]
    assert child.name in email.subject and message.context["receipt"] in email.body


def test_the_receipt_is_written_in_the_language_of_the_page_not_the_workers(
    client, mother, child, website, photo, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "nl"  # the site's default is English in this module
    client.force_login(mother.user)
    with django_capture_on_commit_callbacks():
        save(client, child, {cell(website, photo): "yes"})

    outbox.outbox_deliver(OutboxMessage.objects.get().pk)  # the worker, in English

    [email] = mail.outbox
    assert email.subject == f"Ontvangstbewijs: uw toestemmingskeuzes voor {child.name}"


def test_a_receipt_for_an_account_closed_before_sending_is_skipped(
    client, mother, child, website, photo, django_capture_on_commit_callbacks
):
    client.force_login(mother.user)
    with django_capture_on_commit_callbacks(execute=True):
        save(client, child, {cell(website, photo): "yes"})
    mother.user.is_active = False
    mother.user.save()

    assert outbox.outbox_deliver(OutboxMessage.objects.get().pk) == State.SKIPPED
    assert mail.outbox == []


# --- The takedown notice ---------------------------------------------------------------------


@pytest.fixture
def published(communications, school, website, photo, child, mother):
    """Zoë is on a photo and a film on the website, with her mother's consent."""
    film = f.media("film")
    for media_type in (photo, film):
        record(mother.user, child, website, media_type)
    publish(communications, school, website, photo, [child], "Sportdag")
    publish(communications, school, website, film, [child], "Schoolfilm")


def test_a_withdrawal_writes_one_takedown_notice_with_ids_in_the_same_transaction(
    published, school, website, child, mother, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        consent_withdraw(actor=mother.user, subject=child, purposes=[website])

    tasks = list(TakedownTask.objects.order_by("pk").values_list("pk", flat=True))
    assert len(tasks) == 2  # the photo and the film
    notice = OutboxMessage.objects.get(template=Template.TAKEDOWN)
    assert notice.recipient is None and notice.state == State.QUEUED
    assert notice.context == {"school": school.pk, "tasks": tasks}
    assert list(notice.subjects.values_list("pk", flat=True)) == [child.pk]

    assert outbox.outbox_deliver(notice.pk) == State.SENT
    [email] = mail.outbox
    assert email.to == ["comms@example.org"]
    assert "Sportdag" in email.body and "Schoolfilm" in email.body and child.name in email.body
    assert TakedownTask.objects.filter(notified_at__isnull=True).count() == 0


def test_a_takedown_notice_whose_tasks_were_closed_before_sending_is_skipped(
    published, communications, website, child, mother, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        consent_withdraw(actor=mother.user, subject=child, purposes=[website])
    for task in TakedownTask.objects.all():
        takedown_close(task=task, user=communications, outcome="removed")

    notice = OutboxMessage.objects.get(template=Template.TAKEDOWN)
    assert outbox.outbox_deliver(notice.pk) == State.SKIPPED
    assert mail.outbox == []


def test_a_withdrawal_after_the_notice_went_out_gets_a_notice_of_its_own(
    published, website, photo, child, mother, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record(mother.user, child, website, photo, value="withdrawn")  # the notice is sent
    with django_capture_on_commit_callbacks(execute=True):
        record(mother.user, child, website, f.media("film"), value="withdrawn")

    notices = OutboxMessage.objects.filter(template=Template.TAKEDOWN).order_by("pk")
    assert [message.state for message in notices] == [State.SENT, State.SENT]
    assert ["Sportdag" in email.body for email in mail.outbox] == [True, False]
    assert ["Schoolfilm" in email.body for email in mail.outbox] == [False, True]


def test_takedown_tasks_nobody_was_told_about_before_the_upgrade_are_sent_by_the_sweep(
    published, school, website, child, mother, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        consent_withdraw(actor=mother.user, subject=child, purposes=[website])
    OutboxMessage.objects.all().delete()  # as before the upgrade: tasks, but no outbox row
    migration = importlib.import_module("consents.migrations.0015_takedown_notices_into_the_outbox")

    migration.pending_takedowns_queue(apps, None)

    notice = OutboxMessage.objects.get()
    assert notice.context == {
        "school": school.pk,
        "tasks": list(TakedownTask.objects.order_by("pk").values_list("pk", flat=True)),
    }
    with time_machine.travel(notice.created_at + dt.timedelta(minutes=3)):
        assert outbox_sweep() == 1
    assert [email.to for email in mail.outbox] == [["comms@example.org"]]


# --- Through a real worker and broker (Redis) -------------------------------------------------


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_emails_the_receipt_and_the_takedown_notice_through_a_worker(
    chain_transactional_db,
    media_types,
    client,
    communications,
    school,
    website,
    photo,
    child,
    mother,
    settings,
    celery_worker,
    flaky_mail_server,
):
    flaky_mail_server.failures = {"comms@example.org": 2}  # staff's server is away for a while
    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child], "Sportdag")
    client.force_login(mother.user)

    with celery_worker():
        response = client.post(
            reverse("consent_withdraw", args=[child.key]), {"purpose": website.code}
        )
        assert response.status_code == 302
        wait_until(lambda: OutboxMessage.objects.count() == 2 and all_done())

    assert sorted(email.to[0] for email in mail.outbox) == [
        "comms@example.org",
        mother.user.email,
    ]
    notice = OutboxMessage.objects.get(template=Template.TAKEDOWN)
    assert (notice.state, notice.attempts) == (State.SENT, 3)
    receipt = OutboxMessage.objects.get(template=Template.RECEIPT)
    assert (receipt.state, receipt.attempts) == (State.SENT, 1)
    assert len(flaky_mail_server.attempts["comms@example.org"]) == 3
    assert TakedownTask.objects.get().notified_at is not None


# --- The composers ------------------------------------------------------------------------


def test_every_kind_of_outbox_email_has_a_composer():
    assert set(outbox.COMPOSERS) == set(Template.values)


def test_a_row_of_a_kind_without_a_composer_fails_with_the_reason(monkeypatch, mother):
    monkeypatch.delitem(outbox.COMPOSERS, Template.RECEIPT)
    message = OutboxMessage.objects.create(template=Template.RECEIPT, recipient=mother.user)
    with pytest.raises(LookupError):
        outbox.outbox_deliver(message.pk)
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert "no composer registered" in message.last_error
    assert mail.outbox == []


def test_a_second_composer_for_the_same_kind_is_refused_and_changes_nothing():
    registered = outbox.COMPOSERS[Template.RECEIPT]
    with pytest.raises(ValueError, match="already has a composer"):
        outbox.composer_register(Template.RECEIPT, lambda message, *, today: None)
    with pytest.raises(ValueError, match="not a kind of outbox email"):
        outbox.composer_register("newsletter", registered)
    assert outbox.COMPOSERS[Template.RECEIPT] is registered
    assert "newsletter" not in outbox.COMPOSERS
