"""The report page's tables, kept as HTML for as long as what they show stays the same.

A whole board's tables (61 tables of 30 rows, 12,800 cells, a chart each) take about 170 ms
to build and render, and every council member and administrator who asks for the same scope
sees the same ones: suppression is decided once for the whole board. So the rendered tables
are kept in the cache under a key that changes with everything they show:

- the board's counts, by when each school was counted (a recount, or a school counted for
  the first time, makes a new key; until every school has counts that still stand, nothing
  is looked up and the report is built, which counts them);
- the schools, purposes and media types as they are named now;
- the school year, the schools shown, the year groups choice and the language.

An entry lives at most REPORT_CACHE_SECONDS, so a new release's tables show within that time.
The worker renders each board's whole report in each language after it counts
(`board_tables_prepare`). The downloads (CSV, Excel, PDF) are built afresh each time.
"""

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from consents.dates import school_today
from consents.models import Board, MediaType, Purpose, ReportSnapshot, School, SchoolYear

from .formats import charts
from .measures import MEASURES
from .snapshots import counted_recently, reference_date
from .suppression import THRESHOLD
from .tables import Heading, report_build


def _key(
    board, school_year, schools, by_year_group, today
) -> tuple[str | None, dt.datetime | None]:
    """The tables' cache key (None while some school's counts must be made first), and when
    the board's counts were made (the earliest school's)."""
    on = reference_date(school_year, today)
    counted = dict(
        ReportSnapshot.objects.filter(
            school__board=board, school_year=school_year, on=on
        ).values_list("school_id", "computed_at")
    )
    board_schools = list(board.schools.order_by("pk").values_list("pk", "name"))
    counted_at = min(counted.values(), default=None)
    if any(
        pk not in counted or not counted_recently(counted[pk], school_year, today)
        for pk, _name in board_schools
    ):
        return None, counted_at
    content = [
        [[pk, name, counted[pk].isoformat()] for pk, name in board_schools],
        list(
            Purpose.objects.filter(board=board)
            .order_by("pk")
            .values_list("pk", "code", "name_nl", "name_en", "order", "active")
        ),
        list(
            MediaType.objects.order_by("pk").values_list(
                "pk", "code", "name_nl", "name_en", "order"
            )
        ),
        [m.code for m in MEASURES],
        THRESHOLD,
        [school_year.pk, on.isoformat(), sorted(s.pk for s in schools), by_year_group],
        translation.get_language(),
    ]
    digest = hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()
    return f"report-tables:{digest}", counted_at


def report_tables(
    *,
    board: Board,
    school_year: SchoolYear,
    schools: list[School],
    by_year_group: bool = False,
    today: dt.date | None = None,
) -> tuple[SafeString, Heading]:
    """The report's tables and charts as HTML, and its heading."""
    today = today or school_today()
    key, counted_at = _key(board, school_year, schools, by_year_group, today)
    html = cache.get(key) if key else None
    if html is None:
        report = report_build(
            board=board,
            school_year=school_year,
            schools=schools,
            by_year_group=by_year_group,
            today=today,
        )
        html = render_to_string(
            "consents/reports/_tables.html", {"report": report, "charts": charts(report)}
        )
        counted_at = report.counted_at
        if key is None:  # the build has just made the counts that were missing
            key, _counted_at = _key(board, school_year, schools, by_year_group, today)
        if key:
            cache.set(key, html, settings.REPORT_CACHE_SECONDS)
    heading = Heading(
        board=board,
        schools=schools,
        school_year=school_year,
        on=reference_date(school_year, today),
        counted_at=counted_at,
    )
    return mark_safe(html), heading  # nosec B308 B703: rendered by the template engine above


def board_tables_prepare(*, board: Board, school_year: SchoolYear, today: dt.date) -> None:
    """Render `board`'s report on all its schools in each language into the cache, as the
    council opens it (the worker, after counting; with a shared cache such as Redis)."""
    schools = list(board.schools.all())
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            report_tables(board=board, school_year=school_year, schools=schools, today=today)
