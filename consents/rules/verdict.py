"""Verdicts (rules 1-3, 7 and 8): may the media of type T of person X be used for purpose P on
date D? `verdict_for` answers for one, `verdicts` for many people in a constant number of
queries, the same way."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.dates import school_date, school_year_start
from consents.models import (
    Board,
    ConsentDecision,
    ConsentText,
    Guardianship,
    MediaType,
    Purpose,
    Subject,
)
from consents.rules.ages import Decider, decider_on
from consents.rules.current import current_decisions, current_facts
from consents.rules.wording import describe


class State(StrEnum):
    ALLOWED = "allowed"
    NOT_ALLOWED = "not_allowed"
    NO_ANSWER = "no_answer"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    State.ALLOWED: gettext_lazy("allowed"),
    State.NOT_ALLOWED: gettext_lazy("not allowed"),
    State.NO_ANSWER: gettext_lazy("no answer (treat as not allowed)"),
}
PROTECTED_LABEL = gettext_lazy("not allowed (protected)")


@dataclass(frozen=True)
class Verdict:
    state: State
    decider: Decider
    # The decisions that count, one per voice (a guardian, or the person themself).
    decisions: tuple[ConsentDecision, ...] = ()
    disputed: bool = False
    asked_again: bool = False
    not_renewed: bool = False
    # The guardians' decision still counts after the 16th birthday (board setting "keep").
    inherited_from_guardians: bool = False
    # Why there is no answer although someone did answer once.
    lapsed: str = ""
    # Rule 12: an administrator marked the person "must not appear"; never says why.
    protected: bool = False

    @property
    def allowed(self) -> bool:
        return self.state == State.ALLOWED

    @property
    def withdrawn_at(self) -> dt.datetime | None:
        """The latest withdrawal among the decisions that count (one per voice), or None."""
        return max(
            (d.decided_at for d in self.decisions if d.value == ConsentDecision.Value.WITHDRAWN),
            default=None,
        )

    @property
    def label(self) -> str:
        """The state in words; "not allowed (protected)" for a protected person."""
        if self.protected:
            return str(PROTECTED_LABEL)
        return self.state.label

    @property
    def explanation(self) -> str:
        """One or two sentences for the person who reads the verdict."""
        if self.protected:
            return _(
                "This person is protected and must not appear, whatever any consent says. "
                "The reason is known to the consent administrator."
            )
        parts = []
        if self.state == State.NO_ANSWER:
            if self.lapsed == "sixteen":
                parts.append(
                    _(
                        "The student has turned 16 and has not decided yet; "
                        "the guardians' earlier answer has lapsed."
                    )
                )
            elif self.lapsed == "year":
                parts.append(_("The last answer was for an earlier school year and has lapsed."))
            else:
                parts.append(_("Nobody has answered yet: no answer is not consent."))
        elif self.disputed:
            refusers = ", ".join(describe(d) for d in self.decisions if not d.is_granted)
            parts.append(
                _("The guardians disagree. %(refusers)s, and one refusal wins.")
                % {"refusers": capfirst(refusers)}
            )
        else:
            parts.append(capfirst("; ".join(describe(d) for d in self.decisions)) + ".")
        if self.inherited_from_guardians:
            parts.append(
                _(
                    "The student has turned 16; the guardians' answer stands until "
                    "the student decides."
                )
            )
        if self.not_renewed:
            parts.append(_("Not renewed this school year."))
        if self.asked_again:
            parts.append(
                _(
                    "The text has changed materially; the person is asked again and "
                    "the earlier answer stands until then."
                )
            )
        return " ".join(parts)


def _verdict(*, decider, on, this_year, latest_material, decisions, guardian_ids, board):
    """The verdict for one person, purpose and media type on date `on`. Pure: it reads only its
    arguments. `decisions` are the latest decision of each voice (model instances, or
    `DecisionFacts`), `guardian_ids` the guardians registered now; what depends only on the
    person, the date or the purpose comes worked out, so that `verdicts` does that once per
    person and purpose, not per verdict."""
    known = [d for d in decisions if d.decided_on <= on]
    if not known:
        return UNANSWERED[decider]
    own = [d for d in known if d.guardian_id is None and not d.by_unregistered_guardian]
    # A guardian who is not registered counts until a registered guardian decides.
    by_guardians = [d for d in known if d.guardian_id in guardian_ids] or [
        d for d in known if d.by_unregistered_guardian
    ]

    inherited = False
    lapsed = ""
    if decider == Decider.GUARDIANS:
        counted = by_guardians
    elif own:
        counted = own
    elif by_guardians and board.at_sixteen == Board.AtSixteen.KEEP:  # rule 2
        counted, inherited = by_guardians, True
    else:
        counted, lapsed = [], ("sixteen" if by_guardians else "")

    # Rule 7: an answer belongs to a school year (1 August – 31 July).
    not_renewed = any(d.school_year_start < this_year for d in counted)
    if not_renewed and board.unanswered_year == Board.UnansweredYear.LAPSE:
        counted = [d for d in counted if d.school_year_start >= this_year]
        not_renewed = False
        lapsed = lapsed or ("year" if not counted else "")

    if not counted:
        return Verdict(State.NO_ANSWER, decider, lapsed=lapsed)

    # Rule 3: any refusal or withdrawal wins; a grant while others disagree is "disputed".
    refusals = sum(1 for d in counted if not d.is_granted)
    state = State.NOT_ALLOWED if refusals else State.ALLOWED

    return Verdict(
        state,
        decider,
        decisions=tuple(sorted(counted, key=lambda d: d.decided_at)),
        disputed=0 < refusals < len(counted),
        # Rule 8: a later material change asks again; the old answer stands meanwhile.
        asked_again=any(d.text_version < latest_material for d in counted),
        not_renewed=not_renewed,
        inherited_from_guardians=inherited,
    )


# Verdicts are immutable: the many people nobody has answered for share one per decider.
UNANSWERED = {decider: Verdict(State.NO_ANSWER, decider) for decider in Decider}
PROTECTED = {decider: Verdict(State.NOT_ALLOWED, decider, protected=True) for decider in Decider}


def protected_verdict(subject: Subject, decider: Decider) -> Verdict | None:
    """Rule 12: a person an administrator marked "must not appear" is not allowed for every
    purpose and media type, whatever any consent says; None for everyone else."""
    return PROTECTED[decider] if subject.protected else None


def latest_material_version(texts: Iterable[ConsentText], on: dt.date) -> int:
    """Rule 8: the latest version of a purpose's text published on `on` that asks again."""
    return max(
        (
            t.version
            for t in texts
            if t.change == ConsentText.Change.MATERIAL and school_date(t.created_at) <= on
        ),
        default=0,
    )


