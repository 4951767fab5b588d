"""Who may record a decision (rule 1), and in which capacity."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from consents.models import (
    ConsentDecision,
    Guardian,
    Guardianship,
    Role,
    StaffMember,
    Student,
    Subject,
)
from consents.roles import has_role
from consents.rules.ages import Decider, decider_on

Capacity = ConsentDecision.Capacity
Method = ConsentDecision.Method


class DecisionNotAllowed(PermissionDenied):
    """The user may not record this decision; the message says why."""


def subject_school_ids(subject: Subject) -> set[int]:
    if subject.kind == Subject.Kind.STUDENT:
        return {Student.objects.values_list("school_id", flat=True).get(pk=subject.pk)}
    return set(
        StaffMember.schools.through.objects.filter(staffmember_id=subject.pk).values_list(
            "school_id", flat=True
        )
    )


def _date_of_birth(subject: Subject) -> dt.date | None:
    if subject.kind != Subject.Kind.STUDENT:
        return None
    if Subject.student.is_cached(subject):  # loaded with the subject (select_related)
        return subject.student.date_of_birth
    return Student.objects.values_list("date_of_birth", flat=True).get(pk=subject.pk)


def authority_for(
    *,
    user,
    subject: Subject,
    on: dt.date,
    method: str,
    guardian: Guardian | None = None,
    unregistered: bool = False,
) -> tuple[str, Guardian | None]:
    """The capacity in which `user` records a decision for `subject`, and the voice it counts for.

    With `unregistered` an administrator records the decision of a guardian who is not
    registered: only for a child under 16 with no registered guardian at all (capacity
    UNREGISTERED, no guardian as voice). Raises DecisionNotAllowed, with a message for the
    user, when they may not.
    """
    decider = decider_on(_date_of_birth(subject), on)

    if method != Method.ONLINE:
        return _administrator_authority(user, subject, decider, guardian, unregistered)
    if unregistered:
        raise DecisionNotAllowed(
            _("Only an administrator records the decision of a guardian who is not registered.")
        )

    if subject.user_id is not None and subject.user_id == user.pk:
        if subject.kind == Subject.Kind.STAFF:
            return Capacity.STAFF, None
        if decider == Decider.SELF:
            return Capacity.SELF, None
        raise DecisionNotAllowed(_("Until you are 16, your parents or guardians decide."))

    own_guardian = Guardian.objects.filter(
        user_id=user.pk, guardianships__student_id=subject.pk
    ).first()
    if own_guardian is not None:
        if decider == Decider.SELF:
            raise DecisionNotAllowed(
                _("%(name)s is 16 or older and decides alone.") % {"name": subject.name}
            )
        return Capacity.GUARDIAN, own_guardian
    raise DecisionNotAllowed(_("You may not decide for this person."))


def _administrator_authority(user, subject, decider, guardian, unregistered):
    """`authority_for` a paper form or a decision given in person."""
    if not has_role(
        user,
        Role.Kind.ADMINISTRATOR,
        board_id=subject.board_id,
        school_ids=subject_school_ids(subject),
    ):
        raise DecisionNotAllowed(
            _(
                "Only a consent administrator of this school can record a paper form "
                "or a decision given in person."
            )
        )
    if decider == Decider.SELF:
        if guardian is not None or unregistered:
            raise DecisionNotAllowed(
                _("%(name)s decides alone; a guardian's answer no longer counts.")
                % {"name": subject.name}
            )
        return Capacity.ADMINISTRATOR, None
    if unregistered:
        if Guardianship.objects.filter(student_id=subject.pk).exists():
            raise DecisionNotAllowed(
                _(
                    "%(name)s has a registered guardian: record that guardian's decision, "
                    "or register the other guardian first."
                )
                % {"name": subject.name}
            )
        return Capacity.UNREGISTERED, None
    if (
        guardian is None
        or not Guardianship.objects.filter(guardian=guardian, student_id=subject.pk).exists()
    ):
        raise DecisionNotAllowed(
            _("Name the registered guardian of %(name)s whose decision this is.")
            % {"name": subject.name}
        )
    return Capacity.ADMINISTRATOR, guardian
