"""The pages people use, requested through the full middleware stack as their users.

Each is compared with the bare view (one indexed query behind the same middleware). Pages
that save are wrapped in a transaction that is rolled back, so that every run sees the same
data and the generated chain stays as generated.
"""

from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.db.models import Count
from django.urls import reverse

from consents.models import LibraryItem, MediaType, Purpose

from .baselines import BARE_VIEW
from .harness import NoBoard, benchmark

PAGE_BUDGET_MS = 50
# The (G)MR report page is opened a few times a year; it builds the whole board's tables.
REPORT_PAGE_BUDGET_MS = 300


@benchmark("page: lookup 'jan' (communications)", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def lookup_page(board):
    client = board.client(board.communications)
    url = reverse("communications_lookup") + "?q=jan"
    return lambda: board.get(client, url)


@benchmark("page: person's verdicts (communications)", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def person_page(board):
    client = board.client(board.communications)
    url = reverse("communications_person", args=[board.student().pk])
    return lambda: board.get(client, url)


@benchmark(
    "page: group check, pasted list",
    baseline=BARE_VIEW,
    budget_ms=PAGE_BUDGET_MS,
    sizes=(40, 80),
)
def group_check_page(board, size):
    """A pasted list of `size` student numbers, checked for one purpose and media type."""
    client = board.client(board.communications)
    students = board.students(size)
    data = {
        "school": students[0].school_id,
        "names": "\n".join(s.student_number for s in students),
        "purpose": Purpose.objects.filter(board=board.board, active=True).order_by("pk")[0].pk,
        "media_type": MediaType.objects.get(code="photo").pk,
    }
    url = reverse("communications_group_check")

    def run():
        response = board.post(client, url, data)
        assert response.content.count(b"<tr") >= size, "not everyone was checked"

    return run


@benchmark("page: my consent, 3 children (guardian)", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def my_consent_page(board):
    guardian, _children = board.guardian_with_children(3)
    client = board.client(guardian.user)
    url = reverse("my_consent")
    return lambda: board.get(client, url)


@benchmark("page: save one answer (guardian)", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def save_answer_page(board):
    """A guardian changes one answer; rolled back, as are the on-commit mails."""
    subject = board.student()
    guardian = subject.guardians.select_related("user").order_by("pk").first()
    client = board.client(guardian.user)
    purpose = Purpose.objects.filter(board=board.board, active=True).order_by("pk")[0]
    url = reverse("consent_save", args=[subject.key])
    answers = iter(["yes", "no"] * 10_000)

    def run():
        with transaction.atomic():
            board.post(client, url, {f"consent:{purpose.code}:photo": next(answers)}, status=302)
            transaction.set_rollback(True)

    return run


@benchmark("page: person (administrator)", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS)
def admin_person_page(board):
    client = board.client(board.administrator)
    url = reverse("person_detail", args=[board.student().key])
    return lambda: board.get(client, url)


@benchmark(
    "page: people list 'vries' (administrator)", baseline=BARE_VIEW, budget_ms=PAGE_BUDGET_MS
)
def people_list_page(board):
    client = board.client(board.administrator)
    url = reverse("people_list") + "?q=vries"
    return lambda: board.get(client, url)


@benchmark(
    "page: people list, first page (administrator)",
    baseline=BARE_VIEW,
    budget_ms=PAGE_BUDGET_MS,
)
def people_list_first_page(board):
    """The list as an administrator first opens it: everyone of the board, in name order."""
    client = board.client(board.administrator)
    url = reverse("people_list")
    return lambda: board.get(client, url)


@benchmark(
    "page: (G)MR report, whole board",
    baseline=BARE_VIEW,
    budget_ms=REPORT_PAGE_BUDGET_MS,
)
def council_report_page(board):
    """The report page as the council opens it once the schools are counted (the worker
    counts them every ten minutes): the whole board's tables built from the stored counts,
    small counts suppressed, and rendered, on every request (nothing derived is kept)."""
    client = board.client(board.council)
    url = reverse("council_report")
    board.get(client, url)  # counts every school once (minutes at full scale), not timed
    return lambda: board.get(client, url)


@benchmark(
    "page: (G)MR report, whole board, per year group",
    baseline=BARE_VIEW,
    budget_ms=REPORT_PAGE_BUDGET_MS,
)
def council_report_page_by_year_group(board):
    """The same with a table per year group (and staff) of each school."""
    client = board.client(board.council)
    url = reverse("council_report") + "?by_year_group=on"
    board.get(client, url)  # counts every school once, not timed
    return lambda: board.get(client, url)


# The photo library (issue 23): `manage.py generate_library` after `generate_board` writes
# 50,000 items of 20 students in the largest school and 1,000 in the second; the pages are
# timed on the first and their queries counted on both.
LIBRARY_SIZES = (50_000, 1_000)


def library_url(board, size: int, **params) -> str:
    counts = (
        LibraryItem.objects.filter(school__board=board.board)
        .values("school_id")
        .order_by()
        .annotate(n=Count("pk"))
    )
    school_id = next((c["school_id"] for c in counts if c["n"] == size), None)
    if school_id is None:
        raise NoBoard(f"No library of {size:,} items: run `manage.py generate_library` first.")
    return reverse("library_list") + "?" + urlencode({"school": school_id, **params})


def library_page(board, size: int, *, expect_items: bool = True, **params):
    client = board.client(board.communications)
    url = library_url(board, size, **params)

    def run():
        response = board.get(client, url)
        if expect_items:
            assert b'data-item="' in response.content, "the page shows no items"

    return run


@benchmark(
    "page: library, first page",
    baseline=BARE_VIEW,
    budget_ms=PAGE_BUDGET_MS,
    sizes=LIBRARY_SIZES,
)
def library_first_page(board, size):
    """The list as staff first open it: the newest 48 items, with their verdicts."""
    return library_page(board, size)


@benchmark(
    "page: library, may go on <channel>",
    baseline=BARE_VIEW,
    budget_ms=PAGE_BUDGET_MS,
    sizes=LIBRARY_SIZES,
)
def library_may_go_on_page(board, size):
    """Filtered by the board's first channel: chosen in SQL from the stored verdicts. Few
    items may go anywhere (1.2% of the generated library): not checked that it shows any."""
    purpose = Purpose.objects.filter(board=board.board, active=True).order_by("pk")[0]
    return library_page(board, size, expect_items=False, purpose=purpose.pk)


@benchmark(
    "page: library, needs attention",
    baseline=BARE_VIEW,
    budget_ms=PAGE_BUDGET_MS,
    sizes=LIBRARY_SIZES,
)
def library_attention_page(board, size):
    return library_page(board, size, attention="on")


@benchmark(
    "page: library, may go on <channel>, far back",
    baseline=BARE_VIEW,
    budget_ms=PAGE_BUDGET_MS,
)
def library_may_go_on_far_back(board):
    """ "Older photos" followed to the 80th percent of the list: a page looks at the 2,000
    items after the one it goes on from (consents/library/window.py), wherever that is.
    Timed on the 50,000 items only: in the small library that place shows an item with nobody
    on it, which writes no access-log entry, and the query counts would differ for that."""
    size = LIBRARY_SIZES[0]
    purpose = Purpose.objects.filter(board=board.board, active=True).order_by("pk")[0]
    school_id = dict(parse_qsl(library_url(board, size).split("?", 1)[1]))["school"]
    items = LibraryItem.objects.filter(school_id=school_id).order_by("-uploaded_at", "-pk")
    after = items.values_list("pk", flat=True)[size * 4 // 5]
    return library_page(board, size, expect_items=False, purpose=purpose.pk, after=after)
