"""What a person's card changes: answers, a renewal, "no to everything", a sibling's choices,
a withdrawal. Each goes through `services.decision_record` (which asks `rules.authority_for`
for the person concerned) and ends in one receipt for the decisions it recorded.
"""

from django.db import transaction
from django.utils import timezone

from consents import rules
from consents.dates import school_date
from consents.decisions.receipts import receipt_issue
from consents.decisions.self_service import (
    NO,
    YES,
    Value,
    answer_of,
    own_decisions,
    texts_by_purpose,
)
from consents.decisions.services import consent_withdraw, decision_record
from consents.models import ConsentReceipt, ConsentStatus, MediaType, Purpose, Subject


def _voice(actor, subject: Subject):
    _capacity, voice = rules.authority_for(
        user=actor, subject=subject, on=school_date(timezone.now()), method=rules.Method.ONLINE
    )
    return voice


@transaction.atomic
def answers_save(
    *, actor, subject: Subject, answers: dict, ip_address=None, user_agent=""
) -> ConsentReceipt | None:
    """Record the answers that differ from this user's standing ones; one receipt for all.

    An unchanged answer is recorded again only when it must be renewed (rules 7 and 8).
    Raises DecisionNotAllowed or InvalidDecision and records nothing when any answer fails.
    Returns None when nothing changed.
    """
    today = school_date(timezone.now())
    voice = _voice(actor, subject)
    texts = texts_by_purpose({purpose for purpose, _media in answers})
    own = own_decisions(subject, voice, texts)
    recorded = []
    for (purpose, media_type), answer in sorted(
        answers.items(), key=lambda item: (item[0][0].order, item[0][0].pk, item[0][1].order)
    ):
        current = own.get((purpose.pk, media_type.pk))
        renew = current is not None and rules.renewal_due(
            current, on=today, texts=texts[purpose.pk]
        )
        if answer_of(current) == answer and not renew:
            continue
        if answer == YES:
            value = Value.GRANTED
        elif current is not None and current.value == Value.GRANTED:
            value = Value.WITHDRAWN  # saying no to a standing yes withdraws it (GDPR art. 7(3))
        else:
            value = Value.REFUSED
        recorded.append(
            decision_record(
                actor=actor,
                subject=subject,
                purpose=purpose,
                media_type=media_type,
                value=value,
                ip_address=ip_address,
                user_agent=user_agent,
            )
        )
    if not recorded:
        return None
    return receipt_issue(actor=actor, subject=subject, decisions=recorded)


def standing_answers(actor, subject: Subject) -> dict[tuple[Purpose, MediaType], str]:
    """What this user's own voice answered for `subject`, per active purpose and media type:
    only explicit answers, never the other guardian's. Raises DecisionNotAllowed when the user
    does not decide for `subject` today."""
    voice = _voice(actor, subject)
    statuses = (
        ConsentStatus.objects.of_voice(voice).filter(subject=subject, purpose__active=True)
    ).select_related("purpose", "media_type", "decision")
    return {(s.purpose, s.media_type): answer_of(s.decision) for s in statuses}


@transaction.atomic
def choices_renew(*, actor, subject: Subject, **evidence) -> ConsentReceipt | None:
    """ "My choices stay the same": every standing answer of this user that must be renewed
    (an earlier school year, or a materially changed text) is recorded again, on the text in
    force today. None when nothing was due."""
    return answers_save(
        actor=actor, subject=subject, answers=standing_answers(actor, subject), **evidence
    )


@transaction.atomic
def everything_refuse(*, actor, subject: Subject, **evidence) -> ConsentReceipt | None:
    """ "No to everything": a no for every active purpose and media type; a standing yes is
    withdrawn (rule 6). Also possible when nothing was ever granted."""
    answers = {
        (purpose, media_type): NO
        for purpose in Purpose.objects.filter(board_id=subject.board_id, active=True)
        for media_type in MediaType.objects.all()
    }
    return answers_save(actor=actor, subject=subject, answers=answers, **evidence)


@transaction.atomic
def choices_copy(*, actor, source: Subject, target: Subject, **evidence) -> ConsentReceipt | None:
    """ "The same choices as for <source>": what this user explicitly answered for `source`,
    recorded for `target` (the same purposes by code). Authority is checked for both people:
    the user must decide for `source` and for `target` today (a sibling of 16 or another
    family's child raises DecisionNotAllowed and nothing is recorded)."""
    copied = standing_answers(actor, source)
    purposes = {p.code: p for p in Purpose.objects.filter(board_id=target.board_id, active=True)}
    answers = {
        (purpose, media_type): answer
        for (source_purpose, media_type), answer in copied.items()
        if (purpose := purposes.get(source_purpose.code)) is not None
    }
    return answers_save(actor=actor, subject=target, answers=answers, **evidence)


@transaction.atomic
def withdraw(
    *, actor, subject: Subject, purpose: Purpose | None = None, ip_address=None, user_agent=""
) -> ConsentReceipt | None:
    """Withdraw this user's consent for one purpose, or for everything; None if none stood."""
    decisions = consent_withdraw(
        actor=actor,
        subject=subject,
        purposes=[purpose] if purpose else None,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    if not decisions:
        return None
    return receipt_issue(actor=actor, subject=subject, decisions=decisions)


def grants_to_withdraw(actor, subject: Subject, purpose: Purpose | None = None):
    """The standing grants of this user's voice that a withdrawal would end."""
    statuses = ConsentStatus.objects.of_voice(_voice(actor, subject)).filter(
        subject=subject, decision__value=Value.GRANTED
    )
    if purpose is not None:
        statuses = statuses.filter(purpose=purpose)
    return sorted(
        (s.decision for s in statuses.select_related("decision__purpose", "decision__media_type")),
        key=lambda d: (d.purpose.order, d.purpose_id, d.media_type.order),
    )
