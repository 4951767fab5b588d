"""CSV and Excel exports of a school administration system, as Dutch schools really send them.

Handles what Excel does to a CSV file: `;` or `,` or tab as separator, a byte-order mark,
Windows-1252 instead of UTF-8, and dates written dd-mm-jjjj. The accepted column names are
documented in docs/import/README.md; `STUDENT_COLUMNS` and `STAFF_COLUMNS` are the source.
"""

import csv
import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .records import GuardianRecord, ParsedFile, Problem, Source, StaffRecord, StudentRecord

# Canonical field -> accepted column names, compared without case, spaces, dashes or underscores.
STUDENT_COLUMNS = {
    "student_number": ["leerlingnummer", "leerlingnr", "llnr", "studentnummer", "student number"],
    "first_name": ["roepnaam", "voornaam", "first name"],
    "prefix": ["tussenvoegsel", "tussenvoegsels", "voorvoegsel", "prefix"],
    "last_name": ["achternaam", "familienaam", "last name"],
    "date_of_birth": ["geboortedatum", "date of birth", "birth date"],
    "group": ["klas", "stamgroep", "basisgroep", "class"],
    "year_group": ["leerjaar", "year group"],
    "school": ["school", "brin", "vestiging"],
    "email": ["e-mail leerling", "email leerling", "e-mail", "email"],
}
# Guardian columns: "ouder1_roepnaam", "ouder2_e-mail", "verzorger1 achternaam", "guardian2_email".
GUARDIAN_PATTERN = re.compile(r"^(?:ouder|verzorger|guardian)([1-9])(.+)$")
GUARDIAN_COLUMNS = {
    "first_name": ["roepnaam", "voornaam", "first name"],
    "prefix": ["tussenvoegsel", "voorvoegsel", "prefix"],
    "last_name": ["achternaam", "last name"],
    "email": ["e-mail", "email", "emailadres"],
}
STAFF_COLUMNS = {
    "email": ["e-mail", "email", "emailadres", "e-mail werk"],
    "first_name": ["roepnaam", "voornaam", "first name"],
    "prefix": ["tussenvoegsel", "tussenvoegsels", "voorvoegsel", "prefix"],
    "last_name": ["achternaam", "familienaam", "last name"],
    "function": ["functie", "function"],
    "school": ["school", "scholen", "brin", "vestiging"],
}
STUDENT_REQUIRED = ("student_number", "first_name", "last_name", "date_of_birth")
STAFF_REQUIRED = ("email", "last_name")

DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
EXCEL_EPOCH = dt.date(1899, 12, 30)

# A real export's biggest zip member unpacks to about 11 times its compressed size (a sheet of
# 50,000 students: 3.9 MB -> 43 MB); a zip bomb to several hundred times (432 KB -> 147 MB).
MAX_COMPRESSION_RATIO = 100
# Columns read from the first row; more is no export but a sheet that pads every row.
MAX_COLUMNS = 500


def normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header or "").strip().lower())


def _aliases(columns: dict[str, list[str]]) -> dict[str, str]:
    return {normalise(alias): name for name, aliases in columns.items() for alias in aliases}


class UnreadableFile(Exception):
    """The file is not one we can or will read; the message says why.

    `file` names the part of an archive at fault (OneRoster: "users.csv"), if not the whole.
    """

    def __init__(self, message: str, *, file: str = ""):
        super().__init__(message)
        self.file = file


def unreadable_as_error(parse):
    """A parser that meets an unreadable or oversized file, even halfway through, returns
    that one problem instead of raising (and instead of the rows' problems so far)."""

    @functools.wraps(parse)
    def parse_or_refuse(filename: str, data: bytes) -> ParsedFile:
        try:
            return parse(filename, data)
        except UnreadableFile as error:
            return ParsedFile(errors=[Problem(error.file or filename, None, "", str(error))])

    return parse_or_refuse


def too_many_rows(*, file: str = "") -> UnreadableFile:
    return UnreadableFile(
        _("The file has more than %(limit)s rows, the most one import can take.")
        % {"limit": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True)},
        file=file,
    )


