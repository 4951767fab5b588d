"""Bring the school administration system's records into the portal.

One function, `records_import`, does the dry run and the real import alike: it applies every
change inside one transaction and rolls it back for a dry run or when there is any error, so
the dry run reports exactly what the import will do and a failing import writes nothing.
Students are matched by student number (and, for a move to another school of the board, by
number and date of birth), guardians and staff by email address; people are updated, never
duplicated, and people missing from a full import are marked as left, never deleted.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from consents.dates import school_today
from consents.models import Group, Guardian, ImportRun, School, StaffMember, Student

from .edexml import parse_edexml
from .importer import Importer
from .oneroster import parse_oneroster
from .records import GuardianRecord, ParsedFile, Problem, Source, StaffRecord, StudentRecord
from .results import ImportResult
from .tabular import parse_staff, parse_students

User = get_user_model()

PARSERS = {
    ImportRun.Format.STUDENTS: parse_students,
    ImportRun.Format.STAFF: parse_staff,
    ImportRun.Format.ONEROSTER: parse_oneroster,
    ImportRun.Format.EDEXML: parse_edexml,
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


def records_parse(format: str, filename: str, data: bytes, mapped=None) -> ParsedFile:
    if format in (ImportRun.Format.STUDENTS, ImportRun.Format.STAFF):
        return PARSERS[format](filename, data, mapped=mapped)
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
    confirmed_leavers: int | None = None,
    apply_held: bool = False,
    mapped: dict[str, str] | None = None,
) -> ImportResult:
    """Parse and import one file; with `dry_run` (or any error) nothing is written.

    `allowed_schools` are the schools the administrator may import into; `school` is the
    school the file is for (required unless the file names each row's school). A full import
    that marks more than a tenth of a school's people as left is written only when
    `confirmed_leavers` is the number it marks; a student whose name and date of birth both
    changed is held (left as they are) unless `apply_held`. `mapped` are the columns the
    school mapped itself (normalised header -> field, see `mapping.columns_mapped`).
    """
    parsed = records_parse(format, filename, data, mapped)
    result = ImportResult(
        errors=[*parsed.errors, *lengths_check(parsed)], warnings=list(parsed.warnings)
    )
    if result.errors:
        return result
    with transaction.atomic():
        importer = Importer(
            parsed=parsed,
            result=result,
            allowed_schools=list(allowed_schools),
            school=school,
            today=today or school_today(),
            apply_held=apply_held,
        )
        importer.run(full=full)
        result.confirmation_missing = bool(result.mass_leave) and (
            confirmed_leavers != result.leaving
        )
        result.applied = not dry_run and result.ok and not result.confirmation_missing
        if not result.applied:
            transaction.set_rollback(True)
    return result
