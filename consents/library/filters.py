"""The library list's filters, decided by the database (issue 23): which items may go on a
channel, and which need attention, ordered and paged in SQL, so that the work for a page does
not grow with the library (50,000 items: docs/benchmarks.md).

The rules are not restated here. A person's verdict is read from the stored verdicts, which
only `consents.rules` writes (`consents.stored`); the people whose stored rows do not hold
(queued since their last change) are worked out by the rules in Python and named by id, as
every reader of the store does. What this module states in SQL is how an item combines its
people's verdicts, as `verdicts._status` and `verdicts._attention` do in Python:
`tests/test_library_filters.py` proves that both choose the same items. When the store does
not hold for today at all (a new day or a board-wide change not yet refreshed by the worker),
the filters work out every item of the page's window with the rules, in Python
(`consents/library/window.py`: at most 2,000 items).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from consents import rules, stored
from consents.library.verdicts import NEVER, item_statuses, person_facts, placeholders
from consents.models import (
    CurrentVerdict,
    LibraryItem,
    LibraryItemPerson,
    Publication,
    Purpose,
    School,
    Student,
)
from consents.rules import State

ALLOWED = State.ALLOWED.value
Links = LibraryItem.publications.through


@dataclass(frozen=True)
class Fresh:
    """The library's people whose stored verdicts do not hold, and the rules' answer for them."""

    queued: list[int]
    verdicts: dict

    def held_back(self, purpose_id: int, media_type_ids) -> dict[int, list[int]]:
        """Per media type, the queued people who may not appear for `purpose_id`."""
        return {
            m: [
                s
                for s in self.queued
                if not getattr(self.verdicts.get((s, purpose_id, m)), "allowed", False)
            ]
            for m in media_type_ids
        }


def items_chosen(
    school: School,
    *,
    purpose: Purpose | None,
    attention: bool,
    purposes: list[Purpose],
    on,
    within: QuerySet | None = None,
    fresh: Fresh | None = None,
):
    """The items of `school` (or of `within`, some of them: a page's window) that may go on
    `purpose` (when given) and need attention (when `attention`), in the list's order: a
    queryset to slice, or a list when the store does not hold for `on`. `fresh`: what
    `fresh_among` found for the same items, when the caller has read it already."""
    items = within if within is not None else LibraryItem.objects.filter(school=school)
    fresh = fresh or fresh_among(items, purposes=purposes, on=on)
    items = items.select_related("media_type")
    if fresh is None:
        statuses = item_statuses(list(items), purposes=purposes, on=on, detail=False)
        return [
            s.item
            for s in statuses
            if (not purpose or s.may_go_on(purpose.pk)) and (not attention or s.attention)
        ]
    media_type_ids = sorted({m for _s, _p, m in fresh.verdicts})
    if purpose:
        items = _may_go_on(items, school, purpose, fresh, media_type_ids)
    if attention:
        items = items.filter(_needs_attention(purposes, fresh, media_type_ids))
    return items


def fresh_among(items: QuerySet, *, purposes, on: dt.date) -> Fresh | None:
    """The people on `items` whose stored verdicts do not hold, with the rules' answer for
    them; None when the store does not hold for `on` at all."""
    people = LibraryItemPerson.objects.filter(item__in=items).values("subject_id")
    queued = stored.queued_among(people, on=on)
    if queued is None:
        return None
    found = rules.verdicts(queued, on=on, purposes=purposes, detail=False) if queued else {}
    return Fresh(queued, found)


def _on_item(people: list[int]) -> Exists:
    return Exists(LibraryItemPerson.objects.filter(item_id=OuterRef("pk"), subject_id__in=people))


# "Is there nobody" as a scalar subquery that finds the first one, not as NOT EXISTS, which
# PostgreSQL turns into an anti-join of all 969,000 people on the benchmark's items (460 ms):
# this way it walks the items in the list's order and stops once the page is full.
HELD_BACK = """
    (
        SELECT 1 FROM {people} p
        WHERE p.item_id = {items}.id {not_queued}
        AND (p.subject_id, {items}.media_type_id) NOT IN (
            SELECT v.subject_id, v.media_type_id FROM {verdicts} v
            WHERE v.subject_id IN ({here}) AND v.purpose_id = %s AND v.state = %s
        )
        AND (
            p.subject_id IN ({here})
            OR NOT EXISTS (
                SELECT 1 FROM {verdicts} v
                WHERE v.subject_id = p.subject_id AND v.purpose_id = %s
                AND v.media_type_id = {items}.media_type_id AND v.state = %s
            )
        )
        LIMIT 1
    ) IS NULL
"""


def _nobody_held_back(school: School, purpose: Purpose, queued: list[int]) -> RawSQL:
    """True for an item with nobody on it held back in the store: a person not `queued`
    whose stored verdict for `purpose` and the item's media type is not "allowed" (or who
    has none).

    Which of the school's own students are allowed is read once into a hash; only people
    from elsewhere (staff, students who moved) are looked up one by one. On the benchmark's
    board the first page of "may go on" took 120 ms in the database looking everyone up, and
    takes 45 ms this way (without JIT: settings.py). Written in SQL: the ORM cannot compare a
    pair of columns with a subquery, and building the condition per media type took it 12 ms
    of Python."""
    not_queued = f"AND p.subject_id NOT IN ({placeholders(queued)})" if queued else ""
    students_here = Student.objects.filter(school=school).order_by().values("pk")
    here, here_params = students_here.query.sql_with_params()
    # Table names from the models, every value a parameter.
    sql = HELD_BACK.format(  # nosec B608
        people=LibraryItemPerson._meta.db_table,
        items=LibraryItem._meta.db_table,
        verdicts=CurrentVerdict._meta.db_table,
        here=here,
        not_queued=not_queued,
    )
    params = [*queued, *here_params, purpose.pk, ALLOWED, *here_params, purpose.pk, ALLOWED]
    return RawSQL(sql, params, output_field=BooleanField())  # nosec B611


def _may_go_on(items: QuerySet, school: School, purpose: Purpose, fresh: Fresh, media_type_ids):
    """Marked, nobody else visible, and everyone on it allowed (`ChannelVerdict.allowed`):
    nobody on it held back in the store, and none of the queued people the rules hold back.

    PostgreSQL walks the items in the list's order and stops at the first person held back on
    each. Few items may go everywhere (1.2% of the benchmark's library for its first channel),
    so a first page reads about 4,600 items.
    """
    items = items.filter(people_marked_at__isnull=False, others_visible=False)
    items = items.filter(_nobody_held_back(school, purpose, fresh.queued))
    for media_type_id, people in fresh.held_back(purpose.pk, media_type_ids).items():
        if people:
            items = items.exclude(Q(media_type_id=media_type_id) & _on_item(people))
    return items


# `verdicts._attention` for the people in the store: nobody marked, others visible, someone
# protected, whose consent lapsed, was not renewed or is asked again, or who withdrew after
# the item was added, on any channel; or a channel it is published on where someone on it is
# not allowed.
NEEDS_ATTENTION = """
    (
        {items}.people_marked_at IS NULL
        OR {items}.others_visible
        OR EXISTS (
            SELECT 1 FROM {people} p
            WHERE p.item_id = {items}.id {not_queued}
            AND EXISTS (
                SELECT 1 FROM {verdicts} v
                WHERE v.subject_id = p.subject_id AND v.purpose_id IN ({channels})
                AND v.media_type_id = {items}.media_type_id
                AND (
                    v.protected OR v.lapsed <> '' OR v.not_renewed OR v.asked_again
                    OR v.withdrawn_at >= {items}.uploaded_at
                )
            )
        )
        OR EXISTS (
            SELECT 1 FROM {links} l
            JOIN {publications} pub ON pub.id = l.publication_id
            WHERE l.libraryitem_id = {items}.id AND pub.purpose_id IN ({channels})
            AND EXISTS (
                SELECT 1 FROM {people} p
                WHERE p.item_id = {items}.id {not_queued}
                AND NOT EXISTS (
                    SELECT 1 FROM {verdicts} v
                    WHERE v.subject_id = p.subject_id AND v.purpose_id = pub.purpose_id
                    AND v.media_type_id = {items}.media_type_id AND v.state = %s
                )
            )
        )
    )
"""


def _needs_attention(purposes, fresh: Fresh, media_type_ids) -> Q:
    """`verdicts._attention`, item by item, as one condition: in the store (`NEEDS_ATTENTION`)
    or for the queued people (`_fresh_attention`).

    Written in SQL: built with the ORM, its nested subqueries took 4 ms of Python a page to
    compose and compile (docs/benchmarks.md)."""
    channel_ids = [p.pk for p in purposes]
    queued = fresh.queued
    not_queued = f"AND p.subject_id NOT IN ({placeholders(queued)})" if queued else ""
    # Table names from the models, every value a parameter.
    sql = NEEDS_ATTENTION.format(  # nosec B608
        items=LibraryItem._meta.db_table,
        people=LibraryItemPerson._meta.db_table,
        verdicts=CurrentVerdict._meta.db_table,
        links=Links._meta.db_table,
        publications=Publication._meta.db_table,
        channels=placeholders(channel_ids),
        not_queued=not_queued,
    )
    params = [*queued, *channel_ids, *channel_ids, *queued, ALLOWED]
    in_store = RawSQL(sql, params, output_field=BooleanField())  # nosec B611
    return Q(in_store) | _fresh_attention(channel_ids, fresh, media_type_ids)


def _fresh_attention(channel_ids, fresh: Fresh, media_type_ids) -> Q:
    """The same for the queued people, from the rules' answer worked out for them."""
    condition = Q(pk__in=[])  # nothing: the queue is usually empty
    for (subject_id, media_type_id), facts in person_facts(fresh.verdicts).items():
        on_it = Q(media_type_id=media_type_id) & _on_item([subject_id])
        if facts.protected or facts.changed:
            condition |= on_it
        elif facts.withdrawn_at != NEVER:
            condition |= on_it & Q(uploaded_at__lte=facts.withdrawn_at)
    for purpose_id in channel_ids:
        held_back = {
            m: people for m, people in fresh.held_back(purpose_id, media_type_ids).items() if people
        }
        if not held_back:
            continue  # the usual case: building its subquery for nothing took 3 ms a page
        published = Exists(
            Links.objects.filter(libraryitem_id=OuterRef("pk"), publication__purpose_id=purpose_id)
        )
        for media_type_id, people in held_back.items():
            condition |= Q(media_type_id=media_type_id) & published & _on_item(people)
    return condition
