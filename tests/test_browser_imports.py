"""In a real browser: a full import that would empty a school asks first, naming the count."""

from pathlib import Path

import pytest

from consents.models import Student

from .conftest import axe_violations, log_in_browser, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "import" / "leerlingen.csv"


def dry_run(page, live_server, path, *, full=False):
    page.goto(live_server.url + "/manage/import/")
    page.locator("#id_file").set_input_files(str(path))
    if full:
        page.locator("#id_full").check()
    page.locator("#import-upload button[type=submit]").click()


def test_a_full_import_of_a_partial_file_asks_before_marking_people_as_left(
    page, live_server, private_media, administrator, school, tmp_path
):
    log_in_browser(page, live_server, administrator)
    dry_run(page, live_server, EXAMPLE)
    page.locator("#import-confirm button").click()
    page.wait_for_selector("#import-summary")
    assert Student.objects.count() == 5

    partial = tmp_path / "leerlingen.csv"
    lines = EXAMPLE.read_bytes().splitlines(keepends=True)
    partial.write_bytes(b"".join(lines[:3]))  # the header and two of the five students
    dry_run(page, live_server, partial, full=True)
    warning = page.locator("#mass-leave")
    assert "This full import marks 3 people as left" in warning.inner_text()
    screenshot(page, "import-mass-leave")
    assert axe_violations(page) == []

    page.locator("#import-confirm button").click()  # without the tick: nothing written
    page.wait_for_selector(".alert-danger")
    assert "confirm that 3 people are marked as left" in page.content()
    assert Student.objects.filter(date_left__isnull=False).count() == 0

    page.get_by_label("Yes, mark 3 people as left").check()
    page.locator("#import-confirm button").click()
    page.wait_for_selector(".alert-success")
    assert Student.objects.filter(date_left__isnull=False).count() == 3
