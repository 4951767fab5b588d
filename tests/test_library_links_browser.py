"""In Chromium, on a phone: register a link to an album kept elsewhere -> tick people of a
class -> see where it may go -> open it for a channel (the browser ends at the album)."""

import pytest
from playwright.sync_api import expect

from consents.dates import school_today
from consents.models import LibraryDownload, LibraryItem, SchoolYear

from . import factories as f
from .conftest import axe_violations, log_in_browser, screenshot
from .helpers import record

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("site_in_english"),
]

PHONE = {"width": 390, "height": 844}
ALBUM = "https://photos.example.org/albums/sportdag-2026"


def test_register_a_link_tag_a_class_see_the_verdict_and_open_it(
    browser, page, live_server, chain_transactional_db, communications, school, purposes, photo
):
    website, _yearbook = purposes
    year = SchoolYear.objects.for_date(school.board, school_today())
    g1a = f.GroupFactory(school=school, school_year=year, name="G1a")
    zoe = f.StudentFactory(school=school, group=g1a, first_name="Zoë", last_name="Vries")
    sem = f.StudentFactory(school=school, group=g1a, first_name="Sem", last_name="Bakker")
    record(f.GuardianFactory(students=[zoe]).user, zoe, website, photo)
    record(f.GuardianFactory(students=[sem]).user, sem, website, photo, value="refused")
    # The album is not on the internet in a test: the browser gets this page for it.
    page.route(ALBUM, lambda route: route.fulfill(body="<title>Album</title>Album"))
    page.set_viewport_size(PHONE)
    log_in_browser(page, live_server, communications)

    page.goto(live_server.url + "/library/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name="Add a link").click()
    page.get_by_label("Title").fill("Sports day album")
    page.get_by_label("Web address").fill("http://photos.example.org/albums/sportdag-2026")
    page.get_by_label("What is it?").select_option(label="Photo")
    page.get_by_role("button", name="Add the link").click()
    expect(page.get_by_text("takes only https:// addresses")).to_be_visible()
    page.get_by_label("Web address").fill(ALBUM)
    page.get_by_role("button", name="Add the link").click()
    expect(page.get_by_text("Now mark who is on it.")).to_be_visible()
    expect(page.get_by_text("link to photos.example.org")).to_be_visible()

    page.get_by_label("Class").select_option(label="G1a")
    page.get_by_role("button", name="Show the class").click()
    page.get_by_label("Zoë Vries").check()
    page.get_by_label("Sem Bakker").check()
    page.get_by_role("button", name="Save who is on it").click()

    channels = page.locator("#item-channels")
    expect(channels).to_contain_text("Website: not allowed")
    expect(channels).to_contain_text("Sem Bakker (not allowed)")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    screenshot(page, "library-link-item")

    # Open it for the website, in a browser that keeps the portal's CSP (the other pages
    # bypass it for axe-core): a reason is needed for Sem, then the browser is at the album.
    strict = browser.new_context(locale="en-GB", viewport=PHONE)
    phone = strict.new_page()
    phone.route(ALBUM, lambda route: route.fulfill(body="<title>Album</title>Album"))
    blocked = []
    phone.on("console", lambda message: blocked.append(message.text))
    log_in_browser(phone, live_server, communications)
    phone.goto(page.url)
    opening = phone.locator("#item-download")
    opening.get_by_label("Channel").select_option(label="Website")
    opening.get_by_role("button", name="Open").click()
    expect(phone.get_by_text("Sem Bakker may not appear on this channel.")).to_be_visible()
    opening.get_by_label("Channel").select_option(label="Website")
    opening.get_by_label("Reason to use it anyway").fill("Sem is not recognisable.")
    opening.get_by_role("button", name="Open").click()
    phone.wait_for_url(ALBUM)
    strict.close()
    assert not [text for text in blocked if "Content Security Policy" in text]

    item = LibraryItem.objects.get()
    assert (item.link, item.file.name) == (ALBUM, "")
    assert LibraryDownload.objects.get().override_reason == "Sem is not recognisable."
