"""Reading a school administration system's file as Dutch schools really send it.

Handles what Excel does to a CSV file: `;` or `,` or tab as separator, a byte-order mark,
Windows-1252 instead of UTF-8, and dates written dd-mm-jjjj; reads the first sheet of an
.xlsx file; refuses files (and zips) too big to import, before reading them whole.
"""

import csv
import datetime as dt
import functools
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .records import ParsedFile, Problem

DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
EXCEL_EPOCH = dt.date(1899, 12, 30)

# A real export's biggest zip member unpacks to about 11 times its compressed size (a sheet of
# 50,000 students: 3.9 MB -> 43 MB); a zip bomb to several hundred times (432 KB -> 147 MB).
MAX_COMPRESSION_RATIO = 100
# Columns read from the first row; more is no export but a sheet that pads every row.
MAX_COLUMNS = 500


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
    def parse_or_refuse(filename: str, data: bytes, **options) -> ParsedFile:
        try:
            return parse(filename, data, **options)
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
