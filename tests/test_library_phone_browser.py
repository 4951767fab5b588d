"""In Chromium, on a phone, in Dutch (the site's default): the library's list and an item with
the board's real channel names and a child nobody answered for. The verdict badges are the
longest words of the library ("Sociale media van personeel: geen antwoord (behandel als niet
toegestaan)"): they wrap instead of pushing the page sideways."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consents import stored
from consents.library import window
from consents.models import LibraryItem

from . import factories as f
from .conftest import axe_violations, log_in_browser, screenshot
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


def test_a_channel_filter_goes_on_through_older_photos_on_a_phone_in_dutch(
    browser, live_server, chain_transactional_db, communications, school, photo, monkeypatch
):
    """With a window of 3 items: the newest three show nobody who may go on the newsletter,
    so the first page says so and how far back it searched; "Oudere foto's" goes on to the
    photos that may, and "Nieuwste foto's" back to the start."""
    monkeypatch.setattr(window, "WINDOW", 3)
    newsletter = f.PurposeFactory(
        board=school.board, code="newsletter", name_nl="Nieuwsbrief", name_en="Newsletter"
    )
    zoe = f.StudentFactory(school=school, first_name="Zoë", last_name="Vries")
    sem = f.StudentFactory(school=school, first_name="Sem", last_name="Bakker")  # no answer
    record(f.GuardianFactory(students=[zoe]).user, zoe, newsletter, photo)
    for n, on_it in enumerate([zoe, zoe, sem, zoe, sem, sem, sem]):  # oldest first
        make_item(communications, school, people=[on_it], title=f"Foto {n}")
    stored.refresh()
    page = browser.new_context(locale="nl-NL", viewport=PHONE, bypass_csp=True).new_page()
    log_in_browser(page, live_server, communications)

    page.goto(f"{live_server.url}/library/?school={school.pk}")
    page.get_by_label("Mag op").select_option(label="Nieuwsbrief")
    page.get_by_role("button", name="Filteren").click()
    expect(page.get_by_text("Hier staan geen foto's.")).to_be_visible()
    searched = timezone.localtime(LibraryItem.objects.get(title="Foto 4").uploaded_at)
    expect(page.get_by_text(f"Doorzocht tot en met de foto's van {searched.day} ")).to_be_visible()
    assert page.get_by_role("link", name="Nieuwste foto's").count() == 0
    assert axe_violations(page) == []

    page.get_by_role("link", name="Oudere foto's").click()
    cards = page.locator("#library-items > li")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("Foto 3")
    expect(cards.last).to_contain_text("Foto 1")
    expect(page.get_by_label("Mag op")).to_have_value(str(newsletter.pk))  # still filtered
    screenshot(page, "library-older-photos-phone-nl")
    assert page_width(page) <= PHONE["width"]

    page.get_by_role("link", name="Oudere foto's").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Foto 0")
    assert page.get_by_role("link", name="Oudere foto's").count() == 0  # the end

    page.get_by_role("link", name="Nieuwste foto's").click()
    expect(page.get_by_text("Hier staan geen foto's.")).to_be_visible()
