"""What each benchmark is compared with, measured in the same run on the same data.

- pages and the domain calls behind them: a bare Django view doing one indexed query,
  requested through django.test.Client as a logged-in user (the full middleware stack:
  session, user, CSRF, locale), so that a page's ratio shows what its own work costs;
- the aggregate report: one hand-written SQL aggregate over the status table;
- exports: PostgreSQL COPY of the rows the export reads.
"""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape

from consents.models import (
    ConsentDecision,
    ConsentStatus,
    Group,
    Role,
    School,
    Student,
    Subject,
)
from consents.people import people_in
from consents.privacy.access_log import Action, staff_access_record
from consents.roles import role_required

from .harness import benchmark

BARE_VIEW = "baseline: bare view, one indexed query"
STAFF_FLOOR = "reference: empty staff page (floor)"
ONE_QUERY = "baseline: one indexed query (ORM only)"
SQL_AGGREGATE = "baseline: hand-written SQL aggregate"
COPY_EXPORT = "baseline: COPY of the export's rows"


@login_required
def bare_view(request, pk):
    subject = Subject.objects.only("first_name", "prefix", "last_name").get(pk=pk)
    return HttpResponse(f"<!doctype html><title>{escape(subject.name)}</title>")


@benchmark(BARE_VIEW, max_ratio=None, group="baseline")
def bare_view_request(board):
    client = board.client(board.communications)
    url = f"/bench/bare/{board.student().pk}/"
    return lambda: board.get(client, url)


@role_required(Role.Kind.COMMUNICATIONS)
def staff_floor_view(request, pk):
    """What every staff page does before its own work, under rules 9 and 11.

    The role check and the school scope (least privilege), one person looked up within it,
    the access log entry for that person (who saw whose data), and the portal's layout
    (menu, language switch, CSRF token). No page can cost less; its ratio to the bare view
    is the floor of every page's ratio.
    """
    subject = get_object_or_404(people_in(request.schools), pk=pk)
    staff_access_record(request, Action.PERSON, subjects=[subject])
    return render(request, "base.html")


@benchmark(STAFF_FLOOR, baseline=BARE_VIEW, max_ratio=None, group="baseline")
def staff_floor_request(board):
    client = board.client(board.communications)
    url = f"/bench/floor/{board.student().pk}/"
    return lambda: board.get(client, url)


@benchmark(ONE_QUERY, max_ratio=None, group="baseline")
def one_query(board):
    pk = board.student().pk
    return lambda: Subject.objects.only("first_name", "prefix", "last_name").get(pk=pk).name


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def aggregate_sql() -> str:
    """Current answers per school, purpose, media type and value, in one statement."""
    return f"""
        SELECT st.school_id, cs.purpose_id, cs.media_type_id, d.value,
               COUNT(DISTINCT cs.subject_id)
        FROM {table(ConsentStatus)} cs
        JOIN {table(Student)} st ON st.subject_ptr_id = cs.subject_id
        JOIN {table(ConsentDecision)} d ON d.id = cs.decision_id
        GROUP BY st.school_id, cs.purpose_id, cs.media_type_id, d.value
    """


@benchmark(SQL_AGGREGATE, max_ratio=None, group="baseline", repeat=5, warmup=1)
def sql_aggregate(board):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(aggregate_sql())
            return cursor.fetchall()

    return run


def export_copy_sql(limit: int) -> str:
    """The rows the register export reads: each student with their current status rows."""
    return f"""
        COPY (
            SELECT st.student_number, s.first_name, s.prefix, s.last_name, sc.name, g.name,
                   cs.purpose_id, cs.media_type_id, cs.guardian_id, d.value, d.decided_at
            FROM (SELECT subject_ptr_id FROM {table(Student)}
                  ORDER BY subject_ptr_id LIMIT {int(limit)}) AS chosen
            JOIN {table(Student)} st ON st.subject_ptr_id = chosen.subject_ptr_id
            JOIN {table(Subject)} s ON s.id = st.subject_ptr_id
            JOIN {table(School)} sc ON sc.id = st.school_id
            LEFT JOIN {table(Group)} g ON g.id = st.group_id
            LEFT JOIN {table(ConsentStatus)} cs ON cs.subject_id = st.subject_ptr_id
            LEFT JOIN {table(ConsentDecision)} d ON d.id = cs.decision_id
            ORDER BY st.subject_ptr_id
        ) TO STDOUT WITH (FORMAT csv)
    """


@benchmark(COPY_EXPORT, max_ratio=None, group="baseline", repeat=5, warmup=1)
def copy_export(board):
    sql = export_copy_sql(board.student_count)

    def run():
        size = 0
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for block in copy:
                size += len(block)
        return size

    return run
