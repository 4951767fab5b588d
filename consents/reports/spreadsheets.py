"""Every CSV and XLSX file the portal produces is written here, safe to open in a spreadsheet.

A text cell that starts with =, +, -, @, a tab or a carriage return is read as a formula by
Excel, LibreOffice or Google Sheets (CSV/formula injection: the school administration system
can carry a child named "=HYPERLINK(...)" into the administrator's download). Such a cell gets
an apostrophe in front, as OWASP recommends. The check looks past what a spreadsheet program
may skip or translate first: leading whitespace, control and invisible format characters, and
the full-width forms of the triggers (＝ ＋ － ＠, which Excel can take for = + - @) and others
that Unicode normalises to them (﹦, ⁼). Numbers and dates are left as they are.

Rows are written as they come, CSV straight to the file and XLSX through openpyxl's
write-only mode, so the register of a whole board is written in bounded memory. A producer of
many rows that repeat the same values (the register of a whole board: 1.7 million rows, with
each person's columns on 30 of them and the same labels on all) may check each value once and
hand over `CheckedRows`.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A cell starting with one of these is plain text: most cells, decided without unicodedata
# (the register of a board has 27 million cells).
_PLAIN_START = frozenset(chr(code) for code in range(0x21, 0x7F)) - set("=+-@")
_SKIPPED_CATEGORIES = ("Cc", "Cf")  # control and format characters (zero-width space, BOM)
_BOLD = Font(bold=True)
_WRAPPED = Alignment(wrap_text=True, vertical="top")


def _starts_like_formula(text: str) -> bool:
    if text.startswith(FORMULA_TRIGGERS):
        return True
    first = next(
        (c for c in text if not c.isspace() and unicodedata.category(c) not in _SKIPPED_CATEGORIES),
        "",
    )
    # NFKC turns the full-width and small forms (＝, ﹦, ⁼ ...) into the ASCII sign.
    return unicodedata.normalize("NFKC", first).startswith(FORMULA_TRIGGERS)


def safe_cell(value):
    """`value`, with text that a spreadsheet would run as a formula made inert."""
    if not isinstance(value, str):
        if not isinstance(value, Promise):
            return value
        value = str(value)
    if not value or value[0] in _PLAIN_START or not _starts_like_formula(value):
        return value
    return "'" + value


class CheckedRows:
    """Rows whose producer has passed every text cell through `safe_cell` already (or made
    it a date or a number), so that a value repeated on many rows is checked once, not on
    every row. On 20,000 of the register's rows, checking each cell again took 1.6-2.0 µs of the
    4.1-4.4 µs it takes to write a row of CSV."""

    def __init__(self, rows: Iterable[Sequence]):
        self._rows = rows

    def __iter__(self) -> Iterator[Sequence]:
        return iter(self._rows)


class _CsvSheet:
    def __init__(self, handle):
        self._writer = csv.writer(handle, delimiter=";")

    def append(self, row: Iterable, *, bold: bool = False, wrap: bool = False) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def extend(self, rows: Iterable[Iterable], *, checked: bool = False) -> None:
        """Write `rows`; `checked`: they come from `CheckedRows`, written as they are."""
        if checked:
            self._writer.writerows(rows)
        else:
            self._writer.writerows([safe_cell(value) for value in row] for row in rows)


class _CsvBook:
    """One sheet: UTF-8 with a byte-order mark and ';' between cells, what Dutch Excel opens."""

    def __init__(self, handle):
        self._handle = handle
        self._sheet = None

    def sheet(self, title: str, *, widths: Sequence[float] = (), frozen_rows: int = 0):
        if self._sheet is not None:
            raise ValueError("A CSV file holds one sheet.")
        self._sheet = _CsvSheet(self._handle)
        return self._sheet


class _XlsxSheet:
    def __init__(self, worksheet):
        self._worksheet = worksheet

    def append(self, row: Iterable, *, bold: bool = False, wrap: bool = False) -> None:
        # Control characters cannot be stored in XLSX at all: drop them, not the export
        # (before safe_cell, so that what remains is what is checked).
        values = [
            safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
            for value in row
        ]
        if bold or wrap:
            values = [self._styled(value, bold=bold, wrap=wrap) for value in values]
        self._worksheet.append(values)

    def extend(self, rows: Iterable[Iterable], *, checked: bool = False) -> None:
        """Write `rows`, each checked again: XLSX also drops control characters, and
        openpyxl's own work per cell outweighs the check."""
        for row in rows:
            self.append(row)

    def _styled(self, value, *, bold: bool, wrap: bool) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._worksheet, value=value)
        if bold:
            cell.font = _BOLD
        if wrap:
            cell.alignment = _WRAPPED
        return cell


class _XlsxBook:
    def __init__(self):
        self.workbook = Workbook(write_only=True)  # rows go to a temporary file, not memory

    def sheet(self, title: str, *, widths: Sequence[float] = (), frozen_rows: int = 0):
        """A new sheet; its column widths and frozen top rows are set before any row."""
        worksheet = self.workbook.create_sheet(title=str(title)[:31])
        for index, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        if frozen_rows:
            worksheet.freeze_panes = f"A{frozen_rows + 1}"
        return _XlsxSheet(worksheet)


@contextmanager
def spreadsheet(fmt: str, target) -> Iterator[_CsvBook | _XlsxBook]:
    """Write a CSV or XLSX file to `target`, a path or a binary file object.

    `book.sheet(title, widths=..., frozen_rows=...)` starts a sheet (a CSV file has one, and
    ignores the layout); `sheet.append(row, bold=..., wrap=...)` writes a row, every cell
    through `safe_cell`; `sheet.extend(rows, checked=...)` writes many, `checked` when they
    are `CheckedRows`.
    """
    if fmt == "csv":
        if isinstance(target, io.IOBase):
            handle = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
            yield _CsvBook(handle)
            handle.flush()
            handle.detach()  # the caller's file stays open
        else:
            with open(target, "w", encoding="utf-8-sig", newline="") as handle:
                yield _CsvBook(handle)
    elif fmt == "xlsx":
        book = _XlsxBook()
        yield book
        book.workbook.save(target)
    else:
        raise ValueError(f"Unknown spreadsheet format: {fmt}")
