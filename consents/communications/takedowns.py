"""Takedown tasks opened by people rather than by a withdrawal: the person who decides asks
for a publication to be taken down, or an administrator marks the person protected.

Both tell the school's communications staff through the outbox, in the same email as the
tasks a withdrawal opens (`publications.takedown_message_write`).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consents import rules
from consents.communications.publications import takedown_message_write
from consents.dates import school_date
from consents.models import Publication, Subject, TakedownTask
from consents.models.decisions import ConsentDecision

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