def answer_lapsed(decision: ConsentDecision, *, board: Board, on: dt.date) -> bool:
    """Rule 7: an answer given for an earlier school year than `on`'s has lapsed when the board
    lets unanswered years lapse (otherwise it is carried forward, marked "not renewed")."""
    return (
        decision.school_year_start < school_year_start(on)
        and board.unanswered_year == Board.UnansweredYear.LAPSE
    )


def renewal_due(decision: ConsentDecision, *, on: dt.date, texts: Iterable[ConsentText]) -> bool:
    """Whether an answer must be given again to count as current (rules 7 and 8).

    True when it belongs to an earlier school year, or predates a material change of the
    text. Repeating the same answer then is a new decision, not "nothing changed".
    """
    return decision.school_year_start < school_year_start(on) or (
        decision.text_version < latest_material_version(texts, on)
    )


VerdictKey = tuple[int, int, int]  # subject id, purpose id, media type id


def _inputs(subject_ids, purposes, media_types, *, detail):
    """What `verdicts` reads besides the decisions: the people (with date of birth and board
    settings), purposes, media types, texts by purpose and by id, guardians by student.

    Without `detail` only the declared rule inputs (`rules.inputs.RULE_INPUTS`) are loaded, so
    that a rule that starts reading another field shows as a query of its own in
    tests/test_rule_inputs.py; an explanation also needs names and the texts themselves.
    """
    subjects = Subject.objects.filter(id__in=subject_ids).select_related("student", "board")
    texts_query = ConsentText.objects.all()
    if not detail:
        subjects = subjects.only(
            "kind",
            "board",
            "protected",
            "student__date_of_birth",
            "board__at_sixteen",
            "board__unanswered_year",
        )
        texts_query = texts_query.only("purpose", "version", "change", "created_at")
    subjects = list(subjects)
    board_ids = {s.board_id for s in subjects}
    if purposes is None:
        purposes = Purpose.objects.filter(board_id__in=board_ids, active=True).only("board")
    purposes = list(purposes)
    media_types = list(media_types if media_types is not None else MediaType.objects.only("id"))
    texts = defaultdict(list)
    texts_by_id = {}
    for text in texts_query.filter(purpose__in=purposes):
        texts[text.purpose_id].append(text)
        texts_by_id[text.id] = text
    guardians = defaultdict(set)
    for student_id, guardian_id in Guardianship.objects.filter(
        student_id__in=subject_ids
    ).values_list("student_id", "guardian_id"):
        guardians[student_id].add(guardian_id)
    return subjects, purposes, media_types, texts, texts_by_id, guardians


