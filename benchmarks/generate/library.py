"""A photo library for the generated board (issue 23's benchmark): 50,000 items of 20 people
each in the board's largest school, and a small one (1,000 items) in the second largest, so
that the page benchmarks can count queries at two sizes.

Items are photos added over the last three years by the board's communications staff, the
people drawn from the school's students. Mixed as a real library is: 4% not marked yet, 5%
with other recognisable people visible, 1% marked "nobody recognisable". No publications and
no files (the list shows the thumbnail's place holder): the list's filters read neither.

Rows go in with COPY on PostgreSQL (`BulkWriter`), items with ids taken from their sequence
so that the people's rows can name them. Same seed, sizes and day: the same library.
"""

import datetime as dt
import random
import time

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count

from consents.bulk import BulkWriter
from consents.dates import SCHOOL_TZ, school_today
from consents.models import (
    LibraryItem,
    LibraryItemPerson,
    MediaType,
    Role,
    School,
    Student,
)

from .catalogue import BOARD_NAME
from .tables import peak_memory_mib

ITEM_COLUMNS = [
    "id",
    "school_id",
    "title",
    "media_type_id",
    "file",
    "content_type",
    "size",
    "width",
    "height",
    "thumbnail",
    "uploaded_by_id",
    "uploaded_at",
    "people_marked_at",
    "others_visible",
    "link",
    "preview",
]
PERSON_COLUMNS = ["item_id", "subject_id", "added_by_id", "added_at"]
UNMARKED, OTHERS_VISIBLE, NOBODY = 0.04, 0.05, 0.01
SPREAD = dt.timedelta(days=3 * 365)


def library_schools() -> list[School]:
    """The generated board's schools by number of students, largest first."""
    return list(
        School.objects.filter(board__name=BOARD_NAME)
        .annotate(n=Count("students"))
        .order_by("-n", "pk")
    )


@transaction.atomic
def library_generate(*, sizes=(50_000, 1_000), people=20, seed=1, log=print) -> dict[int, int]:
    """Write a library of each of `sizes` items (of `people` students each) into the board's
    largest schools, in that order. Returns {school id: items}."""
    schools = library_schools()
    if len(schools) < len(sizes):
        raise ValueError("No generated board (or too few schools): run generate_board first.")
    if LibraryItem.objects.filter(school__in=schools[: len(sizes)]).exists():
        raise ValueError("These schools already hold a library; generate into a fresh board.")
    uploader = (
        Role.objects.filter(board=schools[0].board, kind=Role.Kind.COMMUNICATIONS)
        .order_by("pk")[0]
        .user_id
    )
    photo = MediaType.objects.get(code="photo").pk
    rnd = random.Random(f"library-{seed}")  # nosec B311: deterministic demo data
    now = dt.datetime.combine(school_today(), dt.time(0), tzinfo=SCHOOL_TZ)
    written = {}
    for school, size in zip(schools, sizes, strict=False):
        started = time.monotonic()
        students = list(
            Student.objects.filter(school=school).order_by("pk").values_list("pk", flat=True)
        )
        first = _ids_reserve(size)
        items, entries = _rows(rnd, school.pk, students, size, first, people, uploader, photo, now)
        writer = BulkWriter()
        writer.write(LibraryItem, ITEM_COLUMNS, items)
        count = writer.write(LibraryItemPerson, PERSON_COLUMNS, entries)
        written[school.pk] = size
        log(
            f"library of {school} ({len(students):,} students): {size:,} items, "
            f"{count:,} people in {time.monotonic() - started:.1f} s "
            f"(peak memory {peak_memory_mib():.0f} MiB)"
        )
    _sequences_reset()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE consents_libraryitem, consents_libraryitemperson")
    return written


def _ids_reserve(count: int) -> int:
    """The first of `count` new item ids (the sequence is set past them afterwards)."""
    last = LibraryItem.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last + 1


def _rows(rnd, school_id, students, size, first, people, uploader, photo, now):
    items, entries = [], []
    for n in range(size):
        pk = first + n
        uploaded = now - SPREAD * rnd.random()
        roll = rnd.random()
        marked = None if roll < UNMARKED else uploaded + dt.timedelta(minutes=rnd.randint(1, 600))
        nobody = UNMARKED <= roll < UNMARKED + NOBODY
        others = rnd.random() < OTHERS_VISIBLE
        name = f"library/{school_id}/generated-{pk}.jpg"
        items.append(
            (pk, school_id, f"Foto {n + 1}", photo, name, "image/jpeg", 250_000, 1600, 1200, "")
            + (uploader, uploaded, marked, others, "", "")
        )
        if marked is None or nobody:
            continue
        for subject_id in rnd.sample(students, min(people, len(students))):
            entries.append((pk, subject_id, uploader, marked))
    return items, entries


def _sequences_reset() -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [LibraryItem, LibraryItemPerson]):
            cursor.execute(sql)
