"""Which column of an export holds which field: the one table of accepted headers.

Headers are compared without case, spaces, dashes or underscores (`normalise`). The accepted
names are documented in docs/import/README.md; the tables here are the source.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .reading import Table
from .records import Problem, Source

# The one table of accepted headers: (field, header as an export writes it, who writes it).
# Headers are compared after `normalise`, so "E-mailadres ouder/verzorger 1" and
# "e-mailadres_ouder_verzorger_1" are the same. docs/import/README.md shows them per system.
STUDENT_HEADERS = [
    ("student_number", "Stamnummer", "Magister"),
    ("student_number", "Stamnr", "Magister"),
    ("student_number", "Leerlingnummer", "Somtoday, ParnasSys, ESIS"),
    ("student_number", "Leerlingnr", ""),
    ("student_number", "llnr", ""),
    ("student_number", "Studentnummer", ""),
    ("student_number", "student number", ""),
    ("first_name", "Roepnaam", "Magister, Somtoday, ParnasSys, ESIS"),
    ("first_name", "Voornaam", ""),
    ("first_name", "first name", ""),
    ("prefix", "Tussenvoegsel", "Magister"),
    ("prefix", "Tussenv", "Magister"),
    ("prefix", "Tussenvoegsels", ""),
    ("prefix", "Voorvoegsel", "Somtoday, ParnasSys, ESIS"),
    ("prefix", "prefix", ""),
    ("last_name", "Achternaam", "Magister, Somtoday, ParnasSys, ESIS"),
    ("last_name", "Familienaam", ""),
    ("last_name", "last name", ""),
    ("date_of_birth", "Geboortedatum", "Magister, Somtoday, ParnasSys, ESIS"),
    ("date_of_birth", "date of birth", ""),
    ("date_of_birth", "birth date", ""),
    ("group", "Klas", "Magister"),
    ("group", "Stamgroep", "Somtoday"),
    ("group", "Groep", "ParnasSys, ESIS"),
    ("group", "Basisgroep", ""),
    ("group", "class", ""),
    ("year_group", "Leerjaar", "Magister, Somtoday"),
    ("year_group", "Jaargroep", "ParnasSys, ESIS"),
    ("year_group", "year group", ""),
    ("school", "BRIN", ""),
    ("school", "Vestiging", "Magister, Somtoday"),
    ("school", "School", ""),
    ("email", "E-mailadres", "Magister, Somtoday"),
    ("email", "E-mail leerling", ""),
    ("email", "E-mailadres leerling", ""),
    ("email", "Email leerling", ""),
    ("email", "E-mail", ""),
    ("email", "email", ""),
]
# A guardian's columns name the guardian and their number, before or after the field:
# "E-mailadres ouder/verzorger 1" (Magister), "ouder1_e-mail", "Verzorger 2 achternaam".
GUARDIAN_WORDS = ("ouderverzorger", "verzorger", "ouder", "guardian", "parent")
GUARDIAN_HEADERS = [
    ("first_name", "Roepnaam", "Magister, Somtoday"),
    ("first_name", "Voornaam", ""),
    ("first_name", "Voorletters", ""),
    ("first_name", "first name", ""),
    ("prefix", "Tussenvoegsel", "Magister"),
    ("prefix", "Voorvoegsel", "Somtoday"),
    ("prefix", "prefix", ""),
    ("last_name", "Achternaam", "Magister, Somtoday"),
    ("last_name", "last name", ""),
    ("email", "E-mailadres", "Magister, Somtoday"),
    ("email", "E-mail", ""),
    ("email", "email", ""),
]
STAFF_HEADERS = [
    ("email", "E-mailadres", "Magister, Somtoday"),
    ("email", "E-mail werk", ""),
    ("email", "E-mail", ""),
    ("email", "email", ""),
    ("first_name", "Roepnaam", "Magister, Somtoday"),
    ("first_name", "Voornaam", ""),
    ("first_name", "first name", ""),
    ("prefix", "Tussenvoegsel", "Magister"),
    ("prefix", "Tussenvoegsels", ""),
    ("prefix", "Voorvoegsel", "Somtoday"),
    ("prefix", "prefix", ""),
    ("last_name", "Achternaam", "Magister, Somtoday"),
    ("last_name", "Familienaam", ""),
    ("last_name", "last name", ""),
    ("function", "Functie", "Magister, Somtoday"),
    ("function", "function", ""),
    ("school", "Vestiging", "Magister, Somtoday"),
    ("school", "Scholen", ""),
    ("school", "School", ""),
    ("school", "BRIN", ""),
]


def _fields(headers) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name, header, _systems in headers:
        fields.setdefault(name, []).append(header)
    return fields


# Canonical field -> accepted column names, as the parsers use them.
STUDENT_COLUMNS = _fields(STUDENT_HEADERS)
GUARDIAN_COLUMNS = _fields(GUARDIAN_HEADERS)
STAFF_COLUMNS = _fields(STAFF_HEADERS)
STUDENT_REQUIRED = ("student_number", "first_name", "last_name", "date_of_birth")
STAFF_REQUIRED = ("email", "last_name")
GUARDIAN_SLOTS = 4  # guardians 1 to 4 can be mapped by hand

FIELD_LABELS = {
    "student_number": gettext_lazy("student number"),
    "first_name": gettext_lazy("first name"),
    "prefix": gettext_lazy("prefix (tussenvoegsel)"),
    "last_name": gettext_lazy("last name"),
    "date_of_birth": gettext_lazy("date of birth"),
    "group": gettext_lazy("class"),
    "year_group": gettext_lazy("year group"),
    "school": gettext_lazy("school (BRIN code or name)"),
    "email": gettext_lazy("email address"),
    "function": gettext_lazy("function"),
}


def field_label(name: str) -> str:
    """ "first name", or "guardian 2: email address" for guardian2_email."""
    guardian = re.fullmatch(r"guardian([1-9])_(\w+)", name)
    if guardian:
        return _("guardian %(number)s: %(field)s") % {
            "number": guardian.group(1),
            "field": FIELD_LABELS[guardian.group(2)],
        }
    return str(FIELD_LABELS[name])


def mappable_fields() -> list[tuple[str, str]]:
    """(field, label) of every field a school may map a column of its own to."""
    names = [*STUDENT_COLUMNS, *(n for n in STAFF_COLUMNS if n not in STUDENT_COLUMNS)]
    guardians = [
        f"guardian{number}_{name}"
        for number in range(1, GUARDIAN_SLOTS + 1)
        for name in GUARDIAN_COLUMNS
    ]
    return [(name, field_label(name)) for name in [*names, *guardians]]


def normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header or "").strip().lower())


def _aliases(columns: dict[str, list[str]]) -> dict[str, str]:
    return {normalise(alias): name for name, aliases in columns.items() for alias in aliases}


_GUARDIAN_ALIASES = _aliases(GUARDIAN_COLUMNS)
_GUARDIAN_WORD = "|".join(GUARDIAN_WORDS)
_GUARDIAN_PATTERN = re.compile(
    rf"^(?P<before>[a-z]*?)(?:{_GUARDIAN_WORD})(?P<number>[1-9])(?P<after>[a-z]*)$"
)


def guardian_field(key: str) -> tuple[int, str] | None:
    """(number, field) of a normalised guardian header, e.g. "emailadresouderverzorger1"."""
    match = _GUARDIAN_PATTERN.match(key)
    if match is None or (match["before"] and match["after"]):
        return None
    name = _GUARDIAN_ALIASES.get(match["before"] or match["after"])
    return (int(match["number"]), name) if name else None


class RowReader:
    """Maps one table's columns to canonical fields and collects problems with their place.

    `mapped` holds the columns a school mapped itself (normalised header -> field); they
    come before the table of known headers.
    """

    def __init__(self, filename: str, table: Table, columns, parsed, mapped=None, guardians=None):
        self.filename = filename
        self.table = table
        self.parsed = parsed
        self.columns = columns
        # Guardian columns are read in a students file (or a guardians file: `guardians`).
        self.guardians = columns is STUDENT_COLUMNS if guardians is None else guardians
        self.index: dict[str, int] = {}
        self.guardian_index: dict[tuple[int, str], int] = {}
        aliases = {**_aliases(columns), **(mapped or {})}
        for position, header in enumerate(table.headers):
            key = normalise(header)
            if key and not self.place(aliases.get(key) or key, position):
                parsed.warnings.append(
                    Problem(
                        filename,
                        1,
                        header,
                        _(
                            "Unknown column; it is ignored. If it holds something the portal "
                            "needs, map it to a field on the import page."
                        ),
                        mappable=True,
                    )
                )
        for message in table.warnings:
            parsed.warnings.append(Problem(filename, None, "", message))

    def place(self, name: str, position: int) -> bool:
        """Note the column at `position` as field `name` (or a guardian's); False if unknown."""
        if name in self.columns:
            self.index.setdefault(name, position)
            return True
        if not self.guardians:
            return False
        mapped_guardian = re.fullmatch(r"guardian([1-9])_(\w+)", name)
        if mapped_guardian:
            slot = (int(mapped_guardian.group(1)), mapped_guardian.group(2))
        else:
            slot = guardian_field(name)
        if slot is None:
            return False
        self.guardian_index.setdefault(slot, position)
        return True

    def has(self, name: str) -> bool:
        return name in self.index

    def require(self, names) -> bool:
        missing = [name for name in names if name not in self.index]
        for name in missing:
            self.parsed.errors.append(
                Problem(
                    self.filename,
                    1,
                    "",
                    _(
                        "No column holds the %(field)s, which is required. Columns the "
                        "portal knows for it: %(headers)s; or map a column of your own to it "
                        "on the import page."
                    )
                    % {
                        "field": field_label(name),
                        "headers": ", ".join(f"“{h}”" for h in self.columns[name]),
                    },
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
