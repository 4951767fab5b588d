"""Turning 16 (rule 2): a week before the birthday the guardians are told that the choice
passes to the student; on the day the student is invited and the guardians told it has
passed. Each runs daily and catches up missed days once; one step per birthday."""

import datetime as dt
from collections import defaultdict

from consents import rules
from consents.campaigns.planning import current, messages_write, step_finish
from consents.dates import school_today
from consents.models import (
    Board,
    Campaign,
    CampaignStep,
    Guardianship,
    MediaType,
    OutboxMessage,
    Purpose,
    SchoolYear,
    Student,
)

Template = OutboxMessage.Template
SIXTEEN_CATCH_UP_DAYS = 7
# The guardians are told this many days before the 16th birthday that the choice passes on.
SIXTEEN_NOTICE_DAYS = 7


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


def turning_for(people, *, today: dt.date, soon: bool) -> dict[int, dict]:
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
