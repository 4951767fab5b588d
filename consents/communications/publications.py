"""Communications staff record a publication with the verdicts of the people on it, the
administrator reviews one recorded without everyone's consent, and a withdrawal that touches
a recorded publication opens takedown tasks (rule 6; the emails are `takedowns.py`).

Every verdict here comes from `consents.rules`; this module stores what the rules answered.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consents import rules
from consents.communications.group_check import CheckRow, GroupCheck, group_check
from consents.communications.takedowns import takedown_tasks_notify
from consents.dates import school_date
from consents.models import (
    ConsentDecision,
    MediaType,
    Publication,
    PublicationPerson,
    Purpose,
    School,
    Subject,
    TakedownTask,
)
from consents.people import people_in


class OverrideRequired(ValidationError):
    """Someone on the publication may not appear, and no reason to publish anyway was given."""


@transaction.atomic
def publication_record(
    *,
    user,
    school: School,
    title: str,
    purpose: Purpose,
    media_type: MediaType,
    published_on: dt.date,
    people: list[Subject],
    url: str = "",
    override_reason: str = "",
) -> Publication:
    """Record a publication with the verdicts of the people on it at this moment.

    If anyone on it is not allowed (no answer counts as not allowed), `override_reason` is
    required and the publication is flagged for the administrator. Raises ValidationError
    (OverrideRequired for the missing reason) and writes nothing when the input is not valid.
    """
    people = list({person.pk: person for person in people}.values())
    _publication_checked(school=school, title=title, purpose=purpose, people=people)
    now = timezone.now()
    check = group_check(
        school=school, purpose=purpose, media_type=media_type, people=people, on=school_date(now)
    )
    override_reason = override_reason.strip()
    refused = check.not_allowed
    if refused and not override_reason:
        raise OverrideRequired({"override_reason": _override_message(refused)})
    publication = Publication.objects.create(
        school=school,
        title=title.strip(),
        purpose=purpose,
        media_type=media_type,
        published_on=published_on,
        url=url,
        recorded_by=user,
        recorded_at=now,
        override_reason=override_reason if refused else "",
        flagged=bool(refused),
    )
    _people_on_record(publication, check)
    return publication


def _publication_checked(*, school: School, title: str, purpose: Purpose, people: list) -> None:
    """ValidationError unless the publication has a title, at least one person, a purpose of
    the school's board and only people of the school."""
    if not title.strip():
        raise ValidationError({"title": _("Give the publication a title.")})
    if not people:
        raise ValidationError(
            {"people": _("Choose at least one person who is on the publication.")}
        )
    if purpose.board_id != school.board_id or not purpose.active:
        raise ValidationError(_("This purpose does not exist for this school."))
    allowed_ids = set(
        people_in([school]).filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True)
    )
    if any(person.pk not in allowed_ids for person in people):
        raise ValidationError(
            {"people": _("Someone on the list is not a student or staff member here.")}
        )


def _override_message(refused: list[CheckRow]) -> str:
    names = ", ".join(row.person.name for row in refused)
    return ngettext(
        "%(names)s may not appear. Remove this person or give a reason to publish "
        "anyway; the administrator will review it.",
        "%(names)s may not appear. Remove them or give a reason to publish anyway; "
        "the administrator will review it.",
        len(refused),
    ) % {"names": names}


def _people_on_record(publication: Publication, check: GroupCheck) -> None:
    """Who is on `publication`, each with their verdict as the group check found it."""
    PublicationPerson.objects.bulk_create(
        PublicationPerson(
            publication=publication,
            subject=row.person,
            state=row.verdict.state,
            explanation=row.verdict.explanation,
            group_name=row.group_name,
            decision_ids=[d.pk for d in row.verdict.decisions],
        )
        for row in check.rows
    )


@transaction.atomic
def publication_review(*, publication: Publication, user) -> Publication:
    """The administrator has looked at a publication recorded without everyone's consent."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if not publication.flagged:
        raise ValidationError(_("This publication does not need a review."))
    if publication.reviewed_at is not None:
        raise ValidationError(_("This publication has already been reviewed."))
    publication.reviewed_by, publication.reviewed_at = user, timezone.now()
    publication.save(update_fields=["reviewed_by", "reviewed_at"])
    return publication


# --- Withdrawal -> takedown (rule 6) ---------------------------------------------------------


def verdict_if_published(subject, purpose, media_type, *, on: dt.date) -> rules.Verdict | None:
    """The verdict before a new decision, if a recorded publication could need a takedown.

    Called by `services.decision_record` before it writes; None (one cheap query) when the
    person is on no publication for this purpose and media type.
    """
    on_publication = PublicationPerson.objects.filter(
        subject=subject, publication__purpose=purpose, publication__media_type=media_type
    ).exists()
    return rules.verdict_for(subject, purpose, media_type, on=on) if on_publication else None


def takedowns_open(
    *, decision: ConsentDecision, before: rules.Verdict | None, on: dt.date
) -> list[TakedownTask]:
    """Open a takedown task per publication of the person when `decision` turned them from
    allowed to not allowed; the school's communications staff are emailed through the outbox
    once the transaction commits. Runs inside `decision_record`'s transaction."""
    if before is None or not before.allowed:
        return []
    subject, purpose, media_type = decision.subject, decision.purpose, decision.media_type
    if rules.verdict_for(subject, purpose, media_type, on=on).allowed:
        return []
    already_open = TakedownTask.objects.open().filter(subject=subject).values("publication_id")
    publications = list(
        Publication.objects.filter(
            entries__subject=subject, purpose=purpose, media_type=media_type
        ).exclude(pk__in=already_open)
    )
    now = timezone.now()
    tasks = TakedownTask.objects.bulk_create(
        TakedownTask(publication=publication, subject=subject, decision=decision, opened_at=now)
        for publication in publications
    )
    takedown_tasks_notify(tasks)
    return tasks
