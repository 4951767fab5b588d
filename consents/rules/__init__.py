"""The consent rules of PRODUCT.md, in one package; every other part of the product asks it.

- `ages`: who decides (rule 1), `sixteenth_birthday` (rule 2, the one leap-day rule) and its
  query forms;
- `verdict`: `verdict_for` answers *may the media of type T of person X be used for purpose P
  on date D?*, `verdicts` the same for many people in a constant number of queries;
- `current`: the decisions that count now, read from the status table for `verdicts`;
- `voices`: who still has to answer (campaigns);
- `authority`: who may record a decision for a person, in which capacity;
- `wording`: who decided, in the words every page, receipt and export uses.

Import from `consents.rules`; the modules are how the package is kept, not its interface.
"""

from consents.rules.ages import (
    AGE_OF_CONSENT,
    Decider,
    decider_on,
    self_deciding,
    sixteen_cutoff,
    sixteenth_birthday,
    turning_sixteen,
)
from consents.rules.authority import (
    Capacity,
    DecisionNotAllowed,
    Method,
    authority_for,
    subject_school_ids,
)
from consents.rules.current import DecisionFacts, current_decisions, current_facts
from consents.rules.verdict import (
    STATE_LABELS,
    UNANSWERED,
    State,
    Verdict,
    VerdictKey,
    answer_lapsed,
    latest_material_version,
    renewal_due,
    verdict_for,
    verdicts,
)
from consents.rules.voices import Voice, voices_to_ask
from consents.rules.wording import (
    VALUE_LABELS,
    Value,
    decision_line,
    describe,
    voice_name,
    who_decided,
    who_decided_text,
)

__all__ = [
    "AGE_OF_CONSENT",
    "STATE_LABELS",
    "UNANSWERED",
    "VALUE_LABELS",
    "Capacity",
    "Decider",
    "DecisionFacts",
    "DecisionNotAllowed",
    "Method",
    "State",
    "Value",
    "Verdict",
    "VerdictKey",
    "Voice",
    "answer_lapsed",
    "authority_for",
    "current_decisions",
    "current_facts",
    "decider_on",
    "decision_line",
    "describe",
    "latest_material_version",
    "renewal_due",
    "self_deciding",
    "sixteen_cutoff",
    "sixteenth_birthday",
    "subject_school_ids",
    "turning_sixteen",
    "verdict_for",
    "verdicts",
    "voice_name",
    "voices_to_ask",
    "who_decided",
    "who_decided_text",
]