def archive_check(archive: zipfile.ZipFile) -> None:
    """Refuse a zip that would unpack to too much, from its directory, before unpacking it.

    zipfile never unpacks a member past the size its directory states, so these are the
    most that reading the archive can cost.
    """
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise UnreadableFile(
            _("The file unpacks to %(size)s, more than the %(limit)s one import can take.")
            % {
                "size": filesizeformat(unpacked),
                "limit": filesizeformat(settings.IMPORT_MAX_UNPACKED_BYTES),
            }
        )
    for info in archive.infolist():
        if info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise UnreadableFile(
                _(
                    "%(name)s unpacks to %(ratio)s times its packed size; an export unpacks "
                    "to at most %(limit)s times, so this file is refused."
                )
                % {
                    "name": info.filename,
                    "ratio": info.file_size // max(info.compress_size, 1),
                    "limit": MAX_COMPRESSION_RATIO,
                }
            )


def _headers_check(headers: list[str]) -> None:
    if len(headers) > MAX_COLUMNS:
        raise UnreadableFile(
            _("The first row has %(count)s columns; at most %(limit)s can be read.")
            % {"count": len(headers), "limit": MAX_COLUMNS}
        )


@dataclass
class Table:
    headers: list[str]
    labels: list[str]  # how to name each column in a message
    rows: Iterator[tuple[int, list]]  # (line number, cells)
    warnings: list[str]


def read_table(filename: str, data: bytes) -> Table:
    """Read the first sheet of an .xlsx file, or a CSV file in any encoding Excel produces."""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(_("This is an old Excel file (.xls): save it as .xlsx or CSV."))
    return _read_csv(data)


def decode(data: bytes) -> tuple[str, list[str]]:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252"), [_("The file is not UTF-8; it was read as Windows-1252.")]
        except UnicodeDecodeError:
            raise UnreadableFile(_("The file's character encoding is not recognised.")) from None


