"""In Chromium, on a phone, in Dutch (the site's default): the library's list and an item with
the board's real channel names and a child nobody answered for. The verdict badges are the
longest words of the library ("Sociale media van personeel: geen antwoord (behandel als niet
toegestaan)"): they wrap instead of pushing the page sideways."""

import pytest
from playwright.sync_api import expect

from . import factories as f
from .conftest import log_in_browser, screenshot
from .helpers import record
from .library_helpers import make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_the_verdicts_of_a_child_without_an_answer_fit_a_phone_in_dutch(
    browser, live_server, chain_transactional_db, communications, school, photo
):
    staff_media = f.PurposeFactory(
        board=school.board,
        code="staff-social",
        name_nl="Sociale media van personeel",
        name_en="Staff social media",
    )
    f.PurposeFactory(
        board=school.board,
        code="brochures",
        name_nl="Schoolgids en brochures",
        name_en="Prospectus and brochures",
    )
    zoe = f.StudentFactory(school=school, first_name="Zoë", last_name="Vries")
    lotte = f.StudentFactory(school=school, first_name="Lotte", last_name="Smit")  # no answer
    record(f.GuardianFactory(students=[zoe]).user, zoe, staff_media, photo)
    item = make_item(communications, school, people=[zoe, lotte], title="Sportdag")
    page = browser.new_context(locale="nl-NL", viewport=PHONE).new_page()
    log_in_browser(page, live_server, communications)

    page.goto(f"{live_server.url}/library/{item.pk}/")
    channels = page.locator("#item-channels")
    expect(channels).to_contain_text(
        "Sociale media van personeel: geen antwoord (behandel als niet toegestaan)"
    )
    screenshot(page, "library-item-phone-nl")
    assert page_width(page) <= PHONE["width"]

    page.goto(f"{live_server.url}/library/?school={school.pk}")
    expect(page.get_by_role("link", name="Sportdag")).to_be_visible()
    assert page_width(page) <= PHONE["width"]
