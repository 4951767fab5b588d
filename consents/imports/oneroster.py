"""OneRoster 1.1 CSV (a zip with orgs, classes, users, enrollments and demographics).

Students are users with role `student` (student number: `identifier`, else `sourcedId`; the
tussenvoegsel in `middleName`); their class is their enrollment in a class of type `homeroom`;
their date of birth comes from demographics.csv. Guardians are users with role `parent`,
`guardian` or `relative`, linked to the student through `agentSourcedIds` (in either
direction). Teachers, administrators and aides become staff members. Schools are orgs,
matched by `identifier` (the BRIN code) or by name.
"""

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .columns import normalise
from .reading import (
    UnreadableFile,
    archive_check,
    clean_email,
    decode,
    parse_date,
    text,
    too_many_rows,
    unreadable_as_error,
    unreadable_line,
)
from .records import GuardianRecord, ParsedFile, Problem, Source, StaffRecord, StudentRecord

REQUIRED_FILES = ("orgs.csv", "classes.csv", "users.csv", "enrollments.csv", "demographics.csv")
GUARDIAN_ROLES = {"parent", "guardian", "relative"}
STAFF_ROLES = {"teacher", "administrator", "aide"}


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, str]
    labels: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(normalise(name), "")

    def source(self, **columns) -> Source:
        return Source(
            self.file,
            self.line,
            {name: self.labels.get(normalise(column), column) for name, column in columns.items()},
        )

    def problem(self, column: str, message: str) -> Problem:
        return Problem(self.file, self.line, self.labels.get(normalise(column), column), message)


def _rows(name: str, data: bytes, warnings: list[Problem]) -> list[Row]:
    try:
        content, notes = decode(data)
    except UnreadableFile as error:
        raise UnreadableFile(str(error), file=name) from None
    warnings.extend(Problem(name, None, "", note) for note in notes)
    reader = csv.reader(io.StringIO(content, newline=""))
    rows = []
    line = 0
    try:
        headers = next(reader, [])
        keys = [normalise(h) for h in headers]
        labels = dict(zip(keys, (h.strip() for h in headers), strict=True))
        line = reader.line_num
        for count, cells in enumerate(reader, start=1):
            if count > settings.IMPORT_MAX_ROWS:
                raise too_many_rows(file=name)
            start, line = line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            values = {key: text(cells[i]) if i < len(cells) else "" for i, key in enumerate(keys)}
            if values.get("status", "").lower() == "tobedeleted":
                continue
            rows.append(Row(name, start, values, labels))
    except csv.Error:
        raise unreadable_line(line + 1, file=name) from None
    return rows


