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

import heapq
import itertools
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
    """Decide which cells to hide: `run()` returns {cell: PRIMARY or SECONDARY} for hidden ones.

    The relations restricted to the hidden cells fall apart into independent components
    (cells linked through relations with hidden cells in them). What a reader can work out
    is decided per component, and a component's verdict is kept until a newly hidden cell
    joins it: the row reduction of the whole system is the union of the components' own.
    """

    def __init__(self, values: dict[Hashable, int], relations: Iterable[Relation]):
        self.values = values
        self.relations = [r for r in relations if r.parts]
        self.terms = [tuple(r.terms()) for r in self.relations]
        self.relations_of: dict[Hashable, list[int]] = defaultdict(list)
        for index, terms in enumerate(self.terms):
            for cell, _sign in terms:
                self.relations_of[cell].append(index)
        self.orders: dict[Hashable, tuple] = {}
        self.hidden: dict[Hashable, str] = {}
        self.hidden_terms = [0] * len(self.relations)  # hidden cells per relation
        # Relations with exactly one hidden cell: that cell is simply the difference.
        self.lone: set[int] = set()
        # The components of the hidden cells as a union-find forest. Each root keeps its
        # component's cells, and a heap (by `_order`) of the cells of the component's
        # relations; those hidden since are dropped when they come to the top.
        self.parent: dict[Hashable, Hashable] = {}
        self.members: dict[Hashable, list] = {}
        self.nearby: dict[Hashable, list] = {}
        for cell, value in values.items():
            if is_small(value):
                self.hide(cell, PRIMARY)
        # Exposed cells that no further hiding can protect (not expected to occur; the
        # exhaustive tests would show it); kept so that `run` always ends.
        self.unprotectable: set = set()
        # (root, size) of a component -> its exposed primaries. Components only grow, so a
        # root with the same size still has the same cells.
        self.exposed_in: dict[tuple, list] = {}

    def hide(self, cell, status: str) -> None:
        """Hide a shown cell; keeps the counts per relation and the components up to date."""
        self.hidden[cell] = status
        self.parent[cell] = cell
        self.members[cell] = [cell]
        self.nearby[cell] = nearby = []
        linked = []
        for index in self.relations_of[cell]:
            self.hidden_terms[index] += 1
            if self.hidden_terms[index] == 1:
                self.lone.add(index)
            elif self.hidden_terms[index] == 2:
                self.lone.discard(index)
            for other, _sign in self.terms[index]:
                if other not in self.hidden:
                    nearby.append((self._order(other), other))
                elif other != cell:
                    linked.append(other)
        heapq.heapify(nearby)
        for other in linked:
            self._join(cell, other)

    def _root(self, cell):
        root = cell
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[cell] != root:
            self.parent[cell], cell = root, self.parent[cell]
        return root

    def _join(self, a, b) -> None:
        a, b = self._root(a), self._root(b)
        if a == b:
            return
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a].extend(self.members.pop(b))
        nearby, other = self.nearby[a], self.nearby.pop(b)
        if len(nearby) < len(other):
            self.nearby[a], nearby, other = other, other, nearby
        for item in other:
            heapq.heappush(nearby, item)

    # --- what a reader can work out -------------------------------------------------------

    def components(self) -> dict[Hashable, list]:
        """The hidden cells, split into components (linked through relations with hidden
        cells in them): {a cell of the component: its cells}."""
        return self.members

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
        rows = []
        for index in sorted({i for cell in cells for i in self.relations_of[cell]}):
            row: dict[int, int] = {}
            for cell, sign in self.terms[index]:
                if cell in columns:
                    row[columns[cell]] = (row.get(columns[cell], 0) + sign) % PRIME
            rows.append(row)
        pivots = _row_reduce(rows)
        by_column = {n: cell for cell, n in columns.items()}
        determined = {by_column[c] for c, row in pivots.items() if len(row) == 1}
        basis = {free: {by_column[free]: 1} for free in sorted(by_column.keys() - pivots.keys())}
        for pivot, row in pivots.items():
            for column, value in row.items():
                if column != pivot:
                    basis[column][by_column[pivot]] = _signed(-value % PRIME)
        return determined, list(basis.values())

    def allowed(self, cell, value: int) -> bool:
        """Whether `value` agrees with what the reader sees of `cell`."""
        if self.hidden.get(cell) == PRIMARY:
            return 0 < value < THRESHOLD
        return value == 0 or value >= THRESHOLD

    def alternative(self, vector: dict) -> dict | None:
        """The true counts moved along `vector` by a small step, if every cell stays allowed."""
        values = self.values
        # The "<5" cells bound the step first: 1 <= value + step * k <= 4.
        low, high = min(STEPS), max(STEPS)
        for c, k in vector.items():
            if self.hidden.get(c) == PRIMARY:
                least, most = 1 - values[c], THRESHOLD - 1 - values[c]
                if k < 0:
                    least, most = -most, -least
                    k = -k
                low, high = max(low, -(-least // k)), min(high, most // k)
                if low > high:
                    return None
        for step in STEPS:
            if low <= step <= high and all(
                self.allowed(c, values[c] + step * k) for c, k in vector.items()
            ):
                return {c: values[c] + step * k for c, k in vector.items()}
        return None

    def exposed(self, cells: set) -> list:
        """Primary cells among `cells` (one component of hidden cells) that a reader may pin
        to one value.

        A cell counts as protected only when another solution is found: the true counts
        changed along the null space so that every sum still holds and every hidden cell
        still fits its mark ("<5": 1-4; "×": 0 or at least 5). A cell without such a
        witness counts as exposed, even if a cleverer search might find one: the method
        errs on the side of hiding more. The search stays within the component: a vector
        of another component leaves this one's cells as they were, so adding one to a move
        cannot turn a move that fails into one that works.
        """
        primaries = sorted((c for c in cells if self.hidden.get(c) == PRIMARY), key=repr)
        if not primaries:
            return []
        determined, basis = self.null_space(cells)
        containing = defaultdict(list)  # cell -> the basis vectors that move it, in order
        for vector in basis:
            for cell in vector:
                containing[cell].append(vector)
        protected: set = set()
        exposed = []
        for cell in primaries:
            if cell in determined:
                exposed.append(cell)
                continue
            if cell in protected:
                continue
            candidates = containing[cell]
            partners = [*candidates[: PAIRS * 2], *basis[: PAIRS * 2]]
            moves = itertools.chain(
                candidates,
                (
                    _combine(a, b, sign)
                    for i, a in enumerate(candidates[:PAIRS])
                    for b in partners[i + 1 : PAIRS * 2]
                    for sign in (1, -1)
                ),
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

    def exposed_anywhere(self) -> list:
        """The exposed primary cells of every component; components that have not changed
        since the last call keep their answer."""
        exposed, known = [], {}
        for root, cells in self.components().items():
            key = (root, len(cells))
            found = self.exposed_in.get(key)
            if found is None:
                found = self.exposed(set(cells))
            known[key] = found
            exposed.extend(found)
        self.exposed_in = known
        return exposed

    # --- choosing what else to hide -------------------------------------------------------

    def candidate(self, cell):
        """The shown cell that best protects `cell`, or None: in its own relations first,
        parts before totals, the smallest non-zero count first; else the same order over
        the relations of its whole component."""
        own = [
            other
            for index in self.relations_of[cell]
            for other, _sign in self.terms[index]
            if other not in self.hidden
        ]
        if own:
            return min(own, key=self._order)
        nearby = self.nearby[self._root(cell)]
        while nearby and nearby[0][1] in self.hidden:
            heapq.heappop(nearby)
        return nearby[0][1] if nearby else None

    def _order(self, cell):
        order = self.orders.get(cell)
        if order is None:
            value = self.values[cell]
            relations = self.relations_of[cell]
            is_total = bool(relations) and all(self.relations[i].total == cell for i in relations)
            # Cells shared by many relations (populations) last: hiding one spreads.
            shared = len(relations) > 4
            order = self.orders[cell] = (is_total, shared, value == 0, value, repr(cell))
        return order

    def _relation_order(self, index: int) -> tuple:
        """Where a relation comes among others, from its own cells, not from its place in
        the list given: what is hidden must not depend on the order the cells come in."""
        relation = self.relations[index]
        return repr(relation.total), sorted(map(repr, relation.parts))

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
            self.hide(choice, SECONDARY)
            return
        choice = self.candidate(cell)
        if choice is None:
            self.unprotectable.add(cell)
            return
        self.hide(choice, SECONDARY)

    def run(self) -> dict[Hashable, str]:
        while True:
            while self.lone:
                for index in sorted(self.lone, key=self._relation_order):
                    if self.hidden_terms[index] == 1:  # still alone: earlier picks may change that
                        shown = [c for c, _s in self.terms[index] if c not in self.hidden]
                        self.hide(min(shown, key=self._order), SECONDARY)
            exposed = [c for c in self.exposed_anywhere() if c not in self.unprotectable]
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
                for other, _sign in self.terms[index]:
                    if other not in seen:
                        seen.add(other)
                        stack.append(other)
        return hidden


PRIME = 2**61 - 1
PAIRS = 4  # how many combinations of two null-space vectors to try per cell
STEPS = (1, -1, 2, -2, 3, -3, 4, -4)  # how far along a null-space vector to look, in order


def _signed(value: int) -> int:
    return value - PRIME if value > PRIME // 2 else value


def _combine(a: dict, b: dict, sign: int) -> dict:
    combined = dict(a)
    for cell, k in b.items():
        combined[cell] = combined.get(cell, 0) + sign * k
    return {c: k for c, k in combined.items() if k}


def _row_reduce(rows: Iterable[dict[int, int]]) -> dict[int, dict[int, int]]:
    """The reduced row echelon form of sparse `rows` ({column: value}) modulo PRIME, as
    {pivot column: row}; unique for the row space and the order of the columns."""
    pivots: dict[int, dict[int, int]] = {}
    holding: dict[int, set[int]] = defaultdict(set)  # column -> pivots whose rows have it
    # The result does not depend on the order of the rows; short ones first fill in less.
    for row in sorted(rows, key=len):
        row = {c: v for c, v in row.items() if v}
        for column in [c for c in row if c in pivots]:
            _eliminate(row, pivots[column], column)
        if not row:
            continue
        pivot = min(row)
        inverse = pow(row[pivot], PRIME - 2, PRIME)
        row = {c: v * inverse % PRIME for c, v in row.items()}
        for other in list(holding[pivot]):
            _eliminate(pivots[other], row, pivot, other, holding)
        pivots[pivot] = row
        for column in row:
            holding[column].add(pivot)
    return pivots


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
        value = (row.get(c, 0) - factor * v) % PRIME
        if value:
            if holding is not None and c not in row:
                holding[c].add(key)
            row[c] = value
        elif c in row:
            del row[c]
            if holding is not None:
                holding[c].discard(key)


def suppress(values: dict[Hashable, int], relations: Iterable[Relation]) -> dict[Hashable, str]:
    """The hidden cells of a table: {cell: PRIMARY | SECONDARY | WITHHELD}; others are shown."""
    return Suppressor(values, relations).run()
