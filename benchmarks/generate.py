"""Board-scale generated data: a deterministic, realistic board at the scale of PRODUCT.md.

`board_generate(students=50_000, seed=1)` writes a board with 60 schools, 50,000 students aged
11–19 in families (siblings share guardians, ~90,000 guardians), 6,000 staff at one to three
schools, 10 purposes with versioned texts, and five school years of decisions: yearly
campaigns, second guardians who disagree, paper forms, withdrawals, people who never answer.

Rows go in with COPY on PostgreSQL (executemany elsewhere), in chunks, so memory stays
bounded. The decision log is nevertheless a valid hash chain: events are generated one school
year at a time, sorted by time, numbered and hashed with `consents.decisions.chain.event_hash`
exactly as `services.decision_record` does. The status table is then derived from the log with
one query, equal to what `services.consent_status_rebuild` builds.

Same seed, size and reference date: the same data, byte for byte.
"""

import datetime as dt
import random
import resource
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction

from consents import stored
from consents.bulk import BulkWriter
from consents.dates import SCHOOL_TZ, age_on, school_today, school_year_end, school_year_start
from consents.decisions.chain import GENESIS_HASH, event_hash
from consents.demo import FIRST_NAMES, GUARDIAN_FIRST, LAST_NAMES, TEXT_EN, TEXT_NL
from consents.models import (
    Board,
    ChainHead,
    ConsentDecision,
    ConsentStatus,
    ConsentText,
    CurrentVerdict,
    DecisionEvidence,
    Group,
    Guardian,
    Guardianship,
    MediaType,
    Purpose,
    Role,
    School,
    SchoolYear,
    StaffMember,
    Student,
    Subject,
)
from consents.rules import Decider, decider_on

User = get_user_model()
Value = ConsentDecision.Value
Capacity = ConsentDecision.Capacity
Method = ConsentDecision.Method

BOARD_NAME = "Stichting Voortgezet Onderwijs Generated"
STAFF_PER_STUDENT = 6_000 / 50_000
STUDENTS_PER_SCHOOL = 50_000 / 60
CLASS_SIZE = 28
UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Code, Dutch and English name, and how readily families say yes to it (0..1).
PURPOSES = [
    ("schoolgids", "Schoolgids en brochures", "School guide and brochures", 0.9),
    ("nieuwsbrief", "Nieuwsbrief", "Newsletter", 0.9),
    ("website", "Website van de school", "School website", 0.75),
    ("sociale-media", "Sociale media van de school", "School social media", 0.45),
    ("ouderportaal", "Ouderportaal", "Parent portal", 0.95),
    ("jaarboek", "Jaarboek", "Yearbook", 0.95),
    ("personeel-social", "Sociale media van personeel", "Staff personal social media", 0.3),
    ("pers", "Pers", "Press", 0.5),
    ("intranet", "Intranet", "Intranet", 0.9),
    ("open-dag", "Open dag en voorlichting", "Open day and information events", 0.7),
]
MEDIA_READINESS = {"photo": 1.0, "film": 0.85, "sound": 0.8}
# Rule 8 in the history: an editorial change in year 2, a material one in year 3.
TEXT_CHANGES = [(2, "nieuwsbrief", ConsentText.Change.EDITORIAL), (3, "sociale-media", "material")]

