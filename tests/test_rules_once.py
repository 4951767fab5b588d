"""Each rule is written once (issue 19, item 6): age 16 and its leap-day reading live in
`consents.rules.ages` (on `consents.dates.birthday_in`), the school year's first and last day
and the campaign's default period in `consents.dates`, and the words for who decided in
`consents.rules.wording`. This test fails when a hand-written copy appears elsewhere in the
application, the generator or the demo."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = {
    "consents/dates.py",  # the calendar: birthdays, school years, the campaign's period
    "consents/rules/ages.py",  # who decides: age 16
    "consents/rules/wording.py",  # who decided, in words
}
COPIES = {
    "an age worked out by hand (use dates.years_before, rules.sixteenth_birthday)": re.compile(
        r"relativedelta\(\s*years\s*=|\.year\s*-\s*1\d\b|replace\(\s*year\s*="
    ),
    "a school-year or campaign boundary by hand (use dates.school_year_start, "
    "school_year_end, campaign_period)": re.compile(
        r"date\([^()]*,\s*(?:7|8|9|11),\s*(?:1|30|31)\)|month\s*=\s*(?:7|8|9|11)\b"
    ),
    # A name placeholder followed by the capacity: "%(name)s (guardian)", "{{ name }} (voogd)".
    "who decided, worded by hand (use rules.who_decided)": re.compile(
        r"(?:%\(\w+\)s|\}\}) \((?:guardian|themself|voogd|zelf)\)"
    ),
}


def application_files():
    for package in ("consents", "benchmarks", "accounts", "templates"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                yield path


def copies_in(text: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#")[0] if not line.lstrip().startswith(('"', "'")) else line
        found.extend((number, what) for what, pattern in COPIES.items() if pattern.search(code))
    return found


def test_each_rule_is_written_once():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {what}"
        for path in application_files()
        if str(path.relative_to(ROOT)) not in HOME
        for number, what in copies_in(path.read_text())
    ]
    assert not found, "\n".join(found)


def test_the_copy_finder_finds_copies():
    """The check above is only as good as its patterns: each kind of copy is found."""
    sample = "\n".join(
        [
            "born = today - relativedelta(years=16)",
            "cutoff = today.replace(year=today.year - 16)",
            "start = dt.date(on.year, 8, 1)",
            "opens = start.replace(month=9, day=1)",
            'who = _("%(name)s (guardian)") % {"name": name}',
            "harmless = dt.date(2026, 10, 1)  # a date, not a boundary",
        ]
    )
    assert [number for number, _what in copies_in(sample)] == [1, 2, 3, 4, 5]
