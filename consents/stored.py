"""Stored verdicts: `rules.verdicts` worked out ahead for today, for whole-board reading.

The register of current status and the (G)MR report read the verdicts of every person of a
board: 1.7 million of them at 50,000 students, a minute of work if they were worked out for
each run. `CurrentVerdict` holds them instead. The rules stay in `consents.rules`, which also
declares what a verdict depends on (`rules.inputs.RULE_INPUTS`); this module only decides
*when* to apply them again:

- `verdicts_mark_stale` queues people (`VerdictDirty`), or empties `VerdictRefresh.as_of` so
  that everything is worked out again. The models' signals call it for every save and delete
  of a declared input that changes a declared field (`watch_rule_inputs`, connected at
  start-up); code that writes such a field in bulk calls it itself;
- `refresh`, run by the worker every minute (beat), works the queue off, and on a new day also
  takes the people `rules.changed_by_days` names; a new school year, a material text change
  or an empty `as_of` rebuild everything;
- readers (`register_rows`, `states`, `states_today`) never refresh: they read the stored rows
  of the people not queued when the store holds for the date asked, and work out the others
  with the rules. So no page waits for a refresh, and none shows a verdict older than the
  last saved change.
"""

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction
from django.db.models import F, Max
from django.db.models.signals import post_delete, post_save, pre_save

from consents.bulk import BulkWriter
from consents.dates import school_today
from consents.models import CurrentVerdict, Subject, VerdictDirty, VerdictRefresh
from consents.rules import State, Verdict, VerdictKey, verdicts
from consents.rules.inputs import Scope, changed_by_days, rule_input, watched_fields

