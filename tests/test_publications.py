"""Publications are recorded with the verdicts of that moment; a withdrawal opens takedown tasks."""

import datetime as dt
from smtplib import SMTPException
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from consents.communications.publications import (
    OverrideRequired,
    publication_record,
    publication_review,
)
from consents.communications.takedowns import takedown_close
from consents.decisions.services import consent_withdraw
from consents.models import OutboxMessage, Publication, PublicationPerson, Role, TakedownTask
from consents.rules import State

from . import factories as f
from .helpers import record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]


@pytest.fixture
def classmate(school):
    return f.StudentFactory(school=school, first_name="Sem", last_name="Bakker")


@pytest.fixture
def classmate_parent(classmate):
    return f.GuardianFactory(user__email="ouder.bakker@example.org", students=[classmate])


def publish(user, school, purpose, media_type, people, **kwargs):
    return publication_record(
        user=user,
        school=school,
        title=kwargs.pop("title", "Open dag"),
        purpose=purpose,
        media_type=media_type,
        published_on=kwargs.pop("published_on", dt.date(2026, 9, 1)),
        people=people,
        **kwargs,
    )


def test_recording_a_publication_stores_each_persons_verdict_of_that_moment(
    communications, school, website, photo, child, mother
):
    decision = record(mother.user, child, website, photo)

    publication = publish(communications, school, website, photo, [child], url="https://x.nl/a")

    entry = PublicationPerson.objects.get(publication=publication)
    assert entry.subject_id == child.pk
    assert entry.state == State.ALLOWED
    assert mother.name in entry.explanation
    assert entry.decision_ids == [decision.pk]
    assert publication.flagged is False
    assert publication.recorded_by == communications
    assert publication.url == "https://x.nl/a"


def test_someone_not_allowed_needs_an_override_reason_and_without_it_nothing_is_written(
    communications, school, website, photo, child, mother, classmate
):
    record(mother.user, child, website, photo)

    with pytest.raises(OverrideRequired) as error:
        publish(communications, school, website, photo, [child, classmate])

    assert classmate.name in " ".join(error.value.messages)
    assert not Publication.objects.exists()
    assert not PublicationPerson.objects.exists()


def test_an_override_reason_flags_the_publication_until_an_administrator_reviews_it(
    communications, administrator, school, website, photo, child, mother, classmate
):
    record(mother.user, child, website, photo, value="refused")

    publication = publish(
        communications,
        school,
        website,
        photo,
        [child, classmate],
        override_reason="Only visible from behind, not recognisable.",
    )

    states = dict(publication.entries.values_list("subject_id", "state"))
    assert states == {child.pk: State.NOT_ALLOWED, classmate.pk: State.NO_ANSWER}
    assert publication.flagged and publication.awaits_review
    reviewed = publication_review(publication=publication, user=administrator)
    assert reviewed.reviewed_by == administrator and not reviewed.awaits_review
    with pytest.raises(ValidationError):
        publication_review(publication=reviewed, user=administrator)


def test_a_person_listed_twice_is_recorded_once(
    communications, school, website, photo, child, mother
):
    record(mother.user, child, website, photo)

    publication = publish(communications, school, website, photo, [child, child])

    assert publication.entries.count() == 1


def test_people_of_another_school_cannot_be_put_on_a_publication(
    communications, school, other_school, website, photo
):
    outsider = f.StudentFactory(school=other_school)

    with pytest.raises(ValidationError):
        publish(communications, school, website, photo, [outsider], override_reason="x")

    assert not Publication.objects.exists()


