"""Campaigns and the outbox, without a broker: who is asked, when, and what the email says.

The same flows through a real Celery worker and broker are in test_campaigns_worker.py.
"""

import datetime as dt
import os
import smtplib
import subprocess
import sys
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from consents import outbox
from consents.campaigns import services as campaigns
from consents.campaigns.composing import login_url
from consents.campaigns.progress import campaign_progress
from consents.campaigns.sixteen import turning_sixteen_notify
from consents.dates import school_today
from consents.decisions.services import consent_text_publish
from consents.models import (
    Campaign,
    CampaignStep,
    ConsentText,
    Guardianship,
    MediaType,
    OutboxMessage,
    SchoolYear,
)
from consents.rules import (
    Decider,
    decider_on,
    self_deciding,
    sixteenth_birthday,
    turning_sixteen,
    voices_to_ask,
)

from . import factories as f
from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]


State = OutboxMessage.State
SEPT_1 = dt.date(2026, 9, 1)


def answer_everything(user, subject, purposes, value="granted"):
    for purpose in purposes:
        for media_type in MediaType.objects.all():
            record(user, subject, purpose, media_type, value)


def send_all(today):
    """Deliver every queued row as the worker would (retries are left in state retry)."""
    for pk in OutboxMessage.objects.filter(state=State.QUEUED).values_list("pk", flat=True):
        try:
            outbox.outbox_deliver(pk, today=today)
        except outbox.RetryLater:
            pass


def sent_to():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def family(school, purposes, child, mother, father):
    """Two siblings (Zoë 13, Daan 11) who share their mother and father."""
    sibling = f.StudentFactory(
        school=school, first_name="Daan", last_name="Vries", date_of_birth=dt.date(2015, 6, 1)
    )
    Guardianship.objects.create(guardian=mother, student=sibling)
    Guardianship.objects.create(guardian=father, student=sibling)
    return SimpleNamespace(child=child, sibling=sibling, mother=mother, father=father)


@pytest.fixture
def renewal(board):
    year = SchoolYear.objects.for_date(board, SEPT_1)
    return Campaign.objects.create(board=board, school_year=year)


# --- Who still has to answer (rules) -----------------------------------------------------------


@time_machine.travel(amsterdam(2026, 9, 20), tick=False)
def test_both_guardians_are_asked_until_one_answers_for_this_year(family, purposes):
    on = dt.date(2026, 9, 20)
    asks = voices_to_ask([family.child.pk], on=on)
    assert asks == {family.child.pk: {family.mother.pk, family.father.pk}}
    answer_everything(family.mother.user, family.child, purposes)
    assert voices_to_ask([family.child.pk], on=on) == {}


def test_last_years_answer_asks_again_only_the_guardian_who_gave_it(family, purposes):
    with time_machine.travel(amsterdam(2025, 10, 1), tick=False):
        answer_everything(family.father.user, family.child, purposes)
    with time_machine.travel(amsterdam(2026, 9, 20), tick=False):
        answer_everything(family.mother.user, family.child, purposes)
    # The father's answer is from last school year: not renewed, so he is asked again.
    assert voices_to_ask([family.child.pk], on=dt.date(2026, 9, 20)) == {
        family.child.pk: {family.father.pk}
    }


def test_a_student_of_16_leaning_on_the_guardians_answer_is_asked_themself(child, mother, purposes):
    with time_machine.travel(amsterdam(2028, 9, 10), tick=False):
        answer_everything(mother.user, child, purposes)
    asks = voices_to_ask([child.pk], on=dt.date(2029, 3, 14))
    assert asks == {child.pk: {None}}
    assert voices_to_ask([child.pk], on=dt.date(2029, 3, 13)) == {}


def test_a_material_change_asks_only_those_who_answered_the_old_text(family, purposes, board):
    website = purposes[0]
    with time_machine.travel(amsterdam(2026, 9, 10), tick=False):
        answer_everything(family.mother.user, family.child, purposes)
        other = f.StudentFactory(school=family.child.school)
        f.GuardianFactory(students=[other])
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        consent_text_publish(purpose=website, body_nl="Nieuw", body_en="New", change="material")
    on = dt.date(2026, 10, 2)
    asks = voices_to_ask(
        [family.child.pk, other.pk], on=on, purposes=[website], changed_text_only=True
    )
    assert asks == {family.child.pk: {family.mother.pk}}


