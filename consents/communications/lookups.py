"""Lookups of the people search: `__any` for long lists of ids, and names compared without
case or diacritics (`__folded_contains`).

`field__any=ids`: `__in` for the long lists of ids a search finds.

On PostgreSQL the ids travel as one array parameter (`= ANY(%s)`), not one placeholder each,
and Django does not prepare them one by one: for the hundreds of ids a name search can find,
`__in` spends milliseconds per query on that. The planner still looks each id up on the
index. Elsewhere (SQLite) it is `IN (...)`. Pass a set: Django walks lists and tuples in a
filter looking for expressions, one element at a time.
"""

import unicodedata

from django.core.exceptions import EmptyResultSet
from django.db.backends.signals import connection_created
from django.db.models import CharField, Field, ForeignObject, Lookup
from django.dispatch import receiver


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

# What unaccent maps and Unicode decomposition does not split into a letter and a mark.
_LETTERS = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L"})


def fold(text: str) -> str:
    """`text` in lower case without diacritics: "Zoë Çelik" -> "zoe celik". The Python side of
    the database function `portal_fold` (PostgreSQL: `lower(unaccent(text))`, migration 0016)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _fold_or_none(text):
    return None if text is None else fold(str(text))


@receiver(connection_created)
def sqlite_fold_register(sender, connection, **kwargs):
    """SQLite gets `portal_fold` as a Python function on each new connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("portal_fold", 1, _fold_or_none, deterministic=True)


class FoldedContains(Lookup):
    """`name__folded_contains="zoe"`: the folded column contains the folded word. PostgreSQL
    answers it from the trigram indexes on `portal_fold(name)` (migration 0016)."""

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
