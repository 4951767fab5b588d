"""Communications staff check a group before publishing (rule 9): who of a class, an event or
a pasted list of names may appear, and why not. Finding the people is `directory.py`.

Every verdict here comes from `consents.rules`; this module only chooses whom to ask about.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

from consents import rules
from consents.communications.directory import group_label
from consents.models import (
    MediaType,
    Purpose,
    School,
    StaffMember,
    Student,
    Subject,
)
from consents.models.people import full_name
from consents.names import fold
from consents.people import people_in


@dataclass(frozen=True)
class CheckRow:
    person: Subject
    group_name: str
    verdict: rules.Verdict


@dataclass
class GroupCheck:
    """Who of a group may appear in a publication for `purpose` as `media_type`, and who not."""

    school: School
    purpose: Purpose
    media_type: MediaType
    on: dt.date
    rows: list[CheckRow]
    not_found: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)

    @property
    def not_allowed(self) -> list[CheckRow]:
        return [row for row in self.rows if not row.verdict.allowed]

    @property
    def allowed(self) -> list[CheckRow]:
        return [row for row in self.rows if row.verdict.allowed]

    @cached_property
    def namesakes(self) -> set[int]:
        """The people of the check who share their name with someone else in it: their rows
        are marked, so that staff tell them apart by student number."""
        names = Counter(_normalised(row.person.name) for row in self.rows)
        return {row.person.pk for row in self.rows if names[_normalised(row.person.name)] > 1}


def group_check(
    *,
    school: School,
    purpose: Purpose,
    media_type: MediaType,
    people: list[Subject],
    on: dt.date,
    not_found=(),
    ambiguous=(),
) -> GroupCheck:
    found = rules.verdicts(
        [person.pk for person in people], on=on, purposes=[purpose], media_types=[media_type]
    )
    rows = [
        CheckRow(person, group_label(person), found[(person.pk, purpose.pk, media_type.pk)])
        for person in people
    ]
    rows.sort(
        key=lambda row: (
            _normalised(row.group_name),
            _normalised(row.person.last_name),
            _normalised(row.person.first_name),
        )
    )
    return GroupCheck(
        school=school,
        purpose=purpose,
        media_type=media_type,
        on=on,
        rows=rows,
        not_found=list(not_found),
        ambiguous=list(ambiguous),
    )


def group_check_run(
    *,
    school: School,
    groups,
    names: str,
    purpose: Purpose,
    media_type: MediaType,
    on: dt.date,
) -> GroupCheck:
    """The check of the classes `groups` and the pasted lines `names` together, each person
    once; lines that find nobody or several people are reported with the check."""
    people = {}
    if groups:
        for person in people_in([school]).filter(student__group__in=groups):
            people[person.pk] = person
    named, not_found, ambiguous = names_resolve(school, names)
    for person in named:
        people[person.pk] = person
    return group_check(
        school=school,
        purpose=purpose,
        media_type=media_type,
        people=list(people.values()),
        on=on,
        not_found=not_found,
        ambiguous=ambiguous,
    )


def _normalised(text: str) -> str:
    """Lower case, no diacritics, single spaces: "Zoë  de Vries" and "zoe de vries" match."""
    return " ".join(fold(text).split())


def _name_keys(first_name: str, prefix: str, last_name: str, student_number: str | None) -> set:
    keys = {
        _normalised(full_name(first_name, prefix, last_name)),
        _normalised(f"{first_name} {last_name}"),
    }
    if student_number:
        keys.add(_normalised(student_number))
    return keys


def _line_key(line: str) -> str:
    # Exports often write "Vries, Zoë de" or "de Vries, Zoë": put the first name first.
    if "," in line:
        last, _comma, first = line.partition(",")
        line = f"{first} {last}"
    return _normalised(line)


def names_resolve(school: School, text: str) -> tuple[list[Subject], list[str], list[str]]:
    """Match a pasted list (one name or student number a line) against the people of `school`.

    Returns (people found, lines not found, lines that matched several people). A line that
    matches several people adds them all, so that nobody who may not appear is left out.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return [], [], []
    # Lines that are a student number of the school, on its (school, number) index; student
    # numbers are unique per school. Only if lines remain that could be a name (not digits
    # only) are the school's names read, as plain values by two queries on the school's own
    # indexes (`people_in` alone would scan the whole board), and matched in Python without
    # case or diacritics.
    students = Student.objects.filter(school=school, erased_at__isnull=True)
    by_number = dict(
        students.filter(student_number__in=set(lines)).values_list("student_number", "pk")
    )
    index = defaultdict(list)
    if any(line not in by_number and not line.isdigit() for line in lines):
        names = ("pk", "first_name", "prefix", "last_name")
        staff = StaffMember.objects.filter(schools=school, erased_at__isnull=True)
        for pk, *name in chain(
            students.values_list(*names, "student_number"),
            ((*row, None) for row in staff.values_list(*names)),
        ):
            for key in _name_keys(*name):
                index[key].append(pk)
    found: dict[int, None] = {}
    not_found, ambiguous = [], []
    for line in lines:
        matches = [by_number[line]] if line in by_number else index.get(_line_key(line), [])
        if not matches:
            not_found.append(line)
        elif len(matches) > 1:
            ambiguous.append(line)
        found.update(dict.fromkeys(matches))
    by_pk = people_in([school]).in_bulk(list(found))
    return [by_pk[pk] for pk in found], not_found, ambiguous
