"""The "my consent" page: what a parent, student or staff member sees and changes themself.

Who may decide and what the resulting status is come from consents.rules; decisions are
recorded through services.py. This module only arranges them per person (a card) and turns a
card's answers (read by self_service_forms.py) into the decisions that changed.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consents import rules
from consents.communications.takedowns import publications_by_person
from consents.dates import day_label, school_date, school_year_start
from consents.models import (
    ConsentDecision,
    ConsentStatus,
    ConsentText,
    Guardian,
    MediaType,
    Publication,
    Purpose,
    Student,
    Subject,
)
from consents.people import subjects_for

Value = ConsentDecision.Value
YES, NO = "yes", "no"
# A purpose answered per media type rather than for all of them at once.
EACH = "each"
PARTLY = "partly"
FIELD_PREFIX = "consent"
PURPOSE_PREFIX = "purpose"


def field_name(purpose: Purpose, media_type: MediaType) -> str:
    # Colons cannot occur in a slug, so the name splits back unambiguously.
    return f"{FIELD_PREFIX}:{purpose.code}:{media_type.code}"


def purpose_field(purpose: Purpose) -> str:
    """The name of the one answer for photo, film and sound together."""
    return f"{PURPOSE_PREFIX}:{purpose.code}"


def answer_of(decision: ConsentDecision | None) -> str | None:
    """The yes/no a decision shows as: a refusal and a withdrawal are both "no"."""
    if decision is None:
        return None
    return YES if decision.value == Value.GRANTED else NO


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
    # "<card number>-<purpose id>-<media type id>", the page's ids (see `number_cards`).
    key: str = ""

    @property
    def decided(self) -> list[str]:
        """Who decided what and when, one sentence per voice that counts (plain text, worded
        here once rather than by a translation tag per decision in the card's loop)."""
        return [
            _("%(who)s: %(answer)s on %(date)s.")
            % {
                "who": rules.who_decided(d),
                "answer": rules.VALUE_LABELS[d.value],
                "date": day_label(d.decided_on),
            }
            for d in self.verdict.decisions
        ]


@dataclass
class PurposeRow:
    """One purpose on a card: one answer for photo, film and sound together, or one each."""

    purpose: Purpose
    text: ConsentText | None
    cells: list[Cell]
    # "<card number>-<purpose id>", the page's ids (see `number_cards`).
    key: str = ""

    @property
    def name(self) -> str:
        return purpose_field(self.purpose)

    @cached_property
    def answer(self) -> str | None:
        """This user's answer for the whole purpose: yes or no when every media type has that
        answer, EACH when the answers differ or some are missing, None when none was given."""
        answers = {c.answer for c in self.cells}
        if answers == {None}:
            return None
        return answers.pop() if len(answers) == 1 else EACH

    @cached_property
    def state(self) -> str:
        """The status of the purpose as a whole: one state, or "partly" when they differ."""
        states = {c.verdict.state for c in self.cells}
        return states.pop().value if len(states) == 1 else PARTLY

    @property
    def disputed(self) -> bool:
        return any(c.verdict.disputed for c in self.cells)

    @property
    def asked_again(self) -> bool:
        return any(c.verdict.asked_again for c in self.cells)

    @property
    def renewal_due(self) -> bool:
        return any(c.renewal_due for c in self.cells)

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
    # Brothers and sisters whose choices by this user can be copied to this card.
    copy_from: list[Subject] = field(default_factory=list)
    year_start: dt.date | None = None
    # The card after this one: a save's confirmation offers to move on to it.
    next: "Card | None" = None
    # Where the person was published (`takedowns.publications_by_person`).
    publications: list[Publication] = field(default_factory=list)

    @property
    def has_grant(self) -> bool:
        return any(row.has_grant for row in self.rows)

    @property
    def has_answers(self) -> bool:
        return any(c.own is not None for row in self.rows for c in row.cells)

    @property
    def renewal_due(self) -> bool:
        """Whether any answer of this user must be confirmed again (rules 7 and 8)."""
        return any(row.renewal_due for row in self.rows)

    @property
    def others_not_renewed(self) -> list[str]:
        """The other voices whose answers are from an earlier school year, named once each:
        the one sentence a guardian sees when only the other guardian has not renewed."""
        names = {
            rules.voice_name(d): None
            for row in self.rows
            for c in row.cells
            for d in c.others
            if self.year_start and d.school_year_start < self.year_start
        }
        return list(names)

    @property
    def year_label(self) -> str:
        return f"{self.year_start.year}-{self.year_start.year + 1}" if self.year_start else ""

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
    publications: dict[int, list[Publication]]  # subject id -> where they were published

    @classmethod
    def load(cls, subjects: list[Subject], *, on: dt.date) -> "CardData":
        purposes = defaultdict(list)
        for purpose in Purpose.objects.filter(
            board_id__in={s.board_id for s in subjects}, active=True
        ):
            purposes[purpose.board_id].append(purpose)
        all_purposes = [p for board in purposes.values() for p in board]
        media_types = list(MediaType.objects.all())
        texts = texts_by_purpose(all_purposes)
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
            publications=publications_by_person(subjects),
        )