MORE_FIRST_NAMES = [
    "Luuk", "Sven", "Gijs", "Ruben", "Stijn", "Jayden", "Ravi", "Youssef", "Omar", "Mats",
    "Tim", "Lars", "Niels", "Koen", "Jasper", "Hugo", "Olivier", "Mees", "Boaz", "Siem",
    "Eva", "Lisa", "Iris", "Roos", "Femke", "Sterre", "Lieke", "Isa", "Fenna", "Maud",
    "Hanna", "Amira", "Ilse", "Jade", "Liv", "Esmée", "Noë", "Inaya", "Selin", "Hiba",
]  # fmt: skip
MORE_LAST_NAMES = [
    ("", "de Jong"), ("", "van Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"),
    ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"), ("van der", "Veen"),
    ("", "Koster"), ("", "Prins"), ("", "Huisman"), ("", "Peeters"), ("van", "Wijk"),
    ("", "Postma"), ("", "Kuipers"), ("", "Veenstra"), ("", "Kok"), ("", "Schouten"),
    ("van", "Beek"), ("", "Willems"), ("", "Hoekstra"), ("", "Maas"), ("", "Verhoeven"),
    ("", "Koç"), ("", "Öztürk"), ("", "Nguyen"), ("", "Bouzid"), ("", "Şahin"),
    ("", "Kaya"), ("", "Aydın"), ("", "Doğan"), ("el", "Idrissi"), ("", "Tahiri"),
    ("", "Sarmo"), ("", "Lopes"), ("", "Kowalski"), ("", "Nowak"), ("", "Brontë"),
    ("van", "Vliet"), ("", "Jacobs"), ("", "Sanders"), ("", "Bosman"), ("", "Hermans"),
    ("ter", "Horst"), ("van 't", "Hof"), ("", "Zwart"), ("", "Timmermans"), ("", "Groen"),
]  # fmt: skip
PLACES = [
    "Baarn", "Soest", "Amersfoort", "Hilversum", "Utrecht", "Zeist", "Bunschoten", "Leusden",
    "Nijkerk", "Barneveld", "Veenendaal", "Houten", "Nieuwegein", "IJsselstein", "Woerden",
    "Maarssen", "Bilthoven", "Driebergen", "Doorn", "Rhenen",
]  # fmt: skip
SCHOOL_KINDS = ["College", "Lyceum", "mavo", "Scholengemeenschap", "vmbo", "Gymnasium"]
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 Chrome/125.0 Mobile Safari",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
]

# How an event was recorded: capacity and method, packed into a small code.
GUARDIAN_ONLINE, SELF_ONLINE, STAFF_ONLINE, ADMIN_PAPER, ADMIN_RECORDED = range(5)
KIND_CAPACITY_METHOD = {
    GUARDIAN_ONLINE: (Capacity.GUARDIAN, Method.ONLINE),
    SELF_ONLINE: (Capacity.SELF, Method.ONLINE),
    STAFF_ONLINE: (Capacity.STAFF, Method.ONLINE),
    ADMIN_PAPER: (Capacity.ADMINISTRATOR, Method.PAPER),
    ADMIN_RECORDED: (Capacity.ADMINISTRATOR, Method.RECORDED),
}
VALUES = [Value.GRANTED, Value.REFUSED, Value.WITHDRAWN]
GRANTED, REFUSED, WITHDRAWN = range(3)
# Families: say yes to nearly everything, choose per channel, are cautious, or refuse all.
DISPOSITIONS = [(0.97, 0.55), ("selective", 0.30), (0.15, 0.10), (0.02, 0.05)]

# One event is packed into one int (a sortable, compact form for a year's million events):
# time in milliseconds | subject | voice (guardian index + 1, 0 = own) | purpose | media | value
# | kind. Sorting the ints orders events by time, deterministically.
KIND_BITS, VALUE_BITS, MEDIA_BITS, PURPOSE_BITS, VOICE_BITS, SUBJECT_BITS = 3, 2, 2, 4, 24, 24


def pack(ms, subject, voice, purpose, media, value, kind) -> int:
    packed = ms
    for part, bits in (
        (subject, SUBJECT_BITS),
        (voice, VOICE_BITS),
        (purpose, PURPOSE_BITS),
        (media, MEDIA_BITS),
        (value, VALUE_BITS),
        (kind, KIND_BITS),
    ):
        packed = (packed << bits) | part
    return packed


def unpack(packed: int) -> tuple[int, int, int, int, int, int, int]:
    parts = []
    for bits in (KIND_BITS, VALUE_BITS, MEDIA_BITS, PURPOSE_BITS, VOICE_BITS, SUBJECT_BITS):
        parts.append(packed & ((1 << bits) - 1))
        packed >>= bits
    kind, value, media, purpose, voice, subject = parts
    return packed, subject, voice, purpose, media, value, kind


def peak_memory_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The tables written in bulk, parents before children.
BULK_MODELS = [
    User,
    Guardian,
    Group,
    Subject,
    Student,
    Guardianship,
    StaffMember,
    StaffMember.schools.through,
    ConsentDecision,
    DecisionEvidence,
    ConsentStatus,
]