CHUNK = 2000
# The advisory lock that lets one refresh run at a time on PostgreSQL (SQLite writes one at a
# time anyway).
LOCK_KEY = 710_011
# The register's columns first (`register_rows` reads those), then the rest of the verdict.
REGISTER_COLUMNS = [
    "subject_id",
    "purpose_id",
    "media_type_id",
    "state",
    "decider",
    "disputed",
    "not_renewed",
    "asked_again",
    "last_decided_at",
    "last_guardian_id",
    "last_decided_by_id",
]
COLUMNS = [
    *REGISTER_COLUMNS,
    "inherited_from_guardians",
    "lapsed",
    "last_decision_id",
    "protected",
    "withdrawn_at",
]


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: the date the stored verdicts now hold for (None if a change came in
    while it ran), how many people it worked out, and whether it rebuilt everything."""

    as_of: dt.date | None
    people: int
    rebuilt: bool


def refresh(*, wait: bool = True) -> Refreshed | None:
    """Bring the stored verdicts up to today. None if another refresh runs and not `wait`.
    Run by the worker (beat, `consents.tasks.verdicts_refresh`), never by a page."""
    on = school_today()
    with transaction.atomic():
        if not _lock(wait):
            return None
        state, _created = VerdictRefresh.objects.get_or_create(pk=1)
        # Only the queue as it is now: people queued while this runs stay for the next one.
        upto = VerdictDirty.objects.aggregate(upto=Max("id"))["upto"] or 0
        ids = set(VerdictDirty.objects.filter(id__lte=upto).values_list("subject_id", flat=True))
        if state.as_of is None or state.as_of > on:
            changed = None
        else:
            changed = changed_by_days(state.as_of, on) if state.as_of < on else set()
        rebuilt = changed is None
        people = _rebuild_all(on) if rebuilt else _rebuild(sorted(ids | changed), on)
        VerdictDirty.objects.filter(id__lte=upto).delete()
        held = VerdictRefresh.objects.filter(pk=1, generation=state.generation).update(as_of=on)
    return Refreshed(as_of=on if held else None, people=people, rebuilt=rebuilt)


def _lock(wait: bool) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return cursor.fetchone()[0]


def _rebuild_all(on: dt.date) -> int:
    CurrentVerdict.objects.all().delete()
    ids = list(Subject.objects.order_by("id").values_list("id", flat=True))
    written = _write(ids, on)
    if connection.vendor == "postgresql":  # the planner must know the table is large now
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE consents_currentverdict")
    return written


def _rebuild(ids: list[int], on: dt.date) -> int:
    for start in range(0, len(ids), CHUNK):
        CurrentVerdict.objects.filter(subject_id__in=ids[start : start + CHUNK]).delete()
    return _write(ids, on)


def _write(ids: list[int], on: dt.date) -> int:
    writer = BulkWriter()
    for start in range(0, len(ids), CHUNK):
        found = verdicts(ids[start : start + CHUNK], on=on, detail=False)
        writer.write(CurrentVerdict, COLUMNS, _rows(found))
    return len(ids)


def _rows(found: dict) -> Iterator[tuple]:
    for key, verdict in found.items():
        last = verdict.decisions[-1] if verdict.decisions else None
        yield (
            *_register_row(key, verdict, last),
            verdict.inherited_from_guardians,
            verdict.lapsed,
            last.id if last else None,
            verdict.protected,
            verdict.withdrawn_at,
        )


def _register_row(key, verdict: Verdict, last) -> tuple:
    return (
        *key,
        verdict.state.value,
        verdict.decider.value,
        verdict.disputed,
        verdict.not_renewed,
        verdict.asked_again,
        int(last.decided_at.timestamp()) if last else None,
        last.guardian_id if last else None,
        last.decided_by_id if last else None,
    )


# --- Reading ----------------------------------------------------------------------------------


def register_rows(
    subject_ids: Iterable[int], *, on: dt.date, purposes, media_types
) -> Iterable[tuple]:
    """The register's view of each verdict on `on`, as tuples of REGISTER_COLUMNS ordered by
    person, purpose and media type: stored rows where they hold, the rest worked out."""
    from_store, worked = _sources(subject_ids, on)
    read = (
        _stored(from_store, purposes, media_types)
        .order_by("subject_id", "purpose_id", "media_type_id")
        .values_list(*REGISTER_COLUMNS)
    )
    found = _worked_out(worked, on, purposes, media_types) if worked else {}
    computed = [
        _register_row(key, verdict, verdict.decisions[-1] if verdict.decisions else None)
        for key, verdict in sorted(found.items(), key=lambda item: item[0])
    ]
    if not computed:
        return read  # the usual case: nobody queued, no merge over every row
    if not from_store:
        return computed
    return heapq.merge(read, computed, key=lambda row: row[:3])


def states(subject_ids: Iterable[int], *, on: dt.date, purposes, media_types) -> list[tuple]:
    """(subject, purpose, media type, state value) on `on`, for counting: stored rows where
    they hold, the rest worked out."""
    from_store, worked = _sources(subject_ids, on)
    found = []
    if from_store:
        found.extend(
            _stored(from_store, purposes, media_types).values_list(
                "subject_id", "purpose_id", "media_type_id", "state"
            )
        )
    if worked:
        verdicts_found = _worked_out(worked, on, purposes, media_types)
        found.extend((*key, verdict.state.value) for key, verdict in verdicts_found.items())
    return found


def states_today(subject_ids: Iterable[int], *, purposes, media_types) -> dict[VerdictKey, State]:
    """Today's state of each verdict, for a page that shows many (the lookup)."""
    rows = states(subject_ids, on=school_today(), purposes=purposes, media_types=media_types)
    return {(s, p, m): State(state) for s, p, m, state in rows}


def queued_among(subject_ids, *, on: dt.date) -> list[int] | None:
    """The people of `subject_ids` (ids, or a queryset of them, read in the database) whose
    stored verdicts do not hold: they are worked out with the rules, everyone else may be read
    from the store, also in SQL. None when the store does not hold for `on` at all.

    Read in the same order as `_sources`: the store's date, then the queue."""
    as_of = VerdictRefresh.objects.filter(pk=1).values_list("as_of", flat=True).first()
    if as_of != on:
        return None
    queued = VerdictDirty.objects.filter(subject_id__in=subject_ids)
    return sorted(set(queued.values_list("subject_id", flat=True)))


