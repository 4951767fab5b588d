"""Students and staff from a CSV or Excel export: one row per person, columns per `columns`."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .columns import (
    GUARDIAN_COLUMNS,
    STAFF_COLUMNS,
    STAFF_REQUIRED,
    STUDENT_COLUMNS,
    STUDENT_REQUIRED,
    RowReader,
)
from .reading import clean_email, parse_date, read_table, text, unreadable_as_error
from .records import GuardianRecord, ParsedFile, Source, StaffRecord, StudentRecord


def _open(filename: str, data: bytes, columns, required, mapped):
    """(parsed, table, reader) of a file; reader is None when the file lacks a required
    column (the problem is then in parsed.errors). UnreadableFile when it cannot be read."""
    parsed = ParsedFile()
    table = read_table(filename, data)
    reader = RowReader(filename, table, columns, parsed, mapped)
    if not reader.require(required):
        return parsed, table, None
    parsed.names_schools = reader.has("school")
    return parsed, table, reader


class TableRow:
    """One row being read: its values by field, and the problems found in it."""

    def __init__(self, reader: RowReader, line: int, cells: list, columns):
        self.reader = reader
        self.cells = cells
        self.source = reader.source(line)
        self.problems = []
        self.values = {name: text(reader.value(cells, name)) for name in columns}

    def fail(self, name: str, message: str):
        self.problems.append(self.source.problem(name, message))

    def required(self, names):
        for name in names:
            if not self.values[name]:
                self.fail(name, _("This value is required."))

    def email(self, name: str, value: str) -> str:
        """The cleaned address, or "" (with a problem) when `value` is not one."""
        try:
            return clean_email(value)
        except ValidationError:
            self.fail(name, _("“%(value)s” is not an email address.") % {"value": value})
            return ""

    def first_line(self, key: str, first_line_of: dict) -> int | None:
        """The line on which `key` (a student number, an address) came before, if it did."""
        if key in first_line_of:
            return first_line_of[key]
        if key:
            first_line_of[key] = self.source.line
        return None


def _date_of_birth(row: TableRow):
    if not row.values["date_of_birth"]:
        return None
    try:
        return parse_date(row.reader.value(row.cells, "date_of_birth"))
    except ValueError:
        row.fail(
            "date_of_birth",
            _("“%(value)s” is not a date: write it as dd-mm-jjjj.")
            % {"value": row.values["date_of_birth"]},
        )
        return None


def _year_group(row: TableRow) -> int | None:
    value = row.values["year_group"]
    if not value:
        return None
    if value.isdigit() and 0 < int(value) < 20:
        return int(value)
    row.fail("year_group", _("The year group must be a number such as 1 or 4."))
    return None


def _guardian(row: TableRow, number: int) -> GuardianRecord | None:
    """Guardian `number` of the row, None when the row names none there (or it is wrong)."""
    reader = row.reader
    slot = {
        name: text(reader.cell(row.cells, reader.guardian_index.get((number, name))))
        for name in GUARDIAN_COLUMNS
    }
    if not any(slot.values()):
        return None
    email_field = f"guardian{number}_email"
    if not slot["email"]:
        row.fail(
            email_field,
            _("Guardian %(number)s has no email address; they could not log in.")
            % {"number": number},
        )
        return None
    email = row.email(email_field, slot["email"])
    if not email:
        return None
    names_known = (number, "last_name") in reader.guardian_index
    if names_known and not slot["last_name"]:
        row.fail(f"guardian{number}_last_name", _("This value is required."))
        return None
    columns = {
        name: row.source.columns.get(f"guardian{number}_{name}", "") for name in GUARDIAN_COLUMNS
    }
    return GuardianRecord(
        first_name=slot["first_name"],
        prefix=slot["prefix"],
        last_name=slot["last_name"],
        email=email,
        slot=f"guardian{number}",
        source=Source(row.source.file, row.source.line, columns),
        names_known=names_known,
    )


def row_guardians(row: TableRow, numbers: list[int]) -> list[GuardianRecord] | None:
    """The row's guardians; None when the file has no guardian columns at all."""
    if not numbers:
        return None
    guardians = [g for g in (_guardian(row, number) for number in numbers) if g is not None]
    emails = [g.email for g in guardians]
    if len(set(emails)) < len(emails):
        row.fail(f"guardian{numbers[-1]}_email", _("The same guardian twice."))
    return guardians


def _student(row: TableRow, first_line_of: dict, guardian_numbers: list[int]):
    row.required(STUDENT_REQUIRED)
    values = row.values
    number = values["student_number"]
    if (line := row.first_line(number, first_line_of)) is not None:
        row.fail(
            "student_number",
            _("Duplicate student number %(number)s (also on line %(line)s).")
            % {"number": number, "line": line},
        )
    born = _date_of_birth(row)
    year_group = _year_group(row)
    email = row.email("email", values["email"]) if values["email"] else ""
    guardians = row_guardians(row, guardian_numbers)
    if row.problems:
        return None
    return StudentRecord(
        source=row.source,
        student_number=values["student_number"],
        first_name=values["first_name"],
        prefix=values["prefix"],
        last_name=values["last_name"],
        date_of_birth=born,
        group=values["group"],
        year_group=year_group,
        school=values["school"],
        email=email,
        guardians=guardians,
    )


@unreadable_as_error
def parse_students(filename: str, data: bytes, *, mapped=None) -> ParsedFile:
    """Students with their guardians; `mapped` are the school's own columns (header ->
    field)."""
    parsed, table, reader = _open(filename, data, STUDENT_COLUMNS, STUDENT_REQUIRED, mapped)
    if reader is None:
        return parsed
    guardian_numbers = sorted({number for number, _name in reader.guardian_index})
    first_line_of: dict[str, int] = {}
    for line, cells in table.rows:
        row = TableRow(reader, line, cells, STUDENT_COLUMNS)
        student = _student(row, first_line_of, guardian_numbers)
        parsed.errors.extend(row.problems)
        if student is not None:
            parsed.students.append(student)
    return parsed


def _staff_member(row: TableRow, first_line_of: dict) -> StaffRecord | None:
    row.required(STAFF_REQUIRED)
    values = row.values
    email = row.email("email", values["email"]) if values["email"] else ""
    if (line := row.first_line(email, first_line_of)) is not None:
        row.fail(
            "email",
            _("Duplicate staff member %(email)s (also on line %(line)s).")
            % {"email": email, "line": line},
        )
    if row.problems:
        return None
    schools = [(s.strip(), "") for s in re.split(r"[|,]", values["school"]) if s.strip()]
    return StaffRecord(
        source=row.source,
        email=email,
        first_name=values["first_name"],
        prefix=values["prefix"],
        last_name=values["last_name"],
        function=values["function"],
        schools=schools,
    )


@unreadable_as_error
def parse_staff(filename: str, data: bytes, *, mapped=None) -> ParsedFile:
    parsed, table, reader = _open(filename, data, STAFF_COLUMNS, STAFF_REQUIRED, mapped)
    if reader is None:
        return parsed
    first_line_of: dict[str, int] = {}
    for line, cells in table.rows:
        row = TableRow(reader, line, cells, STAFF_COLUMNS)
        member = _staff_member(row, first_line_of)
        parsed.errors.extend(row.problems)
        if member is not None:
            parsed.staff.append(member)
    return parsed