@settings(max_examples=200, deadline=None)
@given(
    born=st.dates(dt.date(2004, 1, 1), dt.date(2016, 12, 31)),
    on=st.dates(dt.date(2020, 1, 1), dt.date(2032, 12, 31)),
)
def test_the_query_forms_of_rule_1_agree_with_decider_on(born, on):
    from consents.models import Student, Subject

    Student.objects.all().delete()
    student = f.StudentFactory(date_of_birth=born)
    decides_self = self_deciding(Subject.objects.filter(pk=student.pk), on).exists()
    assert decides_self == (decider_on(born, on) == Decider.SELF)
    birthday = turning_sixteen(Student.objects.filter(pk=student.pk), on).exists()
    assert birthday == (sixteenth_birthday(born) == on)


# --- The campaign's schedule -----------------------------------------------------------------


def test_default_schedule_opens_1_september_and_reminds_after_14_and_28_days_then_monthly(
    renewal,
):
    assert (renewal.opens_on, renewal.closes_on) == (SEPT_1, dt.date(2026, 11, 30))
    assert renewal.schedule() == [
        ("invitation", dt.date(2026, 9, 1)),
        ("reminder-1", dt.date(2026, 9, 15)),
        ("reminder-2", dt.date(2026, 9, 29)),
        ("reminder-3", dt.date(2026, 10, 29)),
        ("reminder-4", dt.date(2026, 11, 28)),
    ]


def test_a_campaign_with_bad_dates_is_refused_with_a_clear_message(board):
    year = SchoolYear.objects.for_date(board, SEPT_1)
    campaign = Campaign(
        board=board, school_year=year, opens_on=dt.date(2026, 9, 1), closes_on=dt.date(2026, 8, 1)
    )
    with pytest.raises(ValidationError, match="closing date cannot be before"):
        campaign.full_clean()
    campaign = Campaign(board=board, school_year=year, opens_on=dt.date(2027, 9, 1))
    with pytest.raises(ValidationError, match="opening date must fall in the school year"):
        campaign.full_clean()
    campaign = Campaign(board=board, school_year=year, closes_on=dt.date(2027, 8, 15))
    with pytest.raises(ValidationError, match="closing date must fall in the school year"):
        campaign.full_clean()
    assert not Campaign.objects.exists()


# --- Planning and sending ------------------------------------------------------------------------


