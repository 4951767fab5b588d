"""Small-cell suppression for the (G)MR report, including totals (rule 10).

Every count from 1 to 4 is *primary*-suppressed and shown as "<5". That alone is not enough:
a table's totals (a row's population = granted + refused + no answer; a school's count = the
sum of its year groups) would give a hidden count back by subtraction. So further cells are
*secondarily* suppressed until no hidden count can be worked out.

"Worked out" is judged from the reader's side: a reader knows every published number, every
additive relation of the tables, that a "<5" cell is 1 to 4, and (knowing this method) that a
"×" cell is 0 or at least 5. A primary cell counts as protected only when a second solution
is found that agrees with all of that and gives it another value: the true counts moved along
the null space of the relations on the hidden cells. First no relation may have exactly one
hidden cell; then cells without such a witness get more company. Where no amount of hiding
can protect a count (a handful of people in all, so that even the 1-4 bounds pin the counts),
every linked cell is *withheld*: shown without a number or mark. The test suite checks the
result with an independent exhaustive search.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

THRESHOLD = 5
PRIMARY = "primary"
SECONDARY = "secondary"
WITHHELD = "withheld"


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

    def null_space(self, cells: set) -> tuple[set, list[dict]]:
        """What a reader can compute exactly, and how the hidden cells can vary together.

        Row-reduces the relations restricted to the hidden `cells` (modulo a large prime).
        Returns the cells whose unit vector lies in the row space (they are determined),
        and a basis of the null space: each vector is a way to change hidden cells without
        changing any sum the reader sees. Entries that are not small integers (possible in
        tables that are not totally unimodular) make a vector useless below, which errs on
        the side of hiding more.
        """
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
        determined = {by_column[c] for c, row in pivots.items() if len(row) == 1}
        basis = []
        for free in set(columns.values()) - set(pivots):
            vector = {by_column[free]: 1}
            for pivot, row in pivots.items():
                if free in row:
                    vector[by_column[pivot]] = _signed(-row[free] % PRIME)
            basis.append(vector)
        return determined, basis

    def allowed(self, cell, value: int) -> bool:
        """Whether `value` agrees with what the reader sees of `cell`."""
        if self.hidden.get(cell) == PRIMARY:
            return 0 < value < THRESHOLD
        return value == 0 or value >= THRESHOLD

    def alternative(self, vector: dict) -> dict | None:
        """The true counts moved along `vector` by a small step, if every cell stays allowed."""
        for step in (1, -1, 2, -2, 3, -3, 4, -4):
            moved = {c: self.values[c] + step * k for c, k in vector.items()}
            if all(self.allowed(c, v) for c, v in moved.items()):
                return moved
        return None

    def exposed(self, cells: set) -> list:
        """Primary cells among `cells` (all hidden) that a reader may pin to one value.

        A cell counts as protected only when another solution is found: the true counts
        changed along the null space so that every sum still holds and every hidden cell
        still fits its mark ("<5": 1-4; "×": 0 or at least 5). A cell without such a
        witness counts as exposed, even if a cleverer search might find one: the method
        errs on the side of hiding more.
        """
        determined, basis = self.null_space(cells)
        primaries = sorted((c for c in cells if self.hidden.get(c) == PRIMARY), key=repr)
        protected: set = set()
        exposed = []
        for cell in primaries:
            if cell in determined:
                exposed.append(cell)
                continue
            if cell in protected:
                continue
            candidates = [v for v in basis if v.get(cell)]
            moves = iter(
                [*candidates]
                + [
                    _combine(a, b, sign)
                    for i, a in enumerate(candidates[:PAIRS])
                    for b in [*candidates, *basis][i + 1 : PAIRS * 2]
                    for sign in (1, -1)
                ]
            )
            for vector in moves:
                if not vector.get(cell):
                    continue
                moved = self.alternative(vector)
                if moved is not None:
                    protected.update(c for c, v in moved.items() if v != self.values[c])
                    break
            if cell not in protected:
                exposed.append(cell)
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
        # Cells shared by many relations (populations) last: hiding one spreads.
        shared = len(self.relations_of[cell]) > 4
        return (is_total, shared, value == 0, value, repr(cell))

    def protect(self, cell) -> None:
        """Hide one more cell next to an exposed one: a non-zero part of one of its own
        relations, preferring cells in few relations (hiding a population, which every
        purpose's table shares, would spread) and then the largest (the most room to move);
        else the nearest shown cell of its component."""
        own = [
            other
            for index in self.relations_of[cell]
            for other in self.relations[index].parts
            if other not in self.hidden and self.values[other]
        ]
        if own:
            choice = min(own, key=lambda c: (len(self.relations_of[c]), -self.values[c], repr(c)))
            self.hidden[choice] = SECONDARY
            return
        candidates = self.candidates(cell)
        if not candidates:
            self.unprotectable.add(cell)
            return
        self.hidden[candidates[0]] = SECONDARY

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
            for cell in sorted(exposed, key=repr):
                self.protect(cell)

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
PAIRS = 4  # how many combinations of two null-space vectors to try per cell


def _signed(value: int) -> int:
    return value - PRIME if value > PRIME // 2 else value


def _combine(a: dict, b: dict, sign: int) -> dict:
    combined = dict(a)
    for cell, k in b.items():
        combined[cell] = combined.get(cell, 0) + sign * k
    return {c: k for c, k in combined.items() if k}


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
