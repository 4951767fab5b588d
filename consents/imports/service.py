"""Bring the school administration system's records into the portal.

One function, `records_import`, does the dry run and the real import alike: it applies every
change inside one transaction and rolls it back for a dry run or when there is any error, so
the dry run reports exactly what the import will do and a failing import writes nothing.
Students are matched by student number (and, for a move to another school of the board, by
number and date of birth), guardians and staff by email address; people are updated, never
duplicated, and people missing from a full import are marked as left, never deleted.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.dates import school_today
from consents.models import (
    Group,
    Guardian,
    Guardianship,
    ImportRun,
    School,
    SchoolYear,
    StaffMember,
    Student,
    Subject,
)

from .oneroster import parse_oneroster
from .records import GuardianRecord, ParsedFile, Problem, Source, StaffRecord, StudentRecord
from .tabular import parse_staff, parse_students

User = get_user_model()

PARSERS = {
    ImportRun.Format.STUDENTS: parse_students,
    ImportRun.Format.STAFF: parse_staff,
    ImportRun.Format.ONEROSTER: parse_oneroster,
}

# The model field each imported value is stored in, whose max_length it must fit: PostgreSQL
# refuses a longer value halfway through the import, SQLite stores it whole.
STORED_IN = {
    StudentRecord: {
        "student_number": (Student, "student_number"),
        "first_name": (Student, "first_name"),
        "prefix": (Student, "prefix"),
        "last_name": (Student, "last_name"),
        "group": (Group, "name"),
        "email": (User, "email"),
    },
    GuardianRecord: {
        "first_name": (Guardian, "first_name"),
        "prefix": (Guardian, "prefix"),
        "last_name": (Guardian, "last_name"),
        "email": (User, "email"),
    },
    StaffRecord: {
        "email": (User, "email"),
        "first_name": (StaffMember, "first_name"),
        "prefix": (StaffMember, "prefix"),
        "last_name": (StaffMember, "last_name"),
        "function": (StaffMember, "function"),
    },
}

ACTIONS = {
    "created": gettext_lazy("new"),
    "updated": gettext_lazy("changed"),
    "unchanged": gettext_lazy("unchanged"),
    "left": gettext_lazy("marked as left"),
}


def fields_apply(instance, fields: dict, *, describe: bool) -> list[str]:
    """Set `fields` on `instance`; with `describe`, say what changed ("name: old → new")."""
    changes = []
    for name, value in fields.items():
        if getattr(instance, name) != value:
            if describe:
                changes.append(
                    _("%(field)s: %(old)s → %(new)s")
                    % {
                        "field": type(instance)._meta.get_field(name).verbose_name,
                        "old": getattr(instance, name) or "–",
                        "new": value or "–",
                    }
                )
            setattr(instance, name, value)
    return changes


@dataclass
class Outcome:
    """What the import does with one person (a row of the file, or a leaver)."""

    kind: str  # "student" or "staff"
    label: str
    action: str  # a key of ACTIONS
    changes: list[str] = field(default_factory=list)
    file: str = ""
    line: int | None = None

    @property
    def action_label(self) -> str:
        return str(ACTIONS[self.action])


@dataclass
class ImportResult:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    guardians_created: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, Counter]:
        counts = defaultdict(Counter)
        for outcome in self.outcomes:
            counts[outcome.kind][outcome.action] += 1
        return dict(counts)

    def summary(self) -> dict:
        return {
            "counts": {kind: dict(counter) for kind, counter in self.counts.items()},
            "guardians_created": self.guardians_created,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


def records_parse(format: str, filename: str, data: bytes) -> ParsedFile:
    return PARSERS[format](filename, data)


def lengths_check(parsed: ParsedFile) -> list[Problem]:
    """A problem for each value longer than the model field it is stored in (STORED_IN)."""
    problems = []

    def check(record, source: Source):
        for name, (model, field_name) in STORED_IN[type(record)].items():
            value = getattr(record, name)
            limit = model._meta.get_field(field_name).max_length
            if len(value) > limit:
                message = _("“%(value)s” has %(length)s characters; at most %(limit)s fit.")
                problems.append(
                    source.problem(
                        name,
                        message
                        % {
                            "value": Truncator(value).chars(60),
                            "length": len(value),
                            "limit": limit,
                        },
                    )
                )

    for student in parsed.students:
        check(student, student.source)
        for guardian in student.guardians or ():
            check(guardian, guardian.source or student.source)
    for member in parsed.staff:
        check(member, member.source)
    return problems


def records_import(
    *,
    format: str,
    filename: str,
    data: bytes,
    allowed_schools,
    school: School | None = None,
    full: bool = False,
    dry_run: bool = True,
    today: dt.date | None = None,
) -> ImportResult:
    """Parse and import one file; with `dry_run` (or any error) nothing is written.

    `allowed_schools` are the schools the administrator may import into; `school` is the
    school the file is for (required unless the file names each row's school).
    """
    parsed = records_parse(format, filename, data)
    result = ImportResult(
        errors=[*parsed.errors, *lengths_check(parsed)], warnings=list(parsed.warnings)
    )
    if result.errors:
        return result
    with transaction.atomic():
        importer = _Importer(
            parsed=parsed,
            result=result,
            allowed_schools=list(allowed_schools),
            school=school,
            today=today or school_today(),
        )
        importer.run(full=full)
        result.applied = not dry_run and result.ok
        if not result.applied:
            transaction.set_rollback(True)
    return result


def _same(a: str, b: str) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


class _Importer:
    def __init__(self, *, parsed, result, allowed_schools, school, today):
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
            if self.parsed.students or not self.parsed.staff:
                self.mark_students_left(seen_students)
            if self.parsed.staff:
                self.mark_staff_left(seen_staff)

    def import_students(self, records: list[StudentRecord]) -> set[int]:
        boards = {s.board_id for s in self.allowed}
        existing = Student.objects.filter(
            board_id__in=boards, student_number__in=[r.student_number for r in records]
        ).select_related("user", "group", "school")
        by_number = defaultdict(list)
        for student in existing:
            by_number[student.student_number].append(student)
        guardianships = defaultdict(list)
        for link in Guardianship.objects.filter(student__in=existing).select_related(
            "guardian__user"
        ):
            guardianships[link.student_id].append(link)
        self.guardianships = guardianships
        seen = set()
        for record in records:
            school = self.resolve_school(record.source, record.school, record.school_name)
            if school is None:
                continue
            candidates = by_number[record.student_number]
            student = next((s for s in candidates if s.school_id == school.id), None)
            if student is None:  # a move from another school of the board keeps the history
                student = next(
                    (
                        s
                        for s in candidates
                        if s.date_of_birth == record.date_of_birth and s.id not in seen
                    ),
                    None,
                )
            if student is not None and student.id in seen:
                self.error(
                    record.source.problem(
                        "student_number", _("This student appears twice in the file.")
                    )
                )
                continue
            outcome = self.import_student(record, school, student)
            if outcome is not None:
                seen.add(outcome[0].id)
                if student is None:
                    by_number[record.student_number].append(outcome[0])
                self.result.outcomes.append(outcome[1])
        return seen

    def import_student(self, record: StudentRecord, school: School, student: Student | None):
        changes = []
        created = student is None
        if created:
            student = Student(board=school.board, school=school)
        fields = {
            "student_number": record.student_number,
            "first_name": record.first_name,
            "prefix": record.prefix,
            "last_name": record.last_name,
            "date_of_birth": record.date_of_birth,
        }
        changes += fields_apply(student, fields, describe=not created)
        if not created and student.school_id != school.id:
            changes.append(
                _("moved from %(old)s to %(new)s") % {"old": student.school, "new": school}
            )
            student.school = school
            if not record.group:
                student.group = None
        if record.group:
            group, year_group_changed = self.group(school, record.group, record.year_group)
            if student.group_id != group.id:
                if not created:
                    changes.append(
                        _("class: %(old)s → %(new)s")
                        % {"old": student.group or "–", "new": group.name}
                    )
                student.group = group
            elif year_group_changed:
                changes.append(
                    _("class %(group)s is year group %(year)s")
                    % {"group": group.name, "year": group.year_group}
                )
        if student.date_left is not None:
            changes.append(_("back at school (had left on %(date)s)") % {"date": student.date_left})
            student.date_left = None
        if record.email:
            problem = self.student_account(student, record)
            if problem:
                self.result.warnings.append(problem)
            elif student.user_id is None or student.user.email != record.email:
                if not created:
                    changes.append(_("email address: %(email)s") % {"email": record.email})
                self.link_student_account(student, record)
        if created or changes:
            student.save()
        if record.guardians is not None:
            changes.extend(self.sync_guardians(student, record, created))
        action = "created" if created else ("updated" if changes else "unchanged")
        return student, Outcome(
            "student",
            record.label,
            action,
            changes,
            file=record.source.file,
            line=record.source.line,
        )

    def student_account(self, student: Student, record: StudentRecord) -> Problem | None:
        user = self.users.get(record.email)
        if user is None:
            return None
        subject = Subject.objects.filter(user=user).first()
        if subject is not None and subject.pk != student.pk:
            return record.source.problem(
                "email",
                _("%(email)s is already the address of another person; it was not linked.")
                % {"email": record.email},
            )
        if Guardian.objects.filter(user=user).exists():
            return record.source.problem(
                "email",
                _(
                    "%(email)s is a guardian's address; a student needs their own address "
                    "to decide for themself. It was not linked."
                )
                % {"email": record.email},
            )
        return None

    def link_student_account(self, student: Student, record: StudentRecord):
        if student.user_id and record.email not in self.users:
            user = student.user  # the student's address changed
            del_key = user.email
            user.email = record.email
            user.save(update_fields=["email"])
            self.users.pop(del_key, None)
            self.users[record.email] = user
        else:
            student.user = self.user_for(record.email, record.first_name, record.last_name)

    def sync_guardians(self, student: Student, record: StudentRecord, created: bool) -> list:
        changes = []
        links = [] if created else self.guardianships.get(student.id, [])
        current = {link.guardian_id: link.guardian for link in links}
        wanted = {}
        for entry in record.guardians:
            user = self.users.get(entry.email)
            guardian = None
            if user is not None:
                guardian = Guardian.objects.filter(user=user).first()
            else:
                # Same name, new address: the guardian's email changed, not the guardian.
                guardian = next(
                    (
                        g
                        for g in current.values()
                        if g.id not in wanted
                        and _same(g.first_name, entry.first_name)
                        and _same(g.last_name, entry.last_name)
                        and g.user.email not in {e.email for e in record.guardians}
                    ),
                    None,
                )
                if guardian is not None:
                    old = guardian.user.email
                    guardian.user.email = entry.email
                    guardian.user.save(update_fields=["email"])
                    self.users.pop(old, None)
                    self.users[entry.email] = guardian.user
                    changes.append(
                        _("guardian %(name)s: email %(old)s → %(new)s")
                        % {"name": guardian.name, "old": old, "new": entry.email}
                    )
            last_name = " ".join(p for p in (entry.prefix, entry.last_name) if p)
            if guardian is None:
                user = self.user_for(entry.email, entry.first_name, last_name)
                guardian = Guardian.objects.create(
                    user=user,
                    first_name=entry.first_name,
                    prefix=entry.prefix,
                    last_name=entry.last_name,
                )
                self.result.guardians_created += 1
            else:
                changes.extend(self.update_guardian(guardian, entry, record))
            wanted[guardian.id] = guardian
        for guardian_id, guardian in wanted.items():
            if guardian_id not in current:
                Guardianship.objects.create(guardian=guardian, student=student)
                if not created:
                    changes.append(
                        _("guardian added: %(name)s <%(email)s>")
                        % {"name": guardian.name, "email": guardian.user.email}
                    )
        removed = [g for g_id, g in current.items() if g_id not in wanted]
        if removed:
            Guardianship.objects.filter(
                student=student, guardian_id__in=[g.id for g in removed]
            ).delete()
            for guardian in removed:
                changes.append(_("guardian removed: %(name)s") % {"name": guardian.name})
        return changes

    def update_guardian(self, guardian: Guardian, entry, record: StudentRecord) -> list:
        names = {
            "first_name": entry.first_name,
            "prefix": entry.prefix,
            "last_name": entry.last_name,
        }
        differs = [n for n, v in names.items() if getattr(guardian, n) != v]
        if not differs:
            return []
        first_line = self.updated_guardians.get(guardian.id)
        if first_line is not None:
            self.result.warnings.append(
                record.source.problem(
                    f"{entry.slot}_last_name",
                    _(
                        "Guardian %(email)s has another name on line %(line)s; "
                        "the name on that line is kept."
                    )
                    % {"email": entry.email, "line": first_line},
                )
            )
            return []
        self.updated_guardians[guardian.id] = record.source.line
        old_name = guardian.name
        for name, value in names.items():
            setattr(guardian, name, value)
        guardian.save(update_fields=list(names))
        return [_("guardian name: %(old)s → %(new)s") % {"old": old_name, "new": guardian.name}]

    def mark_students_left(self, seen: set[int]):
        leavers = (
            Student.objects.filter(school_id__in=self.covered, date_left__isnull=True)
            .exclude(id__in=seen)
            .order_by("student_number")
        )
        for student in leavers:
            self.result.outcomes.append(
                Outcome(
                    "student",
                    f"{student.name} ({student.student_number})",
                    "left",
                    [_("left on %(date)s") % {"date": self.today}],
                )
            )
        Subject.objects.filter(id__in=leavers.values("id")).update(date_left=self.today)

    # --- staff ---------------------------------------------------------------------------

    def import_staff(self, records: list[StaffRecord]) -> set[int]:
        seen = set()
        for record in records:
            schools = [
                self.resolve_school(record.source, value, fallback)
                for value, fallback in (record.schools or [("", "")])
            ]
            if None in schools:
                continue
            outcome = self.import_staff_member(record, schools)
            if outcome is not None:
                seen.add(outcome[0].id)
                self.result.outcomes.append(outcome[1])
        return seen

    def import_staff_member(self, record: StaffRecord, schools: list[School]):
        user = self.users.get(record.email)
        member = None
        if user is not None:
            subject = Subject.objects.filter(user=user).first()
            if subject is not None and subject.kind != Subject.Kind.STAFF:
                self.error(
                    record.source.problem(
                        "email", _("This address belongs to a student, not a staff member.")
                    )
                )
                return None
            if subject is not None:
                member = subject.staffmember
        created = member is None
        changes = []
        if created:
            user = user or self.user_for(
                record.email,
                record.first_name,
                " ".join(p for p in (record.prefix, record.last_name) if p),
            )
            member = StaffMember(board=schools[0].board, user=user)
        fields = {
            name: getattr(record, name)
            for name in ("first_name", "prefix", "last_name", "function")
        }
        changes += fields_apply(member, fields, describe=not created)
        if member.date_left is not None:
            changes.append(_("back at school (had left on %(date)s)") % {"date": member.date_left})
            member.date_left = None
        if created or changes:
            member.save()
        current = set() if created else set(member.schools.values_list("id", flat=True))
        for school in schools:
            if school.id not in current:
                member.schools.add(school)
                if not created:
                    changes.append(_("now also at %(school)s") % {"school": school})
        action = "created" if created else ("updated" if changes else "unchanged")
        return member, Outcome(
            "staff", record.label, action, changes, record.source.file, record.source.line
        )

    def mark_staff_left(self, seen: set[int]):
        through = StaffMember.schools.through
        gone = through.objects.filter(school_id__in=self.covered).exclude(staffmember_id__in=seen)
        members = StaffMember.objects.filter(
            id__in=gone.values("staffmember_id"), date_left__isnull=True
        ).prefetch_related("schools")
        for member in members:
            leaving = [s for s in member.schools.all() if s.id in self.covered]
            remaining = [s for s in member.schools.all() if s.id not in self.covered]
            member.schools.remove(*leaving)
            if remaining:
                action, change = (
                    "updated",
                    _("no longer at %(schools)s") % {"schools": ", ".join(str(s) for s in leaving)},
                )
            else:
                action, change = "left", _("left on %(date)s") % {"date": self.today}
                Subject.objects.filter(pk=member.pk).update(date_left=self.today)
            email = member.user.email if member.user_id else ""
            self.result.outcomes.append(
                Outcome("staff", f"{member.name} <{email}>", action, [change])
            )