def plan(today, django_capture_on_commit_callbacks):
    with time_machine.travel(amsterdam(today.year, today.month, today.day, 9), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            return campaigns.campaigns_advance(today=today)


def test_one_email_per_guardian_covers_all_their_children(
    family, renewal, school, django_capture_on_commit_callbacks
):
    teacher = f.StaffMemberFactory(board=school.board, schools=[school], user__email="t@x.org")
    older = f.StudentFactory(school=school, date_of_birth=dt.date(2009, 5, 1))
    older.user = f.UserFactory(email="older@example.org")
    older.save()
    f.StudentFactory(school=school, date_of_birth=dt.date(2009, 5, 2))  # 16+, no address
    [step] = plan(SEPT_1, django_capture_on_commit_callbacks)

    assert step.name == "invitation" and step.recipients == 4 and step.unreachable == 1
    mother_message = OutboxMessage.objects.get(recipient=family.mother.user)
    assert set(mother_message.subjects.all()) == {
        family.child.subject_ptr,
        family.sibling.subject_ptr,
    }

    send_all(SEPT_1)
    assert sent_to() == sorted(
        ["mark@example.org", "sanne@example.org", "older@example.org", teacher.user.email]
    )
    to_mother = next(m for m in mail.outbox if m.to == ["sanne@example.org"])
    assert "Zoë de Vries" in to_mother.body and "Daan Vries" in to_mother.body
    assert "------ English ------" in to_mother.body
    assert login_url() in to_mother.body
    assert login_url() in to_mother.alternatives[0][0]


def test_a_teacher_who_is_also_a_parent_gets_one_email(
    school, purposes, child, renewal, django_capture_on_commit_callbacks
):
    teacher = f.StaffMemberFactory(board=school.board, schools=[school])
    f.GuardianFactory(user=teacher.user, students=[child])
    plan(SEPT_1, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get()
    assert set(message.subjects.all()) == {teacher.subject_ptr, child.subject_ptr}


def test_the_hourly_job_is_idempotent_and_catches_up_once_after_downtime(
    family, renewal, django_capture_on_commit_callbacks
):
    for _hour in range(3):
        plan(SEPT_1, django_capture_on_commit_callbacks)
    assert OutboxMessage.objects.count() == 2
    # Nothing runs from 14 to 29 September; on the 30th both reminders are overdue.
    for _hour in range(24):
        plan(dt.date(2026, 9, 30), django_capture_on_commit_callbacks)
    assert list(renewal.steps.values_list("name", flat=True)) == ["invitation", "reminder-2"]
    assert OutboxMessage.objects.filter(step__name="reminder-2").count() == 2


def test_reminders_go_only_to_those_who_have_not_answered(
    family, renewal, purposes, school, django_capture_on_commit_callbacks
):
    other_child = f.StudentFactory(school=school)
    other = f.GuardianFactory(user__email="bob@example.org", students=[other_child])
    plan(SEPT_1, django_capture_on_commit_callbacks)
    with time_machine.travel(amsterdam(2026, 9, 5), tick=False):
        answer_everything(family.mother.user, family.child, purposes)
        answer_everything(family.mother.user, family.sibling, purposes)
    plan(dt.date(2026, 9, 15), django_capture_on_commit_callbacks)
    reminded = OutboxMessage.objects.filter(step__name="reminder-1")
    assert list(reminded.values_list("recipient", flat=True)) == [other.user_id]


def test_a_reminder_counts_as_unreachable_who_was_invited_but_has_no_account_now(
    renewal, purposes, school, django_capture_on_commit_callbacks
):
    child = f.StudentFactory(school=school)
    guardian = f.GuardianFactory(user__email="bob@example.org", students=[child])
    [invitation] = plan(SEPT_1, django_capture_on_commit_callbacks)
    guardian.user.is_active = False
    guardian.user.save()

    [reminder] = plan(dt.date(2026, 9, 15), django_capture_on_commit_callbacks)

    # The invitation's message names the child; the reminder's step has none for them.
    assert (invitation.recipients, invitation.unreachable) == (1, 0)
    assert (reminder.name, reminder.recipients, reminder.unreachable) == ("reminder-1", 0, 1)


def test_who_answers_between_queueing_and_sending_gets_nothing(
    family, renewal, purposes, other_family_guardian, django_capture_on_commit_callbacks
):
    plan(SEPT_1, django_capture_on_commit_callbacks)
    bob = other_family_guardian
    with time_machine.travel(amsterdam(2026, 9, 1, 10), tick=False):
        answer_everything(bob.user, bob.students.get(), purposes)
        answer_everything(family.father.user, family.child, purposes)
    send_all(SEPT_1)
    assert OutboxMessage.objects.get(recipient=bob.user).state == State.SKIPPED
    # Zoë's father answered for her, so both parents are asked only about her brother.
    assert sent_to() == ["mark@example.org", "sanne@example.org"]
    for message in mail.outbox:
        assert "Zoë" not in message.body and "Daan Vries" in message.body
    with time_machine.travel(amsterdam(2026, 9, 1, 11), tick=False):
        answer_everything(family.father.user, family.sibling, purposes)
    plan(dt.date(2026, 9, 15), django_capture_on_commit_callbacks)
    assert not OutboxMessage.objects.filter(step__name="reminder-1").exists()


def test_a_second_delivery_of_the_same_message_sends_nothing(
    family, renewal, django_capture_on_commit_callbacks
):
    plan(SEPT_1, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.first()
    assert outbox.outbox_deliver(message.pk, today=SEPT_1) == State.SENT
    assert outbox.outbox_deliver(message.pk, today=SEPT_1) == ""
    assert len(mail.outbox) == 1


class RefusingBackend:
    """An email backend whose server is away (or, with `code`, answers with an error)."""

    code = None

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        if self.code:
            raise smtplib.SMTPRecipientsRefused({"x@example.org": (self.code, b"no such user")})
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_smtp_errors_retry_with_growing_delays_then_fail_with_the_error_kept(
    family, renewal, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_campaigns.RefusingBackend"
    settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_RETRY_SECONDS = 4, 60
    plan(SEPT_1, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.filter(recipient=family.mother.user).get()
    delays = []
    for _attempt in range(3):
        with pytest.raises(outbox.RetryLater) as retry:
            outbox.outbox_deliver(message.pk, today=SEPT_1)
        delays.append(retry.value.delay)
        message.refresh_from_db()
        assert message.state == State.RETRY
        # Not before its time, even if the task is delivered early or twice.
        assert outbox.outbox_deliver(message.pk, today=SEPT_1) == ""
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert delays == [60, 120, 240]
    assert outbox.outbox_deliver(message.pk, today=SEPT_1) == State.FAILED
    message.refresh_from_db()
    assert message.attempts == 4
    assert message.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_a_refused_address_fails_at_once(
    family, renewal, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_campaigns.RefusingBackend"
    RefusingBackend.code = 550
    try:
        plan(SEPT_1, django_capture_on_commit_callbacks)
        message = OutboxMessage.objects.first()
        assert outbox.outbox_deliver(message.pk, today=SEPT_1) == State.FAILED
    finally:
        RefusingBackend.code = None
    assert "no such user" in OutboxMessage.objects.get(pk=message.pk).last_error


def test_the_sweeper_publishes_rows_committed_but_never_published(
    family, renewal, settings, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(outbox, "outbox_publish", published.extend)
    plan(SEPT_1, django_capture_on_commit_callbacks)  # the on-commit publish never runs
    rows = set(OutboxMessage.objects.values_list("pk", flat=True))
    created = OutboxMessage.objects.first().created_at
    # Too young: perhaps still being published.
    assert outbox.outbox_sweep(now=created + dt.timedelta(seconds=1)) == 0
    later = created + dt.timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS + 1)
    assert outbox.outbox_sweep(now=later) == 2
    assert set(published) == rows


def test_the_sweeper_takes_back_a_row_whose_worker_died_while_sending(
    family, renewal, settings, monkeypatch, django_capture_on_commit_callbacks
):
    plan(SEPT_1, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.first()
    outbox.outbox_claim(message.pk)  # ... and the worker is killed
    published = []
    monkeypatch.setattr(outbox, "outbox_publish", published.extend)
    later = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_SENDING_LEASE_SECONDS + 1)
    outbox.outbox_sweep(now=later)
    assert message.pk in published
    assert outbox.outbox_deliver(message.pk, today=SEPT_1) == State.SENT


# --- A material text change (rule 8) -------------------------------------------------------------


def test_a_material_change_opens_a_campaign_for_the_people_affected(
    family, purposes, django_capture_on_commit_callbacks
):
    website = purposes[0]
    with time_machine.travel(amsterdam(2026, 9, 10), tick=False):
        answer_everything(family.mother.user, family.child, purposes)
    with time_machine.travel(amsterdam(2026, 10, 1, 9), tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            consent_text_publish(purpose=website, body_nl="Ook", body_en="Also", change="editorial")
        assert not Campaign.objects.exists() and not callbacks
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            text = consent_text_publish(
                purpose=website, body_nl="Nieuw", body_en="New", change="material"
            )
        assert len(callbacks) == 1  # the task that opens it at once; the hourly job would too
    plan(dt.date(2026, 10, 1), django_capture_on_commit_callbacks)
    send_all(dt.date(2026, 10, 1))
    campaign = Campaign.objects.get()
    assert (campaign.kind, campaign.text, campaign.opened_on) == (
        Campaign.Kind.TEXT_CHANGE,
        text,
        dt.date(2026, 10, 1),
    )
    assert campaign.schedule()[1] == ("reminder-1", dt.date(2026, 10, 15))
    assert sent_to() == ["sanne@example.org"]
    assert "Website" in mail.outbox[0].subject and "Zoë de Vries" in mail.outbox[0].body


# --- Turning 16 (rule 2) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "invited"),
    [(dt.date(2029, 3, 13), False), (dt.date(2029, 3, 14), True), (dt.date(2029, 3, 15), True)],
)
def test_the_sixteenth_birthday_task_on_the_day_before_of_and_after(
    child, mother, father, purposes, day, invited, django_capture_on_commit_callbacks
):
    from consents.tasks import turning_sixteen_notify

    child.user = f.UserFactory(email="zoe@example.org")
    child.save()
    with time_machine.travel(amsterdam(2028, 9, 10), tick=False):
        answer_everything(mother.user, child, purposes)
    with time_machine.travel(amsterdam(day.year, day.month, day.day, 7), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            turning_sixteen_notify.apply()
        send_all(day)
    if not invited:
        assert not mail.outbox and not CampaignStep.objects.exists()
        return
    # The day after, the missed birthday is caught up (the job looks a week back), once.
    assert CampaignStep.objects.get().name == "2029-03-14"
    assert sent_to() == ["mark@example.org", "sanne@example.org", "zoe@example.org"]
    to_zoe = next(m for m in mail.outbox if m.to == ["zoe@example.org"])
    assert "you decide" in to_zoe.subject
    assert "answers your parents or guardians gave stand" in to_zoe.body
    to_mother = next(m for m in mail.outbox if m.to == ["sanne@example.org"])
    assert "Zoë de Vries has turned 16" in to_mother.body
    with time_machine.travel(amsterdam(day.year, day.month, day.day, 8), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            turning_sixteen_notify.apply()
    assert OutboxMessage.objects.count() == 3


def test_a_student_who_decided_before_the_invitation_is_sent_is_not_invited(
    child, mother, purposes, django_capture_on_commit_callbacks
):
    child.user = f.UserFactory(email="zoe@example.org")
    child.save()
    with time_machine.travel(amsterdam(2029, 3, 14, 7), tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            turning_sixteen_notify(today=dt.date(2029, 3, 14))
        answer_everything(child.user, child, purposes)
        send_all(dt.date(2029, 3, 14))
    assert sent_to() == ["sanne@example.org"]


# --- Admin -----------------------------------------------------------------------------------


def test_admin_shows_progress_per_school_and_the_error_of_a_failed_message(
    client, family, renewal, school, other_school, purposes, django_capture_on_commit_callbacks
):
    plan(SEPT_1, django_capture_on_commit_callbacks)
    send_all(SEPT_1)
    failed = OutboxMessage.objects.get(recipient=family.father.user)
    OutboxMessage.objects.filter(pk=failed.pk).update(
        state=State.FAILED, last_error="SMTPDataError: 451 try later"
    )
    with time_machine.travel(amsterdam(2026, 9, 5), tick=False):
        answer_everything(family.mother.user, family.child, purposes)
    rows = {row.school: row.counts() for row in campaign_progress(renewal)}
    assert rows[school.name] == {
        "invited": 2,
        "answered": 1,
        "reminded": 0,
        "failed": 2,
        "still_open": 1,
    }
    assert rows[other_school.name]["invited"] == 0

    client.force_login(f.superuser())
    page = client.get(reverse("admin:consents_campaign_change", args=[renewal.pk]))
    assert page.status_code == 200
    assert school.name in page.content.decode()
    outbox = client.get(reverse("admin:consents_outboxmessage_changelist"), {"state": "failed"})
    assert "451 try later" in outbox.content.decode()


def test_admin_opens_a_campaign_by_hand_and_refuses_a_closed_one(
    client, family, board, django_capture_on_commit_callbacks
):
    today = school_today()
    year = SchoolYear.objects.for_date(board, today)
    start = max(year.start_date, today - dt.timedelta(days=400))
    future = Campaign.objects.create(
        board=board, school_year=year, opens_on=year.end_date, closes_on=year.end_date
    )
    closed_year = SchoolYear.objects.for_date(board, start - dt.timedelta(days=400))
    closed = Campaign.objects.create(board=board, school_year=closed_year)
    admin = f.superuser()
    client.force_login(admin)
    url = reverse("admin:consents_campaign_changelist")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            url,
            {"action": "open_now", "_selected_action": [future.pk, closed.pk]},
            follow=True,
        )
    text = response.content.decode()
    assert "1 campaign opened" in text
    assert "it can only be opened during it" in text
    future.refresh_from_db()
    closed.refresh_from_db()
    assert (future.opened_on, future.opened_by, future.opens_on) == (today, admin, today)
    assert closed.opened_on is None
    assert len(callbacks) == 1  # the task that plans the invitations, after commit


def test_a_material_change_published_in_the_admin_opens_a_campaign(client, website):
    client.force_login(f.superuser())
    response = client.post(
        reverse("admin:consents_consenttext_add"),
        {"purpose": website.pk, "change": "material", "body_nl": "Nieuw", "body_en": "New"},
    )
    assert response.status_code == 302
    text = ConsentText.objects.get(purpose=website, version=2)
    assert Campaign.objects.get().text == text


# --- Settings and the login link ---------------------------------------------------------------


def test_retry_delays_longer_than_the_visibility_timeout_are_refused(tmp_path):
    env = {**os.environ, "CELERY_VISIBILITY_TIMEOUT": "600", "OUTBOX_RETRY_MAX_SECONDS": "900"}
    env["VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "OUTBOX_RETRY_MAX_SECONDS must be shorter" in result.stderr


def test_the_emailed_link_asks_for_a_login_code_and_returns_home(client):
    response = client.get(login_url().removeprefix(django_settings.SITE_URL))
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
    assert response.context["redirect_field_value"] == reverse("home")
