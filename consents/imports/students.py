"""Students: matched by student number (or number and date of birth after a move), updated,
never duplicated; missing from a full import, marked as left."""

from collections import defaultdict

from django.utils.translation import gettext as _

from consents.models import Guardian, Guardianship, School, Student, Subject

from .records import Problem, StudentRecord
from .results import Outcome, fields_apply
from .safety import identity_changed


class StudentsMixin:
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
        created = student is None
        if created:
            student = Student(board=school.board, school=school)
        elif identity_changed(student, record) and not self.apply_held:
            return student, self.identity_held(student, record)
        fields = {
            "student_number": record.student_number,
            "first_name": record.first_name,
            "prefix": record.prefix,
            "last_name": record.last_name,
            "date_of_birth": record.date_of_birth,
        }
        changes = fields_apply(student, fields, describe=not created)
        changes += self.student_move(student, record, school, created)
        changes += self.student_group(student, record, school, created)
        if student.date_left is not None:
            changes.append(_("back at school (had left on %(date)s)") % {"date": student.date_left})
            student.date_left = None
        changes += self.student_email(student, record, created)
        if created or changes:
            student.save()
        if created:
            self.created[school.id] += 1
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

    def identity_held(self, student: Student, record: StudentRecord) -> Outcome:
        """The outcome of a student left as they are: the file gives their number another
        name and date of birth, which the administrator must confirm."""
        change = _(
            "name and date of birth both differ: %(old)s, born %(old_born)s → %(new)s, "
            "born %(new_born)s; not applied unless you confirm it"
        ) % {
            "old": student.name,
            "old_born": student.date_of_birth.strftime("%d-%m-%Y"),
            "new": " ".join(p for p in (record.first_name, record.prefix, record.last_name) if p),
            "new_born": record.date_of_birth.strftime("%d-%m-%Y"),
        }
        return Outcome(
            "student",
            f"{student.name} ({student.student_number})",
            "held",
            [change],
            file=record.source.file,
            line=record.source.line,
        )

    def student_move(self, student, record: StudentRecord, school: School, created: bool):
        if created or student.school_id == school.id:
            return []
        change = _("moved from %(old)s to %(new)s") % {"old": student.school, "new": school}
        student.school = school
        if not record.group:
            student.group = None
        return [change]

    def student_group(self, student, record: StudentRecord, school: School, created: bool):
        if not record.group:
            return []
        group, year_group_changed = self.group(school, record.group, record.year_group)
        if student.group_id != group.id:
            old = student.group
            student.group = group
            if created:
                return []
            return [_("class: %(old)s → %(new)s") % {"old": old or "–", "new": group.name}]
        if year_group_changed:
            return [
                _("class %(group)s is year group %(year)s")
                % {"group": group.name, "year": group.year_group}
            ]
        return []

    def student_email(self, student, record: StudentRecord, created: bool) -> list[str]:
        if not record.email:
            return []
        problem = self.student_account(student, record)
        if problem:
            self.result.warnings.append(problem)
            return []
        if student.user_id is not None and student.user.email == record.email:
            return []
        self.link_student_account(student, record)
        if created:
            return []
        return [_("email address: %(email)s") % {"email": record.email}]

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

    def mark_students_left(self, seen: set[int], guard):
        leavers = (
            Student.objects.filter(school_id__in=self.covered, date_left__isnull=True)
            .exclude(id__in=seen)
            .order_by("student_number")
        )
        for student in leavers:
            guard.leave(student.school_id)
            self.result.outcomes.append(
                Outcome(
                    "student",
                    f"{student.name} ({student.student_number})",
                    "left",
                    [_("left on %(date)s") % {"date": self.today}],
                )
            )
        Subject.objects.filter(id__in=leavers.values("id")).update(date_left=self.today)