def test_a_withdrawal_opens_a_task_for_every_publication_with_that_person_and_purpose(
    communications,
    other_school_communications,
    school,
    purposes,
    photo,
    child,
    mother,
    classmate,
    classmate_parent,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    website, yearbook = purposes
    film = f.media("film")
    for purpose in (website, yearbook):
        for medium in (photo, film):
            record(mother.user, child, purpose, medium)
            record(classmate_parent.user, classmate, purpose, medium)
    first = publish(communications, school, website, photo, [child, classmate], title="Sportdag")
    second = publish(communications, school, website, photo, [child], title="Kerstviering")
    publish(communications, school, yearbook, photo, [child], title="Jaarboek 2026")
    publish(communications, school, website, film, [child], title="Schoolfilm")
    publish(communications, school, website, photo, [classmate], title="Alleen Sem")

    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(actor=mother.user, subject=child, purposes=[website])

    tasks = TakedownTask.objects.open()
    assert {(t.publication_id, t.subject_id) for t in tasks} == {
        (first.pk, child.pk),
        (second.pk, child.pk),
        (Publication.objects.get(title="Schoolfilm").pk, child.pk),
    }
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["comms@example.org"]
    assert "Sportdag" in email.body and "Kerstviering" in email.body
    assert child.name in email.body
    assert "Jaarboek" not in email.body and "Alleen Sem" not in email.body
    assert reverse("communications_home") in email.body


def test_the_takedown_emails_subject_shows_the_school_name_as_written(
    communications,
    school,
    website,
    photo,
    child,
    mother,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    school.name = "Bos & <Lommer> College"
    school.save()
    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child])

    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(actor=mother.user, subject=child, purposes=[website])

    assert mail.outbox[0].subject == "Takedown task for Bos & <Lommer> College"


def test_one_guardians_refusal_after_the_others_grant_opens_a_task(
    communications, school, website, photo, child, mother, father
):
    record(mother.user, child, website, photo)
    publication = publish(communications, school, website, photo, [child])

    refusal = record(father.user, child, website, photo, value="refused")

    task = TakedownTask.objects.get()
    assert (task.publication, task.subject_id, task.decision) == (publication, child.pk, refusal)


def test_a_decision_that_leaves_the_person_allowed_opens_no_task(
    communications, school, website, photo, child, mother, father
):
    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child])

    record(father.user, child, website, photo)

    assert not TakedownTask.objects.exists()


def test_a_refusal_of_someone_who_was_never_allowed_opens_no_task(
    communications, school, website, photo, child, mother
):
    publish(communications, school, website, photo, [child], override_reason="Blurred.")

    record(mother.user, child, website, photo, value="refused")

    assert not TakedownTask.objects.exists()


def test_a_task_stays_single_while_open_and_reopens_after_a_new_grant_and_withdrawal(
    communications, school, website, photo, child, mother, father
):
    record(mother.user, child, website, photo)
    record(father.user, child, website, photo)
    publish(communications, school, website, photo, [child])

    record(mother.user, child, website, photo, value="withdrawn")
    record(father.user, child, website, photo, value="withdrawn")
    assert TakedownTask.objects.open().count() == 1

    takedown_close(task=TakedownTask.objects.get(), user=communications, outcome="removed")
    record(mother.user, child, website, photo)
    record(father.user, child, website, photo)
    record(father.user, child, website, photo, value="withdrawn")
    assert TakedownTask.objects.count() == 2
    assert TakedownTask.objects.open().count() == 1


def test_closing_a_task_records_who_when_and_how(
    communications, school, website, photo, child, mother
):
    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child])
    record(mother.user, child, website, photo, value="withdrawn")
    task = TakedownTask.objects.get()

    closed = takedown_close(task=task, user=communications, outcome="edited", reason="Blurred")

    assert closed.closed_by == communications and closed.closed_at is not None
    assert (closed.outcome, closed.reason) == ("edited", "Blurred")
    with pytest.raises(ValidationError, match="already been closed"):
        takedown_close(task=task, user=communications, outcome="removed")


