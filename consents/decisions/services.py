"""Workflows over several models: recording decisions, publishing texts, rebuilding status."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consents import stored
from consents.campaigns.services import text_change_campaign_create
from consents.communications import publications
from consents.dates import school_date
from consents.decisions.chain import GENESIS_HASH, event_hash
from consents.models import (
    ChainHead,
    ConsentDecision,
    ConsentStatus,
    ConsentText,
    DecisionEvidence,
    Guardian,
    MediaType,
    Purpose,
    SchoolYear,
    Subject,
)
from consents.rules import Capacity, Method, Value, authority_for


class InvalidDecision(ValidationError):
    """The decision itself is malformed (unknown purpose, nothing to withdraw, missing note)."""


def _current_voice_value(subject, purpose, media_type, guardian, unregistered) -> str | None:
    status = (
        ConsentStatus.objects.filter(
            subject=subject,
            purpose=purpose,
            media_type=media_type,
            guardian=guardian,
            unregistered=unregistered,
        )
        .select_related("decision")
        .first()
    )
    return status.decision.value if status else None


def _text_in_force(purpose: Purpose, now) -> ConsentText:
    text = ConsentText.objects.in_force(purpose, at=now)
    if text is None:
        raise InvalidDecision(_("This purpose has no consent text yet."))
    return text


def _decision_check(*, subject, purpose, value, method, note, named_guardian) -> None:
    """Raise InvalidDecision when the decision itself is malformed (before any authority)."""
    if value not in Value.values:
        raise InvalidDecision(_("Unknown decision: %(value)s.") % {"value": value})
    if method not in Method.values:
        raise InvalidDecision(_("Unknown method: %(method)s.") % {"method": method})
    if purpose.board_id != subject.board_id or not purpose.active:
        raise InvalidDecision(_("This purpose does not exist for this person's school board."))
    if method != Method.ONLINE and not note.strip():
        raise InvalidDecision(_("A note is required when an administrator records a decision."))
    if named_guardian:
        raise InvalidDecision(_("Name either a registered guardian or one who is not registered."))


def _decision_chained(
    head: ChainHead,
    backdated: bool,
    *,
    subject,
    purpose,
    media_type,
    value,
    voice,
    actor,
    capacity,
    method,
    text,
    school_year,
    now,
) -> ConsentDecision:
    """Create the decision as the next event of the chain (`head`, locked) and move the head.
    A `backdated` decision (at `now`) must not precede the last event."""
    if (
        backdated
        and head.seq
        and ConsentDecision.objects.filter(seq=head.seq, decided_at__gt=now).exists()
    ):
        raise InvalidDecision(_("A decision cannot be dated before the last recorded one."))
    fields = {
        "seq": head.seq + 1,
        "subject": str(subject.key),
        "purpose": purpose.code,
        "media_type": media_type.code,
        "value": value,
        "voice": str(voice.key) if voice else None,
        "decided_by": str(actor.key),
        "capacity": capacity,
        "method": method,
        "text_sha256": text.sha256,
        "school_year": str(school_year.start_date),
        "decided_at": now,
        "prev_hash": head.hash,
    }
    decision = ConsentDecision.objects.create(
        seq=fields["seq"],
        subject=subject,
        purpose=purpose,
        media_type=media_type,
        value=value,
        guardian=voice,
        decided_by=actor,
        capacity=capacity,
        method=method,
        text=text,
        school_year=school_year,
        decided_at=now,
        prev_hash=head.hash,
        hash=event_hash(fields),
    )
    head.seq, head.hash = decision.seq, decision.hash
    head.save(update_fields=["seq", "hash"])
    return decision


@transaction.atomic
def decision_record(
    *,
    actor,
    subject: Subject,
    purpose: Purpose,
    media_type: MediaType,
    value: str,
    method: str = Method.ONLINE,
    guardian: Guardian | None = None,
    guardian_name: str = "",
    note: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    scan=None,
    at=None,
) -> ConsentDecision:
    """Append one decision to the log and update the current status, or raise and write nothing.

    Raises DecisionNotAllowed when `actor` may not decide for `subject` (rule 1), and
    InvalidDecision when the decision itself is not valid. `at` back-dates a decision taken
    from an earlier record (demo history, imports); it must not precede the last event.
    `guardian_name` names a guardian who is not registered, for a child who has no registered
    guardian (an administrator records it; the name goes in the evidence, outside the chain).
    """
    now = at or timezone.now()
    today = school_date(now)
    guardian_name = guardian_name.strip()
    _decision_check(
        subject=subject,
        purpose=purpose,
        value=value,
        method=method,
        note=note,
        named_guardian=bool(guardian_name) and guardian is not None,
    )
    capacity, voice = authority_for(
        user=actor,
        subject=subject,
        on=today,
        method=method,
        guardian=guardian,
        unregistered=bool(guardian_name),
    )
    unregistered = capacity == Capacity.UNREGISTERED
    if value == Value.WITHDRAWN:
        current = _current_voice_value(subject, purpose, media_type, voice, unregistered)
        if current != Value.GRANTED:
            raise InvalidDecision(_("There is no consent to withdraw."))
    text = _text_in_force(purpose, now)

    # Appending takes the lock on the chain head, so concurrent saves cannot fork the chain.
    head, _created = ChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    # Rule 6: the verdict before, if the person is on a recorded publication (see the end).
    # Read under the chain lock, so that concurrent decisions see each other's effect.
    verdict_before = publications.verdict_if_published(subject, purpose, media_type, on=today)
    decision = _decision_chained(
        head,
        backdated=at is not None,
        subject=subject,
        purpose=purpose,
        media_type=media_type,
        value=value,
        voice=voice,
        actor=actor,
        capacity=capacity,
        method=method,
        text=text,
        school_year=SchoolYear.objects.for_date(subject.board, today),
        now=now,
    )
    DecisionEvidence.objects.create(
        decision=decision,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:500],
        note=note.strip(),
        guardian_name=guardian_name,
        scan=scan or "",
    )
    ConsentStatus.objects.update_or_create(
        subject=subject,
        purpose=purpose,
        media_type=media_type,
        guardian=voice,
        unregistered=unregistered,
        defaults={"decision": decision},
    )
    publications.takedowns_open(decision=decision, before=verdict_before, on=today)
    return decision


@transaction.atomic
def consent_withdraw(
    *, actor, subject: Subject, purposes=None, **evidence
) -> list[ConsentDecision]:
    """Withdraw every consent the actor's voice gave for `subject` (optionally some purposes).

    Withdrawal takes effect at once and is never harder than granting (rule 6).
    """
    statuses = ConsentStatus.objects.filter(
        subject=subject, decision__value=Value.GRANTED
    ).select_related("purpose", "media_type", "guardian")
    if purposes is not None:
        statuses = statuses.filter(purpose__in=purposes)
    capacity, voice = authority_for(
        user=actor,
        subject=subject,
        on=school_date(timezone.now()),
        method=evidence.get("method", Method.ONLINE),
        guardian=evidence.get("guardian"),
        unregistered=bool(evidence.get("guardian_name", "").strip()),
    )
    statuses = statuses.filter(guardian=voice, unregistered=capacity == Capacity.UNREGISTERED)
    return [
        decision_record(
            actor=actor,
            subject=subject,
            purpose=status.purpose,
            media_type=status.media_type,
            value=Value.WITHDRAWN,
            **evidence,
        )
        for status in statuses
    ]


@transaction.atomic
def consent_text_publish(
    *, purpose: Purpose, body_nl: str, body_en: str, change: str, created_by=None
) -> ConsentText:
    """Publish a new version of a purpose's text (rule 8); earlier versions stay as they were.

    A material change opens a campaign that asks everyone affected again.
    """
    if change not in ConsentText.Change.values:
        raise InvalidDecision(_("Unknown kind of change."))
    if not body_nl.strip() or not body_en.strip():
        raise InvalidDecision(_("A consent text needs both a Dutch and an English version."))
    text = ConsentText.objects.create(
        purpose=purpose, body_nl=body_nl, body_en=body_en, change=change, created_by=created_by
    )
    if text.change == ConsentText.Change.MATERIAL:
        text_change_campaign_create(text=text)
    return text


@transaction.atomic
def consent_status_rebuild(chunk_size: int = 10000) -> int:
    """Rebuild the current-status table from the log; returns the number of status rows."""
    latest: dict[tuple, int] = {}
    rows = ConsentDecision.objects.order_by("seq").values_list(
        "id", "subject_id", "purpose_id", "media_type_id", "guardian_id", "capacity"
    )
    for decision_id, *voice_key, capacity in rows.iterator(chunk_size=chunk_size):
        latest[(*voice_key, capacity == Capacity.UNREGISTERED)] = decision_id
    ConsentStatus.objects.all().delete()
    batch = []
    for (
        subject_id,
        purpose_id,
        media_type_id,
        guardian_id,
        unregistered,
    ), decision_id in latest.items():
        batch.append(
            ConsentStatus(
                subject_id=subject_id,
                purpose_id=purpose_id,
                media_type_id=media_type_id,
                guardian_id=guardian_id,
                unregistered=unregistered,
                decision_id=decision_id,
            )
        )
        if len(batch) >= chunk_size:
            ConsentStatus.objects.bulk_create(batch)
            batch = []
    ConsentStatus.objects.bulk_create(batch)
    # Written in bulk, past the models' signals: every stored verdict is worked out again.
    stored.verdicts_mark_stale(everyone=True)
    return len(latest)
