"""The consent rules of PRODUCT.md, in one place.

`verdict_for` answers *may the media of type T of person X be used for purpose P on date D?*;
`verdicts` answers it for many people in a constant number of queries; `authority_for` answers
*who may record a decision for X?*; `sixteenth_birthday` says when a student starts to decide
alone, and `who_decided` words who decided. Every other part of the product asks these
functions.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.dates import birthday_in, day_label, school_date, school_year_start
from consents.models import (
    Board,
    ConsentDecision,
    ConsentStatus,
    ConsentText,
    DecisionEvidence,
    Guardian,
    Guardianship,
    MediaType,
    Purpose,
    Role,
    StaffMember,
    Student,
    Subject,
)
from consents.roles import has_role

Value = ConsentDecision.Value
Capacity = ConsentDecision.Capacity
Method = ConsentDecision.Method
VALUE_LABELS = dict(Value.choices)


class DecisionNotAllowed(PermissionDenied):
    """The user may not record this decision; the message says why."""


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


class Decider(StrEnum):
    GUARDIANS = "guardians"
    SELF = "self"


AGE_OF_CONSENT = 16


def sixteenth_birthday(date_of_birth: dt.date) -> dt.date:
    """The day a student starts to decide alone (rules 1 and 2), on the school's calendar.

    The one place that says when someone is 16; `decider_on`, `sixteen_cutoff` and so
    everything that asks them agree with it. Someone born on 29 February has their birthday
    on 1 March in a year without 29 February, never on 28 February (`dates.birthday_in`, the
    reading `dates.age_on` uses for every age). A 16th birthday falls 16 years after a leap
    year and so on 29 February itself, except across a century that is no leap year (born
    29 February 2084: 16 on 1 March 2100).
    """
    return birthday_in(date_of_birth.year + AGE_OF_CONSENT, date_of_birth)


def decider_on(date_of_birth: dt.date | None, on: dt.date) -> Decider:
    """Rule 1: staff (no date of birth needed) and students of 16+ decide for themselves."""
    if date_of_birth is None or on >= sixteenth_birthday(date_of_birth):
        return Decider.SELF
    return Decider.GUARDIANS


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

    @property
    def allowed(self) -> bool:
        return self.state == State.ALLOWED

    @property
    def explanation(self) -> str:
        """One or two sentences for the person who reads the verdict."""
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
    subjects = list(Subject.objects.filter(id__in=subject_ids).select_related("student", "board"))
    board_ids = {s.board_id for s in subjects}
    purposes = (
        list(purposes)
        if purposes is not None
        else list(Purpose.objects.filter(board_id__in=board_ids, active=True))
    )
    media_types = list(media_types) if media_types is not None else list(MediaType.objects.all())
    texts = defaultdict(list)
    texts_by_id = {}
    for text in ConsentText.objects.filter(purpose__in=purposes):
        texts[text.purpose_id].append(text)
        texts_by_id[text.id] = text
    guardians = defaultdict(set)
    for student_id, guardian_id in Guardianship.objects.filter(
        student_id__in=subject_ids
    ).values_list("student_id", "guardian_id"):
        guardians[student_id].add(guardian_id)
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
        for purpose in purposes:
            if purpose.board_id != subject.board_id:
                continue
            for media_type in media_types:
                key = (subject.id, purpose.id, media_type.id)
                result[key] = _verdict(
                    decider=decider,
                    on=on,
                    this_year=this_year,
                    latest_material=latest_material[purpose.id],
                    decisions=decisions.get(key, ()),
                    guardian_ids=guardians[subject.id],
                    board=subject.board,
                )
    return result


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


def verdict_for(subject: Subject, purpose, media_type, *, on: dt.date) -> Verdict:
    """May the media of `media_type` of `subject` be used for `purpose` on date `on`? The
    entry point for one verdict; `verdicts` answers for many people at once, the same way."""
    return verdicts([subject.pk], on=on, purposes=[purpose], media_types=[media_type])[
        (subject.pk, purpose.pk, media_type.pk)
    ]


# --- Who still has to answer (rules 1, 2, 7 and 8) ---------------------------------------------


def sixteen_cutoff(on: dt.date) -> dt.date:
    """The latest date of birth of someone who is 16 on `on` (rule 1, as a query bound): the
    inverse of `sixteenth_birthday`, so that `date_of_birth <= sixteen_cutoff(on)` exactly
    when `sixteenth_birthday(date_of_birth) <= on`."""
    born = birthday_in(on.year - AGE_OF_CONSENT, on)
    if sixteenth_birthday(born) > on:  # `on` is a 29 February that `born` year lacks
        born -= dt.timedelta(days=1)
    return born


def self_deciding(subjects, on: dt.date):
    """`subjects` (a Subject queryset) narrowed to those who decide alone on `on`: staff, and
    students of 16 or older. The query form of `decider_on`, for planning over many people."""
    return subjects.filter(
        Q(kind=Subject.Kind.STAFF) | Q(student__date_of_birth__lte=sixteen_cutoff(on))
    )


def turning_sixteen(students, on: dt.date, *, since: dt.date | None = None):
    """`students` (a Student queryset) narrowed to those whose 16th birthday is `on` (rule 2),
    or with `since`, any day after `since` up to and including `on`."""
    since = on - dt.timedelta(days=1) if since is None else since
    return students.filter(
        date_of_birth__lte=sixteen_cutoff(on), date_of_birth__gt=sixteen_cutoff(since)
    )


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
        if changed_text_only:
            needed = found_verdict.asked_again
        else:
            needed = (
                found_verdict.state == State.NO_ANSWER
                or found_verdict.not_renewed
                or found_verdict.asked_again
                or found_verdict.inherited_from_guardians
            )
        if not needed:
            continue
        voices = ask.setdefault(subject_id, set())
        if found_verdict.decider == Decider.SELF:
            voices.add(None)
            continue
        material = latest_material_version(texts[purpose_id], on)
        if changed_text_only:  # a guardian who is not registered has no address to ask
            voices.update(
                d.guardian_id
                for d in found_verdict.decisions
                if d.text_version < material and not d.by_unregistered_guardian
            )
        else:
            current = {
                d.guardian_id
                for d in found_verdict.decisions
                if d.school_year_start >= this_year and d.text_version >= material
            }
            voices.update(guardians[subject_id] - current)
    return ask


# --- Who may record a decision (rule 1) ---------------------------------------------------


def subject_school_ids(subject: Subject) -> set[int]:
    if subject.kind == Subject.Kind.STUDENT:
        return {Student.objects.values_list("school_id", flat=True).get(pk=subject.pk)}
    return set(
        StaffMember.schools.through.objects.filter(staffmember_id=subject.pk).values_list(
            "school_id", flat=True
        )
    )


def _date_of_birth(subject: Subject) -> dt.date | None:
    if subject.kind != Subject.Kind.STUDENT:
        return None
    if Subject.student.is_cached(subject):  # loaded with the subject (select_related)
        return subject.student.date_of_birth
    return Student.objects.values_list("date_of_birth", flat=True).get(pk=subject.pk)


def authority_for(
    *,
    user,
    subject: Subject,
    on: dt.date,
    method: str,
    guardian: Guardian | None = None,
    unregistered: bool = False,
) -> tuple[str, Guardian | None]:
    """The capacity in which `user` records a decision for `subject`, and the voice it counts for.

    With `unregistered` an administrator records the decision of a guardian who is not
    registered: only for a child under 16 with no registered guardian at all (capacity
    UNREGISTERED, no guardian as voice). Raises DecisionNotAllowed, with a message for the
    user, when they may not.
    """
    decider = decider_on(_date_of_birth(subject), on)

    if method != Method.ONLINE:
        return _administrator_authority(user, subject, decider, guardian, unregistered)
    if unregistered:
        raise DecisionNotAllowed(
            _("Only an administrator records the decision of a guardian who is not registered.")
        )

    if subject.user_id is not None and subject.user_id == user.pk:
        if subject.kind == Subject.Kind.STAFF:
            return Capacity.STAFF, None
        if decider == Decider.SELF:
            return Capacity.SELF, None
        raise DecisionNotAllowed(_("Until you are 16, your parents or guardians decide."))

    own_guardian = Guardian.objects.filter(
        user_id=user.pk, guardianships__student_id=subject.pk
    ).first()
    if own_guardian is not None:
        if decider == Decider.SELF:
            raise DecisionNotAllowed(
                _("%(name)s is 16 or older and decides alone.") % {"name": subject.name}
            )
        return Capacity.GUARDIAN, own_guardian
    raise DecisionNotAllowed(_("You may not decide for this person."))


def _administrator_authority(user, subject, decider, guardian, unregistered):
    """`authority_for` a paper form or a decision given in person."""
    if not has_role(
        user,
        Role.Kind.ADMINISTRATOR,
        board_id=subject.board_id,
        school_ids=subject_school_ids(subject),
    ):
        raise DecisionNotAllowed(
            _(
                "Only a consent administrator of this school can record a paper form "
                "or a decision given in person."
            )
        )
    if decider == Decider.SELF:
        if guardian is not None or unregistered:
            raise DecisionNotAllowed(
                _("%(name)s decides alone; a guardian's answer no longer counts.")
                % {"name": subject.name}
            )
        return Capacity.ADMINISTRATOR, None
    if unregistered:
        if Guardianship.objects.filter(student_id=subject.pk).exists():
            raise DecisionNotAllowed(
                _(
                    "%(name)s has a registered guardian: record that guardian's decision, "
                    "or register the other guardian first."
                )
                % {"name": subject.name}
            )
        return Capacity.UNREGISTERED, None
    if (
        guardian is None
        or not Guardianship.objects.filter(guardian=guardian, student_id=subject.pk).exists()
    ):
        raise DecisionNotAllowed(
            _("Name the registered guardian of %(name)s whose decision this is.")
            % {"name": subject.name}
        )
    return Capacity.ADMINISTRATOR, guardian
