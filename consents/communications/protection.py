"""Protected people (rule 12): an administrator marks a person "must not appear".

The flag is a rule input (`rules.verdicts` answers "not allowed" for every purpose and media
type); this module sets it with the administrator's note, logs the change (`Protection`), and
turns the person's recorded publications into takedown tasks. Communications staff see that
the person is protected, never the note.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consents.communications.takedowns import takedown_tasks_notify
from consents.models import Protection, Publication, Role, Subject, TakedownTask
from consents.roles import has_role
from consents.rules import subject_school_ids


@transaction.atomic
def protection_set(*, user, subject: Subject, protected: bool, note: str) -> Protection:
    """Mark `subject` protected (or no longer), with `note` saying why.

    Only an administrator of the person's school. Marking opens a takedown task for every
    recorded publication with the person (one per publication, none where one is open) and
    queues the takedown email through the outbox. Raises PermissionDenied or ValidationError
    and changes nothing when the change may not or need not be made.
    """
    if not has_role(
        user,
        Role.Kind.ADMINISTRATOR,
        board_id=subject.board_id,
        school_ids=subject_school_ids(subject),
    ):
        raise PermissionDenied(_("Only a consent administrator of this school can do this."))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Write down why; only administrators can read it.")})
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    if subject.protected == protected:
        raise ValidationError(
            _("This person is already protected.")
            if protected
            else _("This person is not protected.")
        )
    subject.protected = protected
    # A rule input: saving it marks the person's stored verdicts stale (`rules.inputs`).
    subject.save(update_fields=["protected"])
    change = Protection.objects.create(
        subject=subject, protected=protected, note=note, set_by=user, set_at=timezone.now()
    )
    if protected:
        protected_takedowns_open(subject)
    return change


def protected_takedowns_open(subject: Subject) -> list[TakedownTask]:
    """A takedown task for each publication with `subject` that has none open, and the
    email to each school's communications staff through the outbox."""
    already_open = TakedownTask.objects.open().filter(subject=subject).values("publication_id")
    publications = Publication.objects.filter(entries__subject=subject).exclude(pk__in=already_open)
    now = timezone.now()
    tasks = TakedownTask.objects.bulk_create(
        TakedownTask(
            publication=publication,
            subject=subject,
            origin=TakedownTask.Origin.PROTECTED,
            opened_at=now,
        )
        for publication in publications
    )
    takedown_tasks_notify(tasks)
    return tasks