@contextmanager
def constraints_deferred(models):
    """On PostgreSQL, load `models` without their indexes and constraints, then rebuild them.

    Building an index once over sorted data is much faster than updating it row by row, and a
    foreign key added afterwards is validated in one join instead of one queued check per row
    (Django's foreign keys are deferred to the commit, millions of them). The primary keys
    stay. The definitions are read from the catalogue, so they come back exactly as they were.
    """
    if connection.vendor != "postgresql":
        yield
        return
    saved = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Tables with checks still queued cannot be altered: run the checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "                WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid)",
                [table],
            )
            indexes = cursor.fetchall()
            quoted = connection.ops.quote_name(table)
            for name, _kind, _definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            saved.append((quoted, constraints, indexes))
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _table, _constraints, indexes in saved:
            for _name, definition in indexes:
                cursor.execute(definition)
        for kind in ("u", "f"):  # unique constraints first: foreign keys may refer to them
            for table, constraints, _indexes in saved:
                for name, constraint_kind, definition in constraints:
                    if constraint_kind == kind:
                        cursor.execute(
                            f"ALTER TABLE {table} ADD CONSTRAINT "
                            f"{connection.ops.quote_name(name)} {definition}"
                        )


def next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


@dataclass
class Person:
    """What the event generator needs to know of a subject."""

    id: int
    key: str
    user_id: int | None
    user_key: str | None
    date_of_birth: dt.date | None = None  # None for staff
    guardians: list[int] = field(default_factory=list)  # indexes into Generator.guardians
    disposition: int = 0
    first_year: int = 0  # index of the first school year in the window at school
    never_answers: bool = False


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    head_hash: str = GENESIS_HASH
    peak_memory_mib: float = 0.0


