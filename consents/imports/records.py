"""What every import format is parsed into: plain records that name where each value came from."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Problem:
    """An error (nothing is imported) or a warning, with the place in the file it refers to."""

    file: str
    line: int | None
    column: str
    message: str
    # An unknown column, which the school can map to a field on the import page.
    mappable: bool = False

    def __str__(self):
        where = [self.file]
        if self.line is not None:
            where.append(_("line %(line)s") % {"line": self.line})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}"


@dataclass
class Source:
    """The file and line a record came from, and the column label of each of its fields."""

    file: str
    line: int
    columns: dict[str, str] = field(default_factory=dict)

    def problem(self, field_name: str, message: str) -> Problem:
        return Problem(self.file, self.line, self.columns.get(field_name, ""), message)


@dataclass
class GuardianRecord:
    first_name: str
    prefix: str
    last_name: str
    email: str
    # The field names of this guardian's columns in the source, e.g. "guardian1_email".
    slot: str = ""
    # Where this guardian's own values came from (the student's row, or in OneRoster the
    # guardian's row), with fields named as here ("email").
    source: Source | None = None
    # False when the file has only the guardian's address (a Magister export can): their
    # name is then left as it is.
    names_known: bool = True


@dataclass
class StudentRecord:
    source: Source
    student_number: str
    first_name: str
    prefix: str
    last_name: str
    date_of_birth: dt.date
    group: str = ""
    year_group: int | None = None
    school: str = ""  # a BRIN code or school name; empty: the school chosen for the import
    school_name: str = ""  # tried when `school` matches nothing (OneRoster: identifier, name)
    email: str = ""
    # None: the file says nothing about guardians (leave them as they are).
    guardians: list[GuardianRecord] | None = None

    @property
    def label(self) -> str:
        name = " ".join(p for p in (self.first_name, self.prefix, self.last_name) if p)
        return f"{name} ({self.student_number})"


@dataclass
class StaffRecord:
    source: Source
    email: str
    first_name: str
    prefix: str
    last_name: str
    function: str = ""
    # (BRIN code or name, name to try next); empty: the school chosen for the import
    schools: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        name = " ".join(p for p in (self.first_name, self.prefix, self.last_name) if p)
        return f"{name} <{self.email}>"


@dataclass
class ParsedFile:
    """The outcome of parsing: records, and the problems that stop the import if there are any."""

    students: list[StudentRecord] = field(default_factory=list)
    staff: list[StaffRecord] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Whether the file lists each row's school itself (otherwise the chosen school applies).
    names_schools: bool = False
