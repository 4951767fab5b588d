"""Where a library item may go: the verdict of everyone on it, per channel (purpose), asked of
`consents.rules` each time and never stored, and what about it needs attention.

`item_statuses` answers for a list of items in a constant number of queries (the people of
all the items, the publications they are on, and one `rules.verdicts` for everyone).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from consents import rules
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

    def channel(self, purpose_id: int) -> ChannelVerdict | None:
        return next((c for c in self.channels if c.purpose.pk == purpose_id), None)

    def may_go_on(self, purpose_id: int) -> bool:
        channel = self.channel(purpose_id)
        return channel is not None and channel.allowed


def item_statuses(
    items: list[LibraryItem], *, purposes: list[Purpose], on: dt.date
) -> list[ItemStatus]:
    """The status of each of `items` for each of `purposes` on the date `on`."""
    items = list(items)
    entries = defaultdict(list)
    for entry in (
        LibraryItemPerson.objects.filter(item__in=items)
        .select_related("subject__student__group", "subject__staffmember")
        .order_by("subject__last_name", "subject__first_name", "pk")
    ):
        entries[entry.item_id].append(entry.subject)
    links = LibraryItem.publications.through.objects.filter(libraryitem__in=items)
    published = defaultdict(set)
    for item_id, purpose_id in links.values_list("libraryitem_id", "publication__purpose_id"):
        published[item_id].add(purpose_id)
    subject_ids = {person.pk for people in entries.values() for person in people}
    media_types = list({item.media_type_id: item.media_type for item in items}.values())
    found = (
        rules.verdicts(subject_ids, on=on, purposes=purposes, media_types=media_types)
        if subject_ids
        else {}
    )
    return [_status(item, entries[item.pk], published[item.pk], purposes, found) for item in items]


def _status(item, people, published_on, purposes, found) -> ItemStatus:
    rows = {
        purpose.pk: [
            PersonVerdict(
                person, group_label(person), found[(person.pk, purpose.pk, item.media_type_id)]
            )
            for person in people
        ]
        for purpose in purposes
    }
    channels = []
    for purpose in purposes:
        blocking = [row for row in rows[purpose.pk] if not row.verdict.allowed]
        state = max(
            (row.verdict.state for row in blocking), key=SEVERITY.get, default=State.ALLOWED
        )
        if state == State.ALLOWED and (item.people_marked_at is None or item.others_visible):
            state = State.NO_ANSWER  # people of unknown consent: no answer is not consent
        channels.append(ChannelVerdict(purpose, state, blocking, purpose.pk in published_on))
    people_rows = rows[purposes[0].pk] if purposes else []
    return ItemStatus(item, people_rows, channels, _attention(item, channels, rows))


def _attention(item, channels, rows) -> list[str]:
    """Why someone should look at the item again, worked out from today's verdicts."""
    reasons = []
    if item.people_marked_at is None:
        reasons.append(_("Nobody has marked yet who is on it."))
    if item.others_visible:
        reasons.append(_("Other recognisable people are visible, whose consent is unknown."))
    verdicts = [row.verdict for channel_rows in rows.values() for row in channel_rows]
    if any(v.protected for v in verdicts):
        reasons.append(_("Someone on it is protected and must not appear anywhere."))
    withdrawn = any(
        decision.value == rules.Value.WITHDRAWN and decision.decided_at >= item.uploaded_at
        for v in verdicts
        for decision in v.decisions
    )
    if withdrawn:
        reasons.append(_("Someone on it withdrew consent after it was added."))
    if any(v.lapsed or v.not_renewed or v.asked_again for v in verdicts):
        reasons.append(_("The consent of someone on it has lapsed or is being asked again."))
    for channel in channels:
        if channel.published and not channel.allowed:
            reasons.append(
                _("Published on %(channel)s, where someone on it may no longer appear.")
                % {"channel": channel.purpose}
            )
    return reasons
