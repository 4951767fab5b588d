"""The generator itself: the board, its schools, years, purposes and texts, and the order of
the steps (people: `people.py`, decisions: `decisions.py`, bulk writing: `tables.py`)."""

import datetime as dt
import random
import time
import uuid
from dataclasses import dataclass, field

from django.db import connection, transaction

from consents import stored
from consents.bulk import BulkWriter
from consents.dates import (
    SCHOOL_TZ,
    school_today,
    school_year_end,
    school_year_start,
    years_before,
)
from consents.decisions.chain import GENESIS_HASH
from consents.models import (
    Board,
    ConsentDecision,
    ConsentText,
    CurrentVerdict,
    MediaType,
    Purpose,
    School,
    SchoolYear,
)

from .catalogue import (
    BOARD_NAME,
    FIRST_NAMES,
    LAST_NAMES,
    MORE_FIRST_NAMES,
    MORE_LAST_NAMES,
    PLACES,
    PURPOSES,
    SCHOOL_KINDS,
    STAFF_PER_STUDENT,
    STUDENTS_PER_SCHOOL,
    SUBJECT_BITS,
    TEXT_CHANGES,
    TEXT_EN,
    TEXT_NL,
)
from .decisions import DecisionHistory
from .people import PeoplePlan
from .tables import (
    BULK_MODELS,
    constraints_deferred,
    peak_memory_mib,
    sequences_reset,
    statuses_write,
)


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    head_hash: str = GENESIS_HASH
    peak_memory_mib: float = 0.0


class BoardGenerator(PeoplePlan, DecisionHistory):
    """Generates one board; see `board_generate`."""

    def __init__(
        self,
        *,
        students: int = 50_000,
        seed: int = 1,
        today: dt.date | None = None,
        schools: int | None = None,
        staff: int | None = None,
        years: int = 5,
        log=None,
    ):
        if students < 1 or students >= 1 << SUBJECT_BITS:
            raise ValueError(f"students must be between 1 and {(1 << SUBJECT_BITS) - 1}")
        self.student_count = students
        self.school_count = schools or max(2, round(students / STUDENTS_PER_SCHOOL))
        self.staff_count = (
            staff if staff is not None else max(2, round(students * STAFF_PER_STUDENT))
        )
        self.years = years
        self.seed = seed
        self.today = today or school_today()
        # Deterministic demo data, not security.
        self.random = random.Random(f"board-{seed}")  # nosec B311
        self.log = log or (lambda message: None)
        self.writer = BulkWriter()
        self.report = Report()
        self.first_names = FIRST_NAMES + MORE_FIRST_NAMES
        self.last_names = LAST_NAMES + MORE_LAST_NAMES
        self.moment_start = time.monotonic()

    # --- helpers ----------------------------------------------------------------------------

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.random.getrandbits(128), version=4)

    def step(self, name: str, started: float, count: int | None = None):
        elapsed = time.monotonic() - started
        self.report.timings[name] = round(elapsed, 1)
        if count is not None:
            self.report.counts[name] = count
        suffix = f": {count:,} rows" if count is not None else ""
        self.log(f"{name}{suffix} in {elapsed:.1f} s (peak memory {peak_memory_mib():.0f} MiB)")

    @staticmethod
    def ms(moment: dt.datetime) -> int:
        return int(moment.timestamp()) * 1000

    @staticmethod
    def local(day: dt.date, seconds: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=SCHOOL_TZ) + dt.timedelta(
            seconds=seconds
        )

    # --- the board ---------------------------------------------------------------------------

    @transaction.atomic
    def generate(self) -> Report:
        if ConsentDecision.objects.exists():
            raise ValueError(
                "The database already holds consent decisions; generate a board into an empty "
                "database so that the generated log starts the chain."
            )
        started = time.monotonic()
        self.board_create()
        self.step("board, schools, years, purposes and texts", started)
        with constraints_deferred(BULK_MODELS):
            for name, method in (
                ("users", self.users_plan),
                ("subjects", self.people_write),
                ("decisions", self.decisions_write),
                ("statuses", statuses_write),
            ):
                started = time.monotonic()
                count = method()
                self.step(name, started, count)
            started = time.monotonic()
        self.step("indexes and constraints", started)
        sequences_reset()
        started = time.monotonic()
        stored.refresh()
        self.step("stored verdicts", started, CurrentVerdict.objects.count())
        if connection.vendor == "postgresql":
            started = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.step("analyze", started)
        self.report.timings["total"] = round(time.monotonic() - self.moment_start, 1)
        self.report.peak_memory_mib = round(peak_memory_mib())
        return self.report

    def board_create(self):
        rnd = self.random
        self.board = Board.objects.create(
            name=BOARD_NAME, contact_email="privacy@generated.example", privacy_officer="A. Kok"
        )
        names = set()
        self.schools = []
        while len(self.schools) < self.school_count:
            name = f"{rnd.choice(SCHOOL_KINDS)} {rnd.choice(PLACES)}"
            if name in names:
                name = f"{name} {len(self.schools) + 1}"
            names.add(name)
            self.schools.append(
                School(board=self.board, name=name, brin=f"{10 + len(self.schools):02d}XX")
            )
        self.schools = School.objects.bulk_create(self.schools)
        self.school_weights = [rnd.uniform(0.4, 1.6) for _ in self.schools]

        current = school_year_start(self.today)
        self.year_starts = [years_before(current, n) for n in range(self.years)][::-1]
        self.school_years = [
            SchoolYear.objects.create(
                board=self.board, start_date=start, end_date=school_year_end(start)
            )
            for start in self.year_starts
        ]
        # Milliseconds at which each school year starts in Amsterdam, and the cut-off "now".
        self.year_start_ms = [self.ms(self.local(start)) for start in self.year_starts]
        self.now_ms = self.ms(self.local(self.today))

        self.purposes_create()

    def purposes_create(self):
        """The purposes, each with its texts: an editorial and a material change in the
        history (rule 8)."""
        self.media = list(MediaType.objects.order_by("order"))
        self.purposes = []
        self.readiness = []
        self.texts: list[list[tuple[int, int, str]]] = []  # per purpose: (ms, id, sha256)
        first_published = self.local(self.year_starts[0] - dt.timedelta(days=30), 9 * 3600)
        for order, (code, name_nl, name_en, readiness) in enumerate(PURPOSES, start=1):
            purpose = Purpose.objects.create(
                board=self.board, code=code, name_nl=name_nl, name_en=name_en, order=order
            )
            self.purposes.append(purpose)
            self.readiness.append(readiness)
            versions = [(first_published, ConsentText.Change.INITIAL)]
            for year, changed_code, change in TEXT_CHANGES:
                if changed_code == code and year < self.years:
                    versions.append((self.local(self.year_starts[year], 9 * 3600), change))
            texts = []
            for number, (published, change) in enumerate(versions, start=1):
                wording = "" if number == 1 else f" (versie {number})"
                text = ConsentText.objects.create(
                    purpose=purpose,
                    change=change,
                    body_nl=TEXT_NL.format(
                        subject="uw kind of u", purpose=name_nl.lower(), description=wording
                    ),
                    body_en=TEXT_EN.format(
                        subject="your child or you", purpose=name_en.lower(), description=""
                    )
                    + ("" if number == 1 else f" (version {number})"),
                    created_at=published,
                )
                texts.append((self.ms(published), text.id, text.sha256))
            self.texts.append(texts)

    # --- people ------------------------------------------------------------------------------


def board_generate(**options) -> Report:
    """Generate a board (see BoardGenerator for the options); returns counts and timings."""
    return BoardGenerator(**options).generate()
