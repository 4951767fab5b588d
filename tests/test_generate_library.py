"""The library generator of the benchmarks (issue 23), and the library's page benchmarks on
what it writes."""

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command

from benchmarks import pages
from benchmarks.generate import board_generate
from benchmarks.generate.library import library_schools
from benchmarks.harness import REGISTRY, Board, NoBoard, measure
from consents import stored
from consents.models import LibraryItem, LibraryItemPerson

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)
LIBRARY_PAGES = [
    "page: library, first page",
    "page: library, may go on <channel>",
    "page: library, needs attention",
]


def test_the_library_is_mixed_and_its_page_benchmarks_run_at_both_sizes():
    """One generated board for everything (generating takes most of the time)."""
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC), tick=False):
        board_generate(students=60, seed=1, today=TODAY, schools=3)
        # One person an item: some items of both libraries may go on the first channel.
        call_command("generate_library", items=300, small=40, people=1, seed=2)
        largest, second, _third = library_schools()
        items = LibraryItem.objects.filter(school=largest)
        assert (items.count(), LibraryItem.objects.filter(school=second).count()) == (300, 40)
        assert items.filter(people_marked_at__isnull=True).exists()
        assert items.filter(others_visible=True).exists()
        entries = LibraryItemPerson.objects.filter(item__school=largest)
        assert entries.count() == items.filter(entries__isnull=False).distinct().count()
        assert set(entries.values_list("subject__student__school", flat=True)) == {largest.pk}
        with pytest.raises(CommandError, match="already hold a library"):
            call_command("generate_library", items=10, small=5)

        assert stored.refresh().as_of == TODAY
        for name in LIBRARY_PAGES:
            benchmark = REGISTRY[name]
            benchmark.sizes = (300, 40)  # the sizes generated here
            try:
                result = measure(benchmark, Board(), repeat=1)
            finally:
                benchmark.sizes = pages.LIBRARY_SIZES
            assert set(result.queries) == {300, 40}
            assert len(set(result.queries.values())) == 1, (name, result.queries)


def test_a_library_page_benchmark_without_a_library_says_how_to_make_one():
    with time_machine.travel(dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC), tick=False):
        board_generate(students=20, seed=1, today=TODAY, schools=2)
        with pytest.raises(NoBoard, match="generate_library"):
            pages.library_url(Board(), 50_000)
