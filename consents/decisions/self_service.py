"""The "my consent" page: what a parent, student or staff member sees and changes themself.

Who may decide and what the resulting status is come from consents.rules; decisions are
recorded through services.py. This module only arranges them per person (a card) and turns a
card's answers (read by self_service_forms.py) into the decisions that changed.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consents import rules
from consents.dates import school_date
from consents.decisions.receipts import receipt_issue
from consents.decisions.services import consent_withdraw, decision_record
from consents.models import (
    ConsentDecision,
    ConsentReceipt,
    ConsentStatus,
    ConsentText,
    Guardian,
    Guardianship,
    MediaType,
    Purpose,
    Student,
    Subject,
)

Value = ConsentDecision.Value
YES, NO = "yes", "no"
FIELD_PREFIX = "consent"


def field_name(purpose: Purpose, media_type: MediaType) -> str:
    # Colons cannot occur in a slug, so the name splits back unambiguously.
    return f"{FIELD_PREFIX}:{purpose.code}:{media_type.code}"


def answer_of(decision: ConsentDecision | None) -> str | None:
    """The yes/no a decision shows as: a refusal and a withdrawal are both "no"."""
    if decision is None:
        return None
    return YES if decision.value == Value.GRANTED else NO


# --- Whom a user sees ---------------------------------------------------------------------


def subjects_for(user):
    """Everyone `user` may see on this page: themself, and the students they are guardian of.

    Look people up through this queryset, so that anyone else answers 404.
    """
    # A union of two index lookups: an OR across the joined guardianships would make
    # PostgreSQL join every student to every guardian first (130 ms at board scale).
    themself = Subject.objects.filter(user_id=user.pk).order_by().values("pk")
    children = Guardianship.objects.filter(guardian__user_id=user.pk).order_by()
    return Subject.objects.filter(
        pk__in=themself.union(children.values("student_id")), erased_at__isnull=True
    ).select_related("board", "student")


def subject_for(user, key) -> Subject:
    return get_object_or_404(subjects_for(user), key=key)


def decides_for_anyone(user) -> bool:
    return subjects_for(user).exists()


# --- The cards ----------------------------------------------------------------------------


@dataclass
class Cell:
    purpose: Purpose
    media_type: MediaType
    name: str
    answer: str | None
    own: ConsentDecision | None
    verdict: rules.Verdict
    # Decisions of other voices (the other guardian) that count for the status.
    others: list[ConsentDecision]
    renewal_due: bool

    @property
    def show_status(self) -> bool:
        """Whether the status says more than this user's own answer does."""
        v = self.verdict
        return bool(
            self.others
            or v.disputed
            or v.asked_again
            or v.not_renewed
            or v.inherited_from_guardians
            or (self.own is not None and v.state == rules.State.NO_ANSWER)
        )


@dataclass
class PurposeRow:
    purpose: Purpose
    text: ConsentText | None
    cells: list[Cell]

    @property
    def has_grant(self) -> bool:
        return any(c.own is not None and c.own.value == Value.GRANTED for c in self.cells)


@dataclass
class Card:
    subject: Subject
    editable: bool
    capacity: str = ""
    voice: Guardian | None = None
    # For a read-only card: why this user cannot decide.
    reason: str = ""
    rows: list[PurposeRow] = field(default_factory=list)
    # Read-only statuses are shown to a student under 16, about themself.
    show_statuses: bool = False

    @property
    def has_grant(self) -> bool:
        return any(row.has_grant for row in self.rows)

    @property
    def capacity_label(self) -> str:
        return ConsentDecision.Capacity(self.capacity).label if self.capacity else ""


@dataclass
class CardData:
    """What the cards of several people share, loaded once for all of them: the purposes and
    texts of their boards, the media types, and their verdicts."""

    on: dt.date
    purposes: dict[int, list[Purpose]]  # board id -> active purposes
    media_types: list[MediaType]
    texts: dict[int, list[ConsentText]]  # purpose id -> versions, newest first
    verdicts: dict
    # (subject id, guardian id or None) -> {(purpose id, media type id): latest decision}
    by_voice: dict[tuple[int, int | None], dict[tuple[int, int], ConsentDecision]]

    @classmethod
    def load(cls, subjects: list[Subject], *, on: dt.date) -> "CardData":
        purposes = defaultdict(list)
        for purpose in Purpose.objects.filter(
            board_id__in={s.board_id for s in subjects}, active=True
        ):
            purposes[purpose.board_id].append(purpose)
        all_purposes = [p for board in purposes.values() for p in board]
        media_types = list(MediaType.objects.all())
        texts = _texts_by_purpose(all_purposes)
        ids = [s.pk for s in subjects]
        # The current decisions, loaded once: for the verdicts and for each voice's own answers.
        loaded = list(
            rules.current_decisions(
                ids, all_purposes, media_types, {t.pk: t for v in texts.values() for t in v}
            )
        )
        by_voice = defaultdict(dict)
        for (subject_id, purpose_id, media_type_id), decision in loaded:
            by_voice[(subject_id, decision.guardian_id)][(purpose_id, media_type_id)] = decision
        return cls(
            on=on,
            purposes=purposes,
            media_types=media_types,
            texts=texts,
            verdicts=rules.verdicts(
                ids, on=on, purposes=all_purposes, media_types=media_types, loaded=loaded
            ),
            by_voice=by_voice,
        )