def card_for(user, subject: Subject, *, on: dt.date, data: CardData | None = None) -> Card:
    """The card of one person: editable when `user` may decide for them today (rule 1)."""
    data = data or CardData.load([subject], on=on)
    card = _card(user, subject, on=on, data=data)
    card.publications = data.publications.get(subject.pk, [])
    return card


def _card(user, subject: Subject, *, on: dt.date, data: CardData) -> Card:
    try:
        capacity, voice = rules.authority_for(
            user=user, subject=subject, on=on, method=rules.Method.ONLINE
        )
    except rules.DecisionNotAllowed as refusal:
        return _read_only_card(user, subject, data=data, refusal=refusal)
    card = Card(
        subject=subject,
        editable=True,
        capacity=capacity,
        voice=voice,
        year_start=school_year_start(on),
    )
    card.rows = _rows(subject, voice=voice, data=data)
    return card


def cards_for(user, *, on: dt.date) -> list[Card]:
    subjects = sorted(
        subjects_for(user), key=lambda s: (s.user_id != user.pk, s.first_name, s.last_name)
    )
    data = CardData.load(subjects, on=on)
    cards = [card_for(user, subject, on=on, data=data) for subject in subjects]
    number_cards(cards)
    # A guardian's choices for one child can be copied to a brother or sister they also
    # decide for; never from or to the user's own card.
    siblings = [c for c in cards if c.editable and c.voice is not None]
    for card in siblings:
        card.copy_from = [
            other.subject for other in siblings if other is not card and other.has_answers
        ]
    return cards


def number_cards(cards: list[Card]) -> None:
    """Give each row and cell the key its ids on the page are made of. Worked out here once:
    built in the template from three variables per id, the ids were a third of the page's
    rendering (2,300 variables for three children)."""
    for number, card in enumerate(cards, start=1):
        for row in card.rows:
            row.key = f"{number}-{row.purpose.pk}"
            for cell in row.cells:
                cell.key = f"{row.key}-{cell.media_type.pk}"


def is_own_student(user, subject: Subject) -> bool:
    """Whether `subject` is `user` themself as a student: the page then says "je", not "u"."""
    return subject.user_id == user.pk and subject.kind == Subject.Kind.STUDENT


def speaks_to_student(user, cards: list[Card]) -> bool:
    """Whether the page addresses a student ("je") rather than a parent or staff member ("u"):
    the user's only card is their own as a student."""
    return bool(cards) and all(is_own_student(user, c.subject) for c in cards)


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


def texts_by_purpose(purposes) -> dict[int, list[ConsentText]]:
    texts = defaultdict(list)
    for text in ConsentText.objects.filter(purpose__in=purposes).order_by("-version"):
        texts[text.purpose_id].append(text)
    return texts


def _in_force(texts: list[ConsentText]) -> ConsentText | None:
    """The same answer as ConsentText.objects.in_force, from texts already loaded."""
    now = timezone.now()
    return next((t for t in texts if t.created_at <= now), None)


def own_decisions(subject: Subject, voice: Guardian | None, texts: dict) -> dict:
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
