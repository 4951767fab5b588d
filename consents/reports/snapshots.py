"""Counting a school's year once, and keeping the counts of closed years for good."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consents.dates import school_date, school_today
from consents.models import Board, ReportSnapshot, School, SchoolYear

from .measures import CountScope, scope_counts


def reference_date(school_year: SchoolYear, today: dt.date) -> dt.date:
    """The date a report counts on: today, or the last day of a year that has ended."""
    return min(today, school_year.end_date)


def counted_recently(computed_at: dt.datetime, school_year: SchoolYear, today: dt.date) -> bool:
    """Whether counts made at `computed_at` still stand: final for an ended year, recent
    enough (REPORT_CACHE_SECONDS) for the running one."""
    if today > school_year.end_date:  # counted after the year ended: final
        return school_date(computed_at) > school_year.end_date
    age = timezone.now() - computed_at
    return age.total_seconds() < settings.REPORT_CACHE_SECONDS


def schools_counts(
    schools: list[School], school_year: SchoolYear, *, today: dt.date | None = None
) -> list[ReportSnapshot]:
    """The counts of each of `schools` in `school_year`, in that order: the valid snapshots
    read in one query, the others counted afresh."""
    today = today or school_today()
    on = reference_date(school_year, today)
    found = {
        snapshot.school_id: snapshot
        for snapshot in ReportSnapshot.objects.filter(
            school__in=schools, school_year=school_year, on=on
        )
    }
    snapshots = []
    for school in schools:
        snapshot = found.get(school.pk)
        if snapshot is None or not counted_recently(snapshot.computed_at, school_year, today):
            snapshot = _count(school, school_year, on)
        snapshots.append(snapshot)
    return snapshots


def running_year_recount(school: School, school_year: SchoolYear, today: dt.date) -> ReportSnapshot:
    """Count `school` in the running `school_year` now, even if its counts still stand."""
    if today > school_year.end_date:
        raise ValueError(f"{school_year} has ended: its counts are final")
    return _count(school, school_year, today)


def _count(school: School, school_year: SchoolYear, on: dt.date) -> ReportSnapshot:
    counts = scope_counts(CountScope.for_school(school, school_year, on))
    with transaction.atomic():
        snapshot, _created = ReportSnapshot.objects.update_or_create(
            school=school,
            school_year=school_year,
            on=on,
            defaults={"counts": counts, "computed_at": timezone.now()},
        )
        # Earlier days of a running year are superseded; a closed year keeps only its last day.
        ReportSnapshot.objects.filter(school=school, school_year=school_year).exclude(
            on=on
        ).delete()
    return snapshot


def closed_years_freeze(board: Board, *, today: dt.date | None = None) -> int:
    """Count every school's ended years that have no final snapshot yet; returns how many.

    Run before people are erased, so that the counts of past years never change.
    """
    today = today or school_today()
    frozen = 0
    for school_year in SchoolYear.objects.filter(board=board, end_date__lt=today):
        final = {
            snapshot.school_id: snapshot
            for snapshot in ReportSnapshot.objects.filter(
                school_year=school_year, on=school_year.end_date
            )
        }
        for school in board.schools.all():
            snapshot = final.get(school.pk)
            if snapshot is None or not counted_recently(snapshot.computed_at, school_year, today):
                _count(school, school_year, school_year.end_date)
                frozen += 1
    return frozen