def verdicts(
    subject_ids: Iterable[int],
    *,
    on: dt.date,
    purposes: Iterable | None = None,
    media_types: Iterable | None = None,
    detail: bool = True,
    loaded: Iterable[tuple[VerdictKey, ConsentDecision]] | None = None,
) -> dict[VerdictKey, Verdict]:
    """Verdicts for many people at once, in a constant number of queries.

    Purposes default to the active purposes of each person's board, media types to all.
    With `detail` the verdicts' decisions are model instances with what an explanation names
    (guardian, subject, author, text); without, they are `DecisionFacts`, several times cheaper to
    load: for counts, registers and planning, where no explanation is shown. A caller that
    needs the current decisions itself passes what `current_decisions` gave it as `loaded`.
    """
    subject_ids = list(subject_ids)
    subjects, purposes, media_types, texts, texts_by_id, guardians = _inputs(
        subject_ids, purposes, media_types, detail=detail
    )
    if loaded is None:
        load = current_decisions if detail else current_facts
        loaded = load(subject_ids, purposes, media_types, texts_by_id)
    by_id = {subject.pk: subject for subject in subjects}
    subject_field = ConsentDecision._meta.get_field("subject")
    decisions = defaultdict(list)
    for key, decision in loaded:
        if detail:  # an explanation names the person themself (`who_decided`)
            subject_field.set_cached_value(decision, by_id[key[0]])
        decisions[key].append(decision)

    this_year = school_year_start(on)
    latest_material = {p.id: latest_material_version(texts[p.id], on) for p in purposes}
    result = {}
    for subject in subjects:
        date_of_birth = subject.student.date_of_birth if subject.kind == "student" else None
        decider = decider_on(date_of_birth, on)
        protected = protected_verdict(subject, decider)
        for purpose in purposes:
            if purpose.board_id != subject.board_id:
                continue
            for media_type in media_types:
                key = (subject.id, purpose.id, media_type.id)
                result[key] = protected or _verdict(
                    decider=decider,
                    on=on,
                    this_year=this_year,
                    latest_material=latest_material[purpose.id],
                    decisions=decisions.get(key, ()),
                    guardian_ids=guardians[subject.id],
                    board=subject.board,
                )
    return result


def verdict_for(subject: Subject, purpose, media_type, *, on: dt.date) -> Verdict:
    """May the media of `media_type` of `subject` be used for `purpose` on date `on`? The
    entry point for one verdict; `verdicts` answers for many people at once, the same way."""
    return verdicts([subject.pk], on=on, purposes=[purpose], media_types=[media_type])[
        (subject.pk, purpose.pk, media_type.pk)
    ]
