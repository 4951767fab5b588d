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
hidden cell; then cells without such a witness get more company.

Some counts no hiding can protect: a total "<5" made of four "<5" parts can only be
1 + 1 + 1 + 1 = 4. Only the relation that pins them is *withheld* (shown without a number or
mark, which says nothing, not even that the count is small); its cells stay in their other
relations as hidden counts, protected like any other (a withheld total of a school gets
company among the board's totals), so the rest of the report stays visible. The same is done
for any count that stays exposed once its component has no shown cell left to hide. The test
suite checks the result with an independent exhaustive search.
"""

import heapq
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from itertools import repeat

from .nullspace import (
    PAIRS,
    PRIMARY,
    SECONDARY,
    THRESHOLD,
    WITHHELD,
    NullSpace,
    combine,
    witness,
)

__all__ = ["PRIMARY", "SECONDARY", "THRESHOLD", "WITHHELD", "Relation", "suppress"]


@dataclass(frozen=True)
class Relation:
    """`total` = sum of `parts`: a relation a reader of the report can use."""

    parts: tuple[Hashable, ...]
    total: Hashable


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
        self.terms = [(*zip(r.parts, repeat(1)), (r.total, -1)) for r in self.relations]
        self.relations_of: dict[Hashable, list[int]] = defaultdict(list)
        for index, relation in enumerate(self.relations):
            for cell in relation.parts:
                self.relations_of[cell].append(index)
            self.relations_of[relation.total].append(index)
        self.orders: dict[Hashable, tuple] = {}
        self.keys: dict[Hashable, str] = {}
        self.steps: dict[tuple, int] = {}  # (value, status, k) -> allowed steps
        # Of each hidden cell: (value, status) and its (relation, coefficient) pairs.
        self.kinds: dict[Hashable, tuple[int, str]] = {}
        self.signs: dict[Hashable, list[tuple[int, int]]] = {}
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
        # (root, size) of a component -> its exposed small cells. Components only grow, so a
        # root with the same size still has the same cells, unless one of them was withheld
        # since (`changed`: the roots to look at again).
        self.exposed_in: dict[tuple, list] = {}
        self.changed: set = set()
        # Exposed cells that no further hiding or withholding can protect (not expected to
        # occur; the exhaustive tests would show it); kept so that `run` always ends.
        self.unprotectable: set = set()
        for cell, value in values.items():
            if is_small(value):
                self.hide(cell, PRIMARY)
        for index, relation in enumerate(self.relations):
            if self.pinned(relation):
                self.withhold_relation(index)

    def hide(self, cell, status: str) -> None:
        """Hide a shown cell; keeps the counts per relation and the components up to date."""
        self.hidden[cell] = status
        self.kinds[cell] = (self.values[cell], status)
        self._key(cell)
        # A cell is a part (+1) or the total (-1) of each of its relations, never both.
        self.signs[cell] = [
            (index, -1 if self.relations[index].total == cell else 1)
            for index in self.relations_of[cell]
        ]
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

    def null_space(self, cells: list) -> "NullSpace":
        """What a reader can compute exactly, and how the hidden cells can vary together:
        the null space of the relations restricted to the hidden `cells` (in `_key` order),
        by the positions of the cells in that list."""
        rows: dict[int, dict[int, int]] = defaultdict(dict)
        for column, cell in enumerate(cells):
            for index, sign in self.signs[cell]:
                row = rows[index]
                row[column] = row.get(column, 0) + sign
        return NullSpace(rows.values(), len(cells))

    def exposed(self, cells: Iterable) -> list:
        """Primary cells among `cells` (one component of hidden cells) that a reader may pin
        to one value.

        A cell counts as protected only when another solution is found: the true counts
        changed along the null space so that every sum still holds and every hidden cell
        still fits its mark ("<5": 1-4; "×": 0 or at least 5). A cell without such a
        witness counts as exposed, even if a cleverer search might find one: the method
        errs on the side of hiding more. The search stays within the component: a vector
        of another component leaves this one's cells as they were, so adding one to a move
        cannot turn a move that fails into one that works.

        Whether a move works does not depend on the cell it is tried for, so each move is
        tried once per call (this call's cells only; nothing is kept between calls).
        """
        # A "×" that is 0 can only move to 5 or more: no small move keeps it allowed, so the
        # search holds it at 0 (a smaller system, and moves that can work). Moves found
        # this way are real witnesses; a cell only looks more exposed, never less.
        cells = sorted(
            (c for c in cells if self.kinds[c] != (0, SECONDARY)), key=self.keys.__getitem__
        )
        kinds = list(map(self.kinds.__getitem__, cells))
        small = [is_small(value) for value, _status in kinds]
        if not any(small):
            return []
        space = self.null_space(cells)
        first = space.first_free(PAIRS * 2)  # partners of last resort for every cell
        works: dict = {}  # a move (a basis vector, or two and a sign) -> a witness?
        combined: dict = {}  # two basis vectors and a sign -> their combination
        protected: set[int] = set()
        exposed = []
        for n in [n for n, p in enumerate(small) if p]:
            cell = cells[n]
            if space.determined(n):
                exposed.append(cell)
                continue
            if n in protected:
                continue
            for move in space.moves(n, first):
                if isinstance(move, int):
                    vector = space.vector(move)
                else:
                    vector = combined.get(move)
                    if vector is None:
                        a, b, sign = move
                        vector = combined[move] = combine(space.vector(a), space.vector(b), sign)
                if not vector.get(n):
                    continue
                found = works.get(move)
                if found is None:
                    found = works[move] = witness(vector, kinds, self.steps)
                if found:
                    protected.update(vector)
                    break
            if n not in protected:
                exposed.append(cell)
        return exposed

    def exposed_anywhere(self) -> list:
        """The exposed primary cells of every component; components that have not changed
        since the last call keep their answer."""
        exposed, known = [], {}
        for root, cells in self.components().items():
            key = (root, len(cells))
            found = self.exposed_in.get(key)
            if found is None or root in self.changed:
                found = self.exposed(cells)
            known[key] = found
            exposed.extend(found)
        self.exposed_in = known
        self.changed.clear()
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
            order = self.orders[cell] = (is_total, shared, value == 0, value, self._key(cell))
        return order

    def _key(self, cell) -> str:
        """A cell's place among others that does not depend on the order cells come in."""
        key = self.keys.get(cell)
        if key is None:
            key = self.keys[cell] = repr(cell)
        return key

    def _relation_order(self, index: int) -> tuple:
        """Where a relation comes among others, from its own cells, not from its place in
        the list given: what is hidden must not depend on the order the cells come in."""
        relation = self.relations[index]
        return self._key(relation.total), sorted(map(self._key, relation.parts))

    def protect(self, cell, *, may_withhold: bool) -> bool:
        """Hide one more cell next to an exposed one: a non-zero part of one of its own
        relations, preferring cells in few relations (hiding a population, which every
        purpose's table shares, would spread) and then the largest (the most room to move);
        else the nearest shown cell of its component; else, if `may_withhold` (nothing was
        hidden since `cell` was found exposed), withhold one of its relations. Returns
        whether anything changed."""
        own = [
            other
            for index in self.relations_of[cell]
            for other in self.relations[index].parts
            if other not in self.hidden and self.values[other]
        ]
        if own:
            choice = min(
                own, key=lambda c: (len(self.relations_of[c]), -self.values[c], self._key(c))
            )
            self.hide(choice, SECONDARY)
            return True
        choice = self.candidate(cell)
        if choice is not None:
            self.hide(choice, SECONDARY)
            return True
        if not may_withhold:  # what was hidden meanwhile may be enough: look again first
            return False
        # Nothing shown is left around it: withhold its relation that spreads least.
        open_relations = [
            index
            for index in self.relations_of[cell]
            if any(self.hidden.get(c) != WITHHELD for c, _sign in self.terms[index])
        ]
        if not open_relations:
            self.unprotectable.add(cell)
            return False
        self.withhold_relation(min(open_relations, key=self._spread))
        return True

    def pinned(self, relation: Relation) -> bool:
        """Whether the bounds alone pin a relation's counts, whatever else is hidden: a total
        of 4 ("<5") with four parts of "<5", each of which can then only be 1."""
        most = THRESHOLD - 1
        if self.values[relation.total] != most:
            return False
        return sum(1 for part in relation.parts if is_small(self.values[part])) == most

    def withhold_relation(self, index: int) -> None:
        """Withhold every cell of one relation. Its cells stay hidden counts in their other
        relations: a reader of those must not work them out either."""
        for cell, _sign in self.terms[index]:
            status = self.hidden.get(cell)
            if status is None:
                self.hide(cell, WITHHELD)
            elif status != WITHHELD:
                self.hidden[cell] = WITHHELD
                self.kinds[cell] = (self.values[cell], WITHHELD)
                self.changed.add(self._root(cell))

    def _spread(self, index: int) -> tuple:
        """Which relation to withhold first: one of fewer than 5 people, then the one that
        reaches least far (the other relations of its cells not yet withheld; a population
        is in every purpose's table), then the relation's order."""
        reach = sum(
            len(self.relations_of[cell])
            for cell, _sign in self.terms[index]
            if self.hidden.get(cell) != WITHHELD
        )
        large = self.values[self.relations[index].total] >= THRESHOLD
        return large, reach, self._relation_order(index)

    def run(self) -> dict[Hashable, str]:
        while True:
            while self.lone:
                for index in sorted(self.lone, key=self._relation_order):
                    if self.hidden_terms[index] == 1:  # still alone: earlier picks may change that
                        shown = [c for c, _s in self.terms[index] if c not in self.hidden]
                        self.hide(min(shown, key=self._order), SECONDARY)
            exposed = [c for c in self.exposed_anywhere() if c not in self.unprotectable]
            if not exposed:
                return self.last_resort()
            # Components changed this round (by their roots): they are looked at again
            # before anything of theirs is withheld. Per component, so that unrelated
            # tables never change each other's outcome.
            changed = set()
            for cell in sorted(exposed, key=self._key):
                if self.protect(cell, may_withhold=self._root(cell) not in changed):
                    changed.add(self._root(cell))

    def last_resort(self) -> dict[Hashable, str]:
        """The hidden cells; should a count still be exposed with every relation around it
        withheld (the exhaustive tests have found none), everything linked to it is
        withheld too, zeros and totals included."""
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


def suppress(values: dict[Hashable, int], relations: Iterable[Relation]) -> dict[Hashable, str]:
    """The hidden cells of a table: {cell: PRIMARY | SECONDARY | WITHHELD}; others are shown."""
    return Suppressor(values, relations).run()
