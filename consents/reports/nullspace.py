"""The linear algebra behind small-cell suppression: what a reader can compute from sums.

The relations restricted to the hidden cells are row-reduced modulo a large prime; the null
space says how hidden counts can move together without changing any published sum, and
`witness` says whether one such move keeps every hidden cell within what its mark allows.
"""

import itertools
from collections import defaultdict
from collections.abc import Iterable

THRESHOLD = 5
PRIMARY = "primary"
SECONDARY = "secondary"
WITHHELD = "withheld"


class NullSpace:
    """The null space of relations (rows: {column: coefficient}) on `width` hidden cells.

    Row-reduced modulo a large prime. A column whose unit vector lies in the row space is
    *determined*: a reader can compute it. The basis has a vector for each free column f,
    {f: 1, pivot: -entry of the pivot's row at f}: a way to change hidden cells without
    changing any sum the reader sees, in the order of f. Vectors are made only as they are
    asked for. Entries that are not small integers (possible in tables that are not totally
    unimodular) make a vector useless to `witness`, which errs on the side of hiding more.
    """

    def __init__(self, rows: Iterable[dict[int, int]], width: int):
        self.width = width
        self.pivots, self.holding = _row_reduce(rows)
        self.vectors: dict[int, dict[int, int]] = {}

    def determined(self, column: int) -> bool:
        row = self.pivots.get(column)
        return row is not None and len(row) == 1

    def first_free(self, count: int) -> list[int]:
        """The first `count` basis vectors."""
        free = (c for c in range(self.width) if c not in self.pivots)
        return list(itertools.islice(free, count))

    def moving(self, column: int) -> list[int]:
        """The basis vectors that move `column`, in order."""
        row = self.pivots.get(column)
        if row is None:
            return [column]
        return sorted(c for c in row if c != column)

    def moves(self, column: int, first: list[int]):
        """The moves to try for `column`: each basis vector that moves it, then pairs of
        them (a, b, sign) with partners from the same small table first (two vectors that
        both move a "<5" the wrong way can cancel out there), then `first`."""
        candidates = self.moving(column)
        near = self.near(candidates[:PAIRS])
        partners = list(dict.fromkeys([*candidates[: PAIRS * 2], *near, *first]))
        partners = partners[: PAIRS * 2]
        yield from candidates
        for i, a in enumerate(candidates[:PAIRS]):
            for b in partners[i + 1 :]:
                yield a, b, 1
                yield a, b, -1

    def near(self, free: list[int]) -> list[int]:
        """The basis vectors that share a pivot with those of `free`: those of the shortest
        pivot rows first (the same small table), each row's in order."""
        rows = sorted(
            {pivot for column in free for pivot in self.holding[column]},
            key=lambda pivot: (len(self.pivots[pivot]), pivot),
        )
        found = {}
        for pivot in rows:
            for column in sorted(self.pivots[pivot]):
                if column != pivot and column not in free:
                    found[column] = True
        return list(found)

    def vector(self, free: int) -> dict[int, int]:
        vector = self.vectors.get(free)
        if vector is None:
            vector = self.vectors[free] = {free: 1}
            for pivot in self.holding[free]:
                vector[pivot] = -self.pivots[pivot][free]
        return vector


PRIME = 2**61 - 1
HALF = PRIME // 2
PAIRS = 4  # how many combinations of two null-space vectors to try per cell
STEPS = (1, -1, 2, -2, 3, -3, 4, -4)  # how far along a null-space vector to look
ANY_STEP = sum(1 << (4 + s) for s in STEPS)


def combine(a: dict, b: dict, sign: int) -> dict:
    combined = dict(a)
    for cell, k in b.items():
        combined[cell] = combined.get(cell, 0) + sign * k
    return {c: k for c, k in combined.items() if k}


def witness(vector: dict[int, int], cells: list[tuple[int, str]], steps: dict) -> bool:
    """Whether the true counts moved along `vector` ({position: k}) by one of STEPS keep every
    cell allowed: a "<5" cell within 1-4, a "×" cell 0 or at least 5, a withheld one (which
    says nothing) at least 0. `cells` gives each position's (value, status); `steps` holds
    `_steps` as it is worked out."""
    possible = ANY_STEP
    for n, k in vector.items():
        key = (*cells[n], k)
        allowed = steps.get(key)
        if allowed is None:
            allowed = steps[key] = _steps(*key)
        possible &= allowed
        if not possible:
            return False
    return True


def allowed(value: int, status: str) -> bool:
    """Whether a hidden cell may hold `value`, as a reader who knows the method sees its mark."""
    if status == PRIMARY:
        return 0 < value < THRESHOLD
    if status == SECONDARY:
        return value == 0 or value >= THRESHOLD
    return value >= 0


def _steps(value: int, status: str, k: int) -> int:
    """The steps (bit 4 + step for each of STEPS) by which a cell of `value` may move `k` times
    and keep what its mark allows."""
    return sum(1 << (4 + s) for s in STEPS if allowed(value + s * k, status))


def _row_reduce(rows: Iterable[dict[int, int]]) -> tuple[dict, dict]:
    """The reduced row echelon form of sparse `rows` ({column: value}) modulo PRIME, as
    {pivot column: row}, unique for the row space and the order of the columns; and for
    each column, the pivots whose rows have it.

    Values are kept as the residue nearest zero (from -HALF to HALF), so that the usual
    entries, 1 and -1, stay small integers and need no division.
    """
    pivots: dict[int, dict[int, int]] = {}
    holding: dict[int, set[int]] = defaultdict(set)  # column -> pivots whose rows have it
    # The result does not depend on the order of the rows; short ones first fill in less.
    for row in sorted(rows, key=len):
        row = {c: _nearest(v) for c, v in row.items() if v % PRIME}
        for column in [c for c in row if c in pivots]:
            _eliminate(row, pivots[column], column)
        if not row:
            continue
        pivot = min(row)
        lead = row[pivot]
        if lead == -1:
            row = {c: -v for c, v in row.items()}
        elif lead != 1:
            inverse = pow(lead % PRIME, PRIME - 2, PRIME)
            row = {c: _nearest(v * inverse) for c, v in row.items()}
        for other in list(holding[pivot]):
            _eliminate(pivots[other], row, pivot, other, holding)
        pivots[pivot] = row
        for column in row:
            holding[column].add(pivot)
    return pivots, holding


def _nearest(value: int) -> int:
    """`value` modulo PRIME, as the residue from -HALF to HALF."""
    if -HALF <= value <= HALF:
        return value
    value %= PRIME
    return value - PRIME if value > HALF else value


def _eliminate(
    row: dict[int, int],
    pivot_row: dict[int, int],
    column: int,
    key: int | None = None,
    holding: dict[int, set[int]] | None = None,
) -> None:
    """row -= row[column] * pivot_row (mod PRIME), in place; pivot_row[column] is 1.

    When `row` is the pivot row of column `key`, `holding` is kept up to date."""
    factor = row.get(column, 0)
    if not factor:
        return
    for c, v in pivot_row.items():
        value = row.get(c, 0) - factor * v
        if not -HALF <= value <= HALF:
            value = _nearest(value)
        if value:
            if holding is not None and c not in row:
                holding[c].add(key)
            row[c] = value
        elif c in row:
            del row[c]
            if holding is not None:
                holding[c].discard(key)
