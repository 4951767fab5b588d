"""What makes an import stop at the dry run and ask: many leavers, and changed identities.

A wrong file (another school's, last year's, a partial selection) imported as a full import
would mark most of a school as left; a student number reused for another child would give
that child the first one's consent history. Both are shown in the dry run and applied only
when the administrator confirms them.
"""

from collections import Counter

from django.db.models import Count

from consents.models import School, StaffMember, Student

from .guardians import same_name
from .results import MassLeave

# A full import that marks more than this share of a school's people as left asks first.
MASS_LEAVE_SHARE = 0.10


class LeaveGuard:
    """Counts, per school, the people a full import marks as left against those it had."""

    def __init__(self, school_ids: set[int], created: Counter):
        self.school_ids = set(school_ids)
        # People the import created, per school: counted here rather than excluded by id in
        # SQL, since a first import of a board creates more ids than a query may bind.
        self.created = created
        self.leaving: Counter = Counter()

    def leave(self, school_id: int):
        self.leaving[school_id] += 1

    @property
    def total(self) -> int:
        """People leaving a school (a teacher leaving two schools counts twice)."""
        return self.leaving.total()

    def remaining(self) -> Counter:
        """Each school's students and staff still there, not counting those it creates."""
        people = Counter()
        students = (
            Student.objects.filter(school_id__in=self.school_ids, date_left__isnull=True)
            .values("school_id")
            .annotate(n=Count("id"))
        )
        for row in students:
            people[row["school_id"]] += row["n"]
        links = (
            StaffMember.schools.through.objects.filter(school_id__in=self.school_ids)
            .values("school_id")
            .annotate(n=Count("id"))
        )
        for row in links:
            people[row["school_id"]] += row["n"]
        return people - self.created

    def tripped(self) -> list[MassLeave]:
        """Schools losing more than MASS_LEAVE_SHARE of the people they had, once the
        leavers have been marked."""
        if not self.leaving:
            return []
        people = self.remaining() + self.leaving
        names = dict(School.objects.filter(id__in=self.leaving).values_list("id", "name"))
        return [
            MassLeave(names[school_id], leaving, people[school_id])
            for school_id, leaving in sorted(self.leaving.items(), key=lambda i: names[i[0]])
            if leaving > MASS_LEAVE_SHARE * people[school_id]
        ]


def identity_changed(student: Student, record) -> bool:
    """Both the name and the date of birth differ: likely another child under the number."""
    name_changed = not (
        same_name(student.first_name, record.first_name)
        and same_name(student.last_name, record.last_name)
        and same_name(student.prefix, record.prefix)
    )
    return name_changed and student.date_of_birth != record.date_of_birth
