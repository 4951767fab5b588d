"""Small-cell suppression: no count from 1 to 4 is shown, and none can be worked out from totals.

The check is independent of the suppression code: an exhaustive search over every assignment
of the hidden cells that agrees with what a reader sees (published counts, the tables' sums,
"<5" meaning 1-4, "×" meaning 0 or at least 5) must leave every "<5" cell at least two values.
"""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consents.reports.suppression import (
    PRIMARY,
    SECONDARY,
    WITHHELD,
    Relation,
    suppress,
)
from consents.reports.tables import ALL, POPULATION, board_tables, buckets_merge

# --- An independent reader: exhaustive search -------------------------------------------------


def reader_can_still_think(values, relations, hidden, bound):
    """For each "<5" cell, every value it can have given everything the reader sees.

    A small constraint solver (bounds propagation and search), written apart from the
    suppression code so that it checks it rather than repeats it.
    """
    published = {c: v for c, v in values.items() if c not in hidden}
    marks = {
        PRIMARY: list(range(1, 5)),
        SECONDARY: [0, *range(5, bound + 1)],
        WITHHELD: list(range(0, bound + 1)),  # a withheld cell says nothing
    }
    start = {c: marks[s] for c, s in hidden.items()}
    terms = [
        [(c, coef) for c, coef in [*((p, 1) for p in r.parts), (r.total, -1)]] for r in relations
    ]
    # Move the published cells to a constant on the other side.
    equations = []
    for t in terms:
        constant = -sum(coef * published[c] for c, coef in t if c in published)
        unknown = [(c, coef) for c, coef in t if c not in published]
        if unknown:
            equations.append((unknown, constant))
        else:
            assert constant == 0

    def propagate(domains):
        changed = True
        while changed:
            changed = False
            for unknown, constant in equations:
                for cell, coef in unknown:
                    lo = hi = 0
                    for other, other_coef in unknown:
                        if other != cell:
                            a, b = domains[other][0], domains[other][-1]
                            lo, hi = (lo + a, hi + b) if other_coef > 0 else (lo - b, hi - a)
                    # coef * cell = constant - rest
                    low, high = constant - hi, constant - lo
                    if coef < 0:
                        low, high = -high, -low
                    kept = [v for v in domains[cell] if low <= v <= high]
                    if not kept:
                        return False
                    if len(kept) < len(domains[cell]):
                        domains[cell] = kept
                        changed = True
        return True

    def solvable(domains):
        domains = dict(domains)
        if not propagate(domains):
            return False
        open_cells = [c for c, d in domains.items() if len(d) > 1]
        if not open_cells:
            return True
        cell = min(open_cells, key=lambda c: len(domains[c]))
        return any(solvable({**domains, cell: [v]}) for v in domains[cell])

    possible = {
        cell: {v for v in range(1, 5) if solvable({**start, cell: [v]})}
        for cell, status in hidden.items()
        if status == PRIMARY
    }
    return {**possible, **withheld_could_be(values, hidden, start, solvable)}


def withheld_could_be(values, hidden, start, solvable):
    """A withheld count of 1 to 4 must not be worked out either: besides its true value,
    the first other value it could have (enough to show it is not pinned)."""
    possible = {}
    for cell, status in hidden.items():
        if status == WITHHELD and 0 < values[cell] < 5:
            others = (v for v in start[cell] if v != values[cell])
            other = next((v for v in others if solvable({**start, cell: [v]})), None)
            possible[cell] = {values[cell], other} - {None}
    return possible


def assert_protected(values, relations):
    hidden = suppress(values, relations)
    for cell, value in values.items():
        if 0 < value < 5:
            assert hidden.get(cell) in (PRIMARY, WITHHELD), cell
    bound = max(values.values()) + 5
    possible = reader_can_still_think(values, relations, hidden, bound)
    for cell, options in possible.items():
        assert values[cell] in options
        assert len(options) >= 2, (cell, values[cell], options, hidden)
    return hidden


# --- Single tables ---------------------------------------------------------------------


def row(granted, refused, no_answer):
    values = {"g": granted, "r": refused, "n": no_answer, "p": granted + refused + no_answer}
    return values, [Relation(("g", "r", "n"), "p")]


def test_a_count_of_1_to_4_is_hidden_and_another_cell_of_its_row_with_it():
    values, relations = row(3, 50, 47)
    hidden = assert_protected(values, relations)
    assert hidden["g"] == PRIMARY
    assert len(hidden) >= 2 and "p" not in hidden


def test_zero_is_shown_and_counts_of_5_or_more_are_shown_when_nothing_is_small():
    values, relations = row(0, 5, 95)
    assert suppress(values, relations) == {}


