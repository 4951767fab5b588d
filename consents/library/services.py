"""What staff do with a library item: mark who is on it, publish it, take it out for a
channel. Verdicts come from `consents.rules` through `verdicts.item_statuses`."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from consents.communications.group_check import names_resolve
from consents.communications.publications import OverrideRequired, publication_record
from consents.dates import school_date
from consents.library.verdicts import item_statuses
from consents.models import LibraryDownload, LibraryItem, LibraryItemPerson, Publication, Purpose
from consents.people import people_in

ERASED_STAYS_VISIBLE = gettext_lazy(
    "Someone was taken off this photo when their data was erased. It still shows them, so "
    "other recognisable people stay marked as visible."
)


@transaction.atomic
def item_people_set(
    *,
    user,
    item: LibraryItem,
    add=(),
    names: str = "",
    remove=(),
    others_visible: bool,
    nobody: bool = False,
) -> LibraryItem:
    """Mark who is on `item`: the people ticked in a class (`add`), the lines of `names`
    (names or student numbers, from the directory), minus `remove`.

    Saving marks the item as checked; an item with nobody on it needs `nobody` (staff
    confirm that nobody recognisable is on it), so that an empty form allows nothing.
    Raises ValidationError and changes nothing when a line finds nobody or several people,
    someone is not of the item's school, or `others_visible` is cleared on an item someone
    was erased from (it still shows them, whose consent nobody can know any more).
    """
    if item.someone_erased_at and not others_visible:
        raise ValidationError({"others_visible": ERASED_STAYS_VISIBLE})
    named, not_found, ambiguous = names_resolve(item.school, names)
    if not_found or ambiguous:
        lines = ", ".join(not_found + ambiguous)
        raise ValidationError(
            {"names": _("Not found, or more than one person: %(lines)s.") % {"lines": lines}}
        )
    wanted = {person.pk for person in [*add, *named]}
    here = set(people_in([item.school]).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - here:
        raise ValidationError(_("Someone you chose is not a student or staff member here."))
    removed = {person.pk for person in remove} - wanted
    staying = item.entries.exclude(subject__in=removed).exists()
    if not (wanted or staying or others_visible or nobody):
        raise ValidationError(_("Tick who is on it, or confirm that nobody recognisable is on it."))
    now = timezone.now()
    LibraryItemPerson.objects.bulk_create(
        [
            LibraryItemPerson(item=item, subject_id=pk, added_by=user, added_at=now)
            for pk in sorted(wanted)
        ],
        ignore_conflicts=True,
    )
    item.entries.filter(subject__in=removed).delete()
    item.people_marked_at, item.others_visible = now, others_visible
    item.save(update_fields=["people_marked_at", "others_visible"])
    return item


def _override_needed(item: LibraryItem, purpose: Purpose, on: dt.date) -> str:
    """Why `item` may not go on `purpose` today, or "" when it may."""
    if item.people_marked_at is None:
        return _("Nobody has marked yet who is on it.")
    status = item_statuses([item], purposes=[purpose], on=on)[0]
    channel = status.channel(purpose.pk)
    if channel.blocking:
        names = ", ".join(row.person.name for row in channel.blocking)
        return ngettext(
            "%(names)s may not appear on this channel.",
            "%(names)s may not appear on this channel.",
            len(channel.blocking),
        ) % {"names": names}
    if item.others_visible:
        return _("Other recognisable people are visible, whose consent is unknown.")
    return ""


def _check_purpose(item: LibraryItem, purpose: Purpose) -> None:
    if purpose.board_id != item.school.board_id or not purpose.active:
        raise ValidationError(_("This purpose does not exist for this school."))


@transaction.atomic
def item_download(*, user, item: LibraryItem, purpose: Purpose, override_reason: str = ""):
    """Record that `user` takes `item` out of the library for `purpose`.

    When someone on it may not appear there (or who is on it is unknown) a reason is
    required and stored. Raises OverrideRequired (nothing recorded) without one.
    """
    _check_purpose(item, purpose)
    now = timezone.now()
    why_not = _override_needed(item, purpose, school_date(now))
    override_reason = override_reason.strip()
    if why_not and not override_reason:
        raise OverrideRequired(
            {"override_reason": why_not + " " + _("Give a reason to use it anyway.")}
        )
    return LibraryDownload.objects.create(
        item=item,
        purpose=purpose,
        user=user,
        at=now,
        override_reason=override_reason if why_not else "",
    )


@transaction.atomic
def item_publish(
    *,
    user,
    item: LibraryItem,
    purpose: Purpose,
    published_on: dt.date,
    url: str = "",
    override_reason: str = "",
) -> Publication:
    """Record a publication of `item` with the people on it, and link the two, so that a
    withdrawal or a protected person later opens a takedown task for it (rules 6 and 12).

    Raises ValidationError (nothing recorded) as `publication_record` does, and when who is
    on it is not known (not marked yet, or others visible) without a reason.
    """
    _check_purpose(item, purpose)
    if item.people_marked_at is None:
        raise ValidationError(_("Mark who is on it before you publish it."))
    override_reason = override_reason.strip()
    if item.others_visible and not override_reason:
        raise OverrideRequired(
            {
                "override_reason": _(
                    "Other recognisable people are visible, whose consent is unknown. "
                    "Give a reason to publish anyway."
                )
            }
        )
    publication = publication_record(
        user=user,
        school=item.school,
        title=item.title,
        purpose=purpose,
        media_type=item.media_type,
        published_on=published_on,
        url=url,
        people=list(item.people.all()),
        override_reason=override_reason,
    )
    item.publications.add(publication)
    return publication
