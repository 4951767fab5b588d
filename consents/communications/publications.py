"""Communications staff: check a group, record publications, take them down (finding the
people is `directory.py`).

Every verdict here comes from `consents.rules`; this module only chooses whom to ask about
and stores what the rules answered.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consents import rules
from consents.communications.directory import group_label
from consents.communications.lookups import fold
from consents.dates import school_date
from consents.models import (
    ConsentDecision,
    MediaType,
    OutboxMessage,
    Publication,
    PublicationPerson,
    Purpose,
    Role,
    School,
    StaffMember,
    Student,
    Subject,
    TakedownTask,
)
from consents.models.people import full_name
from consents.outbox import Outgoing, outbox_enqueue
from consents.people import people_in

# --- Group check (rule 9) ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    person: Subject
    group_name: str
    verdict: rules.Verdict


@dataclass
class GroupCheck:
    """Who of a group may appear in a publication for `purpose` as `media_type`, and who not."""

    school: School
    purpose: Purpose
    media_type: MediaType
    on: dt.date
    rows: list[CheckRow]
    not_found: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)

    @property
    def not_allowed(self) -> list[CheckRow]:
        return [row for row in self.rows if not row.verdict.allowed]

    @property
    def allowed(self) -> list[CheckRow]:
        return [row for row in self.rows if row.verdict.allowed]

    @cached_property
    def namesakes(self) -> set[int]:
        """The people of the check who share their name with someone else in it: their rows
        are marked, so that staff tell them apart by student number."""
        names = Counter(_normalised(row.person.name) for row in self.rows)
        return {row.person.pk for row in self.rows if names[_normalised(row.person.name)] > 1}


def group_check(
    *,
    school: School,
    purpose: Purpose,
    media_type: MediaType,
    people: list[Subject],
    on: dt.date,
    not_found=(),
    ambiguous=(),
) -> GroupCheck:
    found = rules.verdicts(
        [person.pk for person in people], on=on, purposes=[purpose], media_types=[media_type]
    )
    rows = [
        CheckRow(person, group_label(person), found[(person.pk, purpose.pk, media_type.pk)])
        for person in people
    ]
    rows.sort(
        key=lambda row: (
            _normalised(row.group_name),
            _normalised(row.person.last_name),
            _normalised(row.person.first_name),
        )
    )
    return GroupCheck(
        school=school,
        purpose=purpose,
        media_type=media_type,
        on=on,
        rows=rows,
        not_found=list(not_found),
        ambiguous=list(ambiguous),
    )


def group_check_run(
    *,
    school: School,
    groups,
    names: str,
    purpose: Purpose,
    media_type: MediaType,
    on: dt.date,
) -> GroupCheck:
    """The check of the classes `groups` and the pasted lines `names` together, each person
    once; lines that find nobody or several people are reported with the check."""
    people = {}
    if groups:
        for person in people_in([school]).filter(student__group__in=groups):
            people[person.pk] = person
    named, not_found, ambiguous = names_resolve(school, names)
    for person in named:
        people[person.pk] = person
    return group_check(
        school=school,
        purpose=purpose,
        media_type=media_type,
        people=list(people.values()),
        on=on,
        not_found=not_found,
        ambiguous=ambiguous,
    )


def _normalised(text: str) -> str:
    """Lower case, no diacritics, single spaces: "Zoë  de Vries" and "zoe de vries" match."""
    return " ".join(fold(text).split())


def _name_keys(first_name: str, prefix: str, last_name: str, student_number: str | None) -> set:
    keys = {
        _normalised(full_name(first_name, prefix, last_name)),
        _normalised(f"{first_name} {last_name}"),
    }
    if student_number:
        keys.add(_normalised(student_number))
    return keys


def _line_key(line: str) -> str:
    # Exports often write "Vries, Zoë de" or "de Vries, Zoë": put the first name first.
    if "," in line:
        last, _comma, first = line.partition(",")
        line = f"{first} {last}"
    return _normalised(line)


def names_resolve(school: School, text: str) -> tuple[list[Subject], list[str], list[str]]:
    """Match a pasted list (one name or student number a line) against the people of `school`.

    Returns (people found, lines not found, lines that matched several people). A line that
    matches several people adds them all, so that nobody who may not appear is left out.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return [], [], []
    # Lines that are a student number of the school, on its (school, number) index; student
    # numbers are unique per school. Only if lines remain that could be a name (not digits
    # only) are the school's names read, as plain values by two queries on the school's own
    # indexes (`people_in` alone would scan the whole board), and matched in Python without
    # case or diacritics.
    students = Student.objects.filter(school=school, erased_at__isnull=True)
    by_number = dict(
        students.filter(student_number__in=set(lines)).values_list("student_number", "pk")
    )
    index = defaultdict(list)
    if any(line not in by_number and not line.isdigit() for line in lines):
        names = ("pk", "first_name", "prefix", "last_name")
        staff = StaffMember.objects.filter(schools=school, erased_at__isnull=True)
        for pk, *name in chain(
            students.values_list(*names, "student_number"),
            ((*row, None) for row in staff.values_list(*names)),
        ):
            for key in _name_keys(*name):
                index[key].append(pk)
    found: dict[int, None] = {}
    not_found, ambiguous = [], []
    for line in lines:
        matches = [by_number[line]] if line in by_number else index.get(_line_key(line), [])
        if not matches:
            not_found.append(line)
        elif len(matches) > 1:
            ambiguous.append(line)
        found.update(dict.fromkeys(matches))
    by_pk = people_in([school]).in_bulk(list(found))
    return [by_pk[pk] for pk in found], not_found, ambiguous


