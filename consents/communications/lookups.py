"""Lookups of the people search: `__any` for long lists of ids, and names compared without
case or diacritics (`__folded_contains`).

`field__any=ids`: `__in` for the long lists of ids a search finds.

On PostgreSQL the ids travel as one array parameter (`= ANY(%s)`), not one placeholder each,
and Django does not prepare them one by one: for the hundreds of ids a name search can find,
`__in` spends milliseconds per query on that. The planner still looks each id up on the
index. Elsewhere (SQLite) it is `IN (...)`. Pass a set: Django walks lists and tuples in a
filter looking for expressions, one element at a time.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import CharField, Field, ForeignObject, Lookup


class Any(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        placeholders = ", ".join(["%s"] * len(self.rhs))
        return f"{lhs} IN ({placeholders})", (*lhs_params, *self.rhs)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)


# Related fields look their lookups up only from ForeignObject down: register it on both.
Field.register_lookup(Any)
ForeignObject.register_lookup(Any)


# --- Names compared without case or diacritics ---------------------------------------------------


class FoldedContains(Lookup):
    """`name__folded_contains="zoe"`: the folded column contains the folded word. PostgreSQL
    answers it from the trigram indexes on `portal_fold(name)` (migration 0017); the function
    and its Python twin are `consents.names`."""

    lookup_name = "folded_contains"

    def get_db_prep_lookup(self, value, connection):
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "%s", [f"%{escaped}%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # The pattern is folded by the same function, so both sides agree on every letter.
        return (
            f"portal_fold({lhs}) LIKE portal_fold({rhs}) ESCAPE '\\'",
            (*lhs_params, *rhs_params),
        )


CharField.register_lookup(FoldedContains)
