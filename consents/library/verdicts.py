"""Where a library item may go: the verdict of everyone on it, per channel (purpose), asked of
`consents.rules` (or, for the list, read from the stored verdicts the rules wrote) and never
stored per item, and what about it needs attention.

`item_statuses` answers for a list of items in a constant number of queries (the people of
all the items, the publications they are on, and one `rules.verdicts` for everyone, or one
read of the stored verdicts). The list's filters choose their items in SQL
(`consents/library/filters.py`); the tests prove them equal to `item_statuses`.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from consents import rules, stored
from consents.communications.directory import group_label
from consents.models import LibraryItem, LibraryItemPerson, Purpose, Subject
from consents.rules import State

# The worst state wins: one "not allowed" makes the item not allowed.
SEVERITY = {State.ALLOWED: 0, State.NO_ANSWER: 1, State.NOT_ALLOWED: 2}


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
) -> list[ItemStatus]:
    """The status of each of `items` for each of `purposes` on the date `on`.

    Without `detail` (the list) the people are ids, not loaded, the verdicts carry no
    explanation and the statuses list no people: the same states and reasons, several times
    cheaper (docs/library.md). With `read_stored` the verdicts are read from the stored
    verdicts (`consents.stored`: the rules' answer, worked out afresh for people whose rows do
    not hold), not worked out for everyone.
    """
    items = list(items)
    entries = LibraryItemPerson.objects.filter(item__in=items)
    people = defaultdict(list)
    if detail:
        for entry in entries.select_related(
            "subject__student__group", "subject__staffmember"
        ).order_by("subject__last_name", "subject__first_name", "pk"):
            people[entry.item_id].append(entry.subject)
    else:
        for item_id, subject_id in entries.order_by().values_list("item_id", "subject_id"):
            people[item_id].append(subject_id)
    links = LibraryItem.publications.through.objects.filter(libraryitem__in=items)
    published = defaultdict(set)
    for item_id, purpose_id in links.values_list("libraryitem_id", "publication__purpose_id"):
        published[item_id].add(purpose_id)
    subject_ids = {getattr(person, "pk", person) for group in people.values() for person in group}
    media_types = list({item.media_type_id: item.media_type for item in items}.values())
    if not subject_ids:
        found = {}
    elif read_stored:
        found = stored.stored_verdicts(
            subject_ids, on=on, purposes=purposes, media_types=media_types
        )
    else:
        found = rules.verdicts(
            subject_ids, on=on, purposes=purposes, media_types=media_types, detail=detail
        )
    facts = person_facts(found)
    return [
        _status(item, people[item.pk], published[item.pk], purposes, found, facts) for item in items
    ]


def _row(person: Subject, verdict) -> PersonVerdict:
    return PersonVerdict(person, group_label(person), verdict)


def _status(item, people, published_on, purposes, found, facts) -> ItemStatus:
    # People are ids when asked without detail (the list, and the filters without the store):
    # only the states are worked out, no rows of who holds a channel back.
    detail = bool(people) and isinstance(people[0], Subject)
    ids = [person.pk for person in people] if detail else people
    channels = []
    media_type_id = item.media_type_id
    for purpose in purposes:
        purpose_id = purpose.pk
        verdicts = [found[(pk, purpose_id, media_type_id)] for pk in ids]
        state = max(
            (v.state for v in verdicts if not v.allowed), key=SEVERITY.get, default=State.ALLOWED
        )
        if state == State.ALLOWED and (item.people_marked_at is None or item.others_visible):
            state = State.NO_ANSWER  # people of unknown consent: no answer is not consent
        blocking = (
            [_row(people[n], v) for n, v in enumerate(verdicts) if not v.allowed] if detail else []
        )
        channels.append(ChannelVerdict(purpose, state, blocking, purpose.pk in published_on))
    shown = (
        [_row(p, found[(p.pk, purposes[0].pk, item.media_type_id)]) for p in people]
        if detail and purposes
        else []
    )
    on_it = [facts[(pk, item.media_type_id)] for pk in ids]
    attention = _attention(item, channels, on_it)
    return ItemStatus(item, shown, channels, attention, list(ids))


NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class PersonFacts:
    """What makes an item with this person need attention, over every purpose: worked out
    once a person and media type, not once an item (2,000 items of 20 people: 470 -> 40 ms)."""

    protected: bool
    withdrawn_at: dt.datetime  # the latest withdrawal that counts now, NEVER without
    changed: bool  # lapsed (a new year, the 16th birthday), not renewed, or asked again


def person_facts(found) -> dict[tuple[int, int], PersonFacts]:
    # `found` holds `rules.Verdict`s or `stored.StoredVerdict`s: the same facts.
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


def _attention(item, channels, facts: list[PersonFacts]) -> list[str]:
    """Why someone should look at the item again, worked out from today's verdicts."""
    reasons = []
    if item.people_marked_at is None:
        reasons.append(_("Nobody has marked yet who is on it."))
    if item.others_visible:
        reasons.append(_("Other recognisable people are visible, whose consent is unknown."))
    if any(fact.protected for fact in facts):
        reasons.append(_("Someone on it is protected and must not appear anywhere."))
    if any(fact.withdrawn_at >= item.uploaded_at for fact in facts):
        reasons.append(_("Someone on it withdrew consent after it was added."))
    if any(fact.changed for fact in facts):
        reasons.append(_("The consent of someone on it has lapsed or is being asked again."))
    for channel in channels:
        if channel.published and not channel.allowed:
            reasons.append(
                _("Published on %(channel)s, where someone on it may no longer appear.")
                % {"channel": channel.purpose}
            )
    return reasons