# --- Publications ------------------------------------------------------------------------------


class OverrideRequired(ValidationError):
    """Someone on the publication may not appear, and no reason to publish anyway was given."""


@transaction.atomic
def publication_record(
    *,
    user,
    school: School,
    title: str,
    purpose: Purpose,
    media_type: MediaType,
    published_on: dt.date,
    people: list[Subject],
    url: str = "",
    override_reason: str = "",
) -> Publication:
    """Record a publication with the verdicts of the people on it at this moment.

    If anyone on it is not allowed (no answer counts as not allowed), `override_reason` is
    required and the publication is flagged for the administrator. Raises ValidationError
    (OverrideRequired for the missing reason) and writes nothing when the input is not valid.
    """
    people = list({person.pk: person for person in people}.values())
    if not title.strip():
        raise ValidationError({"title": _("Give the publication a title.")})
    if not people:
        raise ValidationError(
            {"people": _("Choose at least one person who is on the publication.")}
        )
    if purpose.board_id != school.board_id or not purpose.active:
        raise ValidationError(_("This purpose does not exist for this school."))
    allowed_ids = set(
        people_in([school]).filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True)
    )
    if any(person.pk not in allowed_ids for person in people):
        raise ValidationError(
            {"people": _("Someone on the list is not a student or staff member here.")}
        )

    now = timezone.now()
    check = group_check(
        school=school, purpose=purpose, media_type=media_type, people=people, on=school_date(now)
    )
    refused = check.not_allowed
    override_reason = override_reason.strip()
    if refused and not override_reason:
        names = ", ".join(row.person.name for row in refused)
        message = ngettext(
            "%(names)s may not appear. Remove this person or give a reason to publish "
            "anyway; the administrator will review it.",
            "%(names)s may not appear. Remove them or give a reason to publish anyway; "
            "the administrator will review it.",
            len(refused),
        ) % {"names": names}
        raise OverrideRequired({"override_reason": message})
    publication = Publication.objects.create(
        school=school,
        title=title.strip(),
        purpose=purpose,
        media_type=media_type,
        published_on=published_on,
        url=url,
        recorded_by=user,
        recorded_at=now,
        override_reason=override_reason if refused else "",
        flagged=bool(refused),
    )
    PublicationPerson.objects.bulk_create(
        PublicationPerson(
            publication=publication,
            subject=row.person,
            state=row.verdict.state,
            explanation=row.verdict.explanation,
            group_name=row.group_name,
            decision_ids=[d.pk for d in row.verdict.decisions],
        )
        for row in check.rows
    )
    return publication


@transaction.atomic
def publication_review(*, publication: Publication, user) -> Publication:
    """The administrator has looked at a publication recorded without everyone's consent."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if not publication.flagged:
        raise ValidationError(_("This publication does not need a review."))
    if publication.reviewed_at is not None:
        raise ValidationError(_("This publication has already been reviewed."))
    publication.reviewed_by, publication.reviewed_at = user, timezone.now()
    publication.save(update_fields=["reviewed_by", "reviewed_at"])
    return publication


# --- Withdrawal -> takedown (rule 6) ---------------------------------------------------------


def verdict_if_published(subject, purpose, media_type, *, on: dt.date) -> rules.Verdict | None:
    """The verdict before a new decision, if a recorded publication could need a takedown.

    Called by `services.decision_record` before it writes; None (one cheap query) when the
    person is on no publication for this purpose and media type.
    """
    on_publication = PublicationPerson.objects.filter(
        subject=subject, publication__purpose=purpose, publication__media_type=media_type
    ).exists()
    return rules.verdict_for(subject, purpose, media_type, on=on) if on_publication else None


def takedowns_open(
    *, decision: ConsentDecision, before: rules.Verdict | None, on: dt.date
) -> list[TakedownTask]:
    """Open a takedown task per publication of the person when `decision` turned them from
    allowed to not allowed; the school's communications staff are emailed through the outbox
    once the transaction commits. Runs inside `decision_record`'s transaction."""
    if before is None or not before.allowed:
        return []
    subject, purpose, media_type = decision.subject, decision.purpose, decision.media_type
    if rules.verdict_for(subject, purpose, media_type, on=on).allowed:
        return []
    already_open = TakedownTask.objects.open().filter(subject=subject).values("publication_id")
    publications = list(
        Publication.objects.filter(
            entries__subject=subject, purpose=purpose, media_type=media_type
        ).exclude(pk__in=already_open)
    )
    now = timezone.now()
    tasks = TakedownTask.objects.bulk_create(
        TakedownTask(publication=publication, subject=subject, decision=decision, opened_at=now)
        for publication in publications
    )
    takedown_tasks_notify(tasks)
    return tasks


