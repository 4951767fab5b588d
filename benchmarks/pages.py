"""The pages people use, requested through the full middleware stack as their users.

Each is compared with the bare view (one indexed query behind the same middleware). Pages
that save are wrapped in a transaction that is rolled back, so that every run sees the same
data and the generated chain stays as generated.
"""

from django.db import transaction
from django.urls import reverse

from consents.models import MediaType, Purpose

from .baselines import BARE_VIEW
from .harness import benchmark

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
