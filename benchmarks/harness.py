"""A small benchmark harness: a registry of named benchmarks, each compared with a baseline.

A benchmark is a function that receives the `Board` fixture (and a size, for those measured at
more than one size) and returns the callable to time; everything before the return is set-up
and is not timed:

    @benchmark("page: lookup", baseline=BARE_VIEW, budget_ms=50)
    def lookup_page(board):
        client = board.client(board.communications)
        return lambda: board.get(client, "/lookup/?q=jansen")

Each benchmark is run `repeat` times after `warmup` runs: median and 95th percentile of the
wall time. One more run counts the SQL queries and the peak of Python memory (tracemalloc);
it is not timed, as both instruments slow the code down. The baseline is measured in the same
process, on the same data, just before; the ratio is median / baseline median.
"""

import datetime as dt
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.generate import BOARD_NAME
from consents.dates import school_today
from consents.middleware import mfa_missing
from consents.models import Board as BoardModel
from consents.models import Group, Guardian, Role, Student
from consents.rules import sixteen_cutoff


class NoBoard(Exception):
    """The database holds no generated board to measure."""


@dataclass
class Benchmark:
    name: str
    setup: Callable
    baseline: str | None = None
    budget_ms: float | None = None  # the median must stay under it
    max_ratio: float | None = 3.0  # ... and within this many times the baseline
    repeat: int = 20
    warmup: int = 2
    # Measured at each size (people); timed at the first, counted at all: query counts and
    # memory must not grow with the size.
    sizes: tuple[int, ...] = ()
    # The size timed, when not the first of `sizes` (a full-board run too slow to count twice).
    timed_size: int | None = None
    group: str = "domain"
    # Streams people in chunks: queries grow by a constant number per chunk, and the peak of
    # memory must not grow with the number of people.
    chunked: bool = False
    note: str = ""


@dataclass
class Result:
    benchmark: Benchmark
    times_ms: list[float]
    queries: dict[int | None, int]
    peak_kib: dict[int | None, float]
    baseline_ms: float | None = None
    # This process's CPU time: on a shared machine, the part of the wall time that is ours
    # (the database server's work is not in it).
    cpu_ms: list[float] = field(default_factory=list)

    @property
    def cpu_median_ms(self) -> float:
        return statistics.median(self.cpu_ms) if self.cpu_ms else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def ratio(self) -> float | None:
        return self.median_ms / self.baseline_ms if self.baseline_ms else None

    @property
    def verdicts(self) -> list[str]:
        """What the result misses of its targets (empty: all met)."""
        b = self.benchmark
        misses = []
        if b.budget_ms is not None and self.median_ms > b.budget_ms:
            misses.append(f"median over {b.budget_ms:g} ms")
        if b.max_ratio is not None and self.ratio is not None and self.ratio > b.max_ratio:
            misses.append(f"over {b.max_ratio:g}x baseline")
        if b.chunked:
            peaks = list(self.peak_kib.values())
            if max(peaks) > 1.5 * min(peaks):
                misses.append("memory grows with size")
        elif len(set(self.queries.values())) > 1:
            misses.append("query count grows with size")
        return misses


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, **options) -> Callable:
    """Register `setup(board[, size]) -> callable` as the benchmark `name`."""

    def register(setup: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} registered twice")
        REGISTRY[name] = Benchmark(name=name, setup=setup, **options)
        return setup

    return register


