"""Benchmarks of the domain calls behind the pages, and of the export and the report.

The pages themselves are in `pages.py`; these time the `consents.rules` and
`consents.decisions.services` calls inside them, the name search, and the two whole-board jobs: the
register export and the (G)MR report, through the same functions the application runs.
"""

import itertools
import tempfile

from django.db import transaction
from django.db.models import Count

from consents import rules
from consents.communications.directory import people_search
from consents.decisions.services import decision_record
from consents.models import (
    ExportLog,
    MediaType,
    Purpose,
    ReportSnapshot,
    School,
    SchoolYear,
    Student,
)
from consents.reports import report_build
from consents.reports.exports import ExportRequest, export_write

from .baselines import BARE_VIEW, COPY_EXPORT, SQL_AGGREGATE
from .harness import benchmark

PAGE_BUDGET_MS = 50


@benchmark("verdict detail: 1 person, 30 verdicts", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def verdict_detail(board):
    subject = board.student()

    def run():
        found = rules.verdicts([subject.pk], on=board.today)
        return [(v.state.label, v.explanation) for v in found.values()]

    return run


@benchmark("parent page: 3 children", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def parent_page(board):
    guardian, _children = board.guardian_with_children(3)

    def run():
        children = list(
            Student.objects.filter(guardianships__guardian=guardian).order_by("date_of_birth")
        )
        found = rules.verdicts([c.pk for c in children], on=board.today)
        return [(v.state.label, v.explanation, v.disputed) for v in found.values()]

    return run


@benchmark("save one decision", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def save_decision(board):
    """A guardian saves one answer; rolled back so that every run sees the same data."""
    subject = board.student()
    guardian = subject.guardians.select_related("user").order_by("pk").first()
    answers = itertools.cycle(
        itertools.product(
            Purpose.objects.filter(board=board.board, active=True),
            MediaType.objects.all(),
            ["granted", "refused"],
        )
    )

    def run():
        purpose, media_type, value = next(answers)
        with transaction.atomic():
            decision_record(
                actor=guardian.user,
                subject=subject,
                purpose=purpose,
                media_type=media_type,
                value=value,
                ip_address="198.51.100.7",
                user_agent="benchmark",
            )
            transaction.set_rollback(True)

    return run


def name_search(query: str, schools) -> list:
    """The lookup page's search itself (`consents.communications.directory.people_search`)."""
    return people_search(schools, query, limit=25)


@benchmark("name search: 'jan', whole board", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def name_search_common(board):
    schools = list(School.objects.filter(board=board.board))
    return lambda: name_search("jan", schools)


@benchmark("name search: '1234', whole board", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def name_search_number(board):
    schools = list(School.objects.filter(board=board.board))
    return lambda: name_search("1234", schools)


@benchmark("name search: 'emma vis', whole board", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def name_search_two_words(board):
    schools = list(School.objects.filter(board=board.board))
    return lambda: name_search("emma vis", schools)


def schools_holding(board, size: int) -> list[School]:
    """The first schools (by id) that together hold at least `size` students."""
    schools, total = [], 0
    for school in (
        School.objects.filter(board=board.board).order_by("pk").annotate(n=Count("students"))
    ):
        if total >= size:
            break
        schools.append(school)
        total += school.n
    return schools


@benchmark(
    "register export: current status (CSV)",
    baseline=COPY_EXPORT,
    sizes=(2_000, 10_000),
    timed_size=50_000,
    repeat=1,
    warmup=0,
    chunked=True,
)
def register_export(board, size):
    """`consents.reports.exports.export_write`, as the background export runs it: students and staff
    of the schools, one row per person, purpose and media type."""
    request = ExportRequest(
        kind=ExportLog.Kind.REGISTER_STATUS,
        school_ids=tuple(s.pk for s in schools_holding(board, size)),
        on=board.today,
    )

    def run():
        with tempfile.TemporaryDirectory() as directory:
            return export_write(request, "csv", f"{directory}/register.csv")

    return run


@benchmark(
    "(G)MR report: whole board, counted afresh",
    baseline=SQL_AGGREGATE,
    sizes=(2_000, 10_000),
    timed_size=50_000,
    repeat=1,
    warmup=0,
    chunked=True,
)
def council_report(board, size):
    """`consents.reports.report_build` with no counts kept: every school counted (verdicts,
    withdrawals, reminders, publications, takedowns), then small counts suppressed."""
    schools = schools_holding(board, size)
    school_year = SchoolYear.objects.for_date(board.board, board.today)

    def run():
        ReportSnapshot.objects.filter(school__in=schools).delete()
        return report_build(
            board=board.board, school_year=school_year, schools=schools, today=board.today
        )

    return run
