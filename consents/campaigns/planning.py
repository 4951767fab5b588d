"""Planning a campaign's step: one outbox row per person (user) who still has to answer,
written chunk by chunk, then published to Celery after the step's transaction commits."""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consents import outbox, rules
from consents.bulk import keyset_chunks
from consents.models import Board, Campaign, CampaignStep, Guardianship, OutboxMessage, Subject

State = OutboxMessage.State
Template = OutboxMessage.Template


def current(queryset, board: Board, on: dt.date):
    """People (a Subject or Student queryset) of `board` still at school on `on`, not erased."""
    return queryset.filter(board=board, erased_at__isnull=True).filter(
        Q(date_left__isnull=True) | Q(date_left__gt=on)
    )


def step_plan(step: CampaignStep, *, today: dt.date, chunk_size: int | None = None) -> CampaignStep:
    """Write one outbox row for each person who still has to answer, then publish the rows.

    Runs chunk by chunk over the recipients (users), each chunk with everyone its users answer
    for, so memory stays bounded and a guardian of siblings gets one email. Idempotent: a
    re-run after a crash adds only what is missing (the unique constraint).
    """
    chunk_size = chunk_size or settings.CAMPAIGN_CHUNK_SIZE
    campaign = step.campaign
    ask_kwargs = {
        "on": today,
        "purposes": campaign.purposes,
        "changed_text_only": campaign.kind == Campaign.Kind.TEXT_CHANGE,
    }
    subject_ids = current(Subject.objects, campaign.board, today).values("pk")
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(guardian__guardianships__student__in=subject_ids) | Q(subject__in=subject_ids))
        .distinct()
    )
    for user_ids in keyset_chunks(users, chunk_size):
        links = list(
            Guardianship.objects.filter(
                guardian__user_id__in=user_ids, student__in=subject_ids
            ).values_list("guardian__user_id", "guardian_id", "student_id")
        )
        own = list(
            Subject.objects.filter(user_id__in=user_ids, pk__in=subject_ids).values_list(
                "user_id", "pk"
            )
        )
        asks = rules.voices_to_ask(
            {student_id for *_ids, student_id in links} | {pk for _user, pk in own}, **ask_kwargs
        )
        wanted = defaultdict(set)
        for user_id, guardian_id, student_id in links:
            if guardian_id in asks.get(student_id, ()):
                wanted[user_id].add(student_id)
        for user_id, pk in own:
            if None in asks.get(pk, ()):
                wanted[user_id].add(pk)
        messages_write(step, wanted, Template.ASK)

    # Who needs an answer but is in no email of this step: nobody with an address to ask.
    people = current(Subject.objects, campaign.board, today)
    unreachable = sum(
        len(rules.voices_to_ask(ids, **ask_kwargs))
        for ids in uncovered_chunks(step, people, chunk_size)
    )
    return step_finish(step, unreachable=unreachable)


def uncovered_chunks(step: CampaignStep, people, size: int):
    """The ids of `people` in no message of `step`, chunk by chunk.

    Each chunk's people are looked up in the messages by their own ids (an index), and the
    step is compared here. As one `NOT EXISTS` query, PostgreSQL planned it from statistics
    that do not know the rows this step has just written (a new step: "1 row"), and compared
    every person with every message: 100,000 recipients took minutes.
    """
    Through = OutboxMessage.subjects.through
    for ids in keyset_chunks(people, size):
        covered = {
            subject_id
            for subject_id, step_id in Through.objects.filter(subject_id__in=ids).values_list(
                "subject_id", "outboxmessage__step_id"
            )
            if step_id == step.pk
        }
        rest = [pk for pk in ids if pk not in covered]
        if rest:
            yield rest


def messages_write(step: CampaignStep, wanted: dict[int, set[int]], template: str) -> None:
    """One outbox row per recipient user of `wanted` ({user id: subject ids}) for `step`."""
    if not wanted:
        return
    Through = OutboxMessage.subjects.through
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(step=step, recipient_id=user_id, template=template)
                for user_id in wanted
            ],
            ignore_conflicts=True,
        )
        rows = dict(
            OutboxMessage.objects.filter(step=step, recipient_id__in=wanted).values_list(
                "recipient_id", "pk"
            )
        )
        Through.objects.bulk_create(
            [
                Through(outboxmessage_id=rows[user_id], subject_id=subject_id)
                for user_id, subject_ids in wanted.items()
                for subject_id in subject_ids
            ],
            ignore_conflicts=True,
        )


@transaction.atomic
def step_finish(step: CampaignStep, *, unreachable: int) -> CampaignStep:
    """Mark `step` planned and publish its rows once this transaction commits."""
    step.recipients = step.messages.count()
    step.unreachable = unreachable
    step.planned_at = timezone.now()
    step.save(update_fields=["recipients", "unreachable", "planned_at"])
    transaction.on_commit(lambda: outbox_publish_step(step))
    return step


def outbox_publish_step(step: CampaignStep) -> None:
    unpublished = step.messages.filter(state=State.QUEUED, enqueued_at__isnull=True)
    for ids in keyset_chunks(unpublished, outbox.PUBLISH_CHUNK):
        outbox.outbox_publish(ids)