def _sources(subject_ids: Iterable[int], on: dt.date) -> tuple[list[int], list[int]]:
    """(people whose stored rows hold for `on`, people to work out): when the store holds for
    `on`, everyone not queued is read; otherwise (another date, a day not yet refreshed, a
    board-wide change not yet rebuilt) everyone is worked out.

    Read in this order: the store's date, the queue, the rows. A refresh empties the queue and
    writes the rows in one transaction, so a person not queued has rows at least as new as the
    queue that was read; a change committed after that read is one the caller had not seen
    yet, as if it had asked a moment earlier.
    """
    subject_ids = list(subject_ids)
    as_of = VerdictRefresh.objects.filter(pk=1).values_list("as_of", flat=True).first()
    if as_of != on or not subject_ids:
        return [], subject_ids
    queued = set(
        VerdictDirty.objects.filter(subject_id__in=subject_ids).values_list("subject_id", flat=True)
    )
    return [pk for pk in subject_ids if pk not in queued], [
        pk for pk in subject_ids if pk in queued
    ]


def _stored(subject_ids, purposes, media_types):
    return CurrentVerdict.objects.filter(
        subject_id__in=list(subject_ids), purpose__in=purposes, media_type__in=media_types
    )


def _worked_out(subject_ids, on, purposes, media_types) -> dict:
    return verdicts(
        list(subject_ids), on=on, purposes=purposes, media_types=media_types, detail=False
    )


# --- Marking stale ------------------------------------------------------------------------------


def verdicts_mark_stale(*, people: Iterable[int] = (), everyone: bool = False) -> None:
    """Mark the stored verdicts of `people` (person ids), or with `everyone` all of them, as
    no longer holding: readers work them out until the next refresh writes them again.

    Call it in the transaction that changes a rule input (`rules.inputs.RULE_INPUTS`), after
    the change. The models' signals do for every single save and delete (`watch_rule_inputs`);
    code that writes a declared field in bulk calls it itself.
    """
    if everyone:
        VerdictRefresh.objects.update(as_of=None, generation=F("generation") + 1)
        return
    ids = sorted({pk for pk in people if pk is not None})
    if ids:
        VerdictDirty.objects.bulk_create([VerdictDirty(subject_id=pk) for pk in ids])


# Where `_before_save` leaves the declared fields as stored, for `_after_save`.
BEFORE = "_rule_inputs_before_save"


def _before_save(sender, instance, update_fields=None, **kwargs):
    """Remember the declared fields of an existing row as stored (one query by primary key),
    unless the save names its fields and none is declared."""
    if instance._state.adding or instance.pk is None:
        return
    watched = watched_fields(sender)
    saved = update_fields and {sender._meta.get_field(name).attname for name in update_fields}
    if update_fields is not None and not saved & watched:
        return
    before = sender._base_manager.filter(pk=instance.pk).values(*watched).first()
    instance.__dict__[BEFORE] = before or {}


def _after_save(sender, instance, created, **kwargs):
    before = instance.__dict__.pop(BEFORE, None)
    if created:
        _mark(sender, instance, {})
    elif before is not None and any(
        instance.__dict__.get(name, old) != old for name, old in before.items()
    ):
        _mark(sender, instance, before)
    elif before == {}:  # the row was not found: mark rather than guess
        _mark(sender, instance, {})


def _after_delete(sender, instance, **kwargs):
    _mark(sender, instance, {})


def _mark(model, instance, before: dict) -> None:
    declared = rule_input(model)
    if declared.scope == Scope.EVERYONE:
        verdicts_mark_stale(everyone=True)
        return
    person = model._meta.get_field(declared.person).attname
    verdicts_mark_stale(people=[getattr(instance, person), before.get(person)])


def watch_rule_inputs() -> None:
    """Connect the signals of every model a rule reads (and its subclasses), so that a save or
    delete that changes a declared field marks the verdicts it alters stale. Called once at
    start-up (`ConsentsConfig.ready`). The decision log needs none: it is append-only, and a
    decision counts once its status row is written."""
    for model in apps.get_app_config("consents").get_models():
        declared = rule_input(model)
        if declared is None or declared.scope == Scope.LOG:
            continue
        uid = f"stored-verdicts-{model._meta.label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
        post_save.connect(_after_save, sender=model, dispatch_uid=uid)
        if declared.deletes_signalled:
            post_delete.connect(_after_delete, sender=model, dispatch_uid=uid)