def test_two_small_counts_in_a_row_that_would_pin_each_other_are_protected():
    # 1 + 1 + 98 = 100: two "<5" cells summing to 2 would both be 1.
    values, relations = row(1, 1, 98)
    hidden = assert_protected(values, relations)
    assert hidden["n"] == SECONDARY


def test_a_tiny_total_is_hidden_rather_than_give_the_count_away():
    # 1 + 5 + 0 = 6: whatever else is hidden, a reader could tell the 1 from the total 6.
    values, relations = row(1, 5, 0)
    hidden = assert_protected(values, relations)
    assert "p" in hidden


def test_totals_of_year_groups_do_not_reveal_a_hidden_year_group():
    values, relations = board_tables(
        {
            (POPULATION, 1, "1"): 40,
            (POPULATION, 1, "2"): 38,
            ("granted", 1, "1", "web", "photo"): 37,
            ("refused", 1, "1", "web", "photo"): 3,
            ("granted", 1, "2", "web", "photo"): 30,
            ("refused", 1, "2", "web", "photo"): 8,
            ("withdrawn", 1, "1", "web", "photo"): 2,
        },
        school_ids=[1],
        buckets={1: ["1", "2"]},
        pairs=[("web", "photo")],
        per_purpose=["granted", "refused", "no_answer", "withdrawn"],
        per_person=[],
        partition=["granted", "refused", "no_answer"],
    )
    hidden = assert_protected(values, relations)
    assert hidden[("refused", 1, "1", "web", "photo")] == PRIMARY
    assert hidden[("withdrawn", 1, "1", "web", "photo")] == PRIMARY
    # The school's total of withdrawals is 2: it is hidden too, not shown as a sum.
    assert ("withdrawn", 1, ALL, "web", "photo") in hidden
    assert values[("population", 1, ALL)] == 78 and (POPULATION, 1, ALL) not in hidden


# --- Random boards, checked exhaustively ------------------------------------------------


@st.composite
def boards(draw, most_schools=2, most_buckets=2, most_pairs=2):
    schools = draw(st.integers(1, most_schools))
    buckets = {
        s: [str(b) for b in range(1, draw(st.integers(1, most_buckets)) + 1)]
        for s in range(schools)
    }
    pairs = [("p", "photo"), ("q", "photo"), ("p", "film")][: draw(st.integers(1, most_pairs))]
    seed = draw(st.integers(0, 10**6))
    rnd = random.Random(seed)
    raw = {}
    for school, found in buckets.items():
        for bucket in found:
            people = rnd.choice([0, 1, 2, 3, 5, 6, 7, 9, 12, 20])
            raw[(POPULATION, school, bucket)] = people
            for purpose, media in pairs:
                cuts = sorted(rnd.randint(0, people) for _ in range(2))
                parts = (cuts[0], cuts[1] - cuts[0], people - cuts[1])
                for measure, value in zip(("granted", "refused", "no_answer"), parts, strict=True):
                    raw[(measure, school, bucket, purpose, media)] = value
                raw[("withdrawn", school, bucket, purpose, media)] = rnd.randint(0, min(people, 6))
    return board_tables(
        raw,
        school_ids=list(buckets),
        buckets=buckets,
        pairs=pairs,
        per_purpose=["granted", "refused", "no_answer", "withdrawn"],
        per_person=[],
        partition=["granted", "refused", "no_answer"],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boards())
def test_no_hidden_count_can_be_worked_out_on_random_boards(board):
    values, relations = board
    assert_protected(values, relations)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boards(most_schools=3, most_buckets=4, most_pairs=3), st.randoms(use_true_random=False))
def test_what_is_hidden_depends_on_the_cells_and_not_on_the_order_they_come_in(board, rnd):
    # Two different hidings of the same counts would let a reader combine them. (Not
    # checked exhaustively: these boards are too large for the search above.)
    values, relations = board
    cells = list(values.items())
    rnd.shuffle(cells)
    shuffled = list(relations)
    rnd.shuffle(shuffled)
    assert suppress(dict(cells), shuffled) == suppress(values, relations)


@given(
    st.dictionaries(
        st.sampled_from(["1", "2", "3", "4", "10", "staff", "unknown"]),
        st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 9]),
        min_size=1,
    ),
    st.randoms(use_true_random=False),
)
def test_small_year_groups_merge_the_same_whatever_the_order_of_the_counts(populations, rnd):
    reordered = list(populations.items())
    rnd.shuffle(reordered)
    assert buckets_merge(dict(reordered)) == buckets_merge(populations)


def test_a_small_group_joins_the_first_of_two_equally_small_year_groups():
    for populations in ({"1": 7, "2": 7, "staff": 1}, {"staff": 1, "2": 7, "1": 7}):
        assert buckets_merge(populations) == {"1": "1+staff", "2": "2", "staff": "1+staff"}


