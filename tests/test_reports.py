"""The (G)MR report: counts from the domain's verdicts, suppression, formats read back, access."""

import csv
import datetime as dt
import io
import re
from collections import Counter

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from consents.models import MediaType, ReportSnapshot, Role, SchoolYear, Student
from consents.reports import report_build
from consents.reports.formats import report_csv, report_pdf, report_xlsx
from consents.reports.suppression import PRIMARY
from consents.reports.tables import ALL, BoardCounts
from consents.rules import State, verdicts
from consents.tasks import report_snapshots_refresh

from . import factories as f
from .helpers import amsterdam, record
from .test_report_suppression import reader_can_still_think

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def in_october_2026():
    with time_machine.travel(amsterdam(2026, 10, 1, 9), tick=False):
        yield


def students(school, group, answers):
    """One student per answer ("granted", "refused", "withdrawn" or None), each with a guardian
    who answered for the website and photos in September."""
    made = []
    for answer in answers:
        student = f.StudentFactory(school=school, group=group)
        guardian = f.GuardianFactory(students=[student])
        made.append((student, guardian, answer))
    return made


@pytest.fixture
def school_data(board, school, other_school, website, photo):
    year = SchoolYear.objects.for_date(board, TODAY)
    first = f.GroupFactory(school=school, school_year=year, name="1a", year_group=1)
    second = f.GroupFactory(school=school, school_year=year, name="2a", year_group=2)
    other = f.GroupFactory(school=other_school, school_year=year, name="G1", year_group=1)
    people = (
        students(school, first, ["granted"] * 9 + ["refused"] * 2 + [None])
        + students(school, second, ["granted"] * 6 + ["refused"] * 2 + ["withdrawn"])
        + students(other_school, other, ["granted"] * 7 + [None])
    )
    with time_machine.travel(amsterdam(2026, 9, 10), tick=False):
        for student, guardian, answer in people:
            if answer:
                value = "granted" if answer == "withdrawn" else answer
                record(guardian.user, student, website, photo, value=value)
    with time_machine.travel(amsterdam(2026, 9, 20), tick=False):
        for student, guardian, answer in people:
            if answer == "withdrawn":
                record(guardian.user, student, website, photo, value="withdrawn")
    f.StaffMemberFactory(board=board, schools=[school, other_school])
    return year


def domain_counts(school, year_group=None, *, staff=None):
    """What rules.verdicts says for the website and photos, counted by hand."""
    ids = Student.objects.filter(school=school)
    if year_group:
        ids = ids.filter(group__year_group=year_group)
    ids = list(ids.values_list("id", flat=True))
    if staff if staff is not None else year_group is None:
        ids += list(school.staff.values_list("id", flat=True))
    found = verdicts(ids, on=TODAY)
    photo = MediaType.objects.get(code="photo")
    return Counter(
        v.state
        for (_s, purpose_id, media_id), v in found.items()
        if purpose_id == school.board.purposes.get(code="website").id and media_id == photo.id
    )


def section(report, school, bucket=ALL):
    return next(s for s in report.sections if s.school == school and s.bucket == bucket)


def website_photo(section):
    return next(
        line
        for line in section.lines
        if line.purpose.code == "website" and line.media_type.code == "photo"
    )


def test_the_counts_are_the_verdicts_of_the_domain(school_data, board, school, other_school):
    report = report_build(
        board=board, school_year=school_data, schools=[school, other_school], by_year_group=True
    )
    # The one staff member (fewer than 5) is reported together with the smallest year group.
    for target, year_group, bucket, staff in (
        (school, None, ALL, True),
        (school, 1, "1", False),
        (school, 2, "2+staff", True),
        (other_school, None, ALL, True),
    ):
        expected = domain_counts(target, year_group, staff=staff)
        line = website_photo(section(report, target, bucket))
        assert line.cells["granted"].value == expected[State.ALLOWED]
        assert line.cells["refused"].value == expected[State.NOT_ALLOWED]
        assert line.cells["no_answer"].value == expected[State.NO_ANSWER]
    whole = website_photo(section(report, school))
    assert whole.cells["withdrawn"].value == 1
    # 12 + 9 students and one staff member at Waldheim.
    assert section(report, school).population.value == 22
    assert section(report, school, "2+staff").bucket_label == "year group 2, staff"
    # Griftland has one group once its staff member joins year group 1: no separate table.
    assert [s.bucket for s in report.sections if s.school == other_school] == [ALL]


