"""Where a library item may go: the verdict of everyone on it, per channel (purpose), asked of
`consents.rules` (or, for the list, read from the stored verdicts the rules wrote) and never
stored per item, and what about it needs attention.

`item_statuses` answers for a list of items in a constant number of queries (the people of
all the items, the publications they are on, and one `rules.verdicts` for everyone, or one
read of the stored verdicts). Everyone on an item is combined in two steps: the people's
verdicts are reduced per item and purpose to the worst state and the facts that call for
attention (`Combined`), then `_status` applies what the item itself adds (nobody marked,
others visible, publications). For the list the first step is done by the database over the
stored verdicts (`stored_combined`); the tests prove both ways give the same statuses. The
list's filters choose their items in SQL (`consents/library/filters.py`); the tests prove
them equal to `item_statuses` too.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from consents import rules, stored
from consents.communications.directory import group_label
from consents.models import CurrentVerdict, LibraryItem, LibraryItemPerson, Purpose, Subject
from consents.names import name_order
from consents.rules import State

# The worst state wins: one "not allowed" makes the item not allowed.
SEVERITY = {State.ALLOWED: 0, State.NO_ANSWER: 1, State.NOT_ALLOWED: 2}
BY_SEVERITY = {severity: state for state, severity in SEVERITY.items()}


@dataclass(frozen=True)
class PersonVerdict:
    person: Subject
    group_name: str
    verdict: rules.Verdict


@dataclass
class ChannelVerdict:
    """The item's verdict for one purpose: the worst of everyone on it, and who holds it back."""

    purpose: Purpose
    state: State
    blocking: list[PersonVerdict] = field(default_factory=list)
    published: bool = False

    @property
    def allowed(self) -> bool:
        return self.state == State.ALLOWED

    @property
    def label(self) -> str:
        return self.state.label


@dataclass
class ItemStatus:
    item: LibraryItem
    people: list[PersonVerdict]
    channels: list[ChannelVerdict]
    attention: list[str]
    people_ids: list[int] = field(default_factory=list)

    def channel(self, purpose_id: int) -> ChannelVerdict | None:
        return next((c for c in self.channels if c.purpose.pk == purpose_id), None)

    def may_go_on(self, purpose_id: int) -> bool:
        channel = self.channel(purpose_id)
        return channel is not None and channel.allowed


def item_statuses(
    items: list[LibraryItem],
    *,
    purposes: list[Purpose],
    on: dt.date,
    detail: bool = True,
    read_stored: bool = False,
    queued: list[int] | None = None,
) -> list[ItemStatus]:
    """The status of each of `items` for each of `purposes` on the date `on`.

    Without `detail` (the list) the people are ids, not loaded, the verdicts carry no
    explanation and the statuses list no people: the same states and reasons, several times
    cheaper (docs/library.md). With `read_stored` (and without `detail`) everyone on an item is
    combined by the database from the stored verdicts (`stored_combined`: the rules' answer,
    worked out afresh for people whose rows do not hold), not worked out for everyone;
    `queued`, when the caller has read the queue for these people or more
    (`stored.queued_among`), saves reading it again.
    """
    items = list(items)
    entries = LibraryItemPerson.objects.filter(item__in=items)
    people = defaultdict(list)
    if detail:
        for entry in entries.select_related(
            "subject__student__group", "subject__staffmember"
        ).order_by(*name_order("subject__"), "pk"):
            people[entry.item_id].append(entry.subject)
    else:
        for item_id, subject_id in entries.order_by().values_list("item_id", "subject_id"):
            people[item_id].append(subject_id)
    links = LibraryItem.publications.through.objects.filter(libraryitem__in=items)
    published = defaultdict(set)
    for item_id, purpose_id in links.values_list("libraryitem_id", "publication__purpose_id"):
        published[item_id].add(purpose_id)
    combined = None
    if read_stored and not detail:
        combined = stored_combined(items, people, purposes=purposes, on=on, queued=queued)
    found = {}
    if combined is None:
        subject_ids = {getattr(p, "pk", p) for group in people.values() for p in group}
        media_types = list({item.media_type_id: item.media_type for item in items}.values())
        if subject_ids:
            found = rules.verdicts(
                subject_ids, on=on, purposes=purposes, media_types=media_types, detail=detail
            )
        facts = person_facts(found)
        combined = {
            item.pk: _combined(
                item, [getattr(p, "pk", p) for p in people[item.pk]], purposes, found, facts
            )
            for item in items
        }
    return [
        _status(item, people[item.pk], published[item.pk], purposes, combined[item.pk], found)
        for item in items
    ]


def _row(person: Subject, verdict) -> PersonVerdict:
    return PersonVerdict(person, group_label(person), verdict)


def _worst(states) -> State:
    return max(states, key=SEVERITY.__getitem__, default=State.ALLOWED)


