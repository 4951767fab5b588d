"""The browser set-up works: Chromium renders the home page and axe-core finds nothing serious."""

import pytest

from .conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_renders_and_is_accessible(chain_transactional_db, page, live_server):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text()
    screenshot(page, "home")
    assert axe_violations(page) == []
