"""What the (G)MR report publishes, read back as a council member gets it (rule 10).

Every process publishes the same report for the same counts, whatever the order in which
the database gives them back or the process's hash seed; and no format (HTML page, CSV,
Excel, PDF) shows a count from 1 to 4, or lets one be worked out from the totals. The
reader's side is rebuilt from the published files alone and searched exhaustively.
"""

import csv
import io
import os
import re
import sqlite3
import subprocess
import sys
from collections import defaultdict
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from benchmarks.processes import ROOT, database_url
from consents.apps import MEDIA_TYPES
from consents.models import ReportSnapshot, SchoolYear
from consents.reports import report_build
from consents.reports.formats import HIDDEN_COLOUR
from consents.reports.measures import MEASURES
from consents.reports.suppression import Relation
from consents.reports.tables import HIDDEN_MARK

from . import factories as f
from .helpers import amsterdam, record
from .test_report_suppression import reader_can_still_think
from .test_reports import TODAY, students

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOW = amsterdam(2026, 10, 1, 9)


@pytest.fixture(autouse=True)
def in_october_2026():
    with time_machine.travel(NOW, tick=False):
        yield


# --- The same report in every process -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_separate_processes_publish_the_same_report_byte_for_byte(
    tmp_path, board, school, website, photo, council_member
):
    """Each gunicorn worker builds the report on its own; whatever the order in which the
    database gives the stored counts back (PostgreSQL's jsonb has its own) and whatever
    the process's hash seed, all publish the same numbers. Here year groups 1 and 2 are
    equally large, and the one staff member must join one of them."""
    year = SchoolYear.objects.for_date(board, TODAY)
    first = f.GroupFactory(school=school, school_year=year, name="1a", year_group=1)
    second = f.GroupFactory(school=school, school_year=year, name="2a", year_group=2)
    people = students(school, first, ["granted"] * 5 + ["refused"] * 2) + students(
        school, second, ["granted"] * 6 + [None]
    )
    for student, guardian, answer in people:
        if answer:
            record(guardian.user, student, website, photo, value=answer)
    f.StaffMemberFactory(board=board, schools=[school])
    report_build(board=board, school_year=year, schools=[school])  # stores the counts
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "consent_portal.settings"}
    if connection.vendor == "sqlite":  # the test database lives in this process's memory
        env.pop("DATABASE_URL", None)
        env["VAR_DIR"] = str(tmp_path)
        with sqlite3.connect(tmp_path / "db.sqlite3") as copy:
            connection.ensure_connection()
            connection.connection.backup(copy)
    else:
        env["DATABASE_URL"] = database_url(connection.settings_dict)

    published = {}
    orders = ["stored", "reversed", "jsonb", "shuffled-1"]
    for seed, order in enumerate(orders, start=1):
        out = tmp_path / order
        out.mkdir()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.report_process",
                NOW.isoformat(),
                str(council_member.pk),
                order,
                str(out),
            ],
            cwd=ROOT,
            env={**env, "PYTHONHASHSEED": str(seed)},
            check=True,
            timeout=120,
        )
        published[order] = ((out / "report.csv").read_bytes(), (out / "tables.html").read_bytes())

    csv_text, html = published["stored"]
    # Of two equally large year groups, the first takes the staff member in.
    assert ";year group 1, staff;" in csv_text.decode()
    assert html.count(b"<table") == 3  # year groups "1, staff" and "2", and the school
    for order in orders:
        assert published[order] == published["stored"], order


# --- No small count in any format, nor one that can be worked out ----------------------------

BUCKETS = {
    "1": "year group 1",
    "2": "year group 2",
    "staff": "staff",
    "unknown": "year group unknown",
}
MEDIA = {name_en: code for code, _name_nl, name_en, _order in MEDIA_TYPES}
PARTITION = ["granted", "refused", "no_answer"]
MARKS = {mark: status for status, mark in HIDDEN_MARK.items()}


@st.composite
def school_counts(draw):
    """A school's counts as the portal stores them (`measures.scope_counts`): per year group
    (or staff), the people and the reminders, and per media type of the one purpose how many
    granted, refused or did not answer (adding up to the people), withdrew, were on a
    publication checked or had a takedown. Zeros are left out."""
    counts = {}
    for bucket in draw(st.lists(st.sampled_from(list(BUCKETS)), unique=True, max_size=3)):
        people = draw(st.sampled_from([1, 2, 3, 4, 5, 6, 7, 9, 12]))
        counts[f"population|{bucket}"] = people
        counts[f"reminders|{bucket}"] = draw(st.integers(0, people))
        for media in MEDIA.values():
            granted = draw(st.integers(0, people))
            refused = draw(st.integers(0, people - granted))
            found = {
                "granted": granted,
                "refused": refused,
                "no_answer": people - granted - refused,
            }
            for code in ("withdrawn", "publications_checked", "takedowns"):
                found[code] = draw(st.integers(0, min(people, 6)))
            for code, value in found.items():
                counts[f"{code}|{bucket}|website|{media}"] = value
    return {key: value for key, value in counts.items() if value}


