"""Campaigns ask people to answer (rules 2, 7, 8); the outbox emails each of them exactly once.

- `campaigns_advance` (hourly, idempotent) takes the step of each campaign that is due today
  and not yet planned; a scheduler that was down for a while catches up once.
- `step_plan` writes one OutboxMessage per recipient, chunk by chunk with bounded memory, each
  recipient with everyone they answer for (one email per guardian for siblings), and publishes
  the rows to Celery after the step's transaction commits.
- The task `outbox_send` calls `outbox_deliver`, which claims the row with a compare-and-set
  (a duplicate delivery sends nothing), asks the rules again whether the recipient still has to
  answer (someone who answered meanwhile gets nothing), and sends, or schedules a retry with
  exponential backoff, or marks the row failed with the error.
- `outbox_sweep` (every few minutes) publishes rows committed but never picked up and takes
  back rows whose worker died while sending.
"""

import datetime as dt
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consents import rules
from consents.dates import school_today
from consents.emails import send_email
from consents.models import (
    Board,
    Campaign,
    CampaignStep,
    Guardian,
    Guardianship,
    OutboxMessage,
    School,
    SchoolYear,
    StaffMember,
    Student,
    Subject,
)
from consents.queue import enqueue, enqueue_on_commit

State = OutboxMessage.State
Template = OutboxMessage.Template
# Temporary trouble reaching the mail server: connection refused or reset, timeouts, 4xx.
SEND_ERRORS = (smtplib.SMTPException, OSError)
TEXT_CHANGE_DAYS = 60
SIXTEEN_CATCH_UP_DAYS = 7
PUBLISH_CHUNK = 1000


class CampaignError(ValidationError):
    """The campaign cannot do what was asked; the message says why."""


class RetryLater(Exception):
    """Sending failed for now; the outbox row has been set to retry after `delay` seconds."""

    def __init__(self, delay: float):
        super().__init__(delay)
        self.delay = delay


def current(queryset, board: Board, on: dt.date):
    """People (a Subject or Student queryset) of `board` still at school on `on`, not erased."""
    return queryset.filter(board=board, erased_at__isnull=True).filter(
        Q(date_left__isnull=True) | Q(date_left__gt=on)
    )


