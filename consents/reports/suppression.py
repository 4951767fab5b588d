"""Small-cell suppression for the (G)MR report, including totals (rule 10).

Every count from 1 to 4 is *primary*-suppressed and shown as "<5". That alone is not enough:
a table's totals (a row's population = granted + refused + no answer; a school's count = the
sum of its year groups) would give a hidden count back by subtraction. So further cells are
*secondarily* suppressed until no hidden count can be worked out.

"Worked out" is judged from the reader's side: a reader knows every published number, every
additive relation of the tables, that a "<5" cell is 1 to 4, and (knowing this method) that a
secondarily suppressed cell is 0 or at least 5. From that, each hidden cell gets the set of
values it can still have, narrowed relation by relation until nothing changes (interval
constraint propagation, then a search for other solutions). A primary cell is protected when
at least two values remain. Where no amount of hiding can achieve that (a handful of people
in all, so that even the 1-4 bounds pin the counts), every linked cell is *withheld*: shown
without a number or mark. The test suite checks the result by an exhaustive search.
"""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

THRESHOLD = 5
PRIMARY = "primary"
SECONDARY = "secondary"
WITHHELD = "withheld"
MAX_INTERVALS = 64

INF = math.inf

Interval = tuple[float, float]


class Values:
    """A set of integers as sorted, disjoint, non-adjacent closed intervals (ends may be ±inf)."""

    __slots__ = ("intervals",)

    def __init__(self, intervals: Iterable[Interval]):
        merged: list[list[float]] = []
        for lo, hi in sorted(intervals):
            if lo > hi:
                continue
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        if len(merged) > MAX_INTERVALS:  # keep the arithmetic cheap: widen to the hull
            merged = [[merged[0][0], merged[-1][1]]]
        self.intervals = tuple((lo, hi) for lo, hi in merged)

    @classmethod
    def exactly(cls, value: int) -> "Values":
        return cls([(value, value)])

    def __eq__(self, other):
        return self.intervals == other.intervals

    def __repr__(self):
        return f"Values({list(self.intervals)})"

    def __add__(self, other: "Values") -> "Values":
        return Values((a + c, b + d) for a, b in self.intervals for c, d in other.intervals)

    def __neg__(self) -> "Values":
        return Values((-b, -a) for a, b in self.intervals)

    def __and__(self, other: "Values") -> "Values":
        result = []
        for a, b in self.intervals:
            for c, d in other.intervals:
                lo, hi = max(a, c), min(b, d)
                if lo <= hi:
                    result.append((lo, hi))
        return Values(result)

    def size(self) -> float:
        return sum(hi - lo + 1 for lo, hi in self.intervals)

    def without(self, value: int) -> "Values":
        return self & Values([(-INF, value - 1), (value + 1, INF)])

    def first(self) -> int:
        return int(self.intervals[0][0])

    def halves(self) -> tuple["Values", "Values"]:
        """Split a finite set of more than one value into a lower and an upper part."""
        lo, hi = self.intervals[0][0], self.intervals[-1][1]
        middle = (lo + hi) // 2
        return self & Values([(lo, middle)]), self & Values([(middle + 1, hi)])


PRIMARY_VALUES = Values([(1, THRESHOLD - 1)])
SECONDARY_VALUES = Values([(0, 0), (THRESHOLD, INF)])


@dataclass(frozen=True)
class Relation:
    """`total` = sum of `parts`: a relation a reader of the report can use."""

    parts: tuple[Hashable, ...]
    total: Hashable

    def terms(self):
        yield from ((part, 1) for part in self.parts)
        yield self.total, -1


def is_small(value: int) -> bool:
    return 0 < value < THRESHOLD


