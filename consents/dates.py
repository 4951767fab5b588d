"""Dates as the school sees them: the calendar of TIME_ZONE (Europe/Amsterdam), not the
server's clock."""

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

SCHOOL_TZ = ZoneInfo(settings.TIME_ZONE)


def school_today() -> dt.date:
    return timezone.now().astimezone(SCHOOL_TZ).date()


def school_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SCHOOL_TZ).date()


def birthday_in(year: int, born: dt.date) -> dt.date:
    """A birthday in a given year; 29 February counts as 1 March in other years."""
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


def years_before(on: dt.date, years: int) -> dt.date:
    """The day `years` years before `on`: the birthday of someone who turns `years` on `on`,
    by the same reading of 29 February as `birthday_in`."""
    return birthday_in(on.year - years, on)


def age_on(born: dt.date, on: dt.date) -> int:
    years = on.year - born.year
    if on < birthday_in(on.year, born):
        years -= 1
    return years


def school_year_start(on: dt.date) -> dt.date:
    """The first day of the school year that contains `on`: 1 August (rule 7).

    The one place that says where a school year begins and ends; `on` is a date on the
    school's calendar (`school_today`, `school_date`), so the year turns at midnight in
    Amsterdam.
    """
    start = dt.date(on.year, 8, 1)
    return start if on >= start else start.replace(year=on.year - 1)


def school_year_end(on: dt.date) -> dt.date:
    """The last day of the school year that contains `on`: 31 July (rule 7)."""
    start = school_year_start(on)
    return start.replace(year=start.year + 1) - dt.timedelta(days=1)


def campaign_period(on: dt.date) -> tuple[dt.date, dt.date]:
    """The default opening and closing day of the yearly campaign of the school year that
    contains `on`: 1 September and 30 November (rule 7; a board may choose others)."""
    start = school_year_start(on)
    return start.replace(month=9, day=1), start.replace(month=11, day=30)


def day_label(day: dt.date) -> str:
    """`day` as the active language writes dates ("24 november 2026"). Explanations name the
    same few dates hundreds of times on one page, so each is formatted once per language."""
    return _day_label(day, get_language())


@functools.lru_cache(maxsize=4096)
def _day_label(day: dt.date, language: str) -> str:
    return date_format(day)
