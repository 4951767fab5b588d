"""The people of the generated board: users, families (siblings share guardians), students in
classes, staff at one to three schools, and the accounts of the staff roles.

`PeoplePlan` is a part of `BoardGenerator`: every draw comes from its seeded generator, in a
fixed order, so that the same seed makes the same people.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from consents import stored
from consents.dates import age_on
from consents.models import Group, Guardian, Guardianship, Role, StaffMember, Student, Subject
from consents.rules import Decider, decider_on

from .catalogue import CLASS_SIZE, DISPOSITIONS, GUARDIAN_FIRST, VOICE_BITS
from .tables import next_id

User = get_user_model()
AGES = list(range(11, 20))
AGE_WEIGHTS = [12, 14, 14, 14, 13, 12, 11, 7, 3]
FUNCTIONS = ["docent", "mentor", "conciërge", "teamleider", "onderwijsassistent"]
ROLE_ACCOUNTS = (
    (Role.Kind.ADMINISTRATOR, "beheerder@generated.example", "Anouk", "de Wit"),
    (Role.Kind.COMMUNICATIONS, "communicatie@generated.example", "Rick", "Hoekstra"),
    (Role.Kind.COUNCIL, "gmr@generated.example", "Wendy", "Schouten"),
)


@dataclass
class Person:
    """What the event generator needs to know of a subject."""

    id: int
    key: str
    user_id: int | None
    user_key: str | None
    date_of_birth: dt.date | None = None  # None for staff
    guardians: list[int] = field(default_factory=list)  # indexes into Generator.guardians
    disposition: int = 0
    first_year: int = 0  # index of the first school year in the window at school
    never_answers: bool = False


class PeoplePlan:
    def name(self) -> tuple[str, str, str]:
        prefix, last = self.random.choice(self.last_names)
        return self.random.choice(self.first_names), prefix, last

    def user_add(self, email, first_name, last_name) -> tuple[int, str]:
        """Plan a user; returns its id and key."""
        user_id, key = self.next_user_id, self.uuid()
        self.user_rows.append((user_id, email, first_name, last_name, key))
        self.next_user_id += 1
        return user_id, str(key)

    def users_plan(self) -> int:
        """Plan every person, then write the users: guardians, students of 16+, staff."""
        self.user_rows = []  # (id, email, first_name, last_name, key)
        self.next_user_id = next_id(User)
        # Staff accounts for the roles (to log in to benchmarks and try the pages).
        self.role_users = {
            kind: self.user_add(email, first, last) for kind, email, first, last in ROLE_ACCOUNTS
        }
        self.admin_user_id, self.admin_user_key = self.role_users[Role.Kind.ADMINISTRATOR]
        self.families_plan()
        self.staff_plan()
        joined = self.local(self.year_starts[0] - dt.timedelta(days=40))
        return self.writer.write(
            User,
            ["id", "password", "is_superuser", "first_name", "last_name", "is_staff", "is_active"]
            + ["date_joined", "email", "key"],
            (
                (uid, "!", False, first, last[:150], False, True, joined, email, key)
                for uid, email, first, last, key in self.user_rows
            ),
        )

    def families_plan(self) -> None:
        """Families: one child (most), two or three at the board's schools; one or two
        guardians."""
        rnd = self.random
        self.guardian_rows = []  # (id, user_id, key, first, prefix, last)
        # (id, user id, user key, guardian key)
        self.guardians: list[tuple[int, int, str, str]] = []
        self.students: list[Person] = []
        self.student_rows = []  # (first, prefix, last, school index, date of birth)
        self.next_guardian_id = next_id(Guardian)
        self.next_subject_id = next_id(Subject)
        while len(self.students) < self.student_count:
            children = rnd.choices((1, 2, 3), weights=(92, 7, 1))[0]
            _first, prefix, last = self.name()
            family = self.guardians_plan(prefix, last)
            school = rnd.choices(range(len(self.schools)), weights=self.school_weights)[0]
            disposition = rnd.choices(range(4), weights=[w for _, w in DISPOSITIONS])[0]
            never = rnd.random() < 0.07
            for _ in range(min(children, self.student_count - len(self.students))):
                if rnd.random() > 0.7:
                    school = rnd.choices(range(len(self.schools)), weights=self.school_weights)[0]
                self.child_plan(prefix, last, school, family, disposition, never)
        # A check of the generator's own invariant.
        assert len(self.guardians) < 1 << VOICE_BITS  # nosec B101

    def guardians_plan(self, prefix: str, last: str) -> list[int]:
        """One or two guardians; the first shares the family's name. Their indexes."""
        rnd = self.random
        family = []
        for number in range(rnd.choices((1, 2), weights=(5, 95))[0]):
            g_first = rnd.choice(GUARDIAN_FIRST + self.first_names)
            g_prefix, g_last = (prefix, last) if number == 0 else rnd.choice(self.last_names)
            guardian_id = self.next_guardian_id
            uid, ukey = self.user_add(
                f"ouder{guardian_id}@generated.example",
                g_first,
                " ".join(p for p in (g_prefix, g_last) if p),
            )
            key = self.uuid()
            self.guardian_rows.append((guardian_id, uid, key, g_first, g_prefix, g_last))
            family.append(len(self.guardians))
            self.guardians.append((guardian_id, uid, ukey, str(key)))
            self.next_guardian_id += 1
        return family

    def child_plan(self, prefix, last, school, family, disposition, never) -> None:
        rnd = self.random
        subject_id = self.next_subject_id
        age = rnd.choices(AGES, weights=AGE_WEIGHTS)[0]
        born = self.today - dt.timedelta(days=age * 365 + rnd.randint(age // 4, 364))
        child_first = rnd.choice(self.first_names)
        uid = ukey = None
        if decider_on(born, self.today) == Decider.SELF:
            uid, ukey = self.user_add(f"leerling{subject_id}@generated.example", child_first, last)
        # The first school year of the window in which the student is at school.
        first_year = next(
            (n for n, s in enumerate(self.year_starts) if age_on(born, s) >= 11),
            len(self.year_starts) - 1,
        )
        self.students.append(
            Person(
                id=subject_id,
                key=str(self.uuid()),
                user_id=uid,
                user_key=ukey,
                date_of_birth=born,
                guardians=family,
                disposition=disposition,
                first_year=first_year,
                never_answers=never,
            )
        )
        self.student_rows.append((child_first, prefix, last, school, born))
        self.next_subject_id += 1

    def staff_plan(self) -> None:
        rnd = self.random
        self.staff: list[Person] = []
        self.staff_rows = []  # (first, prefix, last, function, school indexes)
        for _ in range(self.staff_count):
            subject_id = self.next_subject_id
            first, prefix, last = self.name()
            uid, ukey = self.user_add(f"medewerker{subject_id}@generated.example", first, last)
            count = rnd.choices((1, 2, 3), weights=(60, 30, 10))[0]
            schools = sorted(rnd.sample(range(len(self.schools)), min(count, len(self.schools))))
            self.staff.append(
                Person(
                    id=subject_id,
                    key=str(self.uuid()),
                    user_id=uid,
                    user_key=ukey,
                    disposition=rnd.choices(range(4), weights=[w for _, w in DISPOSITIONS])[0],
                    # Most staff were there five years ago; some joined since.
                    first_year=0 if rnd.random() < 0.7 else rnd.randrange(self.years),
                    never_answers=rnd.random() < 0.1,
                )
            )
            self.staff_rows.append((first, prefix, last, rnd.choice(FUNCTIONS), schools))
            self.next_subject_id += 1

    def people_write(self) -> int:
        """Guardians, students, classes, guardianships, staff and roles."""
        self.writer.write(
            Guardian,
            ["id", "user", "key", "first_name", "prefix", "last_name"],
            iter(self.guardian_rows),
        )
        del self.guardian_rows
        del self.user_rows
        group_of = self.groups_write()
        count = self.subjects_write(group_of)
        del self.student_rows, self.staff_rows
        Role.objects.bulk_create(
            [
                Role(user_id=uid, kind=kind, board=self.board, school=None)
                for kind, (uid, _key) in self.role_users.items()
            ]
        )
        return count

    def groups_write(self) -> dict[int, int]:
        """Classes of the current school year, per school and level, of about CLASS_SIZE;
        returns the class id of each student (by index)."""
        current_start = self.year_starts[-1]
        by_level: dict[tuple[int, int], list[int]] = {}
        for index, (_f, _p, _l, school, born) in enumerate(self.student_rows):
            level = min(6, max(1, age_on(born, current_start) - 11))
            by_level.setdefault((school, level), []).append(index)
        group_of = {}
        group_rows = []
        group_id = next_id(Group)
        for (school, level), members in sorted(by_level.items()):
            classes = max(1, round(len(members) / CLASS_SIZE))
            ids = []
            for letter in range(classes):
                group_rows.append(
                    (
                        group_id,
                        self.schools[school].id,
                        self.school_years[-1].id,
                        f"{level}{chr(97 + letter)}",
                    )
                )
                ids.append(group_id)
                group_id += 1
            for position, index in enumerate(members):
                group_of[index] = ids[position % classes]
        self.writer.write(Group, ["id", "school", "school_year", "name"], iter(group_rows))
        return group_of

    def subjects_write(self, group_of: dict[int, int]) -> int:
        """Subjects, students with their guardianships, staff with their schools."""
        w = self.writer
        students = list(zip(self.students, self.student_rows, strict=True))
        staff = list(zip(self.staff, self.staff_rows, strict=True))
        people = [(p, r, Subject.Kind.STUDENT) for p, r in students]
        people += [(p, r, Subject.Kind.STAFF) for p, r in staff]
        count = w.write(
            Subject,
            ["id", "key", "kind", "board", "first_name", "prefix", "last_name", "user"],
            (
                (p.id, uuid.UUID(p.key), kind, self.board.id, r[0], r[1], r[2], p.user_id)
                for p, r, kind in people
            ),
        )
        w.write(
            Student,
            ["subject_ptr", "school", "group", "student_number", "date_of_birth"],
            (
                (p.id, self.schools[r[3]].id, group_of[index], str(100_000 + index), r[4])
                for index, (p, r) in enumerate(students)
            ),
        )
        since = self.year_starts[0]
        w.write(
            Guardianship,
            ["guardian", "student", "since"],
            ((self.guardians[g][0], p.id, since) for p in self.students for g in p.guardians),
        )
        w.write(StaffMember, ["subject_ptr", "function"], ((p.id, r[3]) for p, r in staff))
        w.write(
            StaffMember.schools.through,
            ["staffmember", "school"],
            ((p.id, self.schools[s].id) for p, r in staff for s in r[4]),
        )
        # Written past the models' signals: the stored verdicts are all worked out again.
        stored.verdicts_mark_stale(everyone=True)
        return count