def test_counts_of_1_to_4_are_shown_as_less_than_5_and_cannot_be_worked_out(
    school_data, board, school, other_school
):
    report = report_build(
        board=board, school_year=school_data, schools=[school, other_school], by_year_group=True
    )
    first = website_photo(section(report, school, "1"))
    assert first.cells["refused"].text == "<5"  # 2 refused
    assert first.cells["no_answer"].text == "<5"  # 1: refused + no answer = 3, either 1 or 2
    counts = BoardCounts(board, school_data, TODAY)
    for cell, value in counts.values.items():
        if 0 < value < 5:
            assert counts.hidden[cell] in (PRIMARY, "withheld")
    cells = set(counts.hidden)
    relations = [r for r in counts.relations if cells & {*r.parts, r.total}]
    involved = {c for r in relations for c in (*r.parts, r.total)}
    values = {c: counts.values[c] for c in involved}
    hidden = {c: s for c, s in counts.hidden.items() if c in involved}
    possible = reader_can_still_think(values, relations, hidden, max(values.values()) + 5)
    assert possible and all(len(options) >= 2 for options in possible.values())


def test_csv_and_excel_read_back_equal_the_report(school_data, board, school, other_school):
    report = report_build(
        board=board, school_year=school_data, schools=[school, other_school], by_year_group=True
    )
    shown = {
        (s.school_label, s.bucket_label, line.purpose.name, line.media_type.name): line.cells
        for s in report.sections
        for line in s.lines
    }
    text = report_csv(report).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert len(rows) == len(shown)
    for row in rows:
        cells = shown[(row["school"], row["year group"], row["purpose"], row["media type"])]
        assert row["granted"] == cells["granted"].text
        assert row["refused"] == cells["refused"].text
        assert row["withdrawn during the year"] == cells["withdrawn"].text
    sheet = load_workbook(io.BytesIO(report_xlsx(report))).worksheets
    header = [c.value for c in sheet[0][1]]
    for values in sheet[0].iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values, strict=True))
        cells = shown[(row["school"], row["year group"], row["purpose"], row["media type"])]
        expected = cells["granted"]
        assert row["granted"] == (expected.text if expected.hidden else expected.value)
    about = {row[0]: row[1] for row in sheet[1].iter_rows(values_only=True) if row[0]}
    assert about["reference date"] and "Waldheim-mavo" in about["schools"]
    assert "<5" in about


def test_the_excel_report_is_laid_out_for_reading(school_data, board, school, other_school):
    report = report_build(board=board, school_year=school_data, schools=[school, other_school])
    table, info = load_workbook(io.BytesIO(report_xlsx(report))).worksheets
    assert [cell.font.bold for cell in table[1]] == [True] * table.max_column
    assert not table["A2"].font.bold
    assert table.freeze_panes == "A2"
    assert table.column_dimensions["C"].width == 26
    assert info.column_dimensions["B"].width == 100
    definitions = next(row[0] for row in info.iter_rows() if row[0].value == "Definitions")
    assert definitions.font.bold
    assert all(
        cell.alignment.wrap_text and cell.alignment.vertical == "top"
        for row in info.iter_rows()
        for cell in row
        if cell.value
    )


def test_the_pdf_has_the_counts_date_scope_and_definitions(
    school_data, board, school, other_school
):
    report = report_build(board=board, school_year=school_data, schools=[school, other_school])
    pages = PdfReader(io.BytesIO(report_pdf(report))).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert "Waldheim-mavo" in text and "Griftland College" in text and "All schools" in text
    assert "2026-2027" in text and "reference date" in text
    assert "A count from 1 to 4, hidden" in text
    whole = website_photo(section(report, school))
    numbers = " ".join(whole.cells[m].text for m in ("granted", "refused", "no_answer"))
    assert f"{whole.purpose.name} {whole.media_type.name} {numbers}" in text
    expected = domain_counts(school)
    assert whole.cells["granted"].value == expected[State.ALLOWED]
    shown = [
        line
        for s in report.sections
        for line in s.lines
        if not any(cell.hidden for cell in line.cells.values())
    ]
    assert shown  # some lines have no hidden count: their numbers are in the PDF as such
    line = shown[0]
    numbers = " ".join(str(line.cells[m].value) for m in ("granted", "refused", "no_answer"))
    assert f"{line.purpose.name} {line.media_type.name} {numbers}" in text