def card_for(user, subject: Subject, *, on: dt.date, data: CardData | None = None) -> Card:
    """The card of one person: editable when `user` may decide for them today (rule 1)."""
    data = data or CardData.load([subject], on=on)
    try:
        capacity, voice = rules.authority_for(
            user=user, subject=subject, on=on, method=rules.Method.ONLINE
        )
    except rules.DecisionNotAllowed as refusal:
        return _read_only_card(user, subject, data=data, refusal=refusal)
    card = Card(subject=subject, editable=True, capacity=capacity, voice=voice)
    card.rows = _rows(subject, voice=voice, data=data)
    return card


def cards_for(user, *, on: dt.date) -> list[Card]:
    subjects = sorted(
        subjects_for(user), key=lambda s: (s.user_id != user.pk, s.first_name, s.last_name)
    )
    data = CardData.load(subjects, on=on)
    return [card_for(user, subject, on=on, data=data) for subject in subjects]


def _read_only_card(user, subject: Subject, *, data: CardData, refusal) -> Card:
    if subject.user_id == user.pk:
        # A student under 16 sees what their guardians decided, but cannot change it.
        card = Card(subject=subject, editable=False, reason=str(refusal.args[0]))
        card.rows = _rows(subject, voice=None, data=data)
        card.show_statuses = True
        return card
    born = Student.objects.values_list("date_of_birth", flat=True).get(pk=subject.pk)
    return Card(
        subject=subject,
        editable=False,
        reason=_("Decided by %(name)s since %(date)s.")
        % {
            "name": subject.name,
            "date": date_format(rules.sixteenth_birthday(born)),
        },
    )


def _rows(subject: Subject, *, voice: Guardian | None, data: CardData) -> list[PurposeRow]:
    own = data.by_voice.get((subject.pk, voice.pk if voice else None), {})
    rows = []
    for purpose in data.purposes[subject.board_id]:
        texts = data.texts[purpose.pk]
        cells = []
        for media_type in data.media_types:
            verdict = data.verdicts[(subject.pk, purpose.pk, media_type.pk)]
            decision = own.get((purpose.pk, media_type.pk))
            cells.append(
                Cell(
                    purpose=purpose,
                    media_type=media_type,
                    name=field_name(purpose, media_type),
                    answer=answer_of(decision),
                    own=decision,
                    verdict=verdict,
                    others=[
                        d for d in verdict.decisions if decision is None or d.pk != decision.pk
                    ],
                    renewal_due=bool(
                        decision and rules.renewal_due(decision, on=data.on, texts=texts)
                    ),
                )
            )
        rows.append(PurposeRow(purpose=purpose, text=_in_force(texts), cells=cells))
    return rows


def _texts_by_purpose(purposes) -> dict[int, list[ConsentText]]:
    texts = defaultdict(list)
    for text in ConsentText.objects.filter(purpose__in=purposes).order_by("-version"):
        texts[text.purpose_id].append(text)
    return texts


def _in_force(texts: list[ConsentText]) -> ConsentText | None:
    """The same answer as ConsentText.objects.in_force, from texts already loaded."""
    now = timezone.now()
    return next((t for t in texts if t.created_at <= now), None)


def _own_decisions(subject: Subject, voice: Guardian | None, texts: dict) -> dict:
    """The latest decision of this voice per purpose and media type, with its text attached
    from the versions already loaded (not joined into every row)."""
    by_id = {text.pk: text for versions in texts.values() for text in versions}
    text_field = ConsentDecision._meta.get_field("text")
    own = {}
    for status in (
        ConsentStatus.objects.of_voice(voice)
        .filter(subject=subject)
        .select_related("decision__school_year")
    ):
        if status.decision.text_id in by_id:  # else a purpose no longer asked about
            text_field.set_cached_value(status.decision, by_id[status.decision.text_id])
        own[(status.purpose_id, status.media_type_id)] = status.decision
    return own


# --- Saving -------------------------------------------------------------------------------


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
    _capacity, voice = rules.authority_for(
        user=actor, subject=subject, on=today, method=rules.Method.ONLINE
    )
    texts = _texts_by_purpose({purpose for purpose, _media in answers})
    own = _own_decisions(subject, voice, texts)
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
    _capacity, voice = rules.authority_for(
        user=actor, subject=subject, on=school_date(timezone.now()), method="online"
    )
    statuses = (
        ConsentStatus.objects.of_voice(voice)
        .filter(subject=subject, decision__value=Value.GRANTED)
        .select_related("purpose", "media_type")
    )
    if purpose is not None:
        statuses = statuses.filter(purpose=purpose)
    return sorted(
        (s.decision for s in statuses.select_related("decision__purpose", "decision__media_type")),
        key=lambda d: (d.purpose.order, d.purpose_id, d.media_type.order),
    )


# --- History ------------------------------------------------------------------------------


def history_for(user, subject: Subject):
    """Every decision about `subject`, newest first.

    A guardian of a student who now decides alone sees only what the guardians decided.
    """
    decisions = ConsentDecision.objects.filter(subject=subject).select_related(
        "subject", "purpose", "media_type", "guardian", "decided_by", "text"
    )
    if subject.user_id != user.pk and subject.kind == Subject.Kind.STUDENT:
        born = Student.objects.values_list("date_of_birth", flat=True).get(pk=subject.pk)
        if rules.decider_on(born, school_date(timezone.now())) == rules.Decider.SELF:
            decisions = decisions.filter(guardian__isnull=False)
    return decisions.order_by("-seq")
