"""The running school year's campaigns and their progress, for administrators in the portal;
and one campaign's progress in the Django admin (`campaign_progress`, which asks the rules who
still has to answer).

Counted from the outbox (who was emailed, and how often) and the decision log (who answered
after being emailed), per school of the administrator's scope, in a fixed number of queries
whatever the size of the board: one for the campaigns, one for their unreachable counts, and
one aggregate each for students and for staff.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from consents import rules
from consents.dates import school_today
from consents.models import (
    Campaign,
    CampaignStep,
    ConsentDecision,
    OutboxMessage,
    School,
    SchoolYear,
    StaffMember,
    Student,
)
from consents.models.campaigns import INVITATION

SENT = OutboxMessage.State.SENT
FAILED = OutboxMessage.State.FAILED
State = OutboxMessage.State


@dataclass
class SchoolProgress:
    """People a campaign asked about at one school: `asked` in all; of them `invited` (the
    invitation was sent), `reminded` (at least one reminder was sent), `failed` (an email
    about them could not be delivered) and `answered` (a decision recorded after an email
    about them). A staff member working at several schools counts at each."""

    school: School
    asked: int = 0
    invited: int = 0
    reminded: int = 0
    failed: int = 0
    answered: int = 0

    @property
    def still_open(self) -> int:
        return self.asked - self.answered


@dataclass
class CampaignProgress:
    campaign: Campaign
    schools: list[SchoolProgress] = field(default_factory=list)
    unreachable: int = 0  # people without anybody with an email address to ask (last step)

    @property
    def total(self) -> SchoolProgress:
        """The sum over the schools shown (a staff member at two of them counts twice)."""
        total = SchoolProgress(school=None)
        for row in self.schools:
            for name in ("asked", "invited", "reminded", "failed", "answered"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


def running_campaigns(schools, *, today: dt.date) -> list[CampaignProgress]:
    """The campaigns of the school year running on `today` of the boards of `schools`, each
    with its progress at each of `schools` (the schools the administrator may see)."""
    schools = list(schools.select_related("board").order_by("name"))
    years = {
        school.board_id: SchoolYear.objects.for_date(school.board, today) for school in schools
    }
    campaigns = list(
        Campaign.objects.filter(
            board_id__in=years, school_year__in=list(years.values())
        ).select_related("school_year", "text__purpose")
    )
    if not campaigns:
        return []
    counts = _counts([c.pk for c in campaigns], [s.pk for s in schools])
    # The latest step's count: each step counts everyone still unreachable on its day.
    unreachable = dict(
        CampaignStep.objects.filter(campaign__in=campaigns, planned_at__isnull=False)
        .order_by("campaign_id", "due_on", "id")
        .values_list("campaign_id", "unreachable")
    )
    result = []
    for campaign in sorted(campaigns, key=lambda c: (c.kind != Campaign.Kind.RENEWAL, c.opens_on)):
        progress = CampaignProgress(campaign, unreachable=unreachable.get(campaign.pk) or 0)
        for school in schools:
            if school.board_id == campaign.board_id:
                row = SchoolProgress(school, **counts.get((campaign.pk, school.pk), {}))
                progress.schools.append(row)
        result.append(progress)
    return result


def _counts(campaign_ids: list[int], school_ids: list[int]) -> dict[tuple, dict]:
    """{(campaign id, school id): {measure: people}} from the outbox and the decision log."""
    Through = OutboxMessage.subjects.through
    message = "outboxmessage__"
    campaign = f"{message}step__campaign"
    # A decision about the person in the campaign's school year, recorded after this email
    # was written; for a text change, about the changed text's purpose.
    decided_after = ConsentDecision.objects.filter(
        subject_id=OuterRef("subject_id"),
        school_year_id=OuterRef(f"{campaign}__school_year_id"),
        decided_at__gte=OuterRef(f"{message}created_at"),
    )
    on_purpose = decided_after.filter(purpose_id=OuterRef(f"{campaign}__text__purpose_id"))
    links = Through.objects.filter(**{f"{campaign}__in": campaign_ids}).alias(
        decided=Exists(decided_after), decided_on_purpose=Exists(on_purpose)
    )
    sent = Q(**{f"{message}state": SENT})
    measures = {
        "asked": Q(),
        "invited": sent & Q(**{f"{message}step__name": INVITATION}),
        "reminded": sent & Q(**{f"{message}step__name__startswith": "reminder-"}),
        "failed": Q(**{f"{message}state": FAILED}),
        "answered": Q(decided=True, **{f"{campaign}__text__isnull": True})
        | Q(decided_on_purpose=True),
    }
    counts = defaultdict(dict)
    for school_path in ("subject__student__school", "subject__staffmember__schools"):
        rows = (
            links.filter(**{f"{school_path}__in": school_ids})
            .values(campaign, school_path)
            .annotate(
                **{
                    name: Count("subject", distinct=True, filter=condition or None)
                    for name, condition in measures.items()
                }
            )
            .order_by()
        )
        for row in rows:
            key = (row.pop(campaign), row.pop(school_path))
            for name, people in row.items():
                counts[key][name] = counts[key].get(name, 0) + people
    return counts


# --- Progress of one campaign in the Django admin -----------------------------------------


@dataclass
class Progress:
    school: str
    asked: set = field(default_factory=set)
    invited: set = field(default_factory=set)
    reminded: set = field(default_factory=set)
    failed: set = field(default_factory=set)
    still_open: set = field(default_factory=set)

    @property
    def answered(self) -> set:
        return self.asked - self.still_open

    def counts(self) -> dict[str, int]:
        return {
            "invited": len(self.invited),
            "answered": len(self.answered),
            "reminded": len(self.reminded),
            "failed": len(self.failed),
            "still_open": len(self.still_open),
        }


def campaign_progress(campaign: Campaign, *, today: dt.date | None = None) -> list[Progress]:
    """Per school of the board: the people the campaign asked, and of them how many were
    invited, have answered, were reminded, could not be emailed, and still have to answer."""
    today = today or school_today()
    Through = OutboxMessage.subjects.through
    links = Through.objects.filter(outboxmessage__step__campaign=campaign)
    asked, invited, reminded, failed = set(), set(), set(), set()
    for subject_id, state, step_name in links.values_list(
        "subject_id", "outboxmessage__state", "outboxmessage__step__name"
    ).iterator(chunk_size=5000):
        asked.add(subject_id)
        if state == State.SENT:
            (reminded if step_name.startswith("reminder-") else invited).add(subject_id)
        elif state == State.FAILED:
            failed.add(subject_id)
    still_open = set()
    subject_ids = sorted(asked)
    size = settings.CAMPAIGN_CHUNK_SIZE
    for start in range(0, len(subject_ids), size):
        still_open.update(
            rules.voices_to_ask(
                subject_ids[start : start + size],
                on=today,
                purposes=campaign.purposes,
                changed_text_only=campaign.kind == Campaign.Kind.TEXT_CHANGE,
            )
        )
    schools_of = defaultdict(set)
    asked_query = links.values("subject_id")
    for pk, school_id in Student.objects.filter(pk__in=asked_query).values_list("pk", "school_id"):
        schools_of[school_id].add(pk)
    for pk, school_id in StaffMember.schools.through.objects.filter(
        staffmember_id__in=asked_query
    ).values_list("staffmember_id", "school_id"):
        schools_of[school_id].add(pk)
    result = []
    for school in School.objects.filter(board=campaign.board):
        members = schools_of.get(school.pk, set())
        result.append(
            Progress(
                school=school.name,
                asked=members,
                invited=members & invited,
                reminded=members & reminded,
                failed=members & failed,
                still_open=members & still_open,
            )
        )
    return result
