"""Takedown tasks: opened by people (the person who decides asks for a publication to be
taken down, an administrator marks the person protected) or by a withdrawal
(`publications.takedowns_open`), and closed by communications staff.

Every way tells the school's communications staff through the outbox, in one email per
school that gathers the tasks opened until it is sent (`takedown_message_write`).
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consents import rules
from consents.dates import school_date
from consents.models import (
    OutboxMessage,
    Publication,
    PublicationPerson,
    Role,
    School,
    Subject,
    TakedownTask,
)
from consents.models.decisions import ConsentDecision
from consents.outbox import Outgoing, outbox_enqueue

REASON_MAX = 1000


def publications_of(subject: Subject) -> QuerySet[Publication]:
    """The recorded publications with `subject` on them, newest first, each with whether a
    takedown task is open for the person (`open_task`)."""
    open_task = TakedownTask.objects.open().filter(publication=OuterRef("pk"), subject=subject)
    return (
        Publication.objects.filter(entries__subject=subject)
        .select_related("purpose", "media_type")
        .annotate(open_task=Exists(open_task))
        .order_by("-published_on", "-pk")
    )


def publications_by_person(subjects) -> dict[int, list[Publication]]:
    """`publications_of` for several people in one query (the parent's page shows each
    child's): {subject id: their publications, newest first, each with `open_task`}."""
    open_task = TakedownTask.objects.open().filter(
        publication=OuterRef("publication_id"), subject=OuterRef("subject_id")
    )
    entries = (
        PublicationPerson.objects.filter(subject__in=subjects)
        .select_related("publication__purpose", "publication__media_type")
        .annotate(open_task=Exists(open_task))
        .order_by("-publication__published_on", "-publication_id")
    )
    found = defaultdict(list)
    for entry in entries:
        entry.publication.open_task = entry.open_task
        found[entry.subject_id].append(entry.publication)
    return found


@transaction.atomic
def takedown_request(
    *, user, subject: Subject, publication: Publication, reason: str
) -> TakedownTask:
    """The person who decides for `subject` asks for `publication` to be taken down.

    Opens one takedown task, with their reason, and queues the email to the school's
    communications staff. Raises DecisionNotAllowed when `user` does not decide for `subject`
    (rule 1), ValidationError when the person is not on the publication, a task for it is
    open already, or no reason is given; then nothing is written.
    """
    rules.authority_for(
        user=user,
        subject=subject,
        on=school_date(timezone.now()),
        method=ConsentDecision.Method.ONLINE,
    )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the school why it should be taken down.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("Keep the reason under 1,000 characters.")})
    if not publication.entries.filter(subject=subject).exists():
        raise ValidationError(_("This person is not on that publication."))
    # Locked, so that two requests at once open one task (the unique constraint backs it).
    Subject.objects.select_for_update().filter(pk=subject.pk).first()
    if TakedownTask.objects.open().filter(publication=publication, subject=subject).exists():
        raise ValidationError(_("The school is already taking this publication down."))
    task = TakedownTask.objects.create(
        publication=publication,
        subject=subject,
        origin=TakedownTask.Origin.REQUEST,
        requested_by=user,
        request_reason=reason,
        opened_at=timezone.now(),
    )
    takedown_message_write(publication.school_id, [task])
    return task


# --- Telling the school's communications staff, through the outbox -------------------------


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