def takedown_tasks_notify(tasks: list[TakedownTask]) -> None:
    """Put new `tasks` in their schools' takedown emails (one per school, see below)."""
    by_school = defaultdict(list)
    for task in tasks:
        by_school[task.publication.school_id].append(task)
    for school_id, school_tasks in by_school.items():
        takedown_message_write(school_id, school_tasks)


def takedown_message_write(school_id: int, tasks: list[TakedownTask]) -> OutboxMessage:
    """Put `tasks` in the school's takedown email that is still queued, or queue a new one.

    Several decisions in one go (a parent withdrawing photo and film) make one email. The row
    is locked, so a worker cannot claim it before this transaction commits and miss the tasks
    added here; once it has been claimed, it is no longer queued and a new one is written.
    """
    queued = (
        OutboxMessage.objects.select_for_update()
        .filter(
            template=OutboxMessage.Template.TAKEDOWN,
            state=OutboxMessage.State.QUEUED,
            context__school=school_id,
        )
        .order_by("pk")
        .first()
    )
    subjects = {task.subject_id for task in tasks}
    if queued is None:
        return outbox_enqueue(
            template=OutboxMessage.Template.TAKEDOWN,
            context={"school": school_id, "tasks": [task.pk for task in tasks]},
            subjects=subjects,
        )
    queued.context["tasks"] += [task.pk for task in tasks]
    queued.save(update_fields=["context"])
    queued.subjects.add(*subjects)
    return queued


def takedown_recipients(school: School) -> list[str]:
    """The communications staff of `school`; its administrators when it has none."""
    for kind in (Role.Kind.COMMUNICATIONS, Role.Kind.ADMINISTRATOR):
        emails = sorted(
            set(
                Role.objects.covering(school)
                .filter(kind=kind, user__is_active=True)
                .exclude(user__email="")
                .values_list("user__email", flat=True)
            )
        )
        if emails:
            return emails
    return []


def takedown_message_compose(message: OutboxMessage, *, today=None) -> Outgoing | None:
    """The takedown email of an outbox message, to the school's communications staff of the
    moment, listing its tasks that are still open; None when none is (staff closed them
    before the email went out) or nobody can be told."""
    tasks = list(
        TakedownTask.objects.open()
        .filter(pk__in=message.context["tasks"])
        .select_related("publication__school", "publication__purpose", "subject")
        .order_by("pk")
    )
    if not tasks:
        return None
    school = tasks[0].publication.school
    recipients = takedown_recipients(school)
    if not recipients:
        return None

    def notified():
        TakedownTask.objects.filter(pk__in=[task.pk for task in tasks]).update(
            notified_at=timezone.now()
        )

    return Outgoing(recipients, {"school": school, "tasks": tasks}, sent=notified)


@transaction.atomic
def takedown_close(*, task: TakedownTask, user, outcome: str, reason: str = "") -> TakedownTask:
    """Close a takedown task: who, when and how. Keeping the publication needs a reason."""
    task = TakedownTask.objects.select_for_update().get(pk=task.pk)
    reason = reason.strip()
    if not task.is_open:
        raise ValidationError(_("This task has already been closed."))
    if outcome not in TakedownTask.Outcome.values:
        raise ValidationError({"outcome": _("Choose what was done with the publication.")})
    if outcome == TakedownTask.Outcome.KEPT and not reason:
        raise ValidationError({"reason": _("Give the reason for keeping the publication online.")})
    task.outcome, task.reason = outcome, reason
    task.closed_by, task.closed_at = user, timezone.now()
    task.save(update_fields=["outcome", "reason", "closed_by", "closed_at"])
    return task