def _status(item, people, published_on, purposes, combined: "Combined", found) -> ItemStatus:
    """What the item adds to its people's `combined` verdicts. With `found` (the people's own
    verdicts, when asked with detail) the channels name who holds them back."""
    detail = bool(people) and isinstance(people[0], Subject)
    ids = [person.pk for person in people] if detail else people
    channels = []
    for purpose in purposes:
        state = combined.worst[purpose.pk]
        if state == State.ALLOWED and (item.people_marked_at is None or item.others_visible):
            state = State.NO_ANSWER  # people of unknown consent: no answer is not consent
        blocking = []
        if detail:
            on_it = [(p, found[(p.pk, purpose.pk, item.media_type_id)]) for p in people]
            blocking = [_row(p, v) for p, v in on_it if not v.allowed]
        channels.append(ChannelVerdict(purpose, state, blocking, purpose.pk in published_on))
    shown = (
        [_row(p, found[(p.pk, purposes[0].pk, item.media_type_id)]) for p in people]
        if detail and purposes
        else []
    )
    attention = _attention(item, channels, combined.facts)
    return ItemStatus(item, shown, channels, attention, list(ids))


NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class PersonFacts:
    """What makes an item with this person need attention, over every purpose: worked out
    once a person and media type, not once an item (2,000 items of 20 people: 470 -> 40 ms)."""

    protected: bool
    withdrawn_at: dt.datetime  # the latest withdrawal that counts now, NEVER without
    changed: bool  # lapsed (a new year, the 16th birthday), not renewed, or asked again

    @classmethod
    def of_all(cls, facts) -> "PersonFacts":
        """The facts of several people (or purposes) together."""
        facts = list(facts)
        return cls(
            protected=any(f.protected for f in facts),
            withdrawn_at=max((f.withdrawn_at for f in facts), default=NEVER),
            changed=any(f.changed for f in facts),
        )


def person_facts(found) -> dict[tuple[int, int], PersonFacts]:
    by_person = defaultdict(list)
    for (subject_id, _purpose_id, media_type_id), verdict in found.items():
        by_person[(subject_id, media_type_id)].append(verdict)
    return {
        key: PersonFacts(
            protected=any(v.protected for v in verdicts),
            withdrawn_at=max((v.withdrawn_at for v in verdicts if v.withdrawn_at), default=NEVER),
            changed=any(v.lapsed or v.not_renewed or v.asked_again for v in verdicts),
        )
        for key, verdicts in by_person.items()
    }


@dataclass(frozen=True)
class Combined:
    """Everyone on an item together: the worst state per purpose (id), and their facts."""

    worst: dict[int, State]
    facts: PersonFacts


def _combined(item, ids: list[int], purposes, found, facts) -> Combined:
    media_type_id = item.media_type_id
    return Combined(
        {p.pk: _worst(found[(pk, p.pk, media_type_id)].state for pk in ids) for p in purposes},
        PersonFacts.of_all(facts[(pk, media_type_id)] for pk in ids),
    )


def stored_combined(
    items: list[LibraryItem],
    people: dict[int, list[int]],
    *,
    purposes,
    on: dt.date,
    queued: list[int] | None = None,
) -> dict[int, Combined] | None:
    """`Combined` for each of `items` (whose people are the ids in `people`) from the stored
    verdicts, reduced by the database per item and purpose (a page of 48 items of 20 people and
    10 purposes: 480 rows read instead of 9,600 verdicts). The people whose stored rows do not
    hold are worked out with the rules and added, as every reader of the store does. None when
    the store does not hold for `on` at all."""
    if queued is None:
        # The page's people as a subquery: the queue is short, so PostgreSQL reads it first
        # (650 ids as a list: 3 ms).
        on_items = LibraryItemPerson.objects.filter(item__in=[item.pk for item in items])
        queued = stored.queued_among(on_items.values("subject_id"), on=on)
        if queued is None:
            return None
    else:  # read for more people than the page's: only the page's are worked out
        on_page = {pk for ids in people.values() for pk in ids}
        queued = [pk for pk in queued if pk in on_page]
    purpose_ids = [p.pk for p in purposes]
    media_types = list({item.media_type_id: item.media_type for item in items}.values())
    worked = (
        rules.verdicts(queued, on=on, purposes=purposes, media_types=media_types, detail=False)
        if queued
        else {}
    )
    worked_facts = person_facts(worked)
    reduced = defaultdict(dict)  # item -> purpose -> (verdicts read, worst, their facts)
    for item_id, purpose_id, counted, severity, *facts in _reduced_in_store(
        items, queued, purpose_ids
    ):
        protected, withdrawn_at, changed = facts
        facts = PersonFacts(bool(protected), withdrawn_at or NEVER, bool(changed))
        reduced[item_id][purpose_id] = (counted, BY_SEVERITY[severity], facts)
    queued = set(queued)
    combined = {}
    for item in items:
        fresh = [pk for pk in people[item.pk] if pk in queued]
        in_store = len(people[item.pk]) - len(fresh)
        facts = [worked_facts[(pk, item.media_type_id)] for pk in fresh]
        worst = {}
        for purpose_id in purpose_ids:
            states = [worked[(pk, purpose_id, item.media_type_id)].state for pk in fresh]
            counted, state, stored_facts = reduced[item.pk].get(purpose_id, (0, None, None))
            if counted:
                states.append(state)
                facts.append(stored_facts)
            if counted < in_store:  # a stored verdict missing: no answer is not consent
                states.append(State.NO_ANSWER)
            worst[purpose_id] = _worst(states)
        combined[item.pk] = Combined(worst, PersonFacts.of_all(facts))
    return combined


