"""Whom a user may see: the people of a staff member's schools, and the people a parent,
student or staff member decides for themself.

Every feature looks a person up through these, so that anyone outside them answers 404, not
403 (docs/permissions.md). They stand below the features, which all import them.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from consents.models import Guardianship, StaffMember, Subject


def people_in(schools) -> QuerySet[Subject]:
    """Students and staff members of `schools` (a School queryset or list), not yet erased.

    A scope to narrow a selective query (a key, a class): PostgreSQL checks it per row found.
    On its own, over a whole board, it is a scan of everyone; for the ids a search found, use
    `communications.directory.among`.
    """
    # Correlated, so that PostgreSQL checks a staff member's schools per person found rather
    # than listing every staff member of the schools first (a class: 10 -> 3 ms).
    works_here = StaffMember.schools.through.objects.filter(
        staffmember_id=OuterRef("pk"), school__in=schools
    )
    return (
        Subject.objects.filter(erased_at__isnull=True)
        .filter(Q(student__school__in=schools) | Exists(works_here))
        .select_related("student__group", "staffmember")
    )


def subject_or_404(request, key) -> Subject:
    """A person of one of `request.schools` (set by `roles.role_required`); anyone else is
    404, not 403."""
    subjects = people_in(request.schools).select_related("user")
    return get_object_or_404(subjects, key=key)


def subjects_for(user):
    """Everyone `user` decides for: themself, and the students they are guardian of.

    Look people up through this queryset, so that anyone else answers 404.
    """
    # A union of two index lookups: an OR across the joined guardianships would make
    # PostgreSQL join every student to every guardian first (130 ms at board scale).
    themself = Subject.objects.filter(user_id=user.pk).order_by().values("pk")
    children = Guardianship.objects.filter(guardian__user_id=user.pk).order_by()
    return Subject.objects.filter(
        pk__in=themself.union(children.values("student_id")), erased_at__isnull=True
    ).select_related("board", "student")


def subject_for(user, key) -> Subject:
    """The user themself or their own child by key; anyone else's key is 404."""
    return get_object_or_404(subjects_for(user), key=key)


def decides_for_anyone(user) -> bool:
    return subjects_for(user).exists()
