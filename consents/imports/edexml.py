"""EDEXML 2.1, the XML export of ParnasSys and ESIS (primary schools), with guardians from a CSV.

The XML holds `groepen` (groep key, naam, jaargroep), `leerlingen` (leerling key, achternaam,
voorvoegsel, roepnaam, geboortedatum, groep key, emailadres, uitstroomdatum) and
`leerkrachten` (leerkracht key, achternaam, voorvoegsel, roepnaam, emailadres); the
leerling's key is their student number here. A leerling with an `uitstroomdatum` on or before
the file's `peildatum` (today when it has none) has left the school ("vanaf die datum niet
meer op de school", the EDEXML 2.1 manual): they are not imported, with a warning, so a
full import counts them among those who left.

EDEXML has no parents: their addresses come from a second file, a CSV with a student column
(`Leerlingnummer`, or `key`) and guardian columns as in a students file. The upload is the XML
alone, or a zip of the XML and that CSV (the import page makes the zip). The XML is read
with defusedxml: no entities, no external references.
"""

import io
import zipfile

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consents.dates import school_today

from .columns import STUDENT_COLUMNS, RowReader
from .reading import (
    UnreadableFile,
    archive_check,
    clean_email,
    parse_date,
    read_table,
    unreadable_as_error,
)
from .records import ParsedFile, Problem, Source, StaffRecord, StudentRecord
from .tabular import TableRow, row_guardians

XML_NAME = "edexml.xml"
GUARDIANS_NAME = "ouders.csv"
# The guardians file names each student by their number or by their EDEXML key.
GUARDIAN_FILE_COLUMNS = {
    "student_number": [*STUDENT_COLUMNS["student_number"], "key", "leerling key", "sleutel"]
}


def _files(filename: str, data: bytes) -> tuple[tuple[str, bytes], tuple[str, bytes] | None]:
    """((name, XML), (name, guardians CSV) or None) of the upload."""
    if data[:4] != b"PK\x03\x04":
        return (filename, data), None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableFile(_("This is not a zip file that can be read.")) from None
    archive_check(archive)
    members = [info for info in archive.infolist() if not info.is_dir()]
    xml = [m for m in members if m.filename.lower().endswith(".xml")]
    csv = [m for m in members if m.filename.lower().endswith((".csv", ".xlsx"))]
    if len(xml) != 1 or len(csv) > 1:
        raise UnreadableFile(
            _("The zip must hold one EDEXML file (.xml) and at most one guardians file (.csv).")
        )
    guardians = (csv[0].filename, archive.read(csv[0])) if csv else None
    return (xml[0].filename, archive.read(xml[0])), guardians


def _root(name: str, data: bytes):
    try:
        root = SafeElementTree.fromstring(data)
    except (SafeElementTree.ParseError, DefusedXmlException, ValueError):
        raise UnreadableFile(_("This is not an XML file that can be read."), file=name) from None
    version = root.findtext("school/xsdversie", "").strip()
    if root.tag != "EDEX" or (version and not version.startswith("2.")):
        raise UnreadableFile(
            _("This is not an EDEXML 2 file (version “%(version)s”): export it as EDEXML 2.1.")
            % {"version": version or root.tag},
            file=name,
        )
    return root


def _text(element, tag: str) -> str:
    return " ".join((element.findtext(tag) or "").split())


def _where(kind: str, key: str, tag: str) -> str:
    return f"{kind} key={key} › {tag}"


def _groups(root) -> dict[str, tuple[str, int | None]]:
    groups = {}
    for groep in root.iterfind("groepen/groep"):
        year = _text(groep, "jaargroep")
        year_group = int(year) if year.isdigit() and 0 < int(year) < 20 else None
        groups[groep.get("key", "")] = (_text(groep, "naam"), year_group)
    return groups


def _reference_date(root, name: str):
    """The day the file describes: its `peildatum`, or today when it has none."""
    value = " ".join(root.findtext("school/peildatum", "").split())
    if not value:
        return school_today()
    try:
        return parse_date(value)
    except ValueError:
        raise UnreadableFile(
            _("“%(value)s” is not a date (school › peildatum).") % {"value": value}, file=name
        ) from None


def _date(value: str, field: str, source: Source, errors: list):
    """`value` as a date, or None when it is empty or (an error for `field`) not a date."""
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        errors.append(source.problem(field, _("“%(value)s” is not a date.") % {"value": value}))
        return None


