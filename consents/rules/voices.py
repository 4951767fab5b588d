"""Who still has to answer (rules 1, 2, 7 and 8): the people a campaign asks."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from consents.dates import school_year_start
from consents.models import (
    ConsentText,
    Guardianship,
)
from consents.rules.ages import Decider
from consents.rules.verdict import State, latest_material_version, verdicts

Voice = int | None  # a guardian's id, or None for the person themself


def voices_to_ask(
    subject_ids: Iterable[int],
    *,
    on: dt.date,
    purposes: Iterable | None = None,
    changed_text_only: bool = False,
) -> dict[int, set[Voice]]:
    """Who still has to answer in the school year of `on`: {subject id: voices to ask}.

    A person needs an answer for a purpose and media type when nobody has answered or the
    answer lapsed, when the answer that counts is from an earlier school year (rule 7), when
    the text changed materially since (rule 8), or when a student of 16 still leans on the
    guardians' answer (rule 2). Then whoever decides (rule 1) and has no answer of their own
    for this school year on the current text is asked: the person themself (staff, students of
    16+), otherwise every registered guardian without such an answer. A person who needs an
    answer but has nobody to ask maps to an empty set.

    With `changed_text_only` only a material text change counts, and only the voices whose
    answer was given on the earlier text are asked (the campaign that follows a change).
    Purposes default to the active purposes of each person's board. Constant query count.
    """
    subject_ids = list(subject_ids)
    if not subject_ids:
        return {}
    found = verdicts(subject_ids, on=on, purposes=purposes, detail=False)
    texts = defaultdict(list)
    for text in ConsentText.objects.filter(
        purpose_id__in={purpose_id for _s, purpose_id, _m in found},
        change=ConsentText.Change.MATERIAL,
    ).only("id", "purpose_id", "version", "change", "created_at"):
        texts[text.purpose_id].append(text)
    guardians = defaultdict(set)
    for student_id, guardian_id in Guardianship.objects.filter(
        student_id__in=subject_ids
    ).values_list("student_id", "guardian_id"):
        guardians[student_id].add(guardian_id)
    this_year = school_year_start(on)

    ask: dict[int, set[Voice]] = {}
    for (subject_id, purpose_id, _media_type_id), found_verdict in found.items():
        if not _needs_answer(found_verdict, changed_text_only=changed_text_only):
            continue
        voices = ask.setdefault(subject_id, set())
        if found_verdict.decider == Decider.SELF:
            voices.add(None)
            continue
        voices.update(
            _guardians_to_ask(
                found_verdict,
                material=latest_material_version(texts[purpose_id], on),
                this_year=this_year,
                registered=guardians[subject_id],
                changed_text_only=changed_text_only,
            )
        )
    return ask


def _needs_answer(found_verdict, *, changed_text_only: bool) -> bool:
    """Whether a verdict asks for an answer this school year (see `voices_to_ask`)."""
    if changed_text_only:
        return found_verdict.asked_again
    return (
        found_verdict.state == State.NO_ANSWER
        or found_verdict.not_renewed
        or found_verdict.asked_again
        or found_verdict.inherited_from_guardians
    )


def _guardians_to_ask(
    found_verdict, *, material: int, this_year: dt.date, registered: set, changed_text_only: bool
) -> set[Voice]:
    """The guardians to ask about a verdict the guardians decide: after a material change,
    those who answered the earlier text; otherwise the registered guardians without an answer
    of their own for this school year on the current text (`material`: its version)."""
    if changed_text_only:  # a guardian who is not registered has no address to ask
        return {
            d.guardian_id
            for d in found_verdict.decisions
            if d.text_version < material and not d.by_unregistered_guardian
        }
    current = {
        d.guardian_id
        for d in found_verdict.decisions
        if d.school_year_start >= this_year and d.text_version >= material
    }
    return registered - current