def renamed(board, prefix):
    values, relations = board
    return (
        {(prefix, *cell): value for cell, value in values.items()},
        [
            Relation(tuple((prefix, *part) for part in r.parts), (prefix, *r.total))
            for r in relations
        ],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boards(), boards())
def test_tables_without_a_shared_cell_are_suppressed_as_each_would_be_alone(first, second):
    # Suppression works per group of linked hidden cells: one board's hiding must not
    # depend on another's that shares no relation with it.
    first, second = renamed(first, "a"), renamed(second, "b")
    together = suppress({**first[0], **second[0]}, [*first[1], *second[1]])
    assert together == {**suppress(*first), **suppress(*second)}


def test_a_board_of_four_people_shows_no_number_at_all():
    values, relations = board_tables(
        {
            (POPULATION, 1, "1"): 3,
            (POPULATION, 2, "1"): 1,
            ("granted", 1, "1", "p", "photo"): 1,
            ("refused", 1, "1", "p", "photo"): 1,
            ("no_answer", 1, "1", "p", "photo"): 1,
            ("granted", 2, "1", "p", "photo"): 1,
        },
        school_ids=[1, 2],
        buckets={1: ["1"], 2: ["1"]},
        pairs=[("p", "photo")],
        per_purpose=["granted", "refused", "no_answer"],
        per_person=[],
        partition=["granted", "refused", "no_answer"],
    )
    hidden = assert_protected(values, relations)
    # Every cell is hidden (zeros of the school of one included), and the board's row,
    # whose population of 4 the bounds would otherwise pin, is withheld.
    assert len(hidden) == len(values)
    assert hidden[(POPULATION, ALL, ALL)] == WITHHELD


@pytest.mark.parametrize("seed", range(5))
def test_a_larger_board_with_many_small_counts_is_protected(seed):
    rnd = random.Random(seed)
    buckets = {s: ["1", "2", "3", "staff"] for s in range(3)}
    raw = {}
    for school, found in buckets.items():
        for bucket in found:
            people = rnd.randint(15, 60)
            raw[(POPULATION, school, bucket)] = people
            refused = rnd.choice([0, 1, 2, 3, 4, 6, 10])
            no_answer = rnd.choice([0, 1, 2, 3, 8])
            raw[("granted", school, bucket, "p", "photo")] = people - refused - no_answer
            raw[("refused", school, bucket, "p", "photo")] = refused
            raw[("no_answer", school, bucket, "p", "photo")] = no_answer
    values, relations = board_tables(
        raw,
        school_ids=list(buckets),
        buckets=buckets,
        pairs=[("p", "photo")],
        per_purpose=["granted", "refused", "no_answer"],
        per_person=[],
        partition=["granted", "refused", "no_answer"],
    )
    hidden = suppress(values, relations)
    # Every small count is hidden; the exhaustive check runs on the primary cells' rows.
    for cell, value in values.items():
        if 0 < value < 5:
            assert hidden[cell] in (PRIMARY, WITHHELD)
    knowledge = reader_can_still_think(values, relations, hidden, max(values.values()) + 5)
    assert all(len(options) >= 2 for options in knowledge.values())


def test_four_withdrawals_of_one_withhold_only_their_own_table_row():
    # One withdrawal in each of a school's four year groups, school total 4: "<5" is 1-4,
    # so the only reading is 1 + 1 + 1 + 1. Only that relation is withheld; the school's
    # total gets company among the board's totals, and everything else stays visible.
    buckets = {s: ["1", "2", "3", "4"] for s in range(3)}
    raw = {}
    for school, found in buckets.items():
        for bucket in found:
            raw[(POPULATION, school, bucket)] = 41 + school
            raw[("granted", school, bucket, "p", "photo")] = 30
            raw[("refused", school, bucket, "p", "photo")] = 6 + school
            raw[("no_answer", school, bucket, "p", "photo")] = 5
            raw[("withdrawn", school, bucket, "p", "photo")] = 1 if school == 0 else 6
    values, relations = board_tables(
        raw,
        school_ids=list(buckets),
        buckets=buckets,
        pairs=[("p", "photo")],
        per_purpose=["granted", "refused", "no_answer", "withdrawn"],
        per_person=[],
        partition=["granted", "refused", "no_answer"],
    )
    hidden = assert_protected(values, relations)
    pinned = {("withdrawn", 0, b, "p", "photo") for b in [*buckets[0], ALL]}
    assert {c for c, status in hidden.items() if status == WITHHELD} == pinned
    # The withheld school total gets company among the board's totals (another school's
    # total, and so one of that school's year groups); the board's total, every other
    # school's year group and every other measure are shown.
    others = {c: status for c, status in hidden.items() if c not in pinned}
    assert others == {
        ("withdrawn", 1, ALL, "p", "photo"): SECONDARY,
        ("withdrawn", 1, "1", "p", "photo"): SECONDARY,
    }
    assert ("withdrawn", ALL, ALL, "p", "photo") not in hidden
    assert [c for c in hidden if c[0] != "withdrawn"] == []