def keyset_chunks(queryset, size: int):
    """The ids of `queryset` in ascending chunks of `size`: bounded memory on any table size."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


# --- Opening and advancing campaigns -------------------------------------------------------


@transaction.atomic
def campaign_open(*, campaign: Campaign, by=None, today: dt.date | None = None) -> Campaign:
    """Open `campaign` by hand today; the invitation is planned by a task after commit."""
    today = today or school_today()
    campaign = (
        Campaign.objects.select_for_update().select_related("school_year").get(pk=campaign.pk)
    )
    if campaign.kind == Campaign.Kind.TURNING_SIXTEEN:
        raise CampaignError(_("This campaign runs by itself on every 16th birthday."))
    if campaign.opened_on is not None:
        raise CampaignError(
            _("This campaign has been open since %(date)s.") % {"date": campaign.opened_on}
        )
    if not campaign.school_year.contains(today):
        raise CampaignError(
            _("This campaign is for school year %(year)s; it can only be opened during it.")
            % {"year": campaign.school_year}
        )
    if today > campaign.closes_on:
        raise CampaignError(_("This campaign closed on %(date)s.") % {"date": campaign.closes_on})
    campaign.opened_on = today
    campaign.opened_by = by
    campaign.opens_on = min(campaign.opens_on, today)
    campaign.save(update_fields=["opened_on", "opened_by", "opens_on"])
    enqueue_on_commit("consents.tasks.campaign_advance_task", campaign.pk)
    return campaign


def campaign_advance(campaign: Campaign, *, today: dt.date | None = None) -> CampaignStep | None:
    """Take the step of `campaign` that is due today, unless it was taken already."""
    today = today or school_today()
    due = campaign.due_step(today)
    if due is None:
        return None
    name, due_on = due
    if campaign.opened_on is None:
        Campaign.objects.filter(pk=campaign.pk, opened_on__isnull=True).update(opened_on=today)
        campaign.refresh_from_db(fields=["opened_on"])
        due_on = campaign.opened_on
    step, _created = CampaignStep.objects.get_or_create(
        campaign=campaign, name=name, defaults={"due_on": due_on}
    )
    if step.planned_at is None:
        step_plan(step, today=today)
    return step


def campaigns_advance(*, today: dt.date | None = None) -> list[CampaignStep]:
    """The hourly job: every campaign acts on what is due and not yet done. Idempotent."""
    today = today or school_today()
    campaigns = (
        Campaign.objects.exclude(kind=Campaign.Kind.TURNING_SIXTEEN)
        .filter(opens_on__lte=today, closes_on__gte=today)
        .select_related("board", "school_year", "text__purpose")
    )
    steps = [campaign_advance(campaign, today=today) for campaign in campaigns]
    return [step for step in steps if step is not None]


@transaction.atomic
def text_change_campaign_create(*, text, today: dt.date | None = None) -> Campaign:
    """Rule 8: a material change asks everyone affected again, through the same outbox and
    reminders; the campaign opens at once (a task plans it after commit)."""
    today = today or school_today()
    board = text.purpose.board
    school_year = SchoolYear.objects.for_date(board, today)
    campaign = Campaign.objects.create(
        board=board,
        school_year=school_year,
        kind=Campaign.Kind.TEXT_CHANGE,
        text=text,
        opens_on=today,
        closes_on=min(today + dt.timedelta(days=TEXT_CHANGE_DAYS), school_year.end_date),
    )
    enqueue_on_commit("consents.tasks.campaign_advance_task", campaign.pk)
    return campaign


# --- Planning a step -------------------------------------------------------------------------


def step_plan(step: CampaignStep, *, today: dt.date, chunk_size: int | None = None) -> CampaignStep:
    """Write one outbox row for each person who still has to answer, then publish the rows.

    Runs chunk by chunk over the recipients (users), each chunk with everyone its users answer
    for, so memory stays bounded and a guardian of siblings gets one email. Idempotent: a
    re-run after a crash adds only what is missing (the unique constraint).
    """
    chunk_size = chunk_size or settings.CAMPAIGN_CHUNK_SIZE
    campaign = step.campaign
    ask_kwargs = {
        "on": today,
        "purposes": campaign.purposes,
        "changed_text_only": campaign.kind == Campaign.Kind.TEXT_CHANGE,
    }
    subject_ids = current(Subject.objects, campaign.board, today).values("pk")
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(guardian__guardianships__student__in=subject_ids) | Q(subject__in=subject_ids))
        .distinct()
    )
    for user_ids in keyset_chunks(users, chunk_size):
        links = list(
            Guardianship.objects.filter(
                guardian__user_id__in=user_ids, student__in=subject_ids
            ).values_list("guardian__user_id", "guardian_id", "student_id")
        )
        own = list(
            Subject.objects.filter(user_id__in=user_ids, pk__in=subject_ids).values_list(
                "user_id", "pk"
            )
        )
        asks = rules.voices_to_ask(
            {student_id for *_ids, student_id in links} | {pk for _user, pk in own}, **ask_kwargs
        )
        wanted = defaultdict(set)
        for user_id, guardian_id, student_id in links:
            if guardian_id in asks.get(student_id, ()):
                wanted[user_id].add(student_id)
        for user_id, pk in own:
            if None in asks.get(pk, ()):
                wanted[user_id].add(pk)
        messages_write(step, wanted, Template.ASK)

    # Who needs an answer but is in no email of this step: nobody with an address to ask.
    people = current(Subject.objects, campaign.board, today)
    unreachable = sum(
        len(rules.voices_to_ask(ids, **ask_kwargs))
        for ids in uncovered_chunks(step, people, chunk_size)
    )
    return step_finish(step, unreachable=unreachable)


def uncovered_chunks(step: CampaignStep, people, size: int):
    """The ids of `people` in no message of `step`, chunk by chunk.

    Each chunk's people are looked up in the messages by their own ids (an index), and the
    step is compared here. As one `NOT EXISTS` query, PostgreSQL planned it from statistics
    that do not know the rows this step has just written (a new step: "1 row"), and compared
    every person with every message: 100,000 recipients took minutes.
    """
    Through = OutboxMessage.subjects.through
    for ids in keyset_chunks(people, size):
        covered = {
            subject_id
            for subject_id, step_id in Through.objects.filter(subject_id__in=ids).values_list(
                "subject_id", "outboxmessage__step_id"
            )
            if step_id == step.pk
        }
        rest = [pk for pk in ids if pk not in covered]
        if rest:
            yield rest


def messages_write(step: CampaignStep, wanted: dict[int, set[int]], template: str) -> None:
    """One outbox row per recipient user of `wanted` ({user id: subject ids}) for `step`."""
    if not wanted:
        return
    Through = OutboxMessage.subjects.through
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(step=step, recipient_id=user_id, template=template)
                for user_id in wanted
            ],
            ignore_conflicts=True,
        )
        rows = dict(
            OutboxMessage.objects.filter(step=step, recipient_id__in=wanted).values_list(
                "recipient_id", "pk"
            )
        )
        Through.objects.bulk_create(
            [
                Through(outboxmessage_id=rows[user_id], subject_id=subject_id)
                for user_id, subject_ids in wanted.items()
                for subject_id in subject_ids
            ],
            ignore_conflicts=True,
        )


@transaction.atomic
def step_finish(step: CampaignStep, *, unreachable: int) -> CampaignStep:
    """Mark `step` planned and publish its rows once this transaction commits."""
    step.recipients = step.messages.count()
    step.unreachable = unreachable
    step.planned_at = timezone.now()
    step.save(update_fields=["recipients", "unreachable", "planned_at"])
    transaction.on_commit(lambda: outbox_publish_step(step))
    return step


def turning_sixteen_notify(
    *, today: dt.date | None = None, catch_up_days: int = SIXTEEN_CATCH_UP_DAYS
) -> list[CampaignStep]:
    """The daily job (rule 2): invite every student whose 16th birthday it is and tell their
    guardians that the decision has passed to the student. Birthdays of the last
    `catch_up_days` days that were missed (a scheduler that was down) are caught up once."""
    today = today or school_today()
    steps = []
    for board in Board.objects.all():
        for back in range(catch_up_days - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            birthdays = rules.turning_sixteen(current(Student.objects, board, day), day)
            students = list(birthdays.values_list("pk", "user_id", "user__is_active"))
            if not students:
                continue
            campaign = sixteen_campaign(board, day)
            step, _created = CampaignStep.objects.get_or_create(
                campaign=campaign, name=day.isoformat(), defaults={"due_on": day}
            )
            if step.planned_at is not None:
                continue
            invite = defaultdict(set)
            for pk, user_id, active in students:
                if user_id and active:
                    invite[user_id].add(pk)
            notify = defaultdict(set)
            for user_id, student_id in Guardianship.objects.filter(
                student_id__in=[pk for pk, *_rest in students], guardian__user__is_active=True
            ).values_list("guardian__user_id", "student_id"):
                notify[user_id].add(student_id)
            messages_write(step, invite, Template.SIXTEEN_STUDENT)
            messages_write(step, notify, Template.SIXTEEN_GUARDIAN)
            steps.append(step_finish(step, unreachable=len(students) - len(invite)))
    return steps


def sixteen_campaign(board: Board, day: dt.date) -> Campaign:
    school_year = SchoolYear.objects.for_date(board, day)
    campaign, _created = Campaign.objects.get_or_create(
        board=board,
        school_year=school_year,
        kind=Campaign.Kind.TURNING_SIXTEEN,
        defaults={
            "opens_on": school_year.start_date,
            "closes_on": school_year.end_date,
            "opened_on": school_year.start_date,
            "reminder_days": "",
            "reminder_interval": 0,
        },
    )
    return campaign


# --- The outbox ------------------------------------------------------------------------------


def outbox_publish(message_ids: list[int]) -> None:
    """Hand outbox rows to the broker (one task each) and note when."""
    published = [
        message_id
        for message_id in message_ids
        if enqueue("consents.tasks.outbox_send", message_id)
    ]
    # What the broker did not take keeps enqueued_at empty: the sweep publishes it again.
    OutboxMessage.objects.filter(pk__in=published).update(enqueued_at=timezone.now())


def outbox_publish_step(step: CampaignStep) -> None:
    unpublished = step.messages.filter(state=State.QUEUED, enqueued_at__isnull=True)
    for ids in keyset_chunks(unpublished, PUBLISH_CHUNK):
        outbox_publish(ids)


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
        email = message_compose(message, today=today or school_today())
        if email is None:
            return message_finish(message, State.SKIPPED)
        send_email(*email)
    except SEND_ERRORS as error:
        return message_failed(message, error)
    except Exception as error:
        message_finish(message, State.FAILED, last_error=describe_error(error))
        raise
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


def login_url() -> str:
    """The link in every email: the one-time-code login, then the consent page."""
    query = urlencode({"next": reverse("home")})
    return f"{settings.SITE_URL}{reverse('account_request_login_code')}?{query}"


def message_compose(message: OutboxMessage, *, today: dt.date) -> tuple | None:
    """(template, recipients, context) of an outbox message as things are now; None when the
    recipient no longer has anything to answer."""
    campaign = message.step.campaign
    recipient = message.recipient
    people = list(message.subjects.order_by("first_name", "last_name", "pk"))
    if message.template != Template.SIXTEEN_GUARDIAN:
        asks = rules.voices_to_ask(
            [person.pk for person in people],
            on=today,
            purposes=campaign.purposes,
            changed_text_only=campaign.kind == Campaign.Kind.TEXT_CHANGE,
        )
        guardian_id = Guardian.objects.filter(user=recipient).values_list("pk", flat=True).first()
        people = [
            person
            for person in people
            if (person.user_id == recipient.pk and None in asks.get(person.pk, ()))
            or (guardian_id is not None and guardian_id in asks.get(person.pk, ()))
        ]
        if not people:
            return None
    context = {
        "recipient": recipient,
        "name": recipient.get_full_name() or recipient.email,
        "people": people,
        "for_self": any(person.user_id == recipient.pk for person in people),
        "campaign": campaign,
        "board": campaign.board,
        "purpose": campaign.text.purpose if campaign.text_id else None,
        "is_reminder": message.step.is_reminder,
        "guardians_answer_stays": campaign.board.at_sixteen == Board.AtSixteen.KEEP,
        "login_url": login_url(),
    }
    return message.template, [recipient.email], context


def outbox_sweep(*, now: dt.datetime | None = None) -> int:
    """Publish again what was committed but never picked up; returns how many rows.

    - a worker died while sending (the row is `sending` past the lease): back to retry;
    - rows never handed to the broker (a crash between commit and publish), once their step
      is planned;
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
            step__planned_at__isnull=False,
        )
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