def csv_cells(content: bytes) -> dict[tuple, str]:
    """{(column, school, year group, purpose, media type): text} of the CSV download;
    "people" and the measures per person are one cell per school and year group."""
    columns = {"people": "population", **{str(m.label): m.code for m in MEASURES}}
    per_person = {"population", *(m.code for m in MEASURES if not m.per_purpose)}
    text = content.decode("utf-8-sig")
    cells = {}
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        for label, code in columns.items():
            where = (row["school"], row["year group"])
            if code not in per_person:
                where += (row["purpose"], row["media type"])
            assert cells.setdefault((code, *where), row[label]) == row[label]
    return cells


def xlsx_cells(content: bytes) -> dict[tuple, str]:
    """The Excel download's cells, keyed as `csv_cells`; numbers as text."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for row in rows:
        assert all(not isinstance(value, float) for value in row)
        writer.writerow(row)
    return csv_cells(buffer.getvalue().encode())


def html_cells(html: str) -> tuple[dict[tuple, list[str]], list[str]]:
    """The page's tables as {(section title, purpose, media type): [cell texts]}, the
    section's people and counts per person under (section title, "people"); and the texts
    of the charts' bars (but the grey one for all hidden counts together)."""
    cells = {}
    for section in re.findall(r'<section class="mb-5 report-section">(.*?)</section>', html, re.S):
        title = unescape(re.search(r'<h2 class="h4">([^<]*)</h2>', section)[1])
        people, per_person = re.search(
            r"<p>[^:]*: <strong>([^<]*)</strong>(.*?)</p>", section
        ).groups()
        cells[(title, "people")] = [
            unescape(t) for t in [people, *re.findall(r" · [^:]*: ([^ ·<]*)", per_person)]
        ]
        for purpose, media, row in re.findall(
            r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td>(.*?)</tr>', section
        ):
            texts = re.findall(r'<td class="text-end[^"]*">([^<]*)</td>', row)
            cells[(title, unescape(purpose), unescape(media))] = [unescape(t) for t in texts]
    bar = rf'<rect [^>]*fill="(?!{HIDDEN_COLOUR})[^"]*"><title>([^<]*)</title></rect>'
    bars = [unescape(t) for t in re.findall(bar, html)]
    return cells, bars