def _unpack(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError):
        # a damaged member, an unsupported compression method, or a password
        raise UnreadableFile(
            _("%(name)s cannot be unpacked: the zip file is damaged or encrypted.")
            % {"name": member.filename}
        ) from None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _tables(filename: str, data: bytes, parsed: ParsedFile) -> dict[str, list[Row]] | None:
    """The rows of each required file of the zip; None (with errors) when it is no export."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        parsed.errors.append(Problem(filename, None, "", _("A OneRoster export is a zip file.")))
        return None
    archive_check(archive)
    members = {info.filename.rsplit("/", 1)[-1].lower(): info for info in archive.infolist()}
    missing = [name for name in REQUIRED_FILES if name not in members]
    for name in missing:
        parsed.errors.append(
            Problem(filename, None, "", _("%(name)s is missing.") % {"name": name})
        )
    if missing:
        return None
    return {
        name: _rows(name, _unpack(archive, members[name]), parsed.warnings)
        for name in REQUIRED_FILES
    }


@dataclass
class _Roster:
    """The export's files indexed by sourcedId, and the links between them."""

    tables: dict[str, list[Row]]
    errors: list[Problem]
    orgs: dict[str, Row] = field(init=False)
    classes: dict[str, Row] = field(init=False)
    users: dict[str, Row] = field(init=False)
    birth_dates: dict[str, Row] = field(init=False)
    homeroom: dict[str, Row] = field(default_factory=dict)
    guardians_of: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        def by_id(name):
            return {row.get("sourcedId"): row for row in self.tables[name]}

        self.orgs = by_id("orgs.csv")
        self.classes = by_id("classes.csv")
        self.users = by_id("users.csv")
        self.birth_dates = by_id("demographics.csv")

    def school_of(self, row: Row, column: str, sourced_id: str) -> tuple[str, str] | None:
        org = self.orgs.get(sourced_id)
        if org is None:
            self.errors.append(row.problem(column, _("Unknown org “%(id)s”.") % {"id": sourced_id}))
            return None
        return org.get("identifier") or org.get("name"), org.get("name")

    def classes_check(self):
        for row in self.tables["classes.csv"]:
            if row.get("schoolSourcedId") not in self.orgs:
                self.school_of(row, "schoolSourcedId", row.get("schoolSourcedId"))

    def enrollments_read(self):
        for row in self.tables["enrollments.csv"]:
            class_id, user_id = row.get("classSourcedId"), row.get("userSourcedId")
            if class_id not in self.classes:
                self.errors.append(
                    row.problem("classSourcedId", _("Unknown class “%(id)s”.") % {"id": class_id})
                )
                continue
            if user_id not in self.users:
                self.errors.append(
                    row.problem("userSourcedId", _("Unknown user “%(id)s”.") % {"id": user_id})
                )
                continue
            klass = self.classes[class_id]
            if (
                row.get("role").lower() == "student"
                and klass.get("classType").lower() == "homeroom"
            ):
                self.homeroom.setdefault(user_id, klass)

    def agents_read(self):
        for row in self.tables["users.csv"]:
            for agent in _split(row.get("agentSourcedIds")):
                if agent not in self.users:
                    self.errors.append(
                        row.problem("agentSourcedIds", _("Unknown agent “%(id)s”.") % {"id": agent})
                    )
                    continue
                student, guardian = (
                    (agent, row.get("sourcedId"))
                    if row.get("role").lower() in GUARDIAN_ROLES
                    else (row.get("sourcedId"), agent)
                )
                linked = self.guardians_of.setdefault(student, [])
                if guardian not in linked:
                    linked.append(guardian)

    def guardian_record(self, sourced_id: str, student_row: Row) -> GuardianRecord | None:
        row = self.users[sourced_id]
        if row.get("role").lower() not in GUARDIAN_ROLES:
            self.errors.append(
                student_row.problem(
                    "agentSourcedIds",
                    _("Agent “%(id)s” is not a parent or guardian.") % {"id": sourced_id},
                )
            )
            return None
        try:
            email = clean_email(row.get("email"))
        except ValidationError:
            message = (
                _("Guardian %(id)s has no email address; they could not log in.")
                if not row.get("email")
                else _("“%(value)s” is not an email address.")
            )
            self.errors.append(
                row.problem("email", message % {"id": sourced_id, "value": row.get("email")})
            )
            return None
        return GuardianRecord(
            first_name=row.get("givenName"),
            prefix=row.get("middleName"),
            last_name=row.get("familyName"),
            email=email,
            slot=sourced_id,
            source=row.source(
                first_name="givenName", prefix="middleName", last_name="familyName", email="email"
            ),
        )

    def birth_date(self, row: Row):
        demographics = self.birth_dates.get(row.get("sourcedId"))
        if demographics is None or not demographics.get("birthDate"):
            self.errors.append(
                row.problem("sourcedId", _("No birth date for this student in demographics.csv."))
            )
            return None
        try:
            return parse_date(demographics.get("birthDate"))
        except ValueError:
            self.errors.append(
                demographics.problem(
                    "birthDate",
                    _("“%(value)s” is not a date.") % {"value": demographics.get("birthDate")},
                )
            )
            return None


