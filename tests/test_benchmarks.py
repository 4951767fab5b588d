"""The benchmark harness, and the query shape of verdicts that the benchmarks hold to."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.__main__ import main
from benchmarks.generate import board_generate
from benchmarks.harness import Benchmark, NoBoard, Result, measure
from consents.models import Board, Student, Subject
from consents.rules import State, verdicts

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)


def count_queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def test_verdicts_take_the_same_number_of_queries_for_one_person_or_sixty():
    board_generate(students=60, seed=1, today=TODAY)
    ids = list(Student.objects.order_by("pk").values_list("pk", flat=True))
    one = count_queries(lambda: verdicts(ids[:1], on=TODAY))
    sixty = count_queries(lambda: verdicts(ids, on=TODAY))
    assert one == sixty <= 10


def test_verdicts_without_detail_take_the_same_number_of_queries_for_one_person_or_sixty():
    board_generate(students=60, seed=1, today=TODAY)
    ids = list(Student.objects.order_by("pk").values_list("pk", flat=True))
    one = count_queries(lambda: verdicts(ids[:1], on=TODAY, detail=False))
    sixty = count_queries(lambda: verdicts(ids, on=TODAY, detail=False))
    assert one == sixty <= 10


@pytest.mark.parametrize("at_sixteen", ["keep", "lapse"])
@pytest.mark.parametrize("unanswered_year", ["carry_forward", "lapse"])
def test_verdicts_without_detail_equal_the_detailed_verdicts(at_sixteen, unanswered_year):
    """The value-only path (export, report, campaigns) runs the same rule code on plain rows:
    on a generated board with every kind of history, on a date in each school year, it must
    reach the same verdict, for the same decisions, as the path that builds model instances."""
    board_generate(students=80, seed=3, today=TODAY)
    Board.objects.update(at_sixteen=at_sixteen, unanswered_year=unanswered_year)
    ids = list(Subject.objects.values_list("pk", flat=True))
    fields = ("state", "decider", "disputed", "asked_again", "not_renewed",
              "inherited_from_guardians", "lapsed")  # fmt: skip
    seen = set()
    for on in (TODAY, dt.date(2025, 7, 31), dt.date(2025, 8, 1), dt.date(2023, 11, 1)):
        detailed = verdicts(ids, on=on)
        plain = verdicts(ids, on=on, detail=False)
        assert detailed.keys() == plain.keys()
        seen.update((v.state, v.disputed, v.not_renewed, v.asked_again) for v in plain.values())
        for key, verdict in detailed.items():
            other = plain[key]
            assert [getattr(other, f) for f in fields] == [getattr(verdict, f) for f in fields]
            assert [(d.decided_at, d.guardian_id, d.value) for d in other.decisions] == [
                (d.decided_at, d.guardian_id, d.value) for d in verdict.decisions
            ]
    assert {state for state, *_flags in seen} == set(State)
    assert any(disputed for _s, disputed, *_f in seen)
    assert any(not_renewed for *_f, not_renewed, _a in seen) == (unanswered_year != "lapse")


def test_explaining_verdicts_needs_no_further_queries():
    board_generate(students=30, seed=2, today=TODAY)
    ids = list(Student.objects.values_list("pk", flat=True))
    found = verdicts(ids, on=TODAY)
    answered = [v for v in found.values() if v.decisions]
    assert answered
    with CaptureQueriesContext(connection) as captured:
        sentences = [v.explanation for v in found.values()]
        authors = [(d.guardian, d.decided_by, d.text.sha256, d.school_year) for v in answered
                   for d in v.decisions]  # fmt: skip
    assert len(captured.captured_queries) == 0
    assert all(sentences) and authors


def test_the_harness_reports_median_p95_queries_memory_and_ratio():
    calls = []
    bench = Benchmark(
        name="count students",
        setup=lambda board, size: lambda: calls.append(Student.objects.count()),
        sizes=(10, 20),
        repeat=5,
        warmup=1,
        budget_ms=10_000,
    )
    result = measure(bench, board=None)
    assert len(result.times_ms) == 5 and len(calls) == 1 + 5 + 2
    assert result.queries == {10: 1, 20: 1}
    assert set(result.peak_kib) == {10, 20}
    assert result.p95_ms >= result.median_ms > 0
    result.baseline_ms = result.median_ms / 4
    assert result.ratio == pytest.approx(4)
    assert result.verdicts == ["over 3x baseline"]


def test_a_query_count_that_grows_with_the_size_is_a_missed_target():
    result = Result(
        Benchmark(name="n+1", setup=None, sizes=(1, 2)),
        times_ms=[1.0, 2.0],
        queries={1: 3, 2: 4},
        peak_kib={1: 10, 2: 10},
    )
    assert result.verdicts == ["query count grows with size"]


def test_benchmarks_refuse_to_run_on_sqlite(capsys):
    if connection.vendor != "sqlite":
        pytest.skip("the refusal is for SQLite")
    assert main([]) == 2
    assert "PostgreSQL only" in capsys.readouterr().err


def test_benchmarks_without_a_generated_board_say_how_to_make_one():
    from benchmarks.harness import Board

    with pytest.raises(NoBoard, match="generate_board"):
        Board()
