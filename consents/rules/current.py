"""The decisions that count now, read from the status table for `verdicts`: model instances
with what an explanation names, or plain `DecisionFacts` for counts and registers."""

import datetime as dt
from dataclasses import dataclass

from consents.dates import school_date
from consents.models import (
    ConsentDecision,
    ConsentStatus,
    DecisionEvidence,
)
from consents.rules.wording import Value

Capacity = ConsentDecision.Capacity


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    """What the rules read of a decision, without building a model instance: `verdicts` uses
    these for counts and registers of thousands of people (`detail=False`)."""

    id: int
    decided_at: dt.datetime
    decided_on: dt.date
    value: str
    guardian_id: int | None
    decided_by_id: int
    school_year_start: dt.date
    text_version: int
    capacity: str = Capacity.GUARDIAN

    @property
    def is_granted(self) -> bool:
        return self.value == Value.GRANTED

    @property
    def by_unregistered_guardian(self) -> bool:
        return self.capacity == Capacity.UNREGISTERED


def _status_decisions(subject_ids, purposes, media_types):
    """The decisions the status table holds for these people, found through its subject index
    and then by primary key: an index nested loop for up to a few thousand people at a time
    (joining the log to the status table made PostgreSQL hash-join the whole log)."""
    current = ConsentStatus.objects.filter(
        subject_id__in=subject_ids, purpose__in=purposes, media_type__in=media_types
    ).values("decision_id")
    return ConsentDecision.objects.filter(id__in=current).order_by()


def current_decisions(subject_ids, purposes, media_types, texts_by_id):
    """(verdict key, decision) from the status table, with what a verdict and its explanation
    read of each decision (text, school year, guardian, author) attached.

    Texts (loaded already) and authors (a few per person) are shared objects attached
    afterwards rather than joined into every row, which would build a copy of the full
    consent text per decision.
    """
    found = list(
        _status_decisions(subject_ids, purposes, media_types).select_related(
            "school_year", "guardian"
        )
    )
    text_field = ConsentDecision._meta.get_field("text")
    author_field = ConsentDecision._meta.get_field("decided_by")
    authors = author_field.related_model._default_manager.in_bulk(
        {decision.decided_by_id for decision in found}
    )
    # A guardian who is not registered is named in the evidence: one query for them all.
    evidence = DecisionEvidence.objects.in_bulk(
        [decision.id for decision in found if decision.by_unregistered_guardian]
    )
    for decision in found:
        text_field.set_cached_value(decision, texts_by_id[decision.text_id])
        author_field.set_cached_value(decision, authors[decision.decided_by_id])
        if decision.id in evidence:
            ConsentDecision.evidence.related.set_cached_value(decision, evidence[decision.id])
        yield (decision.subject_id, decision.purpose_id, decision.media_type_id), decision


def current_facts(subject_ids, purposes, media_types, texts_by_id):
    """(verdict key, DecisionFacts) from the status table: plain values, no model instances."""
    rows = _status_decisions(subject_ids, purposes, media_types).values_list(
        "id",
        "subject_id",
        "purpose_id",
        "media_type_id",
        "decided_at",
        "value",
        "guardian_id",
        "decided_by_id",
        "school_year__start_date",
        "text_id",
        "capacity",
    )
    for decision_id, subject_id, purpose_id, media_type_id, decided_at, *rest in rows:
        value, guardian_id, decided_by_id, year_start, text_id, capacity = rest
        yield (
            (subject_id, purpose_id, media_type_id),
            DecisionFacts(
                decision_id,
                decided_at,
                school_date(decided_at),
                value,
                guardian_id,
                decided_by_id,
                year_start,
                texts_by_id[text_id].version,
                capacity,
            ),
        )
