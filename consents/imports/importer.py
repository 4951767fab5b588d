"""The import's one pass over the parsed records, inside the transaction `records_import` opens.

`Importer` finds schools, classes and accounts; the students (with their guardians) and staff
are brought in by the mixins of `students`, `guardians` and `staff`.
"""

from collections import Counter

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from consents.models import Group, School, SchoolYear

from .guardians import GuardiansMixin
from .records import Problem, Source
from .safety import LeaveGuard
from .staff import StaffMixin
from .students import StudentsMixin

User = get_user_model()


class Importer(StudentsMixin, GuardiansMixin, StaffMixin):
    def __init__(self, *, parsed, result, allowed_schools, school, today, apply_held=False):
        self.parsed = parsed
        self.result = result
        self.today = today
        self.school = school
        self.allowed = allowed_schools
        self.by_brin = {s.brin.casefold(): s for s in allowed_schools if s.brin}
        self.by_name = {s.name.casefold(): s for s in allowed_schools}
        self.covered: set[int] = {school.id} if school else set()
        self.years: dict[int, SchoolYear] = {}
        self.groups: dict[tuple[int, str], Group] = {}
        self.updated_guardians: dict[int, int] = {}  # guardian id -> line that named them
        self.apply_held = apply_held
        self.created: Counter = Counter()  # the people this import creates, per school

    # --- helpers ---------------------------------------------------------------------

    def error(self, problem: Problem):
        self.result.errors.append(problem)

    def resolve_school(self, source: Source, value: str, fallback: str = "") -> School | None:
        if not value:
            if self.school is None:
                self.error(source.problem("school", _("Choose the school this file is for.")))
            return self.school
        for candidate in (value, fallback):
            key = candidate.casefold()
            school = self.by_brin.get(key) or self.by_name.get(key)
            if school:
                self.covered.add(school.id)
                return school
        self.error(
            source.problem(
                "school",
                _("Unknown school “%(value)s” (or not one you administer).") % {"value": value},
            )
        )
        return None

    def group(self, school: School, name: str, year_group: int | None) -> tuple[Group, bool]:
        """The class `name` of `school` in the current school year, created when new."""
        year = self.years.get(school.board_id)
        if year is None:
            year = self.years[school.board_id] = SchoolYear.objects.for_date(
                school.board, self.today
            )
        key = (school.id, name.casefold())
        if key not in self.groups:
            existing = Group.objects.filter(
                school=school, school_year=year, name__iexact=name
            ).first()
            self.groups[key] = existing or Group.objects.create(
                school=school, school_year=year, name=name, year_group=year_group
            )
        group = self.groups[key]
        if year_group is not None and group.year_group != year_group:
            group.year_group = year_group
            group.save(update_fields=["year_group"])
            return group, True
        return group, False

    def user_for(self, email: str, first_name: str, last_name: str):
        user = self.users.get(email)
        if user is None:
            user = User.objects.create_user(
                email=email, first_name=first_name, last_name=last_name[:150]
            )
            self.users[email] = user
        return user

    # --- the run -------------------------------------------------------------------------

    def run(self, *, full: bool):
        students, staff = self.parsed.students, self.parsed.staff
        emails = {s.email for s in students if s.email} | {s.email for s in staff}
        emails |= {g.email for s in students for g in (s.guardians or ())}
        self.users = {u.email: u for u in User.objects.filter(email__in=emails)}
        seen_students = self.import_students(students)
        seen_staff = self.import_staff(staff)
        if full and not self.result.errors:
            guard = LeaveGuard(self.covered, self.created)
            if self.parsed.students or not self.parsed.staff:
                self.mark_students_left(seen_students, guard)
            if self.parsed.staff:
                self.mark_staff_left(seen_staff, guard)
            self.result.mass_leave = guard.tripped()
            self.result.leaving = guard.total