class Suppressor:
    """Decide which cells to hide: `run()` returns {cell: PRIMARY or SECONDARY} for hidden ones."""

    def __init__(self, values: dict[Hashable, int], relations: Iterable[Relation]):
        self.values = values
        self.relations = [r for r in relations if r.parts]
        self.relations_of: dict[Hashable, list[int]] = defaultdict(list)
        for index, relation in enumerate(self.relations):
            for cell, _sign in relation.terms():
                self.relations_of[cell].append(index)
        self.hidden: dict[Hashable, str] = {
            cell: PRIMARY for cell, value in values.items() if is_small(value)
        }
        # Exposed cells that no further hiding can protect (not expected to occur; the
        # exhaustive tests would show it); kept so that `run` always ends.
        self.unprotectable: set = set()

    # --- what a reader can work out -------------------------------------------------------

    def start_values(self, cell) -> Values:
        status = self.hidden.get(cell)
        if status == PRIMARY:
            return PRIMARY_VALUES
        if status == SECONDARY:
            return SECONDARY_VALUES
        return Values.exactly(self.values[cell])

    def reader_knowledge(self, cells: set) -> dict[Hashable, Values]:
        """The values a reader can narrow each hidden cell in `cells` down to, relation by
        relation (bounds from the "<5" and "×" marks included)."""
        known = {cell: self.start_values(cell) for cell in cells}
        pending = {index for cell in cells for index in self.relations_of[cell]}
        while pending:
            index = pending.pop()
            terms = list(self.relations[index].terms())
            for cell, _sign in terms:
                if cell not in known:
                    known[cell] = self.start_values(cell)
            for cell, sign in terms:
                if cell not in self.hidden:
                    continue
                rest = Values.exactly(0)
                for other, other_sign in terms:
                    if other != cell:
                        rest = rest + (known[other] if other_sign > 0 else -known[other])
                # sign * cell + rest = 0  =>  cell = -rest / sign
                narrowed = known[cell] & (-rest if sign > 0 else rest)
                if narrowed != known[cell]:
                    known[cell] = narrowed
                    pending.update(i for i in self.relations_of[cell] if i != index)
        return known

    def determined(self, cells: set) -> set:
        """Hidden cells a reader can compute exactly by combining relations (linear algebra:
        the cell's unit vector lies in the row space of the relations on hidden cells)."""
        columns = {cell: n for n, cell in enumerate(sorted(cells, key=repr))}
        pivots: dict[int, dict[int, int]] = {}
        indices = {i for cell in cells for i in self.relations_of[cell]}
        for index in sorted(indices):
            row: dict[int, int] = {}
            for cell, sign in self.relations[index].terms():
                if cell in columns:
                    row[columns[cell]] = (row.get(columns[cell], 0) + sign) % PRIME
            row = {c: v for c, v in row.items() if v}
            for column in [c for c in row if c in pivots]:
                _eliminate(row, pivots[column], column)
            if not row:
                continue
            pivot = min(row)
            inverse = pow(row[pivot], PRIME - 2, PRIME)
            row = {c: v * inverse % PRIME for c, v in row.items()}
            for other in pivots.values():
                if pivot in other:
                    _eliminate(other, row, pivot)
            pivots[pivot] = row
        by_column = {n: cell for cell, n in columns.items()}
        return {by_column[c] for c, row in pivots.items() if len(row) == 1}

    def component(self, cell) -> set:
        """The hidden cells linked to `cell` through relations with hidden cells in them."""
        seen, stack = {cell}, [cell]
        while stack:
            current = stack.pop()
            for index in self.relations_of[current]:
                for other, _sign in self.relations[index].terms():
                    if other in self.hidden and other not in seen:
                        seen.add(other)
                        stack.append(other)
        return seen

    def components(self, cells: set) -> list[set]:
        remaining, found = set(cells), []
        while remaining:
            component = self.component(next(iter(remaining))) & cells
            found.append(component)
            remaining -= component
        return found

    def narrow(self, known: dict, indices: set) -> bool:
        """Narrow `known` (hidden cells' values) relation by relation; False if impossible."""
        pending = set(indices)
        while pending:
            index = pending.pop()
            terms = list(self.relations[index].terms())
            for cell, sign in terms:
                if cell not in known:
                    continue
                rest = Values.exactly(0)
                for other, other_sign in terms:
                    if other != cell:
                        value = known.get(other) or Values.exactly(self.values[other])
                        rest = rest + (value if other_sign > 0 else -value)
                narrowed = known[cell] & (-rest if sign > 0 else rest)
                if not narrowed.intervals:
                    return False
                if narrowed != known[cell]:
                    known[cell] = narrowed
                    pending.update(i for i in self.relations_of[cell] if i != index)
        return True

    def solve(self, known: dict, indices: set, budget: list[int]) -> dict | None:
        """One assignment of the hidden cells that agrees with everything a reader sees."""
        budget[0] -= 1
        if budget[0] < 0:
            return None
        known = dict(known)
        if not self.narrow(known, indices):
            return None
        open_cells = [c for c, v in known.items() if v.size() > 1]
        if not open_cells:
            return {c: v.first() for c, v in known.items()}
        cell = min(open_cells, key=lambda c: (known[c].size(), repr(c)))
        if known[cell].size() <= 8:
            branches = [Values.exactly(v) for v in _members(known[cell])]
        else:
            branches = known[cell].halves()
        for branch in branches:
            found = self.solve({**known, cell: branch}, indices, budget)
            if found is not None:
                return found
        return None

    def exposed(self, cells: set) -> list:
        """Primary cells among `cells` (all hidden) that a reader can pin to one value.

        Exact within a search budget: when the budget runs out a cell counts as exposed,
        so that the method errs on the side of hiding more.
        """
        determined = self.determined(cells)
        exposed = [c for c in determined if self.hidden.get(c) == PRIMARY]
        cap = max(self.values.values(), default=0) + THRESHOLD
        for component in self.components(cells):
            primaries = [c for c in component if self.hidden[c] == PRIMARY]
            primaries = [c for c in primaries if c not in determined]
            if not primaries:
                continue
            indices = {i for c in component for i in self.relations_of[c]}
            known = {c: self.start_values(c) & Values([(0, cap)]) for c in component}
            if not self.narrow(known, indices):  # cannot happen: the true counts fit
                exposed.extend(primaries)
                continue
            # The true counts are one solution; look for one more per primary cell.
            seen = {c: {self.values[c]} for c in component}
            for cell in sorted(primaries, key=repr):
                if len(seen[cell]) >= 2 or known[cell].size() < 2:
                    if known[cell].size() < 2:
                        exposed.append(cell)
                    continue
                other = known[cell]
                for value in seen[cell]:
                    other = other.without(value)
                found = self.solve({**known, cell: other}, indices, [SEARCH_BUDGET])
                if found is None:
                    exposed.append(cell)
                    continue
                for c, value in found.items():
                    seen[c].add(value)
        return exposed

    # --- choosing what else to hide -------------------------------------------------------

    def lone_hidden(self) -> list:
        """Relations with exactly one hidden cell: that cell is simply the difference."""
        lone = []
        for index, relation in enumerate(self.relations):
            hidden = [c for c, _s in relation.terms() if c in self.hidden]
            if len(hidden) == 1:
                lone.append(index)
        return lone

    def candidates(self, cell) -> list:
        """Shown cells that could protect `cell`: in its own relations first, parts before
        totals, the smallest non-zero counts first; then those of its whole component."""
        own, wider = [], []
        for hidden_cell in self.component(cell):
            target = own if hidden_cell == cell else wider
            for index in self.relations_of[hidden_cell]:
                for other, _sign in self.relations[index].terms():
                    if other not in self.hidden:
                        target.append(other)
        return list(dict.fromkeys(sorted(own, key=self._order) + sorted(wider, key=self._order)))

    def _order(self, cell):
        value = self.values[cell]
        is_total = all(self.relations[i].total == cell for i in self.relations_of[cell]) and bool(
            self.relations_of[cell]
        )
        return (is_total, value == 0, value, repr(cell))

    def protect(self, cell, tries: int = 6) -> None:
        candidates = self.candidates(cell)
        if not candidates:
            self.unprotectable.add(cell)
            return
        for candidate in candidates[:tries]:
            self.hidden[candidate] = SECONDARY
            if cell not in self.exposed(self.component(cell)):
                return
            del self.hidden[candidate]
        # No single cell is enough: hide the largest count around it and look again.
        self.hidden[max(candidates[:tries], key=lambda c: self.values[c])] = SECONDARY

    def run(self) -> dict[Hashable, str]:
        while True:
            for index in self.lone_hidden():
                relation = self.relations[index]
                shown = [c for c, _s in relation.terms() if c not in self.hidden]
                hidden = len(relation.parts) + 1 - len(shown)
                if hidden == 1 and shown:  # still alone: earlier picks may have changed that
                    self.hidden[min(shown, key=self._order)] = SECONDARY
            if self.lone_hidden():
                continue
            exposed = [c for c in self.exposed(set(self.hidden)) if c not in self.unprotectable]
            if not exposed:
                return self.withhold()
            self.protect(min(exposed, key=repr))

    def withhold(self) -> dict[Hashable, str]:
        """Where hiding cannot protect a count (a handful of people in all), show nothing at
        all: every cell linked to it by any relation is withheld, zeros and totals included."""
        hidden = dict(self.hidden)
        stack = list(self.unprotectable)
        seen = set(stack)
        while stack:
            cell = stack.pop()
            hidden[cell] = WITHHELD
            for index in self.relations_of[cell]:
                for other, _sign in self.relations[index].terms():
                    if other not in seen:
                        seen.add(other)
                        stack.append(other)
        return hidden


PRIME = 2**61 - 1
SEARCH_BUDGET = 2000


def _members(values: Values):
    for lo, hi in values.intervals:
        yield from range(int(lo), int(hi) + 1)


def _eliminate(row: dict[int, int], pivot_row: dict[int, int], column: int) -> None:
    """row -= row[column] * pivot_row (mod PRIME), in place; pivot_row[column] is 1."""
    factor = row.get(column, 0)
    if not factor:
        return
    for c, v in pivot_row.items():
        value = (row.get(c, 0) - factor * v) % PRIME
        if value:
            row[c] = value
        else:
            row.pop(c, None)


def suppress(values: dict[Hashable, int], relations: Iterable[Relation]) -> dict[Hashable, str]:
    """The hidden cells of a table: {cell: PRIMARY | SECONDARY | WITHHELD}; others are shown."""
    return Suppressor(values, relations).run()