class BoardGenerator:
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
                ("statuses", self.statuses_write),
            ):
                started = time.monotonic()
                count = method()
                self.step(name, started, count)
            started = time.monotonic()
        self.step("indexes and constraints", started)
        self.sequences_reset()
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
        self.year_starts = [current.replace(year=current.year - n) for n in range(self.years)][::-1]
        self.school_years = [
            SchoolYear.objects.create(
                board=self.board, start_date=start, end_date=school_year_end(start)
            )
            for start in self.year_starts
        ]
        # Milliseconds at which each school year starts in Amsterdam, and the cut-off "now".
        self.year_start_ms = [self.ms(self.local(start)) for start in self.year_starts]
        self.now_ms = self.ms(self.local(self.today))

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

    def name(self) -> tuple[str, str, str]:
        prefix, last = self.random.choice(self.last_names)
        return self.random.choice(self.first_names), prefix, last

    def users_plan(self) -> int:
        """Plan every person, then write the users: guardians, students of 16+, staff."""
        rnd = self.random
        self.user_rows = []  # (id, email, first_name, last_name, key)
        user_id = next_id(User)

        def user(email, first_name, last_name) -> tuple[int, str]:
            nonlocal user_id
            key = self.uuid()
            self.user_rows.append((user_id, email, first_name, last_name, key))
            user_id += 1
            return user_id - 1, str(key)

        # Staff accounts for the roles (to log in to benchmarks and try the pages).
        self.role_users = {}
        for kind, email, first, last in (
            (Role.Kind.ADMINISTRATOR, "beheerder@generated.example", "Anouk", "de Wit"),
            (Role.Kind.COMMUNICATIONS, "communicatie@generated.example", "Rick", "Hoekstra"),
            (Role.Kind.COUNCIL, "gmr@generated.example", "Wendy", "Schouten"),
        ):
            self.role_users[kind] = user(email, first, last)
        self.admin_user_id, self.admin_user_key = self.role_users[Role.Kind.ADMINISTRATOR]

        # Families: one child (most), two or three at the board's schools; one or two guardians.
        self.guardian_rows = []  # (id, user_id, key, first, prefix, last)
        # (id, user id, user key, guardian key)
        self.guardians: list[tuple[int, int, str, str]] = []
        self.students: list[Person] = []
        self.student_rows = []  # (first, prefix, last, school index, date of birth)
        guardian_id = next_id(Guardian)
        subject_id = next_id(Subject)
        ages = list(range(11, 20))
        age_weights = [12, 14, 14, 14, 13, 12, 11, 7, 3]
        while len(self.students) < self.student_count:
            children = rnd.choices((1, 2, 3), weights=(92, 7, 1))[0]
            first, prefix, last = self.name()
            family = []
            for number in range(rnd.choices((1, 2), weights=(5, 95))[0]):
                g_first = rnd.choice(GUARDIAN_FIRST + self.first_names)
                g_prefix, g_last = (prefix, last) if number == 0 else rnd.choice(self.last_names)
                uid, ukey = user(
                    f"ouder{guardian_id}@generated.example",
                    g_first,
                    " ".join(p for p in (g_prefix, g_last) if p),
                )
                key = self.uuid()
                self.guardian_rows.append((guardian_id, uid, key, g_first, g_prefix, g_last))
                family.append(len(self.guardians))
                self.guardians.append((guardian_id, uid, ukey, str(key)))
                guardian_id += 1
            school = rnd.choices(range(len(self.schools)), weights=self.school_weights)[0]
            disposition = rnd.choices(range(4), weights=[w for _, w in DISPOSITIONS])[0]
            never = rnd.random() < 0.07
            for _ in range(min(children, self.student_count - len(self.students))):
                if rnd.random() > 0.7:
                    school = rnd.choices(range(len(self.schools)), weights=self.school_weights)[0]
                age = rnd.choices(ages, weights=age_weights)[0]
                born = self.today - dt.timedelta(days=age * 365 + rnd.randint(age // 4, 364))
                child_first = rnd.choice(self.first_names)
                uid = ukey = None
                if decider_on(born, self.today) == Decider.SELF:
                    uid, ukey = user(f"leerling{subject_id}@generated.example", child_first, last)
                # The first school year of the window in which the student is at school.
                first_year = next(
                    (n for n, s in enumerate(self.year_starts) if age_on(born, s) >= 11),
                    len(self.year_starts) - 1,
                )
                self.students.append(
                    Person(
                        id=subject_id,
                        key=str(self.uuid()),
                        user_id=uid,
                        user_key=ukey,
                        date_of_birth=born,
                        guardians=family,
                        disposition=disposition,
                        first_year=first_year,
                        never_answers=never,
                    )
                )
                self.student_rows.append((child_first, prefix, last, school, born))
                subject_id += 1
        # A check of the generator's own invariant.
        assert len(self.guardians) < 1 << VOICE_BITS  # nosec B101

        self.staff: list[Person] = []
        self.staff_rows = []  # (first, prefix, last, function, school indexes)
        functions = ["docent", "mentor", "conciërge", "teamleider", "onderwijsassistent"]
        for _ in range(self.staff_count):
            first, prefix, last = self.name()
            uid, ukey = user(f"medewerker{subject_id}@generated.example", first, last)
            count = rnd.choices((1, 2, 3), weights=(60, 30, 10))[0]
            schools = sorted(rnd.sample(range(len(self.schools)), min(count, len(self.schools))))
            self.staff.append(
                Person(
                    id=subject_id,
                    key=str(self.uuid()),
                    user_id=uid,
                    user_key=ukey,
                    disposition=rnd.choices(range(4), weights=[w for _, w in DISPOSITIONS])[0],
                    # Most staff were there five years ago; some joined since.
                    first_year=0 if rnd.random() < 0.7 else rnd.randrange(self.years),
                    never_answers=rnd.random() < 0.1,
                )
            )
            self.staff_rows.append((first, prefix, last, rnd.choice(functions), schools))
            subject_id += 1
        joined = self.local(self.year_starts[0] - dt.timedelta(days=40))
        return self.writer.write(
            User,
            ["id", "password", "is_superuser", "first_name", "last_name", "is_staff", "is_active"]
            + ["date_joined", "email", "key"],
            (
                (uid, "!", False, first, last[:150], False, True, joined, email, key)
                for uid, email, first, last, key in self.user_rows
            ),
        )

    def people_write(self) -> int:
        """Guardians, students, classes, guardianships, staff and roles."""
        w = self.writer
        w.write(
            Guardian,
            ["id", "user", "key", "first_name", "prefix", "last_name"],
            iter(self.guardian_rows),
        )
        del self.guardian_rows
        del self.user_rows

        # Classes of the current school year, per school and level, of about CLASS_SIZE.
        current_start = self.year_starts[-1]
        by_level: dict[tuple[int, int], list[int]] = {}
        for index, (_f, _p, _l, school, born) in enumerate(self.student_rows):
            level = min(6, max(1, age_on(born, current_start) - 11))
            by_level.setdefault((school, level), []).append(index)
        group_of = {}
        group_rows = []
        group_id = next_id(Group)
        for (school, level), members in sorted(by_level.items()):
            classes = max(1, round(len(members) / CLASS_SIZE))
            ids = []
            for letter in range(classes):
                group_rows.append(
                    (
                        group_id,
                        self.schools[school].id,
                        self.school_years[-1].id,
                        f"{level}{chr(97 + letter)}",
                    )
                )
                ids.append(group_id)
                group_id += 1
            for position, index in enumerate(members):
                group_of[index] = ids[position % classes]
        w.write(Group, ["id", "school", "school_year", "name"], iter(group_rows))

        board_id = self.board.id
        people = [
            (p, r, Subject.Kind.STUDENT)
            for p, r in zip(self.students, self.student_rows, strict=True)
        ]
        people += [
            (p, r, Subject.Kind.STAFF) for p, r in zip(self.staff, self.staff_rows, strict=True)
        ]
        count = w.write(
            Subject,
            ["id", "key", "kind", "board", "first_name", "prefix", "last_name", "user"],
            (
                (p.id, uuid.UUID(p.key), kind, board_id, r[0], r[1], r[2], p.user_id)
                for p, r, kind in people
            ),
        )
        w.write(
            Student,
            ["subject_ptr", "school", "group", "student_number", "date_of_birth"],
            (
                (p.id, self.schools[r[3]].id, group_of[index], str(100_000 + index), r[4])
                for index, (p, r) in enumerate(zip(self.students, self.student_rows, strict=True))
            ),
        )
        since = self.year_starts[0]
        w.write(
            Guardianship,
            ["guardian", "student", "since"],
            ((self.guardians[g][0], p.id, since) for p in self.students for g in p.guardians),
        )
        w.write(
            StaffMember,
            ["subject_ptr", "function"],
            ((p.id, r[3]) for p, r in zip(self.staff, self.staff_rows, strict=True)),
        )
        w.write(
            StaffMember.schools.through,
            ["staffmember", "school"],
            (
                (p.id, self.schools[s].id)
                for p, r in zip(self.staff, self.staff_rows, strict=True)
                for s in r[4]
            ),
        )
        del self.student_rows, self.staff_rows
        Role.objects.bulk_create(
            [
                Role(user_id=uid, kind=kind, board=self.board, school=None)
                for kind, (uid, _key) in self.role_users.items()
            ]
        )
        return count

    # --- decisions ---------------------------------------------------------------------------

    def grant_chance(self, disposition: int, purpose: int, media: int) -> float:
        chance = DISPOSITIONS[disposition][0]
        if chance == "selective":
            return self.readiness[purpose] * MEDIA_READINESS[self.media[media].code]
        return chance

    def answer(self, events, rnd, *, subject, voice, kind, disposition, ms) -> None:
        """One filled-in form: every purpose and media type, a second apart; maybe a withdrawal."""
        granted = []
        for purpose in range(len(self.purposes)):
            for media in range(len(self.media)):
                value = (
                    GRANTED
                    if rnd.random() < self.grant_chance(disposition, purpose, media)
                    else REFUSED
                )
                ms += rnd.randint(300, 1500)
                if ms < self.now_ms:
                    events.append(pack(ms, subject, voice, purpose, media, value, kind))
                    if value == GRANTED:
                        granted.append((purpose, media))
        if granted and rnd.random() < 0.04:  # rule 6: withdrawn later the same school year
            purpose = rnd.choice(granted)[0]
            later = ms + rnd.randint(7, 150) * 86_400_000 + rnd.randint(0, 36_000_000)
            person = self.subject_at(subject)
            if later >= self.now_ms or (
                voice and decider_on(person.date_of_birth, self.date_of(later)) == Decider.SELF
            ):
                return  # not yet, or the guardians no longer decide
            online = (
                GUARDIAN_ONLINE
                if voice
                else (SELF_ONLINE if person.date_of_birth else STAFF_ONLINE)
            )
            for p, media in granted:
                if p == purpose:
                    later += rnd.randint(200, 900)
                    events.append(pack(later, subject, voice, purpose, media, WITHDRAWN, online))

    def subject_at(self, index: int) -> Person:
        return (
            self.students[index]
            if index < len(self.students)
            else self.staff[index - len(self.students)]
        )

    def date_of(self, ms: int) -> dt.date:
        return (UTC_EPOCH + dt.timedelta(milliseconds=ms)).astimezone(SCHOOL_TZ).date()

    def campaign_moment(self, rnd, year: int) -> int:
        """When a form is filled in: mostly in the first weeks of the campaign, some much later."""
        # Capped so that a withdrawal months later still falls in the same school year.
        days = 31 + min(int(rnd.expovariate(1 / 14)), 120)
        seconds = rnd.randint(7 * 3600, 23 * 3600)
        return self.ms(self.local(self.year_starts[year] + dt.timedelta(days=days), seconds))

    def year_events(self, year: int) -> list[int]:
        """Every event of one school year, packed and sorted by time."""
        # Deterministic demo data, not security.
        rnd = random.Random(f"events-{self.seed}-{year}")  # nosec B311
        events: list[int] = []
        for index, person in enumerate(self.students):
            if person.never_answers or year < person.first_year:
                continue
            if rnd.random() > (0.85 if year == person.first_year else 0.65):
                continue  # no answer this year: the last one is carried forward, not renewed
            ms = self.campaign_moment(rnd, year)
            paper = rnd.random()
            admin_kind = ADMIN_PAPER if paper < 0.04 else ADMIN_RECORDED if paper < 0.06 else None
            if decider_on(person.date_of_birth, self.date_of(ms)) == Decider.SELF:
                if person.user_id is None:
                    continue
                disposition = person.disposition if rnd.random() < 0.7 else rnd.randrange(4)
                self.answer(
                    events, rnd, subject=index, voice=0, kind=admin_kind or SELF_ONLINE,
                    disposition=disposition, ms=ms,
                )  # fmt: skip
                continue
            for number, guardian in enumerate(person.guardians):
                if number and rnd.random() > 0.35:
                    continue  # the second guardian often leaves it to the first
                disposition = person.disposition
                if number and rnd.random() < 0.15:
                    disposition = rnd.randrange(4)  # rule 3: the guardians may disagree
                moment = ms + number * rnd.randint(3600_000, 7 * 86_400_000)
                if decider_on(person.date_of_birth, self.date_of(moment)) == Decider.SELF:
                    continue  # turned 16 in the meantime: the guardians no longer decide
                self.answer(
                    events, rnd, subject=index, voice=guardian + 1,
                    kind=admin_kind if number == 0 and admin_kind else GUARDIAN_ONLINE,
                    disposition=disposition, ms=moment,
                )  # fmt: skip
        offset = len(self.students)
        for index, person in enumerate(self.staff, start=offset):
            if person.never_answers or year < person.first_year:
                continue
            if rnd.random() > (0.8 if year == person.first_year else 0.55):
                continue
            self.answer(
                events, rnd, subject=index, voice=0,
                kind=ADMIN_PAPER if rnd.random() < 0.02 else STAFF_ONLINE,
                disposition=person.disposition, ms=self.campaign_moment(rnd, year),
            )  # fmt: skip
        events.sort()
        return events

    def decisions_write(self) -> int:
        seq = 0
        previous = GENESIS_HASH
        decision_id = next_id(ConsentDecision)
        purpose_codes = [p.code for p in self.purposes]
        purpose_ids = [p.id for p in self.purposes]
        media_codes = [m.code for m in self.media]
        media_ids = [m.id for m in self.media]
        year_ids = [y.id for y in self.school_years]
        year_labels = [str(start) for start in self.year_starts]
        decisions_total = 0

        for year in range(self.years):
            started = time.monotonic()
            events = self.year_events(year)
            first_id = decision_id
            year_end_ms = (self.year_start_ms + [self.now_ms + 1])[year + 1]

            def rows(events=events, year=year, year_end_ms=year_end_ms):
                nonlocal seq, previous, decision_id
                for packed in events:
                    ms, subject, voice, purpose, media, value, kind = unpack(packed)
                    person = self.subject_at(subject)
                    capacity, method = KIND_CAPACITY_METHOD[kind]
                    if kind in (ADMIN_PAPER, ADMIN_RECORDED):
                        actor_id, actor_key = self.admin_user_id, self.admin_user_key
                    elif voice:
                        _gid, actor_id, actor_key, _key = self.guardians[voice - 1]
                    else:
                        actor_id, actor_key = person.user_id, person.user_key
                    text_id, text_sha = None, None
                    for published, tid, sha in self.texts[purpose]:
                        if published <= ms:
                            text_id, text_sha = tid, sha
                    # A check of the generator's own invariant.
                    assert self.year_start_ms[year] <= ms < year_end_ms, "event outside its year"  # nosec B101
                    decided_at = UTC_EPOCH + dt.timedelta(milliseconds=ms)
                    seq += 1
                    fields = {
                        "seq": seq,
                        "subject": person.key,
                        "purpose": purpose_codes[purpose],
                        "media_type": media_codes[media],
                        "value": VALUES[value],
                        "voice": self.guardians[voice - 1][3] if voice else None,
                        "decided_by": actor_key,
                        "capacity": capacity,
                        "method": method,
                        "text_sha256": text_sha,
                        "school_year": year_labels[year],
                        "decided_at": decided_at,
                        "prev_hash": previous,
                    }
                    digest = event_hash(fields)
                    yield (
                        decision_id,
                        seq,
                        person.id,
                        purpose_ids[purpose],
                        media_ids[media],
                        VALUES[value],
                        self.guardians[voice - 1][0] if voice else None,
                        actor_id,
                        capacity,
                        method,
                        text_id,
                        year_ids[year],
                        decided_at,
                        previous,
                        digest,
                    )
                    previous = digest
                    decision_id += 1

            written = self.writer.write(
                ConsentDecision,
                ["id", "seq", "subject", "purpose", "media_type", "value", "guardian"]
                + ["decided_by", "capacity", "method", "text", "school_year", "decided_at"]
                + ["prev_hash", "hash"],
                rows(),
            )
            self.writer.write(
                DecisionEvidence,
                ["decision", "ip_address", "user_agent", "note", "scan"],
                self.evidence_rows(first_id, events),
            )
            del events
            decisions_total += written
            self.log(
                f"  school year {self.year_starts[year]}: {written:,} decisions in "
                f"{time.monotonic() - started:.1f} s (peak memory {peak_memory_mib():.0f} MiB)"
            )
        ChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": previous})
        self.report.head_hash = previous
        return decisions_total

    @staticmethod
    def evidence_rows(first_id: int, events: list[int]) -> Iterator[tuple]:
        """Request evidence for the decisions numbered from `first_id`, one per event."""
        for decision_id, packed in enumerate(events, start=first_id):
            ms, *_parts, kind = unpack(packed)
            if kind in (ADMIN_PAPER, ADMIN_RECORDED):
                note = "Papieren formulier" if kind == ADMIN_PAPER else "Telefonisch doorgegeven"
                yield (decision_id, None, "", note, "")
            else:
                ip = f"198.51.100.{ms % 250 + 1}" if ms % 3 else f"2001:db8::{ms % 9973:x}"
                yield (decision_id, ip, USER_AGENTS[ms % len(USER_AGENTS)], "", "")

    def statuses_write(self) -> int:
        """The latest decision per subject, purpose, media type and voice, in one query."""
        status = connection.ops.quote_name(ConsentStatus._meta.db_table)
        decision = connection.ops.quote_name(ConsentDecision._meta.db_table)
        with connection.cursor() as cursor:
            # Table names come from the models' meta; there is no user input in this query.
            query = """
                INSERT INTO {} (subject_id, purpose_id, media_type_id, guardian_id,
                                      unregistered, decision_id)
                SELECT subject_id, purpose_id, media_type_id, guardian_id, unregistered, id
                FROM (
                    SELECT id, subject_id, purpose_id, media_type_id, guardian_id,
                           capacity = 'unregistered' AS unregistered,
                           ROW_NUMBER() OVER (
                               PARTITION BY subject_id, purpose_id, media_type_id, guardian_id,
                                            capacity = 'unregistered'
                               ORDER BY seq DESC
                           ) AS position
                    FROM {}
                ) AS latest
                WHERE position = 1
                """.format(status, decision)  # noqa: UP032  # nosec B608
            cursor.execute(query)
            return cursor.rowcount

    def sequences_reset(self):
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), BULK_MODELS):
                cursor.execute(sql)


def board_generate(**options) -> Report:
    """Generate a board (see BoardGenerator for the options); returns counts and timings."""
    return BoardGenerator(**options).generate()