def test_keeping_a_publication_needs_a_reason_and_without_it_the_task_stays_open(
    communications, school, website, photo, child, mother
):
    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child])
    record(mother.user, child, website, photo, value="withdrawn")
    task = TakedownTask.objects.get()

    with pytest.raises(ValidationError) as error:
        takedown_close(task=task, user=communications, outcome="kept", reason="  ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        takedown_close(task=task, user=communications, outcome="forgotten")

    task.refresh_from_db()
    assert task.is_open and task.outcome == "" and task.closed_by is None
    kept = takedown_close(
        task=task, user=communications, outcome="kept", reason="Printed guide, cannot recall."
    )
    assert kept.outcome == "kept"


def test_without_communications_staff_the_schools_administrators_get_the_email(
    administrator,
    school,
    website,
    photo,
    child,
    mother,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    record(mother.user, child, website, photo)
    publish(administrator, school, website, photo, [child])

    with django_capture_on_commit_callbacks(execute=True):
        record(mother.user, child, website, photo, value="withdrawn")

    assert [email.to for email in mail.outbox] == [["admin@example.org"]]


def test_board_wide_communications_staff_are_told_too(
    communications,
    board,
    school,
    website,
    photo,
    child,
    mother,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    f.RoleFactory(
        kind=Role.Kind.COMMUNICATIONS, school=None, board=board, user__email="bestuur@example.org"
    )
    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child])

    with django_capture_on_commit_callbacks(execute=True):
        record(mother.user, child, website, photo, value="withdrawn")

    assert mail.outbox[0].to == ["bestuur@example.org", "comms@example.org"]


def test_the_email_is_retried_when_the_mail_server_fails_and_sent_once(
    communications, school, website, photo, child, mother, django_capture_on_commit_callbacks
):
    from consents import outbox
    from consents.tasks import outbox_send

    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child])
    with django_capture_on_commit_callbacks():  # published by hand below, as a worker gets it
        record(mother.user, child, website, photo, value="withdrawn")
    notice = OutboxMessage.objects.get(template=OutboxMessage.Template.TAKEDOWN)

    real_send, calls = outbox.send_email, []

    def fails_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise SMTPException("421 try again later")
        return real_send(*args, **kwargs)

    with mock.patch.object(outbox, "send_email", fails_once):
        outbox_send.apply(args=[notice.pk])
        notice.refresh_from_db()
        # The first attempt failed; the task's early redelivery finds it not yet due.
        assert (notice.state, notice.attempts) == (OutboxMessage.State.RETRY, 1)
        assert notice.last_error == "SMTPException: 421 try again later"
        assert not mail.outbox and TakedownTask.objects.get().notified_at is None
        with time_machine.travel(notice.next_attempt_at + dt.timedelta(seconds=1)):
            outbox_send.apply(args=[notice.pk])
            outbox_send.apply(args=[notice.pk])

    assert len(calls) == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["comms@example.org"]
    notice.refresh_from_db()
    assert (notice.state, notice.attempts) == (OutboxMessage.State.SENT, 2)
    assert TakedownTask.objects.get().notified_at is not None


def test_no_email_is_enqueued_when_the_decision_is_rolled_back(
    communications, school, website, photo, child, mother, django_capture_on_commit_callbacks
):
    from django.db import transaction

    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child])

    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                record(mother.user, child, website, photo, value="withdrawn")
                raise RuntimeError("something later fails")

    assert callbacks == []
    assert not TakedownTask.objects.exists()
    assert not OutboxMessage.objects.exists()


# --- Through the pages ---------------------------------------------------------------------------