def test_the_html_page_has_charts_and_downloads_for_a_council_member(
    client, council_member, school_data
):
    client.force_login(council_member)
    page = client.get(reverse("council_report"), {"by_year_group": "on"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "report-chart" in html
    assert "&lt;5" in html
    for fmt in ("csv", "xlsx", "pdf"):
        response = client.get(reverse("council_report_download", args=[fmt]))
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


def report_tables_html(page) -> list[str]:
    html = page.content.decode()
    return re.findall(r'<table class="table table-sm report-table">(.*?)</table>', html, re.S)


def section_titles(page) -> list[str]:
    return re.findall(r'<h2 class="h4">([^<]*)</h2>', page.content.decode())[:-1]  # definitions


def website_photo_row(page, section_index: int = -1) -> str:
    """The cells of the row for the website and photos, in the last table (the board's)."""
    table = report_tables_html(page)[section_index]
    photo = MediaType.objects.get(code="photo")
    return re.search(rf"Website</th><td>{photo.name}</td>(.*?)</tr>", table)[1]


def test_the_html_tables_show_every_cell_of_the_report_and_mark_the_hidden_ones(
    client, council_member, school_data, board, school, other_school
):
    client.force_login(council_member)
    page = client.get(reverse("council_report"), {"by_year_group": "on"})
    report = report_build(
        board=board, school_year=school_data, schools=[school, other_school], by_year_group=True
    )

    tables = report_tables_html(page)
    assert len(tables) == len(report.sections) > 1
    assert section_titles(page) == [escape(s.title) for s in report.sections]
    for table, section in zip(tables, report.sections, strict=True):
        rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td>(.*?)</tr>', table)
        assert rows == [
            (
                escape(line.purpose.name),
                escape(line.media_type.name),
                "".join(
                    f'<td class="text-end{" report-hidden" if shown.hidden else ""}">'
                    f"{escape(shown.text)}</td>"
                    for shown in line.cells.values()
                ),
            )
            for line in section.lines
        ]
    assert 'report-hidden">&lt;5</td>' in page.content.decode()


def test_the_report_page_shows_new_counts_once_the_schools_are_counted_again(
    client, council_member, school_data, school, website, photo
):
    client.force_login(council_member)
    url = reverse("council_report")
    report_snapshots_refresh()  # the nightly task: counts stand until 9:15
    with time_machine.travel(amsterdam(2026, 10, 1, 9, 10), tick=False):
        before = website_photo_row(client.get(url))
        newcomer = f.StudentFactory(
            school=school, group=Student.objects.filter(school=school)[0].group
        )
        record(
            f.GuardianFactory(students=[newcomer]).user, newcomer, website, photo, value="granted"
        )
        # Until the counts are made again, the page says what they say.
        assert website_photo_row(client.get(url)) == before
    with time_machine.travel(amsterdam(2026, 10, 1, 9, 16), tick=False):
        report_snapshots_refresh()  # or anyone's download: the schools are counted again
        after = website_photo_row(client.get(url))

    granted = lambda row: int(re.match(r'<td class="text-end">(\d+)</td>', row)[1])  # noqa: E731
    assert granted(before) == 22
    assert granted(after) == 23


def test_a_renamed_purpose_shows_on_the_report_page_at_once(
    client, council_member, school_data, website, photo
):
    client.force_login(council_member)
    client.get(reverse("council_report"))
    website.name_en = "School website"
    website.save()

    html = client.get(reverse("council_report")).content.decode()

    assert f"School website</th><td>{photo.name}</td>" in html
    assert ">Website</th>" not in html


def test_the_report_page_keeps_languages_and_scopes_apart(
    client, council_member, school_data, school
):
    client.force_login(council_member)
    english = client.get(reverse("council_report"))
    dutch = client.get(reverse("council_report"), HTTP_ACCEPT_LANGUAGE="nl")
    one_school = client.get(reverse("council_report"), {"school": str(school.id)})

    assert "All schools" in section_titles(english)
    assert "Alle scholen" in section_titles(dutch)
    assert section_titles(one_school) == [school.name]


def test_a_council_member_sees_reports_and_nothing_else(client, council_member, child):
    client.force_login(council_member)
    assert client.get(reverse("council_report")).status_code == 200
    forbidden = [
        reverse("import_start"),
        reverse("people_list"),
        reverse("person_detail", args=[child.key]),
        reverse("paper_record", args=[child.key]),
        reverse("subject_access_admin", args=[child.key, "json"]),
        reverse("register_export"),
    ]
    for url in forbidden:
        assert client.get(url).status_code == 403, url


def test_people_without_a_role_cannot_see_reports(client, mother):
    client.force_login(mother.user)
    assert client.get(reverse("council_report")).status_code == 403


def test_an_administrator_of_one_school_sees_that_school_without_board_totals(
    client, school_data, administrator, school, other_school
):
    client.force_login(administrator)
    page = client.get(reverse("council_report"))
    assert section_titles(page) == [school.name]
    assert "Griftland College" not in page.content.decode()
    response = client.get(reverse("council_report"), {"school": str(other_school.id)})
    assert response.status_code == 200 and response.context["report"] is None
    assert report_tables_html(response) == []


def test_counts_of_an_ended_year_are_frozen(
    school_data, board, school, other_school, website, photo
):
    with time_machine.travel(amsterdam(2027, 8, 15), tick=False):
        before = report_build(board=board, school_year=school_data, schools=[school, other_school])
        assert before.on == dt.date(2027, 7, 31)
        Student.objects.filter(school=school).update(school=other_school)
        after = report_build(board=board, school_year=school_data, schools=[school, other_school])
    assert section(after, school).population.value == section(before, school).population.value
    assert ReportSnapshot.objects.filter(school=school, on=dt.date(2027, 7, 31)).count() == 1


def test_the_running_year_is_recounted_when_the_snapshot_is_old(
    settings, school_data, board, school, other_school, website, photo
):
    report_build(board=board, school_year=school_data, schools=[school, other_school])
    newcomer = f.StudentFactory(school=school)
    settings.REPORT_CACHE_SECONDS = 0
    again = report_build(board=board, school_year=school_data, schools=[school, other_school])
    assert section(again, school).population.value == 23
    assert newcomer.pk


def test_the_worker_counts_the_running_year_again_before_its_counts_expire(
    settings, school_data, board, school, other_school
):
    assert settings.CELERY_BEAT_SCHEDULE["report-snapshots"]["schedule"] < (
        settings.REPORT_CACHE_SECONDS
    )
    report_snapshots_refresh()  # 9:00: the counts stand until 9:15
    with time_machine.travel(amsterdam(2026, 10, 1, 9, 5), tick=False):
        f.StudentFactory(school=school)
    with time_machine.travel(amsterdam(2026, 10, 1, 9, 10), tick=False):
        report_snapshots_refresh()  # counted again though the counts of 9:00 still stand

    with time_machine.travel(amsterdam(2026, 10, 1, 9, 20), tick=False):
        report = report_build(board=board, school_year=school_data, schools=[school, other_school])

    assert section(report, school).population.value == 23
    counted = set(ReportSnapshot.objects.values_list("computed_at", flat=True))
    assert counted == {amsterdam(2026, 10, 1, 9, 10)}  # the report at 9:20 counted nothing


def test_council_role_of_one_school_cannot_choose_another(
    client, school_data, school, other_school
):
    member = f.RoleFactory(kind=Role.Kind.COUNCIL, school=school).user
    client.force_login(member)
    assert (
        client.get(reverse("council_report"), {"school": str(other_school.id)}).context["report"]
        is None
    )


def allowed_students(school, purpose, media_type) -> list:
    """The school's students who may appear for `purpose` as `media_type` today."""
    return [
        s
        for s in Student.objects.filter(school=school)
        if verdicts([s.pk], on=TODAY, purposes=[purpose], media_types=[media_type])[
            (s.pk, purpose.pk, media_type.pk)
        ].allowed
    ]


def test_publications_checked_and_takedowns_are_counted_per_purpose(
    school_data, board, school, website, photo, communications, celery_eager
):
    from consents.communications.publications import publication_record
    from consents.decisions.services import consent_withdraw

    granted = allowed_students(school, website, photo)[:6]
    publication_record(
        user=communications,
        school=school,
        title="Open dag",
        purpose=website,
        media_type=photo,
        published_on=TODAY,
        people=granted,
    )
    guardian = granted[0].guardians.get()
    consent_withdraw(actor=guardian.user, subject=granted[0])

    report = report_build(board=board, school_year=school_data, schools=[school])
    line = website_photo(section(report, school))
    assert line.cells["publications_checked"].value == 6
    # A single takedown is a count under 5: shown suppressed, never as the number.
    assert line.cells["takedowns"].value == 1
    assert line.cells["takedowns"].hidden and line.cells["takedowns"].text != "1"


def test_a_person_is_counted_once_per_measure_however_many_records_they_have(
    school_data, board, school, website, photo, communications, celery_eager
):
    from consents.communications.publications import publication_record
    from consents.decisions.services import consent_withdraw

    withdrawn = next(
        s
        for s in Student.objects.filter(school=school)
        if s.guardians.get().decisions.filter(value="withdrawn").exists()
    )
    with time_machine.travel(amsterdam(2026, 9, 25), tick=False):
        record(withdrawn.guardians.get().user, withdrawn, website, photo, value="granted")
    with time_machine.travel(amsterdam(2026, 9, 28), tick=False):
        record(withdrawn.guardians.get().user, withdrawn, website, photo, value="withdrawn")
    granted = allowed_students(school, website, photo)[:6]
    for title in ("Open dag", "Sportdag"):
        publication_record(
            user=communications,
            school=school,
            title=title,
            purpose=website,
            media_type=photo,
            published_on=TODAY,
            people=granted,
        )
    consent_withdraw(actor=granted[0].guardians.get().user, subject=granted[0])

    report = report_build(board=board, school_year=school_data, schools=[school])
    line = website_photo(section(report, school))
    # The student who withdrew twice counts once, as does the one on two publications with
    # a takedown task for each.
    assert line.cells["withdrawn"].value == 2
    assert line.cells["publications_checked"].value == 6
    assert line.cells["takedowns"].value == 1
