"""The (G)MR report: counts per school, year group, purpose and media type, safely suppressed.

The whole board's counts for a school year form one set of tables with all their totals
(year groups add up to the school, schools to the board; granted, refused and no answer add
up to the people counted). Suppression is decided once on that whole set, so every reader,
whichever part of it they may see, sees the same numbers: no two views can be combined to
recover a hidden count.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.dates import school_today
from consents.models import Board, MediaType, Purpose, School, SchoolYear

from .measures import MEASURES, STAFF, UNKNOWN, Measure
from .snapshots import reference_date, schools_counts
from .suppression import PRIMARY, SECONDARY, THRESHOLD, WITHHELD, Relation, suppress

ALL = "*"
POPULATION = "population"
HIDDEN_MARK = {PRIMARY: "<5", SECONDARY: "×", WITHHELD: "–"}

DEFINITIONS = [
    (
        gettext_lazy("people"),
        gettext_lazy(
            "Students registered at the school on the reference date (not left), and staff "
            "members working there. A staff member working at several schools counts at each."
        ),
    ),
    *((m.label, m.definition) for m in MEASURES),
    (
        gettext_lazy("reference date"),
        gettext_lazy(
            "Today for the running school year; the last day (31 July) for a year that has "
            "ended. Counts of ended years are kept as they were on that day."
        ),
    ),
    (
        "<5",
        gettext_lazy("A count from 1 to 4, hidden so that nobody can be singled out."),
    ),
    (
        "×",
        gettext_lazy(
            "A count hidden so that a count below 5 cannot be worked out from the totals "
            "(its value is 0 or at least 5)."
        ),
    ),
    (
        "–",
        gettext_lazy(
            "Not reported: counts below 5 that together pin each other (four of them adding "
            "up to 4 can only be 1 each), with their total; no number or mark is shown safely."
        ),
    ),
]


@dataclass(frozen=True)
class Shown:
    value: int
    status: str | None = None  # None (shown), PRIMARY or SECONDARY

    @property
    def hidden(self) -> bool:
        return self.status is not None

    @property
    def text(self) -> str:
        return HIDDEN_MARK[self.status] if self.status else str(self.value)

    @property
    def number(self) -> int | str:
        """The number, or the mark of a hidden count (for spreadsheets)."""
        return self.text if self.status else self.value


@dataclass
class Line:
    purpose: Purpose
    media_type: MediaType
    cells: dict[str, Shown]  # measure code -> shown count


@dataclass
class Section:
    """One table: a school (or the board) and a year group (or all)."""

    school: School | None  # None: all schools of the board
    bucket: str  # ALL, a year group, STAFF or UNKNOWN
    population: Shown
    lines: list[Line]
    person_cells: dict[str, Shown] = field(default_factory=dict)

    @property
    def school_label(self) -> str:
        return self.school.name if self.school else _("All schools")

    @property
    def bucket_label(self) -> str:
        return bucket_label(self.bucket)

    @property
    def title(self) -> str:
        if self.bucket == ALL:
            return self.school_label
        return f"{self.school_label} – {self.bucket_label}"


def bucket_label(bucket: str) -> str:
    if "+" in bucket:
        return ", ".join(bucket_label(part) for part in bucket.split("+"))
    if bucket == ALL:
        return _("all")
    if bucket == STAFF:
        return _("staff")
    if bucket == UNKNOWN:
        return _("year group unknown")
    return _("year group %(number)s") % {"number": bucket}


def _bucket_order(bucket: str):
    first = bucket.split("+")[0]
    return (first == STAFF, first == UNKNOWN, int(first) if first.isdigit() else 0, bucket)


def buckets_merge(populations: dict[str, int]) -> dict[str, str]:
    """Year groups (and staff) of fewer than 5 people are reported together with others.

    Small groups go together first; if together they are still fewer than 5, they join the
    smallest larger group, of equally small ones the first in the report's order. The
    merged group is named after all its parts. Returns {bucket: reported bucket}.

    Which groups merge depends on the sizes and names alone, never on the order of
    `populations` (a fresh count's, or the stored one's: PostgreSQL's jsonb keeps keys in
    its own order): two merges of the same counts would let a reader subtract one from the
    other.
    """
    small = sorted((b for b, n in populations.items() if 0 < n < THRESHOLD), key=_bucket_order)
    if not small:
        return {b: b for b in populations}
    large = sorted(
        (b for b, n in populations.items() if n >= THRESHOLD),
        key=lambda b: (populations[b], _bucket_order(b)),
    )
    group = list(small)
    if sum(populations[b] for b in group) < THRESHOLD and large:
        group.append(large[0])
    merged = "+".join(sorted(group, key=_bucket_order))
    return {b: merged if b in group else b for b in populations}


@dataclass
class Report:
    board: Board
    schools: list[School]  # the schools shown
    school_year: SchoolYear
    on: dt.date
    counted_at: dt.datetime | None
    whole_board: bool
    by_year_group: bool
    purposes: list[Purpose]
    media_types: list[MediaType]
    measures: list[Measure]  # per purpose and media type
    person_measures: list[Measure]
    sections: list[Section]

    @property
    def scope(self) -> str:
        return ", ".join(s.name for s in self.schools)

    @property
    def definitions(self):
        return DEFINITIONS


def board_tables(
    raw: dict[tuple, int],
    *,
    school_ids: list,
    buckets: dict,
    pairs: list[tuple[str, str]],
    per_purpose: list[str],
    per_person: list[str],
    partition: list[str],
) -> tuple[dict[tuple, int], list[Relation]]:
    """Every cell of a board's tables, totals included, and the relations between them.

    `raw` holds the counted cells: (measure, school, bucket, purpose, media) for measures per
    purpose and media type (`pairs`), (measure, school, bucket) for the population and the
    measures per person. Totals use ALL for the school or the bucket. The `partition`
    measures add up to the population of their school and bucket, per purpose and media.
    """
    values: dict[tuple, int] = {}
    relations: list[Relation] = []
    for measure in [POPULATION, *per_purpose, *per_person]:
        for key in pairs if measure in per_purpose else [()]:
            for school_id in school_ids:
                parts = [(measure, school_id, b, *key) for b in buckets[school_id]]
                for cell in parts:
                    values[cell] = raw.get(cell, 0)
                total = (measure, school_id, ALL, *key)
                values[total] = sum(values[c] for c in parts)
                relations.append(Relation(tuple(parts), total))
            if len(school_ids) < 2:
                continue  # one school: the board's table would repeat the school's
            # The board is reported as a whole (schools merge their small groups
            # differently, so year groups are not added up across schools).
            grand = (measure, ALL, ALL, *key)
            by_school = [(measure, school_id, ALL, *key) for school_id in school_ids]
            values[grand] = sum(values[c] for c in by_school)
            relations.append(Relation(tuple(by_school), grand))
    levels = [(s, b) for s in school_ids for b in [*buckets[s], ALL]]
    if len(school_ids) > 1:
        levels.append((ALL, ALL))
    if partition:
        for school_id, bucket in levels:
            for key in pairs:
                relations.append(
                    Relation(
                        tuple((m, school_id, bucket, *key) for m in partition),
                        (POPULATION, school_id, bucket),
                    )
                )
    return values, relations


class BoardCounts:
    """All counts of a board's school year, with their totals and suppression."""

    def __init__(self, board: Board, school_year: SchoolYear, today: dt.date):
        self.schools = list(board.schools.order_by("name"))
        snapshots = schools_counts(self.schools, school_year, today=today)
        self.counted_at = min((s.computed_at for s in snapshots), default=None)
        self.per_purpose = [m for m in MEASURES if m.per_purpose]
        self.per_person = [m for m in MEASURES if not m.per_purpose]
        raw = defaultdict(int)
        codes = set()
        for school, snapshot in zip(self.schools, snapshots, strict=True):
            populations = {
                key.split("|")[1]: value
                for key, value in snapshot.counts.items()
                if key.startswith(f"{POPULATION}|")
            }
            reported = buckets_merge(populations)
            for key, value in snapshot.counts.items():
                measure, bucket, *rest = key.split("|")
                raw[(measure, school.id, reported.get(bucket, bucket), *rest)] += value
                if len(rest) == 2:
                    codes.add(rest[0])
        # Active purposes, and any purpose counted in a past year but retired since.
        self.purposes = list(
            Purpose.objects.filter(Q(active=True) | Q(code__in=codes), board=board)
        )
        self.media_types = list(MediaType.objects.all())
        populated = defaultdict(set)
        for measure, school_id, bucket, *_rest in raw:
            if measure == POPULATION:
                populated[school_id].add(bucket)
        self.buckets = {
            school.id: sorted(populated[school.id], key=_bucket_order) for school in self.schools
        }
        self.all_buckets = sorted(
            {b for buckets in self.buckets.values() for b in buckets}, key=_bucket_order
        )
        self.values, self.relations = board_tables(
            raw,
            school_ids=[s.id for s in self.schools],
            buckets=self.buckets,
            pairs=[(p.code, m.code) for p in self.purposes for m in self.media_types],
            per_purpose=[m.code for m in self.per_purpose],
            per_person=[m.code for m in self.per_person],
            partition=[m.code for m in self.per_purpose if m.part_of_population],
        )
        # Decided afresh from these cells alone, each time: never kept, so that no other
        # report's counts can answer for these.
        self.hidden = suppress(self.values, self.relations)

    def shown(self, cell) -> Shown:
        return Shown(self.values.get(cell, 0), self.hidden.get(cell))


