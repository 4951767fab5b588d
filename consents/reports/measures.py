"""What the (G)MR report counts: one registry of measures, each a small counting function.

A measure counts, for one school and school year, per *bucket* (a year group, "staff", or
"year group unknown") and, when `per_purpose`, per purpose and media type. The decision-based
measures are defined here; features that keep their own records (reminders of the yearly
campaign, publications checked before posting, takedowns after a withdrawal) add one entry
to MEASURES with their own counting function, and appear in every format of the report.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from consents import stored
from consents.dates import SCHOOL_TZ
from consents.models import (
    ConsentDecision,
    MediaType,
    OutboxMessage,
    PublicationPerson,
    Purpose,
    School,
    SchoolYear,
    StaffMember,
    Student,
    TakedownTask,
)
from consents.rules import State

STAFF = "staff"
UNKNOWN = "unknown"
CHUNK = 1000


@dataclass
class CountScope:
    """The people a report counts for one school and school year, on the reference date."""

    school: School
    school_year: SchoolYear
    on: dt.date
    purposes: list[Purpose]
    media_types: list[MediaType]
    # subject id -> bucket (a year group as text, STAFF or UNKNOWN)
    buckets: dict[int, str] = field(default_factory=dict)

    @classmethod
    def for_school(cls, school: School, school_year: SchoolYear, on: dt.date) -> "CountScope":
        scope = cls(
            school=school,
            school_year=school_year,
            on=on,
            purposes=list(Purpose.objects.filter(board_id=school.board_id, active=True)),
            media_types=list(MediaType.objects.all()),
        )
        present = Q(date_left__isnull=True) | Q(date_left__gt=on)
        students = Student.objects.filter(present, school=school).values_list(
            "id", "group__year_group"
        )
        for subject_id, year_group in students.iterator(chunk_size=5000):
            scope.buckets[subject_id] = str(year_group) if year_group else UNKNOWN
        for subject_id in StaffMember.objects.filter(present, schools=school).values_list(
            "id", flat=True
        ):
            scope.buckets[subject_id] = STAFF
        return scope

    @property
    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """From the first day of the school year to the end of the reference date (school time)."""
        start = dt.datetime.combine(self.school_year.start_date, dt.time.min, tzinfo=SCHOOL_TZ)
        end = dt.datetime.combine(self.on + dt.timedelta(days=1), dt.time.min, tzinfo=SCHOOL_TZ)
        return start, end

    @cached_property
    def states(self) -> Counter:
        """(bucket, state, purpose code, media code) -> people, by the rules' verdicts: stored
        ones for today, worked out for another reference date."""
        counts = Counter()
        ids = sorted(self.buckets)
        codes = {p.id: p.code for p in self.purposes}
        media = {m.id: m.code for m in self.media_types}
        by_value = {state.value: state for state in State}
        for start in range(0, len(ids), CHUNK):
            found = stored.states(
                ids[start : start + CHUNK],
                on=self.on,
                purposes=self.purposes,
                media_types=self.media_types,
            )
            for subject_id, purpose_id, media_id, state in found:
                bucket = self.buckets[subject_id]
                counts[(bucket, by_value[state], codes[purpose_id], media[media_id])] += 1
        return counts


def verdict_count(state: State) -> Callable[[CountScope], Counter]:
    def count(scope: CountScope) -> Counter:
        return Counter(
            {
                (bucket, purpose, media): people
                for (bucket, found, purpose, media), people in scope.states.items()
                if found == state
            }
        )

    return count


def withdrawn_count(scope: CountScope) -> Counter:
    """People who withdrew consent during the school year (up to the reference date)."""
    start, end = scope.period
    rows = (
        ConsentDecision.objects.filter(
            subject_id__in=list(scope.buckets),
            value=ConsentDecision.Value.WITHDRAWN,
            school_year=scope.school_year,
            decided_at__gte=start,
            decided_at__lt=end,
            purpose__in=scope.purposes,
        )
        .values_list("subject_id", "purpose__code", "media_type__code")
        .order_by()  # the model's ordering would make every row distinct
        .distinct()
    )
    counts = Counter()
    for subject_id, purpose, media in rows:
        counts[(scope.buckets[subject_id], purpose, media)] += 1
    return counts


def reminders_count(scope: CountScope) -> Counter:
    """People a campaign reminder was sent about during the school year (one per person)."""
    start, end = scope.period
    rows = (
        OutboxMessage.subjects.through.objects.filter(
            subject_id__in=list(scope.buckets),
            outboxmessage__state=OutboxMessage.State.SENT,
            outboxmessage__sent_at__gte=start,
            outboxmessage__sent_at__lt=end,
            outboxmessage__step__name__startswith="reminder-",
        )
        .values_list("subject_id", flat=True)
        .distinct()
    )
    return Counter((scope.buckets[subject_id],) for subject_id in rows)


def publications_checked_count(scope: CountScope) -> Counter:
    """People recorded on a publication of the school (checked before posting) this year."""
    rows = (
        PublicationPerson.objects.filter(
            subject_id__in=list(scope.buckets),
            publication__school=scope.school,
            publication__published_on__gte=scope.school_year.start_date,
            publication__published_on__lte=scope.on,
        )
        .values_list("subject_id", "publication__purpose__code", "publication__media_type__code")
        .distinct()
    )
    return Counter((scope.buckets[s], purpose, media) for s, purpose, media in rows)


def takedowns_count(scope: CountScope) -> Counter:
    """People with a takedown task opened this year after they (or a guardian) withdrew."""
    start, end = scope.period
    rows = (
        TakedownTask.objects.filter(
            subject_id__in=list(scope.buckets),
            publication__school=scope.school,
            opened_at__gte=start,
            opened_at__lt=end,
        )
        .values_list("subject_id", "publication__purpose__code", "publication__media_type__code")
        .order_by()  # the model's ordering would make every row distinct
        .distinct()
    )
    return Counter((scope.buckets[s], purpose, media) for s, purpose, media in rows)


@dataclass(frozen=True)
class Measure:
    code: str
    label: Promise
    definition: Promise
    count: Callable[[CountScope], Counter]
    per_purpose: bool = True  # counted per purpose and media type, else per bucket only
    # granted + refused + no answer = the people counted (a relation suppression must respect)
    part_of_population: bool = False


MEASURES: list[Measure] = [
    Measure(
        "granted",
        _("granted"),
        _(
            "People whose consent counts as given on the reference date, by the portal's "
            "rules: who decides, one guardian's refusal wins, yearly renewal."
        ),
        verdict_count(State.ALLOWED),
        part_of_population=True,
    ),
    Measure(
        "refused",
        _("refused"),
        _("People for whom a refusal or withdrawal counts on the reference date."),
        verdict_count(State.NOT_ALLOWED),
        part_of_population=True,
    ),
    Measure(
        "no_answer",
        _("no answer"),
        _("People without an answer that counts on the reference date (not consent)."),
        verdict_count(State.NO_ANSWER),
        part_of_population=True,
    ),
    Measure(
        "withdrawn",
        _("withdrawn during the year"),
        _("People of whom consent was withdrawn at least once during the school year."),
        withdrawn_count,
    ),
    Measure(
        "reminders",
        _("reminders sent"),
        _("People about whom a campaign reminder was emailed during the school year."),
        reminders_count,
        per_purpose=False,
    ),
    Measure(
        "publications_checked",
        _("publications checked"),
        _("People recorded on a publication after a consent check during the school year."),
        publications_checked_count,
    ),
    Measure(
        "takedowns",
        _("takedowns"),
        _("People for whom a takedown task was opened after a withdrawal during the year."),
        takedowns_count,
    ),
]


def population_count(scope: CountScope) -> Counter:
    return Counter(scope.buckets.values())


def scope_counts(scope: CountScope) -> dict[str, int]:
    """Every measure of one school and year as flat keys, ready to store as a snapshot."""
    counts = {f"population|{bucket}": people for bucket, people in population_count(scope).items()}
    for measure in MEASURES:
        for key, value in measure.count(scope).items():
            if value:
                counts["|".join((measure.code, *key))] = value
    return counts