def pdf_rows(content: bytes) -> list[tuple]:
    """The PDF's table rows, (purpose, media type, *cell texts), and its lines of people,
    ("people", people, reminders sent)."""
    pages = PdfReader(io.BytesIO(content)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    media = "|".join(MEDIA)
    rows = re.findall(rf"(Website) ({media})" + r" (\S+)" * 6, text)
    people = re.findall(r"People: (\S+) · reminders sent: (\S+)", text)
    return [*rows, *(("people", *line) for line in people)]


def assert_no_small_count(texts) -> None:
    for text in texts:
        assert text in MARKS or (text.isdigit() and not 0 < int(text) < 5), text


def truth(counts: dict, cell: tuple) -> int:
    """What a published cell counts, from the stored counts (not from the report's code)."""
    code, school, group, *pair = cell
    groups = {label: bucket for bucket, label in BUCKETS.items()}
    total = 0
    for name in counts if school == "All schools" else [school]:
        buckets = {key.split("|")[1] for key in counts[name]}
        if group != "all":
            buckets = {groups[part] for part in group.split(", ")}
        for bucket in buckets:
            key = "|".join([code, bucket, *(["website", MEDIA[pair[1]]] if pair else [])])
            total += counts[name].get(key, 0)
    return total


def reader_relations(cells: dict) -> list[Relation]:
    """The sums a reader of the tables knows: granted + refused + no answer = the people
    of each row; the year groups of a school add up to the school, the schools to the board."""
    relations = []
    sections = defaultdict(list)  # school -> its year groups shown
    for code, school, group, *_pair in cells:
        if code == "population" and group != "all":
            sections[school].append(group)
    for code, school, group, *pair in cells:
        if code == "granted":
            parts = tuple((c, school, group, *pair) for c in PARTITION)
            relations.append(Relation(parts, ("population", school, group)))
    kinds = {(code, *pair) for code, _school, _group, *pair in cells}
    schools = sorted({school for _c, school, *_rest in cells} - {"All schools"})
    for code, *pair in kinds:
        for school, groups in sections.items():
            parts = tuple((code, school, group, *pair) for group in groups)
            relations.append(Relation(parts, (code, school, "all", *pair)))
        if ("population", "All schools", "all") in cells:
            parts = tuple((code, school, "all", *pair) for school in schools)
            relations.append(Relation(parts, (code, "All schools", "all", *pair)))
    return relations


def reader_options(values: dict, relations: list[Relation], hidden: dict) -> dict:
    """`reader_can_still_think`, for each group of hidden cells linked by the sums on its own
    (what one group can be tells nothing about another), each with its own bound."""
    group = {cell: cell for cell in hidden}

    def root(cell):
        while group[cell] != cell:
            cell = group[cell]
        return cell

    for relation in relations:
        linked = [root(c) for c in (*relation.parts, relation.total) if c in hidden]
        for other in linked[1:]:
            group[other] = linked[0]
    members = defaultdict(set)
    for cell in hidden:
        members[root(cell)].add(cell)
    possible = {}
    for cells in members.values():
        linking = [r for r in relations if cells & {*r.parts, r.total}]
        known = {c: values[c] for r in linking for c in (*r.parts, r.total)}
        bound = max(known.values()) + 5
        marks = {c: hidden[c] for c in known if c in hidden}
        possible.update(reader_can_still_think(known, linking, marks, bound))
    return possible


def store(board, counts: dict) -> None:
    """Store {school: counts} as the schools' counts of today; one purpose in the report."""
    board.purposes.exclude(code="website").update(active=False)
    year = SchoolYear.objects.for_date(board, TODAY)
    for school, found in counts.items():
        ReportSnapshot.objects.update_or_create(
            school=school,
            school_year=year,
            on=TODAY,
            defaults={"counts": found, "computed_at": timezone.now()},
        )


def download(client, fmt: str) -> bytes:
    url = reverse("council_report_download", args=[fmt])
    return client.get(url, {"by_year_group": "on"}).content


def per_section(cells: dict[tuple, str]) -> dict[tuple, list[str]]:
    """The CSV's cells as the page and the PDF show them: per section title, a row per
    purpose and media type, and a line of people ("people") with the counts per person."""
    sections = defaultdict(list)
    for (_code, school, group, *pair), text in cells.items():
        title = school if group == "all" else f"{school} – {group}"
        sections[(title, *(pair or ["people"]))].append(text)
    return sections


REPORT_EXAMPLES = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@REPORT_EXAMPLES
@given(first=school_counts(), second=school_counts())
def test_no_format_shows_a_count_of_1_to_4_or_lets_one_be_worked_out(
    client, council_member, board, school, other_school, website, first, second
):
    store(board, {school: first, other_school: second})
    client.force_login(council_member)

    published = csv_cells(download(client, "csv"))
    page = client.get(reverse("council_report"), {"by_year_group": "on"})
    tables, bars = html_cells(page.content.decode())

    assert_no_small_count(published.values())
    assert_no_small_count(bars)
    assert xlsx_cells(download(client, "xlsx")) == published
    assert tables == per_section(published)
    # The published numbers are the true counts, and a reader who knows the method (and
    # every sum of the tables) can pin no "<5" cell to one value.
    counts = {school.name: first, other_school.name: second}
    values = {cell: truth(counts, cell) for cell in published}
    for cell, text in published.items():
        if text not in MARKS:
            assert int(text) == values[cell], cell
    hidden = {cell: MARKS[text] for cell, text in published.items() if text in MARKS}
    possible = reader_options(values, reader_relations(published), hidden)
    for cell, options in possible.items():
        assert values[cell] in options and len(options) >= 2, (cell, options)


@hypothesis_settings(REPORT_EXAMPLES, max_examples=5)  # a PDF takes seconds
@given(first=school_counts(), second=school_counts())
def test_the_pdf_shows_the_cells_of_the_csv_and_no_count_of_1_to_4(
    client, council_member, board, school, other_school, website, first, second
):
    store(board, {school: first, other_school: second})
    client.force_login(council_member)

    published = csv_cells(download(client, "csv"))
    rows = pdf_rows(download(client, "pdf"))

    assert_no_small_count(text for row in rows for text in row[2:] if row[0] != "people")
    assert_no_small_count(text for row in rows for text in row[1:] if row[0] == "people")
    assert sorted(rows) == sorted(
        (*where[1:], *texts) for where, texts in per_section(published).items()
    )