REDUCED = """
    SELECT p.item_id, v.purpose_id, COUNT(*),
        MAX(CASE v.state WHEN %s THEN %s WHEN %s THEN %s ELSE %s END),
        MAX(CASE WHEN v.protected THEN 1 ELSE 0 END),
        MAX(v.withdrawn_at),
        MAX(CASE WHEN v.lapsed <> '' OR v.not_renewed OR v.asked_again THEN 1 ELSE 0 END)
    FROM {people} p
    JOIN {verdicts} v ON v.subject_id = p.subject_id
    WHERE ({of_item}) AND v.purpose_id IN ({purposes}) {not_queued}
    GROUP BY p.item_id, v.purpose_id
"""


def _reduced_in_store(items, queued: list[int], purpose_ids: list[int]) -> list[tuple]:
    """Per item and purpose, over the stored verdicts of its people not `queued` (for the
    item's media type): how many, the worst state (as its `SEVERITY`), whether anyone is
    protected, the latest withdrawal, and whether anyone's consent lapsed, was not renewed or
    is asked again: what `_worst` and `person_facts` work out in Python.

    Written in SQL because the ORM can only reach the stored verdicts through the people's
    table: PostgreSQL then hashes all 56,000 people to find a page's 960 (27 ms; this: 6 ms).
    Each item's media type is a condition of its own (a page has one or two)."""
    by_media_type = defaultdict(list)
    for item in items:
        by_media_type[item.media_type_id].append(item.pk)
    if not by_media_type or not purpose_ids:
        return []
    params = [State.ALLOWED.value, SEVERITY[State.ALLOWED], State.NOT_ALLOWED.value]
    params += [SEVERITY[State.NOT_ALLOWED], SEVERITY[State.NO_ANSWER]]
    of_item = []
    for media_type_id, item_ids in sorted(by_media_type.items()):
        of_item.append(f"(p.item_id IN ({placeholders(item_ids)}) AND v.media_type_id = %s)")
        params += [*item_ids, media_type_id]
    params += purpose_ids
    not_queued = f"AND p.subject_id NOT IN ({placeholders(queued)})" if queued else ""
    params += queued
    # Table names from the models, every value a parameter.
    sql = REDUCED.format(  # nosec B608
        people=LibraryItemPerson._meta.db_table,
        verdicts=CurrentVerdict._meta.db_table,
        of_item=" OR ".join(of_item),
        purposes=placeholders(purpose_ids),
        not_queued=not_queued,
    )
    withdrawn_at = CurrentVerdict._meta.get_field("withdrawn_at")
    column = withdrawn_at.get_col(CurrentVerdict._meta.db_table)
    converters = connection.ops.get_db_converters(column)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for *row, when, changed in rows:
        for converter in converters:
            when = converter(when, column, connection)
        found.append((*row, when, changed))
    return found


def placeholders(values) -> str:
    """One `%s` per value, for raw SQL that takes the values as parameters."""
    return ", ".join(["%s"] * len(values))


def _attention(item, channels, facts: PersonFacts) -> list[str]:
    """Why someone should look at the item again, worked out from today's verdicts."""
    reasons = []
    if item.people_marked_at is None:
        reasons.append(_("Nobody has marked yet who is on it."))
    if item.others_visible:
        reasons.append(_("Other recognisable people are visible, whose consent is unknown."))
    if facts.protected:
        reasons.append(_("Someone on it is protected and must not appear anywhere."))
    if facts.withdrawn_at >= item.uploaded_at:
        reasons.append(_("Someone on it withdrew consent after it was added."))
    if facts.changed:
        reasons.append(_("The consent of someone on it has lapsed or is being asked again."))
    for channel in channels:
        if channel.published and not channel.allowed:
            reasons.append(
                _("Published on %(channel)s, where someone on it may no longer appear.")
                % {"channel": channel.purpose}
            )
    return reasons
