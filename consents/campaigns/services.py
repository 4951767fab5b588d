"""Campaigns ask people to answer (rules 2, 7, 8); the outbox emails each of them exactly once.

- `campaigns_advance` (hourly, idempotent) takes the step of each campaign that is due today
  and not yet planned; a scheduler that was down for a while catches up once.
- `step_plan` writes one OutboxMessage per recipient, chunk by chunk with bounded memory, each
  recipient with everyone they answer for (one email per guardian for siblings), and publishes
  the rows to Celery after the step's transaction commits.
- The outbox (`consents.outbox`) sends each row; `message_compose` asks the rules again
  whether the recipient still has to answer, so someone who answered meanwhile gets nothing.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consents import outbox, rules
from consents.bulk import keyset_chunks
from consents.dates import school_today
from consents.models import (
    Board,
    Campaign,
    CampaignStep,
    Guardian,
    Guardianship,
    MediaType,
    OutboxMessage,
    Purpose,
    School,
    SchoolYear,
    StaffMember,
    Student,
    Subject,
)
from consents.queue import enqueue_on_commit

State = OutboxMessage.State
Template = OutboxMessage.Template
TEXT_CHANGE_DAYS = 60
SIXTEEN_CATCH_UP_DAYS = 7
# The guardians are told this many days before the 16th birthday that the choice passes on.
SIXTEEN_NOTICE_DAYS = 7


class CampaignError(ValidationError):
    """The campaign cannot do what was asked; the message says why."""


def current(queryset, board: Board, on: dt.date):
    """People (a Subject or Student queryset) of `board` still at school on `on`, not erased."""
    return queryset.filter(board=board, erased_at__isnull=True).filter(
        Q(date_left__isnull=True) | Q(date_left__gt=on)
    )


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


def sixteen_soon_notify(
    *, today: dt.date | None = None, catch_up_days: int = SIXTEEN_CATCH_UP_DAYS
) -> list[CampaignStep]:
    """A week before a student's 16th birthday, tell their guardians that the choice passes to
    the student and what stays in force until the student decides (rule 2). A notice whose
    day was missed is caught up while the birthday is still ahead; one step per birthday, so
    each guardian is told once."""
    today = today or school_today()
    steps = []
    for board in Board.objects.all():
        for back in range(catch_up_days - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            birthday = day + dt.timedelta(days=SIXTEEN_NOTICE_DAYS)
            if birthday <= today:
                continue  # too late: the birthday's own emails say it
            students = list(
                rules.turning_sixteen(current(Student.objects, board, today), birthday).values_list(
                    "pk", flat=True
                )
            )
            if not students:
                continue
            step, _created = CampaignStep.objects.get_or_create(
                campaign=sixteen_campaign(board, day),
                name=f"soon-{birthday.isoformat()}",
                defaults={"due_on": day},
            )
            if step.planned_at is not None:
                continue
            notify = defaultdict(set)
            for user_id, student_id in Guardianship.objects.filter(
                student_id__in=students, guardian__user__is_active=True
            ).values_list("guardian__user_id", "student_id"):
                notify[user_id].add(student_id)
            messages_write(step, notify, Template.SIXTEEN_SOON)
            reached = {pk for ids in notify.values() for pk in ids}
            steps.append(step_finish(step, unreachable=len(set(students) - reached)))
    return steps


def chosen_for(people, *, on: dt.date) -> dict[int, list[tuple]]:
    """What stands for each person on `on`, per purpose: [(purpose, [(media type, state)])],
    for the turning-16 emails (what the guardians chose, what stays in force)."""
    found = rules.verdicts([p.pk for p in people], on=on, detail=False)
    purposes = {p.pk: p for p in Purpose.objects.filter(pk__in={k[1] for k in found})}
    media_types = {m.pk: m for m in MediaType.objects.all()}
    chosen = defaultdict(lambda: defaultdict(list))
    for (subject_id, purpose_id, media_type_id), verdict in sorted(
        found.items(),
        key=lambda item: (purposes[item[0][1]].order, item[0][1], media_types[item[0][2]].order),
    ):
        chosen[subject_id][purposes[purpose_id]].append((media_types[media_type_id], verdict.state))
    return {subject_id: list(rows.items()) for subject_id, rows in chosen.items()}


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


# --- Its emails in the outbox -------------------------------------------------------------------


def outbox_publish_step(step: CampaignStep) -> None:
    unpublished = step.messages.filter(state=State.QUEUED, enqueued_at__isnull=True)
    for ids in keyset_chunks(unpublished, outbox.PUBLISH_CHUNK):
        outbox.outbox_publish(ids)


def login_url() -> str:
    """The link in every email: the one-time-code login, then the consent page."""
    query = urlencode({"next": reverse("home")})
    return f"{settings.SITE_URL}{reverse('account_request_login_code')}?{query}"


def message_compose(message: OutboxMessage, *, today: dt.date) -> outbox.Outgoing | None:
    """A campaign's outbox message as things are now; None when the recipient no longer has
    anything to answer."""
    campaign = message.step.campaign
    recipient = message.recipient
    people = list(message.subjects.order_by("first_name", "last_name", "pk"))
    turning = {}
    if message.template in (Template.SIXTEEN_SOON, Template.SIXTEEN_STUDENT):
        turning = _turning(people, today=today, soon=message.template == Template.SIXTEEN_SOON)
        people = [person for person in people if person.pk in turning]
        if not people:
            return None
    if message.template not in (Template.SIXTEEN_GUARDIAN, Template.SIXTEEN_SOON):
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
        # Turning 16: the birthday, and what stands per purpose (see `_turning`).
        "turning": [turning[person.pk] for person in people if person.pk in turning],
    }
    return outbox.Outgoing([recipient.email], context)


def _turning(people, *, today: dt.date, soon: bool) -> dict[int, dict]:
    """For the turning-16 emails, per student: the 16th birthday and what was chosen for them
    by the guardians (as it stood the day before). A week's notice whose birthday has passed
    by the time it is sent is no longer needed (the birthday's email says it)."""
    born = dict(
        Student.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "date_of_birth")
    )
    birthdays = {pk: rules.sixteenth_birthday(date) for pk, date in born.items()}
    if soon:
        birthdays = {pk: day for pk, day in birthdays.items() if day > today}
    turning = {}
    for person in people:
        if person.pk not in birthdays:
            continue
        day = birthdays[person.pk]
        chosen = chosen_for([person], on=min(today, day - dt.timedelta(days=1)))
        turning[person.pk] = {
            "person": person,
            "birthday": day,
            "chosen": chosen.get(person.pk, []),
        }
    return turning


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
