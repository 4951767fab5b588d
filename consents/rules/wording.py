"""Who decided, in words (rule 5): the one wording every page, receipt and export uses."""

from django.utils.translation import gettext as _

from consents.dates import day_label
from consents.models import (
    ConsentDecision,
)

Value = ConsentDecision.Value


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
