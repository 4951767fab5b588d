"""Who decides (rule 1): staff, and students from their 16th birthday (rule 2); everyone else's
guardians. The one place that says when someone is 16."""

import datetime as dt
from enum import StrEnum

from django.db.models import Q

from consents.dates import birthday_in, years_before
from consents.models import (
    Subject,
)


class Decider(StrEnum):
    GUARDIANS = "guardians"
    SELF = "self"


AGE_OF_CONSENT = 16


def sixteenth_birthday(date_of_birth: dt.date) -> dt.date:
    """The day a student starts to decide alone (rules 1 and 2), on the school's calendar.

    The one place that says when someone is 16; `decider_on`, `sixteen_cutoff` and so
    everything that asks them agree with it. Someone born on 29 February has their birthday
    on 1 March in a year without 29 February, never on 28 February (`dates.birthday_in`, the
    reading `dates.age_on` uses for every age). A 16th birthday falls 16 years after a leap
    year and so on 29 February itself, except across a century that is no leap year (born
    29 February 2084: 16 on 1 March 2100).
    """
    return birthday_in(date_of_birth.year + AGE_OF_CONSENT, date_of_birth)


def decider_on(date_of_birth: dt.date | None, on: dt.date) -> Decider:
    """Rule 1: staff (no date of birth needed) and students of 16+ decide for themselves."""
    if date_of_birth is None or on >= sixteenth_birthday(date_of_birth):
        return Decider.SELF
    return Decider.GUARDIANS


def sixteen_cutoff(on: dt.date) -> dt.date:
    """The latest date of birth of someone who is 16 on `on` (rule 1, as a query bound): the
    inverse of `sixteenth_birthday`, so that `date_of_birth <= sixteen_cutoff(on)` exactly
    when `sixteenth_birthday(date_of_birth) <= on`."""
    born = years_before(on, AGE_OF_CONSENT)
    if sixteenth_birthday(born) > on:  # `on` is a 29 February that `born` year lacks
        born -= dt.timedelta(days=1)
    return born


def self_deciding(subjects, on: dt.date):
    """`subjects` (a Subject queryset) narrowed to those who decide alone on `on`: staff, and
    students of 16 or older. The query form of `decider_on`, for planning over many people."""
    return subjects.filter(
        Q(kind=Subject.Kind.STAFF) | Q(student__date_of_birth__lte=sixteen_cutoff(on))
    )


def turning_sixteen(students, on: dt.date, *, since: dt.date | None = None):
    """`students` (a Student queryset) narrowed to those whose 16th birthday is `on` (rule 2),
    or with `since`, any day after `since` up to and including `on`."""
    since = on - dt.timedelta(days=1) if since is None else since
    return students.filter(
        date_of_birth__lte=sixteen_cutoff(on), date_of_birth__gt=sixteen_cutoff(since)
    )
