"""In a real browser: upload a file, check the dry run, import it, and read the (G)MR report."""

from pathlib import Path

import pytest

from consents.models import Student

from .conftest import axe_violations, log_in_browser, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "import" / "leerlingen.csv"


def test_dry_run_then_import_then_report(
    page, live_server, chain_transactional_db, private_media, administrator, school, purposes
):
    log_in_browser(page, live_server, administrator)
    page.goto(live_server.url + "/manage/import/")
    assert axe_violations(page) == []
    page.locator("#id_file").set_input_files(str(EXAMPLE))
    page.locator("#import-upload button[type=submit]").click()

    rows = page.locator("#import-rows tbody tr")
    assert rows.count() == 5
    assert page.locator("#import-rows tbody tr.import-created").count() == 5
    assert Student.objects.count() == 0
    screenshot(page, "import-dry-run")
    assert axe_violations(page) == []

    page.locator("form[action$='/apply/'] button").click()
    page.wait_for_selector("#import-summary")
    assert Student.objects.count() == 5
    assert page.locator(".alert-success").count() == 1

    page.goto(live_server.url + "/reports/?by_year_group=on")
    assert page.locator("svg.report-chart").count() >= 1
    assert page.locator("#report-definitions").is_visible()
    screenshot(page, "council-report")
    assert axe_violations(page) == []
