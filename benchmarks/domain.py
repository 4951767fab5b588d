"""Benchmarks of the domain calls behind the pages, the report and the export.

The feature pages (lookup, group check, parent page, campaign, reports) are not on this branch
yet; these measure the `consents.rules` and `consents.services` calls those pages are built on.
A page benchmark is added with a few lines, for example:

    @benchmark("page: group check", baseline=BARE_VIEW, budget_ms=50)
    def group_check_page(board):
        client = board.client(board.communications)
        return lambda: board.get(client, f"/groups/{board.group().pk}/check/")
"""

import csv
import io
import itertools

from django.db import transaction
from django.db.models import Q

from consents import rules
from consents.models import MediaType, Purpose, School, Student
from consents.services import decision_record

from .baselines import BARE_VIEW, COPY_EXPORT, SQL_AGGREGATE
from .harness import benchmark

PAGE_BUDGET_MS = 50
CHUNK = 1000


@benchmark("verdict detail: 1 person, 30 verdicts", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def verdict_detail(board):
    subject = board.student()

    def run():
        found = rules.verdicts([subject.pk], on=board.today)
        return [(v.state.label, v.explanation) for v in found.values()]

    return run


@benchmark(
    "group check: 40 people",
    baseline=BARE_VIEW,
    budget_ms=PAGE_BUDGET_MS,
    sizes=(40, 80),
)
def group_check(board, size):
    ids = [s.pk for s in board.students(size)]

    def run():
        found = rules.verdicts(ids, on=board.today)
        return {key[0] for key, v in found.items() if not v.allowed}  # who may not appear

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


def name_search(query: str, schools) -> list[Student]:
    """A lookup page's search: a word of digits starts a student number, any other word is
    part of the first or last name (trigram indexes on PostgreSQL, migration 0003)."""
    students = Student.objects.filter(school__in=schools)
    for word in query.split():
        if word.isdigit():
            students = students.filter(student_number__startswith=word)
        else:
            students = students.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return list(students.select_related("school", "group").order_by("last_name", "first_name")[:25])


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


def students_in_chunks(board, limit: int):
    """(id, student number, name, school, class) of the first `limit` students, in chunks."""
    rows = (
        Student.objects.filter(board=board.board)
        .order_by("pk")
        .values_list("pk", "student_number", "first_name", "prefix", "last_name")
        .values_list(
            "pk", "student_number", "first_name", "prefix", "last_name", "school__name",
            "group__name",
        )[:limit]
    )  # fmt: skip
    chunk = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
    purposes = list(Purpose.objects.filter(board=board.board, active=True))
    media = list(MediaType.objects.all())

    def run():
        size_written = 0
        for chunk in students_in_chunks(board, size):
            found = rules.verdicts([row[0] for row in chunk], on=board.today, purposes=purposes,
                                   media_types=media)  # fmt: skip
            out = io.StringIO()
            writer = csv.writer(out)
            for pk, number, first, prefix, last, school, group in chunk:
                writer.writerow(
                    [number, first, prefix, last, school, group]
                    + [found[(pk, p.pk, m.pk)].state.value for p in purposes for m in media]
                )
            size_written += len(out.getvalue())
        return size_written

    return run


@benchmark(
    "(G)MR report: whole board by verdicts",
    baseline=SQL_AGGREGATE,
    sizes=(2_000, 10_000),
    timed_size=50_000,
    repeat=1,
    warmup=0,
    chunked=True,
)
def council_report(board, size):
    purposes = list(Purpose.objects.filter(board=board.board, active=True))
    media = list(MediaType.objects.all())
    school_of = dict(Student.objects.filter(board=board.board).values_list("pk", "school_id"))

    def run():
        counts = {}
        for chunk in students_in_chunks(board, size):
            found = rules.verdicts([row[0] for row in chunk], on=board.today, purposes=purposes,
                                   media_types=media)  # fmt: skip
            for (pk, purpose_id, media_id), verdict in found.items():
                cell = (school_of[pk], purpose_id, media_id, verdict.state)
                counts[cell] = counts.get(cell, 0) + 1
        return counts

    return run
