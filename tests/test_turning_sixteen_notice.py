"""Turning 16 (rule 2, issue 20): a week before the birthday the guardians are told that the
choice passes to their child and what stays in force; on the day the student's invitation says
what was chosen for them. Both on either side of midnight in Amsterdam.

Cast: `child` (Zoë) turns 16 on 14 March 2029; `mother` and `father` are her guardians.
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from consents import outbox
from consents.models import Board, MediaType, OutboxMessage

from . import factories as f
from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]

State = OutboxMessage.State
Template = OutboxMessage.Template


def run_daily_jobs():
    from consents.tasks import sixteen_soon_notify, turning_sixteen_notify

    sixteen_soon_notify.apply()
    turning_sixteen_notify.apply()


def send_all(today):
    for pk in OutboxMessage.objects.filter(state=State.QUEUED).values_list("pk", flat=True):
        outbox.outbox_deliver(pk, today=today)


@pytest.fixture
def answered(child, mother, purposes):
    """The mother said yes to photos on the website and no to everything else, in September."""
    website, yearbook = purposes
    with time_machine.travel(amsterdam(2028, 9, 10), tick=False):
        for media_type in MediaType.objects.all():
            record(
                mother.user,
                child,
                website,
                media_type,
                "granted" if media_type.code == "photo" else "refused",
            )
            record(mother.user, child, yearbook, media_type, "refused")
    return child


def body_for(address):
    return next(m for m in mail.outbox if m.to == [address]).body


def test_the_guardians_are_told_a_week_before_the_birthday_not_a_minute_earlier(
    answered, mother, father, django_capture_on_commit_callbacks
):
    with time_machine.travel(amsterdam(2029, 3, 6, 23, 59), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            run_daily_jobs()
    assert not OutboxMessage.objects.exists()
    with time_machine.travel(dt.datetime(2029, 3, 6, 23, 0, 30, tzinfo=dt.UTC), tick=False):
        # 00:00:30 on 7 March in Amsterdam (UTC+1).
        with django_capture_on_commit_callbacks(execute=False):
            run_daily_jobs()
        send_all(dt.date(2029, 3, 7))
    assert sorted(m.to[0] for m in mail.outbox) == [father.user.email, mother.user.email]
    assert {m.template for m in OutboxMessage.objects.all()} == {Template.SIXTEEN_SOON}
    body = body_for(mother.user.email)
    assert "In a week your child turns 16" in mail.outbox[0].subject
    assert "On 14 March 2029 Zoë de Vries turns 16." in body
    assert "Until 14 March 2029 you decide, and you can still change" in body
    assert "stays in force until Zoë decides" in body
    assert "- Website: photo allowed, film not allowed, sound not allowed" in body
    assert "- Yearbook: photo not allowed, film not allowed, sound not allowed" in body


def test_the_notice_is_sent_once_and_a_missed_day_is_caught_up(
    answered, mother, father, django_capture_on_commit_callbacks
):
    for day in (8, 8, 9, 12):  # beat was down on the 7th
        with time_machine.travel(amsterdam(2029, 3, day, 7), tick=False):
            with django_capture_on_commit_callbacks(execute=False):
                run_daily_jobs()
    assert OutboxMessage.objects.filter(template=Template.SIXTEEN_SOON).count() == 2


def test_when_the_answers_lapse_at_16_the_notice_says_so(
    board, answered, mother, django_capture_on_commit_callbacks
):
    Board.objects.filter(pk=board.pk).update(at_sixteen=Board.AtSixteen.LAPSE)
    with time_machine.travel(amsterdam(2029, 3, 7, 7), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            run_daily_jobs()
        send_all(dt.date(2029, 3, 7))
    assert "your answers no longer count" in body_for(mother.user.email)


def test_a_notice_sent_after_the_birthday_is_skipped(
    answered, mother, django_capture_on_commit_callbacks
):
    with time_machine.travel(amsterdam(2029, 3, 7, 7), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            run_daily_jobs()
    send_all(dt.date(2029, 3, 14))
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.SKIPPED}
    assert not mail.outbox


def test_the_students_invitation_on_the_day_says_what_was_chosen_for_them(
    answered, mother, django_capture_on_commit_callbacks
):
    answered.user = f.UserFactory(email="zoe@example.org")
    answered.save()
    with time_machine.travel(amsterdam(2029, 3, 13, 23, 59), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            run_daily_jobs()
    assert not OutboxMessage.objects.filter(template=Template.SIXTEEN_STUDENT).exists()
    with time_machine.travel(dt.datetime(2029, 3, 13, 23, 0, 30, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            run_daily_jobs()
        OutboxMessage.objects.filter(template=Template.SIXTEEN_SOON).delete()
        send_all(dt.date(2029, 3, 14))
    body = body_for("zoe@example.org")
    assert "What your parents or guardians chose for you:" in body
    assert "- Website: photo allowed, film not allowed, sound not allowed" in body
