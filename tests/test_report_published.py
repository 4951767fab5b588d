"""What the (G)MR report publishes, read back as a council member gets it (rule 10).

Every process publishes the same report for the same counts, whatever the order in which
the database gives them back or the process's hash seed.
"""

import os
import sqlite3
import subprocess
import sys

import pytest
import time_machine
from django.db import connection

from consents.models import SchoolYear
from consents.reports import report_build

from . import factories as f
from .helpers import amsterdam, record
from .processes import ROOT, database_url
from .test_reports import TODAY, students

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOW = amsterdam(2026, 10, 1, 9)


@pytest.fixture(autouse=True)
def in_october_2026():
    with time_machine.travel(NOW, tick=False):
        yield


# --- The same report in every process -------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
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
