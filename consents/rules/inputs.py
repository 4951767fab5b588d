"""What a verdict depends on: the rules' inputs, declared once.

`verdicts` reads exactly the models and fields of `RULE_INPUTS` (without `detail`; the names an
explanation shows are no input), and `consents.stored` marks the stored verdicts stale when one
of them is written. `tests/test_rule_inputs.py` holds the three together: the SQL `verdicts`
runs reads nothing undeclared and everything declared, and every bulk write of a declared field
outside the model's save and delete marks the verdicts stale itself.

Days passing change verdicts too, without a write: `changed_by_days` says whose.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from consents.dates import SCHOOL_TZ, school_year_start
from consents.models import (
    Board,
    ConsentDecision,
    ConsentStatus,
    ConsentText,
    Guardianship,
    MediaType,
    Purpose,
    SchoolYear,
    Student,
    Subject,
)
from consents.rules.ages import turning_sixteen


class Scope(StrEnum):
    # A change alters the verdicts of the one person the row names (`RuleInput.person`).
    PERSON = "person"
    # A change may alter every verdict of the board: settings, purposes, media types, texts.
    EVERYONE = "everyone"
    # The append-only log: a decision counts once the status table points at it, and writing
    # that status row marks the person.
    LOG = "log"


@dataclass(frozen=True)
class RuleInput:
    model: type
    fields: frozenset[str]
    scope: Scope
    person: str = ""  # the field naming the person, for Scope.PERSON
    # Whether deleting a row goes through the model's signals. The status table is only ever
    # emptied whole (`consent_status_rebuild`, which marks every verdict itself); a receiver
    # would make Django load every row before deleting it.
    deletes_signalled: bool = True


def _input(model, fields: str, scope: Scope, **options) -> RuleInput:
    return RuleInput(model, frozenset(fields.split()), scope, **options)


RULE_INPUTS = (
    _input(Subject, "id kind board protected", Scope.PERSON, person="id"),  # rule 12
    _input(Student, "subject_ptr date_of_birth", Scope.PERSON, person="subject_ptr"),  # rule 1
    _input(Guardianship, "student guardian", Scope.PERSON, person="student"),  # rules 1 and 3
    _input(
        ConsentStatus,
        "subject purpose media_type decision",
        Scope.PERSON,
        person="subject",
        deletes_signalled=False,
    ),
    _input(
        ConsentDecision,
        "id subject purpose media_type decided_at value guardian decided_by school_year text "
        "capacity",
        Scope.LOG,
    ),
    _input(Board, "id at_sixteen unanswered_year", Scope.EVERYONE),  # rules 2 and 7
    _input(Purpose, "id board active", Scope.EVERYONE),  # rule 4
    _input(MediaType, "id", Scope.EVERYONE),  # rule 4
    _input(ConsentText, "id purpose version change created_at", Scope.EVERYONE),  # rule 8
    _input(SchoolYear, "id start_date", Scope.EVERYONE),  # rule 7
)


def rule_input(model: type) -> RuleInput | None:
    """The declared input for `model` or its nearest declared parent (a StaffMember is a
    Subject); None when no rule reads the model."""
    for candidate in (model, *model._meta.get_parent_list()):
        for declared in RULE_INPUTS:
            if declared.model is candidate:
                return declared
    return None


def watched_fields(model: type) -> frozenset[str]:
    """The declared fields a row of `model` holds: its own and its parents' (multi-table
    inheritance), as attribute names (`board_id`, `date_of_birth`)."""
    names = set()
    for candidate in (model, *model._meta.get_parent_list()):
        for declared in RULE_INPUTS:
            if declared.model is candidate:
                names |= {candidate._meta.get_field(f).attname for f in declared.fields}
    return frozenset(names)


# --- Days passing (rules 1, 7 and 8) ----------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SCHOOL_TZ)


def changed_by_days(since: dt.date, on: dt.date) -> set[int] | None:
    """The people whose verdicts on `on` may differ from those on the earlier day `since`
    with nothing written in between; None for everyone: a new school year (rule 7), or a
    material text change that takes effect after `since` (rule 8). Otherwise the students who
    turned 16 (rule 1) and the people whose current decisions are dated after `since`."""
    if school_year_start(since) != school_year_start(on):
        return None
    after, until = _day_start(since + dt.timedelta(days=1)), _day_start(on + dt.timedelta(days=1))
    if ConsentText.objects.filter(
        change=ConsentText.Change.MATERIAL, created_at__gte=after, created_at__lt=until
    ).exists():
        return None
    turned = turning_sixteen(Student.objects, on, since=since).values_list("id", flat=True)
    dated = ConsentStatus.objects.filter(
        decision__decided_at__gte=after, decision__decided_at__lt=until
    ).values_list("subject_id", flat=True)
    return set(turned) | set(dated)
