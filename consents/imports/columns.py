"""Which column of an export holds which field: the one table of accepted headers.

Headers are compared without case, spaces, dashes or underscores (`normalise`). The accepted
names are documented in docs/import/README.md; the tables here are the source.
"""

import re

from django.utils.translation import gettext as _

from .reading import Table
from .records import Problem, Source

# Canonical field -> accepted column names, compared without case, spaces, dashes or underscores.
STUDENT_COLUMNS = {
    "student_number": ["leerlingnummer", "leerlingnr", "llnr", "studentnummer", "student number"],
    "first_name": ["roepnaam", "voornaam", "first name"],
    "prefix": ["tussenvoegsel", "tussenvoegsels", "voorvoegsel", "prefix"],
    "last_name": ["achternaam", "familienaam", "last name"],
    "date_of_birth": ["geboortedatum", "date of birth", "birth date"],
    "group": ["klas", "stamgroep", "basisgroep", "class"],
    "year_group": ["leerjaar", "year group"],
    "school": ["school", "brin", "vestiging"],
    "email": ["e-mail leerling", "email leerling", "e-mail", "email"],
}
# Guardian columns: "ouder1_roepnaam", "ouder2_e-mail", "verzorger1 achternaam", "guardian2_email".
GUARDIAN_PATTERN = re.compile(r"^(?:ouder|verzorger|guardian)([1-9])(.+)$")
GUARDIAN_COLUMNS = {
    "first_name": ["roepnaam", "voornaam", "first name"],
    "prefix": ["tussenvoegsel", "voorvoegsel", "prefix"],
    "last_name": ["achternaam", "last name"],
    "email": ["e-mail", "email", "emailadres"],
}
STAFF_COLUMNS = {
    "email": ["e-mail", "email", "emailadres", "e-mail werk"],
    "first_name": ["roepnaam", "voornaam", "first name"],
    "prefix": ["tussenvoegsel", "tussenvoegsels", "voorvoegsel", "prefix"],
    "last_name": ["achternaam", "familienaam", "last name"],
    "function": ["functie", "function"],
    "school": ["school", "scholen", "brin", "vestiging"],
}
STUDENT_REQUIRED = ("student_number", "first_name", "last_name", "date_of_birth")
STAFF_REQUIRED = ("email", "last_name")


def normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header or "").strip().lower())


def _aliases(columns: dict[str, list[str]]) -> dict[str, str]:
    return {normalise(alias): name for name, aliases in columns.items() for alias in aliases}


class RowReader:
    """Maps one table's columns to canonical fields and collects problems with their place."""

    def __init__(self, filename: str, table: Table, columns: dict[str, list[str]], parsed):
        self.filename = filename
        self.table = table
        self.parsed = parsed
        aliases = _aliases(columns)
        self.index: dict[str, int] = {}
        self.guardian_index: dict[tuple[int, str], int] = {}
        guardian_aliases = _aliases(GUARDIAN_COLUMNS)
        for position, header in enumerate(table.headers):
            key = normalise(header)
            if not key:
                continue
            guardian = GUARDIAN_PATTERN.match(key)
            if key in aliases and aliases[key] not in self.index:
                self.index[aliases[key]] = position
            elif guardian and guardian.group(2) in guardian_aliases and columns is STUDENT_COLUMNS:
                slot = (int(guardian.group(1)), guardian_aliases[guardian.group(2)])
                self.guardian_index.setdefault(slot, position)
            else:
                parsed.warnings.append(
                    Problem(filename, 1, header, _("Unknown column; it is ignored."))
                )
        for message in table.warnings:
            parsed.warnings.append(Problem(filename, None, "", message))

    def has(self, name: str) -> bool:
        return name in self.index

    def require(self, names) -> bool:
        missing = [name for name in names if name not in self.index]
        for name in missing:
            self.parsed.errors.append(
                Problem(
                    self.filename,
                    1,
                    name,
                    _("The required column “%(name)s” is missing.") % {"name": name},
                )
            )
        return not missing

    def source(self, line: int) -> Source:
        columns = {name: self.table.labels[i] for name, i in self.index.items()}
        for (number, name), i in self.guardian_index.items():
            columns[f"guardian{number}_{name}"] = self.table.labels[i]
        return Source(self.filename, line, columns)

    @staticmethod
    def cell(cells: list, position: int | None):
        if position is None or position >= len(cells):
            return None
        return cells[position]

    def value(self, cells, name):
        return self.cell(cells, self.index.get(name))