def _student_email(roster: _Roster, row: Row) -> str:
    if not row.get("email"):
        return ""
    try:
        return clean_email(row.get("email"))
    except ValidationError:
        roster.errors.append(
            row.problem(
                "email", _("“%(value)s” is not an email address.") % {"value": row.get("email")}
            )
        )
        return ""


def _student(roster: _Roster, row: Row, schools, first_line_of: dict) -> StudentRecord | None:
    errors = roster.errors
    number = row.get("identifier") or row.get("sourcedId")
    if number in first_line_of:
        errors.append(
            row.problem(
                "identifier",
                _("Duplicate student number %(number)s (also on line %(line)s).")
                % {"number": number, "line": first_line_of[number]},
            )
        )
        return None
    first_line_of[number] = row.line
    errors_before = len(errors)
    born = roster.birth_date(row)
    if not schools:
        errors.append(row.problem("orgSourcedIds", _("The student has no school.")))
    for column in ("givenName", "familyName"):
        if not row.get(column):
            errors.append(row.problem(column, _("This value is required.")))
    email = _student_email(roster, row)
    guardians = [
        roster.guardian_record(agent, row)
        for agent in roster.guardians_of.get(row.get("sourcedId"), [])
    ]
    if len(errors) > errors_before:
        return None
    klass = roster.homeroom.get(row.get("sourcedId"))
    grades = klass.get("grades") if klass else ""
    school, school_name = schools[0]
    return StudentRecord(
        source=row.source(
            student_number="identifier" if row.get("identifier") else "sourcedId",
            first_name="givenName",
            prefix="middleName",
            last_name="familyName",
            email="email",
            school="orgSourcedIds",
            group="sourcedId",
        ),
        student_number=number,
        first_name=row.get("givenName"),
        prefix=row.get("middleName"),
        last_name=row.get("familyName"),
        date_of_birth=born,
        group=klass.get("title") if klass else "",
        year_group=int(grades) if grades.isdigit() and 0 < int(grades) < 20 else None,
        school=school,
        school_name=school_name,
        email=email,
        guardians=[g for g in guardians if g is not None],
    )


def _staff_member(roster: _Roster, row: Row, role: str, schools) -> StaffRecord | None:
    try:
        email = clean_email(row.get("email"))
    except ValidationError:
        roster.errors.append(row.problem("email", _("A staff member needs a valid email address.")))
        return None
    if not row.get("familyName"):
        roster.errors.append(row.problem("familyName", _("This value is required.")))
        return None
    return StaffRecord(
        source=row.source(
            email="email",
            first_name="givenName",
            prefix="middleName",
            last_name="familyName",
            school="orgSourcedIds",
        ),
        email=email,
        first_name=row.get("givenName"),
        prefix=row.get("middleName"),
        last_name=row.get("familyName"),
        function=role,
        schools=schools,
    )


def _people(roster: _Roster, parsed: ParsedFile):
    first_line_of: dict[str, int] = {}
    for row in roster.tables["users.csv"]:
        role = row.get("role").lower()
        if row.get("enabledUser").lower() == "false" or role in GUARDIAN_ROLES:
            continue
        org_ids = _split(row.get("orgSourcedIds"))
        schools = [roster.school_of(row, "orgSourcedIds", org_id) for org_id in org_ids]
        if None in schools:
            continue
        if role == "student":
            student = _student(roster, row, schools, first_line_of)
            if student is not None:
                parsed.students.append(student)
        elif role in STAFF_ROLES:
            member = _staff_member(roster, row, role, schools)
            if member is not None:
                parsed.staff.append(member)


@unreadable_as_error
def parse_oneroster(filename: str, data: bytes) -> ParsedFile:
    parsed = ParsedFile(names_schools=True)
    tables = _tables(filename, data, parsed)
    if tables is None:
        return parsed
    roster = _Roster(tables, parsed.errors)
    roster.classes_check()
    roster.enrollments_read()
    roster.agents_read()
    _people(roster, parsed)
    return parsed
