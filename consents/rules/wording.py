"""Who decided, in words (rule 5): the one wording every page, receipt and export uses."""

from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from consents.dates import day_label
from consents.models import (
    ConsentDecision,
)

Value = ConsentDecision.Value
Capacity = ConsentDecision.Capacity
Method = ConsentDecision.Method


VALUE_LABELS = dict(Value.choices)


def who_decided_text(*, guardian: str | None, person: str, registered: bool = True) -> str:
    """Who decided, in the words of every page, receipt and export that says it (rule 5):
    "A. Jansen (guardian)", or "Zoë de Vries (themself)" for a student of 16 or older or a
    staff member, also when an administrator entered their form (the pages that show the
    history add who entered it). `guardian` is the name of the guardian whose voice the
    decision is, None for the person's own; `person` the person's name. A guardian who is not
    registered in the portal (`registered=False`) is named as such."""
    if guardian is not None and not registered:
        return _("%(name)s (guardian, not registered)") % {"name": guardian}
    if guardian is not None:
        return _("%(name)s (guardian)") % {"name": guardian}
    return _("%(name)s (themself)") % {"name": person}


def _guardian_name(decision: ConsentDecision) -> str | None:
    if decision.guardian_id:
        return decision.guardian.name
    if decision.by_unregistered_guardian:  # rare: the name is in the evidence, one query
        return decision.evidence.guardian_name
    return None


def voice_name(decision: ConsentDecision) -> str:
    """Whose decision it is: the guardian whose voice it is, or the person themself. Reads the
    decision's guardian and subject, loaded with it (`verdicts` attaches the subject)."""
    return _guardian_name(decision) or decision.subject.name


def who_decided(decision: ConsentDecision) -> str:
    """`who_decided_text` for a decision, with its guardian and subject loaded."""
    return who_decided_text(
        guardian=_guardian_name(decision),
        person=decision.subject.name,
        registered=not decision.by_unregistered_guardian,
    )


def describe(decision: ConsentDecision) -> str:
    return _("%(value)s by %(who)s on %(date)s (text version %(version)s)") % {
        "value": VALUE_LABELS[decision.value],
        "who": who_decided(decision),
        "date": day_label(decision.decided_on),
        "version": decision.text.version,
    }


def decision_line(decision: ConsentDecision) -> str:
    """One decision of a person's history, in words: "Granted by A. Jansen (guardian),
    10 September 2026 09:12, text version 1, guardian, online (school year 2026-2027)".

    Plain text (the page's template holds the markup). One call instead of a template line
    of three `blocktranslate`s, a date filter and three `get_FOO_display()`s, which rebuild
    the field's choices on every call: the person's page shows about 60 of these lines, and
    as a template line they were most of the 30 ms the page got slower (issue 19)."""
    return ", ".join(
        [
            f"{capfirst(VALUE_LABELS[decision.value])} "
            + _("by %(name)s") % {"name": who_decided(decision)},
            date_format(localtime(decision.decided_at), "j F Y H:i"),
            _("text version %(version)s") % {"version": decision.text.version},
            str(Capacity(decision.capacity).label),
            f"{Method(decision.method).label} ("
            + _("school year %(year)s") % {"year": decision.school_year}
            + ")",
        ]
    )