@st.composite
def sparse_boards(draw):
    """Boards like a real withdrawals column: mostly 0, a few 1s and 2s, so that totals of
    "<5" made of "<5" parts (and now and then the pinned 1 + 1 + 1 + 1 = 4) are common."""
    schools = draw(st.integers(2, 3))
    buckets = {s: ["1", "2", "3", "4"][: draw(st.integers(2, 4))] for s in range(schools)}
    counts = st.sampled_from([0, 0, 1, 1, 2, 6])
    raw = {}
    for school, found in buckets.items():
        pinned = len(found) == 4 and draw(st.booleans())
        for bucket in found:
            raw[(POPULATION, school, bucket)] = 30
            raw[("withdrawn", school, bucket, "p", "photo")] = 1 if pinned else draw(counts)
    return board_tables(
        raw,
        school_ids=list(buckets),
        buckets=buckets,
        pairs=[("p", "photo")],
        per_purpose=["withdrawn"],
        per_person=[],
        partition=[],
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_boards())
def test_no_hidden_count_can_be_worked_out_on_sparse_boards(board):
    # The exhaustive reader: no "<5" cell and no withheld count of 1-4 is left with a
    # single value. Whole relations are withheld, only those counting fewer than 5
    # people, and every pinned 1 + 1 + 1 + 1 = 4 among them.
    values, relations = board
    hidden = assert_protected(values, relations)
    withheld = {c for c, status in hidden.items() if status == WITHHELD}
    covering = [r for r in relations if withheld >= {*r.parts, r.total}]
    assert withheld == {c for r in covering for c in (*r.parts, r.total)}
    assert all(values[r.total] < 5 for r in covering)
    for r in relations:
        if values[r.total] == 4 and sum(0 < values[p] < 5 for p in r.parts) == 4:
            assert r in covering


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_boards(), sparse_boards())
def test_sparse_tables_without_a_shared_cell_are_withheld_as_each_would_be_alone(first, second):
    # Withholding waits for a fresh look at its own component only: another board's
    # changes in the same round must not change what this one withholds.
    first, second = renamed(first, "a"), renamed(second, "b")
    together = suppress({**first[0], **second[0]}, [*first[1], *second[1]])
    assert together == {**suppress(*first), **suppress(*second)}


PROCESS = """
import json, sys
import django
django.setup()
from consents.reports.suppression import Relation, suppress
values, relations = json.load(sys.stdin)
values = {tuple(cell): value for cell, value in values}
relations = [Relation(tuple(map(tuple, parts)), tuple(total)) for parts, total in relations]
print(json.dumps(sorted(map(list, suppress(values, relations).items()), key=json.dumps)))
"""


def test_what_is_hidden_does_not_depend_on_the_process_hash_seed():
    # Sets and dicts of strings iterate in an order that changes with PYTHONHASHSEED; two
    # gunicorn workers must still hide the same cells.
    rnd = random.Random(7)
    buckets = {s: ["1", "2", "3", "4"] for s in range(4)}
    raw = {}
    for school, found in buckets.items():
        for bucket in found:
            raw[(POPULATION, school, bucket)] = 30
            for purpose in ("p", "q"):
                value = 1 if school == 0 else rnd.choice([0, 1, 2, 6])
                raw[("withdrawn", school, bucket, purpose, "photo")] = value
    values, relations = board_tables(
        raw,
        school_ids=list(buckets),
        buckets=buckets,
        pairs=[("p", "photo"), ("q", "photo")],
        per_purpose=["withdrawn"],
        per_person=[],
        partition=[],
    )
    given_in = json.dumps([list(values.items()), [[list(r.parts), r.total] for r in relations]])
    outputs = set()
    for seed in (1, 2, 3):
        done = subprocess.run(
            [sys.executable, "-c", PROCESS],
            input=given_in,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
            env={
                **os.environ,
                "PYTHONHASHSEED": str(seed),
                "DJANGO_SETTINGS_MODULE": "consent_portal.settings",
            },
            check=True,
            timeout=60,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    hidden = {tuple(cell): status for cell, status in json.loads(outputs.pop())}
    assert hidden == suppress(values, relations)
    assert WITHHELD in hidden.values()