def _read_csv(data: bytes) -> Table:
    text, warnings = decode(data)
    if "\x00" in text:
        raise UnreadableFile(_("This does not look like a CSV file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise UnreadableFile(_("The file is empty.")) from None
    except csv.Error:
        raise unreadable_line(1) from None
    _headers_check(_without_trailing_blanks(headers))

    def rows():
        line = reader.line_num
        try:
            for count, cells in enumerate(reader, start=1):
                if count > settings.IMPORT_MAX_ROWS:
                    raise too_many_rows()
                start, line = line + 1, reader.line_num
                if any(cell.strip() for cell in cells):
                    yield start, cells
        except csv.Error:
            raise unreadable_line(line + 1) from None

    return Table(headers, headers, rows(), warnings)


def unreadable_line(line: int, *, file: str = "") -> UnreadableFile:
    # The csv module's own messages are English and about its internals ("field larger than
    # field limit"): in practice a quote that is never closed.
    return UnreadableFile(
        _("Line %(line)s cannot be read: a value is far too long or a quote is not closed.")
        % {"line": line},
        file=file,
    )


def _without_trailing_blanks(headers: list[str]) -> list[str]:
    end = len(headers)
    while end and not headers[end - 1]:
        end -= 1
    return headers[:end]


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    damaged = UnreadableFile(_("This is not an Excel (.xlsx) file that can be read."))
    try:
        archive_check(zipfile.ZipFile(io.BytesIO(data)))
    except zipfile.BadZipFile:
        raise damaged from None
    # openpyxl raises many kinds for a damaged or foreign zip, also halfway through a sheet
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The sheet's own statement of its size, when it has one: refused before reading.
        if sheet.max_row is not None and sheet.max_row - 1 > settings.IMPORT_MAX_ROWS:
            raise too_many_rows()
        first_row = next(sheet.iter_rows(max_row=1, values_only=True), None)
    except UnreadableFile:
        raise
    except Exception:
        raise damaged from None
    if first_row is None:
        raise UnreadableFile(_("The sheet is empty."))
    headers = _without_trailing_blanks(["" if h is None else str(h).strip() for h in first_row])
    _headers_check(headers)
    labels = [f"{h} ({get_column_letter(i + 1)})" for i, h in enumerate(headers)]

    def rows():
        # Only the columns that have a name: a sheet that claims 16,384 columns is not
        # padded to that width on every row.
        iterator = sheet.iter_rows(min_row=2, max_col=max(len(headers), 1), values_only=True)
        try:
            for line, cells in enumerate(iterator, start=2):
                if line - 1 > settings.IMPORT_MAX_ROWS:  # also counts rows the sheet skips
                    raise too_many_rows()
                if any(c not in (None, "") and str(c).strip() for c in cells):
                    yield line, list(cells)
        except UnreadableFile:
            raise
        except Exception:
            raise damaged from None
        finally:
            workbook.close()

    return Table(headers, labels, rows(), [])


def text(value) -> str:
    """A cell as text; Excel turns student numbers into floats (100234.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return " ".join(str(value).split())


def parse_date(value) -> dt.date:
    """dd-mm-jjjj (also with / or .), jjjj-mm-dd, or an Excel date; ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and 1 < value < 80000:
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    raw = text(value)
    for fmt in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        if parsed.year >= 1900:
            return parsed
    raise ValueError(raw)


def clean_email(value) -> str:
    """Lower-cased address; ValidationError when it is not one."""
    address = text(value).lower()
    validate_email(address)
    return address


class RowReader:
    """Maps one table's columns to canonical fields and collects problems with their place."""

    def __init__(self, filename: str, table: Table, columns: dict[str, list[str]], parsed):
        self.filename = filename
        self.table = table
        self.parsed = parsed
        aliases = _aliases(columns)
        self.index: dict[str, int] = {}
        self.guardian_index: dict[tuple[int, str], int] = {}
        guardian_aliases = _aliases(GUARDIAN_COLUMNS)
        for position, header in enumerate(table.headers):
            key = normalise(header)
            if not key:
                continue
            guardian = GUARDIAN_PATTERN.match(key)
            if key in aliases and aliases[key] not in self.index:
                self.index[aliases[key]] = position
            elif guardian and guardian.group(2) in guardian_aliases and columns is STUDENT_COLUMNS:
                slot = (int(guardian.group(1)), guardian_aliases[guardian.group(2)])
                self.guardian_index.setdefault(slot, position)
            else:
                parsed.warnings.append(
                    Problem(filename, 1, header, _("Unknown column; it is ignored."))
                )
        for message in table.warnings:
            parsed.warnings.append(Problem(filename, None, "", message))

    def has(self, name: str) -> bool:
        return name in self.index

    def require(self, names) -> bool:
        missing = [name for name in names if name not in self.index]
        for name in missing:
            self.parsed.errors.append(
                Problem(
                    self.filename,
                    1,
                    name,
                    _("The required column “%(name)s” is missing.") % {"name": name},
                )
            )
        return not missing

    def source(self, line: int) -> Source:
        columns = {name: self.table.labels[i] for name, i in self.index.items()}
        for (number, name), i in self.guardian_index.items():
            columns[f"guardian{number}_{name}"] = self.table.labels[i]
        return Source(self.filename, line, columns)

    @staticmethod
    def cell(cells: list, position: int | None):
        if position is None or position >= len(cells):
            return None
        return cells[position]

    def value(self, cells, name):
        return self.cell(cells, self.index.get(name))


def _open(filename: str, data: bytes, columns, required):
    """(parsed, table, reader) of a file; reader is None when the file lacks a required
    column (the problem is then in parsed.errors). UnreadableFile when it cannot be read."""
    parsed = ParsedFile()
    table = read_table(filename, data)
    reader = RowReader(filename, table, columns, parsed)
    if not reader.require(required):
        return parsed, table, None
    parsed.names_schools = reader.has("school")
    return parsed, table, reader


@unreadable_as_error
def parse_students(filename: str, data: bytes) -> ParsedFile:
    parsed, table, reader = _open(filename, data, STUDENT_COLUMNS, STUDENT_REQUIRED)
    if reader is None:
        return parsed
    guardian_numbers = sorted({number for number, _name in reader.guardian_index})
    first_line_of: dict[str, int] = {}

    for line, cells in table.rows:
        source = reader.source(line)
        errors_before = len(parsed.errors)

        def fail(name, message, source=source):
            parsed.errors.append(source.problem(name, message))

        values = {name: text(reader.value(cells, name)) for name in STUDENT_COLUMNS}
        for name in STUDENT_REQUIRED:
            if not values[name]:
                fail(name, _("This value is required."))
        number = values["student_number"]
        if number in first_line_of:
            fail(
                "student_number",
                _("Duplicate student number %(number)s (also on line %(line)s).")
                % {"number": number, "line": first_line_of[number]},
            )
        elif number:
            first_line_of[number] = line
        born = None
        raw_born = reader.value(cells, "date_of_birth")
        if values["date_of_birth"]:
            try:
                born = parse_date(raw_born)
            except ValueError:
                fail(
                    "date_of_birth",
                    _("“%(value)s” is not a date: write it as dd-mm-jjjj.")
                    % {"value": values["date_of_birth"]},
                )
        year_group = None
        if values["year_group"]:
            if values["year_group"].isdigit() and 0 < int(values["year_group"]) < 20:
                year_group = int(values["year_group"])
            else:
                fail("year_group", _("The year group must be a number such as 1 or 4."))
        email = ""
        if values["email"]:
            try:
                email = clean_email(values["email"])
            except ValidationError:
                fail(
                    "email",
                    _("“%(value)s” is not an email address.") % {"value": values["email"]},
                )

        guardians = None
        if guardian_numbers:
            guardians = []
            for number_ in guardian_numbers:
                slot = {
                    name: text(reader.cell(cells, reader.guardian_index.get((number_, name))))
                    for name in GUARDIAN_COLUMNS
                }
                if not any(slot.values()):
                    continue
                email_field = f"guardian{number_}_email"
                if not slot["email"]:
                    fail(
                        email_field,
                        _("Guardian %(number)s has no email address; they could not log in.")
                        % {"number": number_},
                    )
                    continue
                try:
                    guardian_email = clean_email(slot["email"])
                except ValidationError:
                    fail(
                        email_field,
                        _("“%(value)s” is not an email address.") % {"value": slot["email"]},
                    )
                    continue
                if not slot["last_name"]:
                    fail(f"guardian{number_}_last_name", _("This value is required."))
                    continue
                columns = {
                    name: source.columns.get(f"guardian{number_}_{name}", "")
                    for name in GUARDIAN_COLUMNS
                }
                guardians.append(
                    GuardianRecord(
                        first_name=slot["first_name"],
                        prefix=slot["prefix"],
                        last_name=slot["last_name"],
                        email=guardian_email,
                        slot=f"guardian{number_}",
                        source=Source(source.file, source.line, columns),
                    )
                )
            emails = [g.email for g in guardians]
            if len(set(emails)) < len(emails):
                fail(f"guardian{guardian_numbers[-1]}_email", _("The same guardian twice."))

        if len(parsed.errors) == errors_before:
            parsed.students.append(
                StudentRecord(
                    source=source,
                    student_number=number,
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
            )
    return parsed


@unreadable_as_error
def parse_staff(filename: str, data: bytes) -> ParsedFile:
    parsed, table, reader = _open(filename, data, STAFF_COLUMNS, STAFF_REQUIRED)
    if reader is None:
        return parsed
    first_line_of: dict[str, int] = {}
    for line, cells in table.rows:
        source = reader.source(line)
        values = {name: text(reader.value(cells, name)) for name in STAFF_COLUMNS}
        problems = [
            source.problem(name, _("This value is required."))
            for name in STAFF_REQUIRED
            if not values[name]
        ]
        email = ""
        if values["email"]:
            try:
                email = clean_email(values["email"])
            except ValidationError:
                problems.append(
                    source.problem(
                        "email",
                        _("“%(value)s” is not an email address.") % {"value": values["email"]},
                    )
                )
        if email in first_line_of:
            problems.append(
                source.problem(
                    "email",
                    _("Duplicate staff member %(email)s (also on line %(line)s).")
                    % {"email": email, "line": first_line_of[email]},
                )
            )
        elif email:
            first_line_of[email] = line
        if problems:
            parsed.errors.extend(problems)
            continue
        schools = [(s.strip(), "") for s in re.split(r"[|,]", values["school"]) if s.strip()]
        parsed.staff.append(
            StaffRecord(
                source=source,
                email=email,
                first_name=values["first_name"],
                prefix=values["prefix"],
                last_name=values["last_name"],
                function=values["function"],
                schools=schools,
            )
        )
    return parsed
