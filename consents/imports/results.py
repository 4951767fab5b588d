"""What an import does, per person and in total: the dry run shows it, the run stores it."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .records import Problem

ACTIONS = {
    "created": gettext_lazy("new"),
    "updated": gettext_lazy("changed"),
    "unchanged": gettext_lazy("unchanged"),
    "left": gettext_lazy("marked as left"),
    "held": gettext_lazy("held for review"),
}


def fields_apply(instance, fields: dict, *, describe: bool) -> list[str]:
    """Set `fields` on `instance`; with `describe`, say what changed ("name: old → new")."""
    changes = []
    for name, value in fields.items():
        if getattr(instance, name) != value:
            if describe:
                changes.append(
                    _("%(field)s: %(old)s → %(new)s")
                    % {
                        "field": type(instance)._meta.get_field(name).verbose_name,
                        "old": getattr(instance, name) or "–",
                        "new": value or "–",
                    }
                )
            setattr(instance, name, value)
    return changes


@dataclass
class Outcome:
    """What the import does with one person (a row of the file, or a leaver)."""

    kind: str  # "student" or "staff"
    label: str
    action: str  # a key of ACTIONS
    changes: list[str] = field(default_factory=list)
    file: str = ""
    line: int | None = None

    @property
    def action_label(self) -> str:
        return str(ACTIONS[self.action])


@dataclass
class MassLeave:
    """A school of which a full import would mark too many people as left."""

    school: str
    leaving: int
    people: int  # the school's people before the import

    @property
    def matched_nobody(self) -> bool:
        return self.leaving == self.people


@dataclass
class ImportResult:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    guardians_created: int = 0
    applied: bool = False
    # Schools where a full import marks more than MASS_LEAVE_SHARE as left; then the import
    # is applied only when the administrator confirmed exactly `leaving` people, the number
    # of people (students and staff) leaving a school in this import.
    mass_leave: list[MassLeave] = field(default_factory=list)
    leaving: int = 0
    confirmation_missing: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def leavers(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == "left")

    @property
    def held(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.action == "held"]

    @property
    def counts(self) -> dict[str, Counter]:
        counts = defaultdict(Counter)
        for outcome in self.outcomes:
            counts[outcome.kind][outcome.action] += 1
        return dict(counts)

    def summary(self) -> dict:
        return {
            "counts": {kind: dict(counter) for kind, counter in self.counts.items()},
            "guardians_created": self.guardians_created,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "leaving": self.leaving,
            "mass_leave": bool(self.mass_leave),
            "held": len(self.held),
        }