def _student(name: str, leerling, groups, parsed: ParsedFile, on) -> StudentRecord | None:
    key = leerling.get("key", "").strip()
    tags = {
        "first_name": "roepnaam",
        "prefix": "voorvoegsel",
        "last_name": "achternaam",
        "date_of_birth": "geboortedatum",
        "group": "groep",
        "email": "emailadres",
        "left_on": "uitstroomdatum",
    }
    source = Source(name, None, {f: _where("leerling", key, t) for f, t in tags.items()})
    source.columns["student_number"] = f"leerling key={key}"
    values = {field: _text(leerling, tag) for field, tag in tags.items()}
    values["prefix"] = values["prefix"] or _text(leerling, "tussenvoegsel")
    errors = [
        source.problem(field, _("This value is required."))
        for field in ("last_name", "date_of_birth")
        if not values[field]
    ]
    if not key:
        errors.append(source.problem("student_number", _("This value is required.")))
    born = _date(values["date_of_birth"], "date_of_birth", source, errors)
    groep = leerling.find("groep")
    group_key = groep.get("key", "") if groep is not None else ""
    if group_key and group_key not in groups:
        errors.append(source.problem("group", _("Unknown group “%(id)s”.") % {"id": group_key}))
    left_on = _date(values["left_on"], "left_on", source, errors)
    parsed.errors.extend(errors)
    if errors:
        return None
    if left_on is not None and left_on <= on:
        parsed.warnings.append(
            source.problem(
                "left_on",
                _("This student left the school on %(date)s and is not imported.")
                % {"date": date_format(left_on)},
            )
        )
        return None
    group, year_group = groups.get(group_key, ("", None))
    return StudentRecord(
        source=source,
        student_number=key,
        first_name=values["first_name"] or _text(leerling, "voornamen"),
        prefix=values["prefix"],
        last_name=values["last_name"],
        date_of_birth=born,
        group=group,
        year_group=year_group,
    )


def _staff_member(name: str, leerkracht, parsed: ParsedFile) -> StaffRecord | None:
    key = leerkracht.get("key", "").strip()
    try:
        email = clean_email(_text(leerkracht, "emailadres"))
    except ValidationError:
        email = ""
    source = Source(
        name,
        None,
        {
            "email": _where("leerkracht", key, "emailadres"),
            "first_name": _where("leerkracht", key, "roepnaam"),
            "prefix": _where("leerkracht", key, "voorvoegsel"),
            "last_name": _where("leerkracht", key, "achternaam"),
        },
    )
    if not email or not _text(leerkracht, "achternaam"):
        # Staff are known by their address; a teacher without one cannot log in to decide.
        parsed.warnings.append(
            source.problem(
                "email",
                _("This teacher lacks a valid email address or a last name and is skipped."),
            )
        )
        return None
    return StaffRecord(
        source=source,
        email=email,
        first_name=_text(leerkracht, "roepnaam"),
        prefix=_text(leerkracht, "voorvoegsel") or _text(leerkracht, "tussenvoegsel"),
        last_name=_text(leerkracht, "achternaam"),
        function="leerkracht",  # as the export names them
    )


def _guardians(name: str, data: bytes, parsed: ParsedFile) -> dict[str, list]:
    """Student number -> their guardians, from the guardians file."""
    table = read_table(name, data)
    reader = RowReader(name, table, GUARDIAN_FILE_COLUMNS, parsed, guardians=True)
    if not reader.require(["student_number"]):
        return {}
    numbers = sorted({number for number, _field in reader.guardian_index})
    guardians = {}
    for line, cells in table.rows:
        row = TableRow(reader, line, cells, GUARDIAN_FILE_COLUMNS)
        row.required(["student_number"])
        found = row_guardians(row, numbers) or []
        parsed.errors.extend(row.problems)
        number = row.values["student_number"]
        if number in guardians:
            parsed.errors.append(
                row.source.problem("student_number", _("This student appears twice in the file."))
            )
        guardians[number] = (found, line)
    return guardians


def _link_guardians(parsed: ParsedFile, guardians: dict, name: str):
    by_number = {student.student_number: student for student in parsed.students}
    for number, (found, line) in guardians.items():
        student = by_number.get(number)
        if student is None:
            parsed.errors.append(
                Problem(
                    name,
                    line,
                    "",
                    _("Student %(number)s is not in the EDEXML file.") % {"number": number},
                )
            )
            continue
        student.guardians = found


@unreadable_as_error
def parse_edexml(filename: str, data: bytes) -> ParsedFile:
    (xml_name, xml), guardians_file = _files(filename, data)
    root = _root(xml_name, xml)
    parsed = ParsedFile()
    groups = _groups(root)
    on = _reference_date(root, xml_name)
    seen = set()
    for leerling in root.iterfind("leerlingen/leerling"):
        student = _student(xml_name, leerling, groups, parsed, on)
        if student is not None and student.student_number in seen:
            parsed.errors.append(
                student.source.problem("student_number", _("This student appears twice."))
            )
        elif student is not None:
            seen.add(student.student_number)
            parsed.students.append(student)
    for leerkracht in root.iterfind("leerkrachten/leerkracht"):
        member = _staff_member(xml_name, leerkracht, parsed)
        if member is not None:
            parsed.staff.append(member)
    if guardians_file is not None:
        name, content = guardians_file
        _link_guardians(parsed, _guardians(name, content, parsed), name)
    return parsed
