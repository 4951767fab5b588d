"""Stored verdicts: `rules.verdicts` worked out ahead for today, for whole-board reading.

The register of current status and the (G)MR report read the verdicts of every person of a
board: 1.7 million of them at 50,000 students, a minute of work if they were worked out for
each run. `CurrentVerdict` holds them instead. The rules stay in `consents.rules`; this module
only decides *when* to apply them again:

- database triggers queue a person whenever a status, guardianship, date of birth or the
  person changes (`VerdictDirty`), and empty `VerdictRefresh.as_of` when a board setting, a
  purpose, a media type or a consent text changes (migration 0011);
- `refresh` works the queue off, and on a new day also takes the students who turned 16 and
  the decisions dated since; a new school year, a changed text or setting, or an empty
  `as_of` rebuild everything;
- readers call `serves(on)`: it refreshes first and says whether the stored rows hold for
  `on`. For any other date the caller works the verdicts out itself;
- a page that must not wait for a refresh (the lookup) calls `states_today`, which reads the
  rows and works out only the people still queued.

A Celery beat task refreshes every minute, so the queue stays short and the nightly changes
are made before anyone asks.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from consents.bulk import BulkWriter
from consents.dates import SCHOOL_TZ, school_today, school_year_start
from consents.models import (
    ConsentStatus,
    ConsentText,
    CurrentVerdict,
    Student,
    Subject,
    VerdictDirty,
    VerdictRefresh,
)
from consents.rules import State, Verdict, VerdictKey, turning_sixteen, verdicts

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
COLUMNS = [*REGISTER_COLUMNS, "inherited_from_guardians", "lapsed", "last_decision_id"]


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: the date the stored verdicts now hold for (None if a change came in
    while it ran), how many people it worked out, and whether it rebuilt everything."""

    as_of: dt.date | None
    people: int
    rebuilt: bool


def refresh(*, wait: bool = True) -> Refreshed | None:
    """Bring the stored verdicts up to today. None if another refresh runs and not `wait`."""
    on = school_today()
    with transaction.atomic():
        if not _lock(wait):
            return None
        state, _created = VerdictRefresh.objects.get_or_create(pk=1)
        # Only the queue as it is now: people queued while this runs stay for the next one.
        upto = VerdictDirty.objects.aggregate(upto=Max("id"))["upto"] or 0
        rebuilt = _needs_rebuild(state.as_of, on)
        if rebuilt:
            people = _rebuild_all(on)
        else:
            ids = set(
                VerdictDirty.objects.filter(id__lte=upto).values_list("subject_id", flat=True)
            )
            if state.as_of < on:
                ids |= _changed_by_date(state.as_of, on)
            people = _rebuild(sorted(ids), on)
        VerdictDirty.objects.filter(id__lte=upto).delete()
        held = VerdictRefresh.objects.filter(pk=1, generation=state.generation).update(as_of=on)
    return Refreshed(as_of=on if held else None, people=people, rebuilt=rebuilt)


def serves(on: dt.date) -> bool:
    """Whether the stored verdicts can answer for date `on` (refreshing them first)."""
    if on != school_today():
        return False
    done = refresh()
    return done is not None and done.as_of == on


def _lock(wait: bool) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return cursor.fetchone()[0]


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SCHOOL_TZ)


def _needs_rebuild(as_of: dt.date | None, on: dt.date) -> bool:
    """Everyone's verdicts change: nothing stored yet or invalidated, another school year
    (rule 7), or a material text change that takes effect after `as_of` (rule 8)."""
    if as_of is None or as_of > on or school_year_start(as_of) != school_year_start(on):
        return True
    return ConsentText.objects.filter(
        change=ConsentText.Change.MATERIAL,
        created_at__gte=_day_start(as_of + dt.timedelta(days=1)),
        created_at__lt=_day_start(on + dt.timedelta(days=1)),
    ).exists()


def _changed_by_date(as_of: dt.date, on: dt.date) -> set[int]:
    """The people whose verdicts changed only because the days after `as_of` came: students
    who turned 16 (rule 1), and decisions dated after `as_of` that were recorded earlier."""
    turned = turning_sixteen(Student.objects, on, since=as_of).values_list("id", flat=True)
    dated = ConsentStatus.objects.filter(
        decision__decided_at__gte=_day_start(as_of + dt.timedelta(days=1)),
        decision__decided_at__lt=_day_start(on + dt.timedelta(days=1)),
    ).values_list("subject_id", flat=True)
    return set(turned) | set(dated)


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
    subject_ids: Iterable[int], *, on: dt.date, purposes, media_types, stored: bool
) -> Iterable[tuple]:
    """The register's view of each verdict, as tuples of REGISTER_COLUMNS ordered by person,
    purpose and media type: read from the stored verdicts when `stored` (the caller checked
    `serves(on)`), else worked out by `rules.verdicts`."""
    if stored:
        return (
            _stored(subject_ids, purposes, media_types)
            .order_by("subject_id", "purpose_id", "media_type_id")
            .values_list(*REGISTER_COLUMNS)
        )
    found = _worked_out(subject_ids, on, purposes, media_types)
    return [
        _register_row(key, verdict, verdict.decisions[-1] if verdict.decisions else None)
        for key, verdict in sorted(found.items(), key=lambda item: item[0])
    ]


def states(
    subject_ids: Iterable[int], *, on: dt.date, purposes, media_types, stored: bool
) -> Iterable[tuple]:
    """(subject, purpose, media type, state) for counting: stored or worked out, as above."""
    if stored:
        return _stored(subject_ids, purposes, media_types).values_list(
            "subject_id", "purpose_id", "media_type_id", "state"
        )
    found = _worked_out(subject_ids, on, purposes, media_types)
    return [(*key, verdict.state.value) for key, verdict in found.items()]


def states_today(subject_ids: Iterable[int], *, purposes, media_types) -> dict[VerdictKey, State]:
    """Today's state of each verdict, for a page that shows many (the lookup): read from the
    stored verdicts, and worked out only for the people still queued, or for everyone when the
    store does not hold for today. Never refreshes, so a page never waits for a refresh.

    Read in this order: the store's date, the queue, the rows. A refresh empties the queue and
    writes the rows in one transaction, so a person not queued has rows at least as new as the
    queue that was read; a change committed after that read is one the page had not seen yet,
    as if it had loaded a moment earlier.
    """
    subject_ids = list(subject_ids)
    on = school_today()
    as_of = VerdictRefresh.objects.filter(pk=1).values_list("as_of", flat=True).first()
    if as_of == on:
        queued = set(
            VerdictDirty.objects.filter(subject_id__in=subject_ids).values_list(
                "subject_id", flat=True
            )
        )
    else:
        queued = set(subject_ids)
    fresh = [pk for pk in subject_ids if pk not in queued]
    found = {}
    for ids, from_store in ((fresh, True), (sorted(queued), False)):
        if ids:
            rows = states(ids, on=on, purposes=purposes, media_types=media_types, stored=from_store)
            found.update(((s, p, m), State(state)) for s, p, m, state in rows)
    return found


def _stored(subject_ids, purposes, media_types):
    return CurrentVerdict.objects.filter(
        subject_id__in=list(subject_ids), purpose__in=purposes, media_type__in=media_types
    )


def _worked_out(subject_ids, on, purposes, media_types) -> dict:
    return verdicts(
        list(subject_ids), on=on, purposes=purposes, media_types=media_types, detail=False
    )