def report_build(
    *,
    board: Board,
    school_year: SchoolYear,
    schools: list[School],
    by_year_group: bool = False,
    today: dt.date | None = None,
) -> Report:
    """The report on `schools` (of `board`); the board's totals only when it shows them all."""
    today = today or school_today()
    counts = BoardCounts(board, school_year, today)
    shown_ids = {s.id for s in schools}
    whole_board = shown_ids >= {s.id for s in counts.schools}
    levels = [(s, s.id) for s in counts.schools if s.id in shown_ids]
    if whole_board and len(counts.schools) > 1:
        levels.append((None, ALL))
    sections = []
    for school, school_id in levels:
        buckets = counts.buckets[school_id] if school_id != ALL else []
        if len(buckets) < 2:
            buckets = []  # one group (after merging small ones): the school's own table says it
        for bucket in [*(buckets if by_year_group else []), ALL]:
            sections.append(
                Section(
                    school=school,
                    bucket=bucket,
                    population=counts.shown((POPULATION, school_id, bucket)),
                    lines=[
                        Line(
                            purpose,
                            media_type,
                            {
                                m.code: counts.shown(
                                    (m.code, school_id, bucket, purpose.code, media_type.code)
                                )
                                for m in counts.per_purpose
                            },
                        )
                        for purpose in counts.purposes
                        for media_type in counts.media_types
                    ],
                    person_cells={
                        m.code: counts.shown((m.code, school_id, bucket)) for m in counts.per_person
                    },
                )
            )
    return Report(
        board=board,
        school_year=school_year,
        on=reference_date(school_year, today),
        counted_at=counts.counted_at,
        schools=[s for s in counts.schools if s.id in shown_ids],
        whole_board=whole_board,
        by_year_group=by_year_group,
        purposes=counts.purposes,
        media_types=counts.media_types,
        measures=counts.per_purpose,
        person_measures=counts.per_person,
        sections=sections,
    )
