"""The report page when a school's small counts pin each other: only that row is withheld.

Issue 22: one school with a withdrawal in each of four year groups (school total 4, so each
"<5" can only be 1) made the whole report "–". Through the page, as a council member sees it.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from consents.models import SchoolYear

from . import factories as f
from .helpers import amsterdam, record
from .test_reports import report_tables_html, section_titles, students

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CELL = re.compile(r'<td class="text-end( report-hidden)?">([^<]*)</td>')
MEASURES = ["granted", "refused", "no_answer", "withdrawn", "publications_checked", "takedowns"]


def website_photo_cells(table: str) -> dict[str, str]:
    row = re.search(r"Website</th><td>Photo</td>(.*?)</tr>", table)[1]
    return dict(zip(MEASURES, (text for _hidden, text in CELL.findall(row)), strict=True))


def test_four_withdrawals_of_one_withhold_only_their_row_and_the_rest_stays_visible(
    client, council_member, board, school, other_school, website, photo
):
    with time_machine.travel(amsterdam(2026, 10, 1, 9), tick=False):
        year = SchoolYear.objects.for_date(board, dt.date(2026, 10, 1))
        people = []
        for number in range(1, 5):
            group = f.GroupFactory(
                school=school, school_year=year, name=f"{number}a", year_group=number
            )
            people += students(school, group, ["granted"] * 6 + ["withdrawn"])
        other = f.GroupFactory(school=other_school, school_year=year, name="G1", year_group=1)
        people += students(other_school, other, ["granted"] * 7 + ["withdrawn"] * 6)
        with time_machine.travel(amsterdam(2026, 9, 10), tick=False):
            for student, guardian, _answer in people:
                record(guardian.user, student, website, photo, value="granted")
        with time_machine.travel(amsterdam(2026, 9, 20), tick=False):
            for student, guardian, answer in people:
                if answer == "withdrawn":
                    record(guardian.user, student, website, photo, value="withdrawn")

        client.force_login(council_member)
        page = client.get(reverse("council_report"), {"by_year_group": "on"})

    assert page.status_code == 200
    tables = dict(zip(section_titles(page), report_tables_html(page), strict=True))
    # Four year groups and the school; the other school (one year group); the board.
    assert len(tables) == 7
    rows = {title: website_photo_cells(table) for title, table in tables.items()}
    mine = [title for title in rows if title.startswith(escape(school.name))]
    assert len(mine) == 5
    for title in mine:
        # The withdrawals, and so the refusals, are 1 + 1 + 1 + 1 = 4: withheld. The
        # granted count gets company (people minus it would give the refusals back).
        assert rows[title]["withdrawn"] == rows[title]["refused"] == "–"
        assert rows[title]["granted"] == "×"
    # Nothing else is withheld: not the other school, not the board, no other purpose.
    withheld = sum(table.count(">–</td>") for table in tables.values())
    assert withheld == 2 * 5
    board_row = rows["All schools"]
    assert (board_row["granted"], board_row["refused"], board_row["withdrawn"]) == (
        "31",
        "10",
        "10",
    )
