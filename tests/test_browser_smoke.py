"""The browser set-up works: Chromium renders the home page and axe-core finds nothing serious."""

import pytest

from .conftest import axe_violations, screenshot

# chain_transactional_db: on PostgreSQL the teardown flush must get past the decision
# table's append-only trigger.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("chain_transactional_db"),
]


def test_home_page_renders_and_is_accessible(page, live_server):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text()
    screenshot(page, "home")
    assert axe_violations(page) == []