class Board:
    """The generated board under measurement, and helpers to pick people from it."""

    def __init__(self):
        self.board = BoardModel.objects.filter(name=BOARD_NAME).first()
        if self.board is None:
            raise NoBoard(
                "No generated board in this database: run "
                "`manage.py generate_board --students 50000 --seed 1` first."
            )
        self.today = school_today()
        self.student_count = Student.objects.filter(board=self.board).count()

    def role_user(self, kind: Role.Kind):
        return Role.objects.filter(board=self.board, kind=kind).select_related("user")[0].user

    @cached_property
    def administrator(self):
        return self.role_user(Role.Kind.ADMINISTRATOR)

    @cached_property
    def communications(self):
        return self.role_user(Role.Kind.COMMUNICATIONS)

    @cached_property
    def council(self):
        return self.role_user(Role.Kind.COUNCIL)

    def students(self, count: int, *, offset: int = 0) -> list[Student]:
        """`count` students of the largest school, in class order: a class, an event list."""
        school_id = (
            Student.objects.filter(board=self.board)
            .values("school_id")
            .order_by()
            .annotate(n=Count("pk"))
            .order_by("-n")[0]["school_id"]
        )
        return list(
            Student.objects.filter(school_id=school_id).order_by("group__name", "pk")[
                offset : offset + count
            ]
        )

    def student(self) -> Student:
        """A student under 16 with two guardians who both answered: the richest verdict."""
        youngest_born = sixteen_cutoff(self.today)
        return (
            Student.objects.filter(board=self.board, date_of_birth__gt=youngest_born)
            .filter(guardianships__guardian__decisions__isnull=False)
            .order_by("pk")
            .distinct()[:50]
        )[25]

    def guardian_with_children(self, count: int) -> tuple[Guardian, list[Student]]:
        """A guardian with `count` children under 16 (or as many as any guardian has)."""
        youngest_born = sixteen_cutoff(self.today)
        guardian = (
            Guardian.objects.filter(guardianships__student__board=self.board)
            .annotate(
                young=Count(
                    "guardianships",
                    filter=Q(guardianships__student__date_of_birth__gt=youngest_born),
                )
            )
            .order_by("-young", "pk")
            .filter(young__lte=count)
            .select_related("user")
            .first()
        )
        children = list(
            Student.objects.filter(
                guardianships__guardian=guardian, date_of_birth__gt=youngest_born
            )
        )
        return guardian, children

    def group(self) -> Group:
        return Group.objects.filter(school__board=self.board).order_by("pk").first()

    def client(self, user) -> Client:
        """A logged-in client; a role holder gets the second factor their role requires."""
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        if mfa_missing(user):
            assert not Authenticator.objects.filter(user=user, type="totp").exists()
            TOTP.activate(user, generate_totp_secret())
        client = Client()
        client.force_login(user)
        return client

    @staticmethod
    def post(client: Client, url: str, data: dict, status: int = 200):
        response = client.post(url, data)
        if response.status_code != status:
            raise AssertionError(f"POST {url}: {response.status_code}, expected {status}")
        return response

    @staticmethod
    def get(client: Client, url: str, status: int = 200):
        response = client.get(url)
        if response.status_code != status:
            raise AssertionError(f"GET {url}: {response.status_code}, expected {status}")
        # Streaming responses are consumed, as a browser would.
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
        return response


def measure(benchmark_: Benchmark, board: Board, *, repeat: int | None = None) -> Result:
    sizes = benchmark_.sizes or (None,)

    def prepared(size):
        return benchmark_.setup(board, size) if size is not None else benchmark_.setup(board)

    timed_size = benchmark_.timed_size or sizes[0]
    run = prepared(timed_size)
    for _ in range(benchmark_.warmup):
        run()
    times, cpu = [], []
    gc.collect()
    for _ in range(repeat or benchmark_.repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)

    queries, peaks = {}, {}
    for size in sizes:
        run = prepared(size) if size != timed_size else run
        gc.collect()
        tracemalloc.start()
        with CaptureQueriesContext(connection) as captured:
            run()
        peaks[size] = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
        queries[size] = len(captured.captured_queries)
    return Result(benchmark_, times, queries, peaks, cpu_ms=cpu)


def format_size(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB" if kib >= 1024 else f"{kib:.0f} KiB"


def report_line(result: Result) -> str:
    b = result.benchmark
    by_size = lambda values, fmt: " / ".join(fmt(v) for v in values.values())  # noqa: E731
    ratio = f"{result.ratio:.2f}x" if result.ratio is not None else "-"
    sizes = "" if not b.sizes else " @ " + "/".join(f"{s:,}" for s in b.sizes)
    if b.timed_size:
        sizes += f" (timed @ {b.timed_size:,})"
    misses = result.verdicts
    target = "ok" if not misses else "MISSED: " + "; ".join(misses)
    if b.budget_ms is None and b.max_ratio is None:
        target = "(baseline)"
    return (
        f"{b.name:<44} {result.median_ms:>10.1f} {result.p95_ms:>10.1f} "
        f"{result.cpu_median_ms:>8.1f} "
        f"{by_size(result.queries, str):>9} {by_size(result.peak_kib, format_size):>19}"
        f"{sizes:<16} {ratio:>8}  {target}"
    )


HEADER = (
    f"{'benchmark':<44} {'median ms':>10} {'p95 ms':>10} {'cpu ms':>8} {'queries':>9} "
    f"{'peak memory':>19}"
    f"{'':<16} {'ratio':>8}  target"
)


@dataclass
class Run:
    results: dict[str, Result] = field(default_factory=dict)
    started: dt.datetime = field(default_factory=dt.datetime.now)


def run_benchmarks(names: list[str], *, repeat: int | None = None, out=print) -> Run:
    """Measure `names` (and the baselines they need, first) and print a line for each."""
    board = Board()
    needed = [REGISTRY[name].baseline for name in names if REGISTRY[name].baseline]
    order = [REGISTRY[name] for name in dict.fromkeys(needed + names)]
    order.sort(key=lambda b: b.baseline is not None)  # baselines first
    out(f"{board.student_count:,} students; verdicts on {board.today}.")
    out(HEADER)
    current = Run()
    for benchmark_ in order:
        result = measure(benchmark_, board, repeat=repeat)
        if benchmark_.baseline:
            result.baseline_ms = current.results[benchmark_.baseline].median_ms
        current.results[benchmark_.name] = result
        out(report_line(result))
    return current
