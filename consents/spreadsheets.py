"""CSV and XLSX files for download, safe to open in Excel or LibreOffice.

Every export of the portal writes through these functions. A text cell that starts with
=, +, -, @, a tab or a carriage return would be read as a formula by a spreadsheet program
(CSV/formula injection: a parent could name a child "=HYPERLINK(...)"), so such a cell is
prefixed with an apostrophe, as OWASP recommends. Numbers and dates stay numbers and dates.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """`value`, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(header: Sequence, rows: Iterable[Sequence], *, delimiter: str = ";") -> bytes:
    """UTF-8 with a byte-order mark and ';' between cells: what Dutch Excel opens as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
    for row in (header, *rows):
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence, rows: Iterable[Sequence], *, title: str = "Export") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in (header, *rows):
        # Control characters cannot be stored in XLSX at all: drop them, not the export.
        # (before safe_cell, so that what remains is what is checked).
        sheet.append(
            [
                safe_cell(ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell)
                for cell in row
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    return _download(csv_bytes(header, rows), "text/csv; charset=utf-8", filename)


def xlsx_response(
    filename: str, header: Sequence, rows: Iterable[Sequence], *, title: str = "Export"
) -> HttpResponse:
    return _download(xlsx_bytes(header, rows, title=title), XLSX_CONTENT_TYPE, filename)
