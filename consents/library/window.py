"""A page of a filtered library list that looks at no more than `WINDOW` items (issue 23).

Few items may pass a filter: 1% of the benchmark's library may go on its first channel, and a
well-kept library has little that needs attention. Filling a page of 48 walked 4,600 items
there, and a filter that nothing passed walked the whole library. A page now looks at the
next `WINDOW` items in the list's order (newest first) and stops at the end of them: it shows
what passed, up to a page, says how far it searched, and the next page goes on from there.
Staff go on by an item (`after`), not by an offset, so a page far back costs what the first
costs.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from consents.library.filters import fresh_among, items_chosen
from consents.models import LibraryItem, Purpose, School

# Items looked at a page: about 10 ms of the filter's walk on the benchmark's library.
WINDOW = 2_000


@dataclass
class WindowPage:
    """What a filtered page shows, and where the next one starts."""

    object_list: list
    newest: bool  # the page starts at the newest item
    next_after: int | None = None  # the item the next page goes on after; None: the last page
    # When the page ended at the window, not full: the upload time of the last item looked at.
    searched_to: dt.datetime | None = None
    lost_place: bool = False  # `after` named no item of the school: started at the newest
    # The people on the window's items whose stored verdicts do not hold (None: not read, or
    # the store does not hold today): the page's statuses need not read the queue again.
    queued: list[int] | None = None


def filtered_page(
    school: School,
    after: str | None,
    *,
    purpose: Purpose | None,
    attention: bool,
    purposes: list[Purpose],
    on: dt.date,
    per_page: int,
) -> WindowPage:
    """The items of `school` that pass the filters among the `WINDOW` after the item `after`
    (an id from the page's link; None or "" for the newest), at most `per_page` of them."""
    items = LibraryItem.objects.filter(school=school)
    start, lost_place = _start(items, after)
    if start is not None:
        items = _older_than(items, start)
    # The window's last item, when more come after it.
    ends = items.order_by("-uploaded_at", "-pk").values_list("uploaded_at", "pk")
    ends = list(ends[WINDOW - 1 : WINDOW + 1])
    end = ends[0] if len(ends) > 1 else None
    if end is not None:
        items = _not_older_than(items, end)
    fresh = fresh_among(items, purposes=purposes, on=on)
    chosen = items_chosen(
        school,
        purpose=purpose,
        attention=attention,
        purposes=purposes,
        on=on,
        within=items,
        fresh=fresh,
    )
    found = list(chosen[: per_page + 1])
    page = WindowPage(
        found[:per_page],
        newest=start is None,
        lost_place=lost_place,
        queued=None if fresh is None else fresh.queued,
    )
    if len(found) > per_page:
        page.next_after = found[per_page - 1].pk
    elif end is not None:
        page.searched_to, page.next_after = end
    return page


def _start(items: QuerySet, after: str | None) -> tuple[tuple | None, bool]:
    """(upload time, id) of the item to go on after, and whether `after` was given but named
    no item here (an edited link, or an item deleted since)."""
    if not after:
        return None, False
    try:
        pk = int(after)
    except ValueError:
        return None, True
    start = items.filter(pk=pk).values_list("uploaded_at", "pk").first()
    return start, start is None


def _older_than(items: QuerySet, item: tuple) -> QuerySet:
    """After `item` in the list's order (newest first, then the highest id)."""
    uploaded_at, pk = item
    # The first condition bounds the index scan; the second breaks ties.
    return items.filter(uploaded_at__lte=uploaded_at).filter(
        Q(uploaded_at__lt=uploaded_at) | Q(pk__lt=pk)
    )


def _not_older_than(items: QuerySet, item: tuple) -> QuerySet:
    """Up to `item` in the list's order, itself included."""
    uploaded_at, pk = item
    return items.filter(uploaded_at__gte=uploaded_at).filter(
        Q(uploaded_at__gt=uploaded_at) | Q(pk__gte=pk)
    )