def test_the_record_page_asks_for_a_reason_and_writes_nothing_without_one(
    client, communications, school, website, photo, child, classmate
):
    client.force_login(communications)
    data = {
        "school": school.pk,
        "purpose": website.pk,
        "media_type": photo.pk,
        "candidates": [child.pk, classmate.pk],
        "people": [child.pk],
        "title": "Open dag",
        "published_on": "2026-09-01",
        "url": "",
        "override_reason": "",
    }

    response = client.post(reverse("communications_publication_create"), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "may not appear" in html
    assert f'value="{child.pk}" form="publication-form" id="on-{child.pk}" checked>' in html
    assert f'value="{classmate.pk}" form="publication-form" id="on-{classmate.pk}">' in html
    assert not Publication.objects.exists()

    data["override_reason"] = "Background only, faces not visible."
    response = client.post(reverse("communications_publication_create"), data)
    publication = Publication.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("communications_publication", args=[publication.pk])
    assert publication.flagged
    assert [p.pk for p in publication.people.all()] == [child.pk]


def test_the_record_page_refuses_people_who_were_not_in_the_check(
    client, communications, school, website, photo, child, classmate
):
    client.force_login(communications)

    response = client.post(
        reverse("communications_publication_create"),
        {
            "school": school.pk,
            "purpose": website.pk,
            "media_type": photo.pk,
            "candidates": [child.pk],
            "people": [classmate.pk],
            "title": "Open dag",
            "published_on": "2026-09-01",
            "override_reason": "x",
        },
    )

    assert response.status_code == 200
    assert "Tick only people from the group check" in response.content.decode()
    assert not Publication.objects.exists()


def record_page_data(school, purpose, media_type, candidates, people, **extra):
    return {
        "school": school.pk,
        "purpose": purpose.pk,
        "media_type": media_type.pk,
        "candidates": [p.pk for p in candidates],
        "people": [p.pk for p in people],
        "title": "Open dag",
        "published_on": "2026-09-01",
        "override_reason": "Background only.",
        **extra,
    }


@pytest.mark.parametrize("school_value", ["other school", "abc", "-1"])
def test_the_record_page_for_a_school_not_ones_own_is_not_found(
    client, communications, school, other_school, website, photo, child, school_value
):
    client.force_login(communications)
    data = record_page_data(school, website, photo, [child], [child])
    data["school"] = other_school.pk if school_value == "other school" else school_value

    response = client.post(reverse("communications_publication_create"), data)

    assert response.status_code == 404
    assert not Publication.objects.exists()


def test_the_record_page_refuses_a_person_of_another_school(
    client, communications, school, other_school, website, photo, child
):
    outsider = f.StudentFactory(school=other_school)
    client.force_login(communications)
    data = record_page_data(school, website, photo, [child, outsider], [child, outsider])

    response = client.post(reverse("communications_publication_create"), data)

    assert response.status_code == 302
    assert response.url == reverse("communications_group_check")
    assert not Publication.objects.exists()


@pytest.mark.parametrize("bad_id", ["abc", "²", "99999999999999999999", ""])
def test_a_garbled_person_id_is_a_form_error_and_the_valid_ticks_stay(
    client, communications, school, website, photo, child, classmate, bad_id
):
    client.force_login(communications)
    data = record_page_data(school, website, photo, [child, classmate], [child])
    data["people"] = [child.pk, bad_id]

    response = client.post(reverse("communications_publication_create"), data)

    assert response.status_code == 200
    assert response.context["publication_form"].errors["people"]
    html = response.content.decode()
    assert f'value="{child.pk}" form="publication-form" id="on-{child.pk}" checked>' in html
    assert f'value="{classmate.pk}" form="publication-form" id="on-{classmate.pk}">' in html
    assert not Publication.objects.exists()


def test_a_purpose_of_another_board_sends_back_to_the_group_check(
    client, communications, school, photo, child
):
    elsewhere = f.PurposeFactory(code="elsewhere")
    client.force_login(communications)
    data = record_page_data(school, elsewhere, photo, [child], [child])

    response = client.post(reverse("communications_publication_create"), data)

    assert response.status_code == 302
    assert response.url == reverse("communications_group_check")
    assert not Publication.objects.exists()


@pytest.mark.parametrize("outcome", ["deleted", "", "REMOVED"])
def test_closing_a_task_with_an_outcome_not_offered_is_a_form_error(
    client, communications, school, website, photo, child, mother, outcome
):
    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child])
    record(mother.user, child, website, photo, value="withdrawn")
    task = TakedownTask.objects.get()
    client.force_login(communications)

    response = client.post(reverse("communications_takedown", args=[task.pk]), {"outcome": outcome})

    assert response.status_code == 200
    assert "outcome" in response.context["form"].errors
    task.refresh_from_db()
    assert task.is_open


def test_closing_a_task_on_its_page_needs_a_reason_to_keep(
    client, communications, school, website, photo, child, mother
):
    record(mother.user, child, website, photo)
    publish(communications, school, website, photo, [child])
    record(mother.user, child, website, photo, value="withdrawn")
    task = TakedownTask.objects.get()
    client.force_login(communications)
    url = reverse("communications_takedown", args=[task.pk])

    response = client.post(url, {"outcome": "kept", "reason": ""})
    assert response.status_code == 200
    assert "Give the reason for keeping" in response.content.decode()
    task.refresh_from_db()
    assert task.is_open

    response = client.post(url, {"outcome": "removed", "reason": ""})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.outcome, task.closed_by) == ("removed", communications)