# --- Progress for the admin ------------------------------------------------------------------


@dataclass
class Progress:
    school: str
    asked: set = field(default_factory=set)
    invited: set = field(default_factory=set)
    reminded: set = field(default_factory=set)
    failed: set = field(default_factory=set)
    still_open: set = field(default_factory=set)

    @property
    def answered(self) -> set:
        return self.asked - self.still_open

    def counts(self) -> dict[str, int]:
        return {
            "invited": len(self.invited),
            "answered": len(self.answered),
            "reminded": len(self.reminded),
            "failed": len(self.failed),
            "still_open": len(self.still_open),
        }


def campaign_progress(campaign: Campaign, *, today: dt.date | None = None) -> list[Progress]:
    """Per school of the board: the people the campaign asked, and of them how many were
    invited, have answered, were reminded, could not be emailed, and still have to answer."""
    today = today or school_today()
    Through = OutboxMessage.subjects.through
    links = Through.objects.filter(outboxmessage__step__campaign=campaign)
    asked, invited, reminded, failed = set(), set(), set(), set()
    for subject_id, state, step_name in links.values_list(
        "subject_id", "outboxmessage__state", "outboxmessage__step__name"
    ).iterator(chunk_size=5000):
        asked.add(subject_id)
        if state == State.SENT:
            (reminded if step_name.startswith("reminder-") else invited).add(subject_id)
        elif state == State.FAILED:
            failed.add(subject_id)
    still_open = set()
    subject_ids = sorted(asked)
    size = settings.CAMPAIGN_CHUNK_SIZE
    for start in range(0, len(subject_ids), size):
        still_open.update(
            rules.voices_to_ask(
                subject_ids[start : start + size],
                on=today,
                purposes=campaign.purposes,
                changed_text_only=campaign.kind == Campaign.Kind.TEXT_CHANGE,
            )
        )
    schools_of = defaultdict(set)
    asked_query = links.values("subject_id")
    for pk, school_id in Student.objects.filter(pk__in=asked_query).values_list("pk", "school_id"):
        schools_of[school_id].add(pk)
    for pk, school_id in StaffMember.schools.through.objects.filter(
        staffmember_id__in=asked_query
    ).values_list("staffmember_id", "school_id"):
        schools_of[school_id].add(pk)
    result = []
    for school in School.objects.filter(board=campaign.board):
        members = schools_of.get(school.pk, set())
        result.append(
            Progress(
                school=school.name,
                asked=members,
                invited=members & invited,
                reminded=members & reminded,
                failed=members & failed,
                still_open=members & still_open,
            )
        )
    return result
