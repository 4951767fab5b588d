"""Library items to review for deletion (rule 11): older than the board's retention period,
or showing only people who have left; deleting one removes its files and is logged."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from consents.models import LibraryItem, School
from consents.privacy.retention import add_months

logger = logging.getLogger(__name__)


def retention_candidates(school: School, *, today: dt.date) -> QuerySet[LibraryItem]:
    """The items of `school` uploaded longer ago than the board's retention period, and those
    whose people have all left (an item with nobody marked on it is not one of them)."""
    cutoff = add_months(today, -school.board.retention_months)
    still_here = Q(entries__subject__erased_at__isnull=True) & (
        Q(entries__subject__date_left__isnull=True) | Q(entries__subject__date_left__gt=today)
    )
    return (
        LibraryItem.objects.filter(school=school)
        .annotate(people_count=Count("entries"), present=Count("entries", filter=still_here))
        .filter(Q(uploaded_at__date__lt=cutoff) | Q(people_count__gt=0, present=0))
        .order_by("uploaded_at", "pk")
    )


@transaction.atomic
def library_item_delete(item: LibraryItem) -> list[int]:
    """Delete `item` and, once the deletion has committed, its files. Returns the ids of the
    people who were on it (for the access log). Publications made from it stay."""
    people = list(item.entries.values_list("subject_id", flat=True))
    files = [field for field in (item.file, item.thumbnail, item.preview) if field]
    storage_names = [(field.storage, field.name) for field in files]
    item.delete()

    def remove_files():
        for storage, name in storage_names:
            storage.delete(name)

    transaction.on_commit(remove_files)
    logger.info("library item %s deleted with %s files", item.pk, len(storage_names))
    return people
