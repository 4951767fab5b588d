"""People's names as the portal compares and sorts them: without case or diacritics.

`fold` is the one rule: "Zoë Çelik" -> "zoe celik". The database has the same function,
`portal_fold` (PostgreSQL: `lower(unaccent(text))`, migrations 0017 and 0025; SQLite: `fold`
itself, registered on each new connection), so that a search and an order agree with Python.

`name_order()` sorts people as a Dutch class list does: by last name without its prefix
("de Vries" under V), then first name, with "Çelik" among the C's and "Özdemir" among the
O's. Sorted by the raw column, SQLite and a PostgreSQL database in the C collation put every
name that starts with a letter outside ASCII after "Z", and lower-case names after upper-case.
"""

import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import CharField, F, Func
from django.dispatch import receiver

# What unaccent maps and Unicode decomposition does not split into a letter and a mark.
_LETTERS = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L", "ı": "i"}
)


def fold(text: str) -> str:
    """`text` in lower case without diacritics: "Zoë Çelik" -> "zoe celik", "Yılmaz" ->
    "yilmaz"."""
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


class Folded(Func):
    """`portal_fold(column)` in a query."""

    function = "portal_fold"
    output_field = CharField()


def name_order(through: str = "") -> list:
    """The order_by() terms that sort people by name; `through` leads to the person from the
    queryset's model ("subject__"). PostgreSQL reads the people list's pages from an index
    on exactly these terms (migration 0031)."""
    return [
        Folded(f"{through}last_name").asc(),
        Folded(f"{through}first_name").asc(),
        F(f"{through}id").asc(),
    ]
