"""In a real browser on a phone (390 px), in Dutch: an administrator's pages fit the screen,
the paper form's answers can be read before they are recorded, and a table that scrolls
sideways can be scrolled from the keyboard."""

import datetime as dt

import pytest

from consents.dates import school_today
from consents.models import Campaign, ConsentDecision, SchoolYear
from consents.rules import State, verdict_for

from . import factories as f
from .conftest import axe_violations, log_in_browser, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}

# How much of each select's chosen answer is cut off: the text's width in the select's own
# font against the room the select gives it (its width less padding and the arrow).
ANSWERS_CUT_OFF = """() => {
    const context = document.createElement("canvas").getContext("2d");
    return Array.from(document.querySelectorAll("table.consent-grid select")).map(select => {
        const style = getComputedStyle(select);
        context.font = style.font;
        const text = select.options[select.selectedIndex].text;
        const room = select.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
        return {id: select.id, text, cut: context.measureText(text).width - room};
    }).filter(answer => answer.cut > 0);
}"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="nl-NL", viewport=PHONE, bypass_csp=True)
    yield context.new_page()
    context.close()


def test_the_import_page_fits_a_phone_with_its_long_dutch_heading(
    phone, live_server, administrator
):
    log_in_browser(phone, live_server, administrator)
    phone.goto(live_server.url + "/manage/import/")

    # The translation carries soft hyphens (leerling-administratie-systeem) where the
    # browser has no Dutch hyphenation; the CSS breaks the word where it has neither.
    assert "leerlingadministratiesysteem" in phone.locator("h1").inner_text().replace("\u00ad", "")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_on_a_phone_each_answer_of_a_paper_form_can_be_read_and_recorded(
    phone, live_server, chain_transactional_db, administrator, school, purposes, photo
):
    website, _yearbook = purposes
    child = f.StudentFactory(
        school=school, first_name="Emre", last_name="Yılmaz", date_of_birth=dt.date(2013, 6, 2)
    )
    guardian = f.GuardianFactory(students=[child])
    log_in_browser(phone, live_server, administrator)
    phone.goto(f"{live_server.url}/manage/people/{child.key}/record/")

    # "gegeven", "geweigerd" and "geen wijziging" all start with "ge": cut to two letters
    # beside each other, none can be told apart.
    assert phone.evaluate(ANSWERS_CUT_OFF) == []
    answer = phone.locator(f"#id_answer_{website.id}_{photo.id}")
    answer.select_option("granted")
    assert phone.evaluate(ANSWERS_CUT_OFF) == []
    assert answer.bounding_box()["width"] > PHONE["width"] / 2
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(phone) == []

    phone.locator("#id_method_0").check()  # a paper form
    phone.locator("#id_guardian").select_option(str(guardian.pk))
    phone.locator("#id_note").fill("Formulier ingeleverd op 1 oktober bij de administratie.")
    phone.locator("#id_scan").set_input_files(
        files=[{"name": "formulier.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    phone.get_by_role("button", name="Vastleggen").click()
    phone.wait_for_selector(".alert-success")
    screenshot(phone, "paper-form-phone-nl")
    assert ConsentDecision.objects.count() == 1
    assert verdict_for(child, website, photo, on=dt.date.today()).state == State.ALLOWED


def test_a_table_that_scrolls_sideways_on_a_phone_takes_the_keyboard_focus(
    phone, live_server, administrator, board, school
):
    year = SchoolYear.objects.for_date(board, school_today())
    Campaign.objects.create(board=board, school_year=year, reminder_days="14")
    log_in_browser(phone, live_server, administrator)
    phone.goto(live_server.url + "/manage/campaigns/")
    box = phone.locator(".table-responsive").first
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the premise: it scrolls

    assert axe_violations(phone) == []
    assert box.get_attribute("tabindex") == "0"
    box.focus()
    phone.keyboard.press("ArrowRight")  # scrolls smoothly: wait for it
    phone.wait_for_function(
        "() => document.querySelector('.table-responsive').scrollLeft > 0", timeout=5000
    )

    # On a wide screen the same box does not scroll, and stays out of the tab order.
    phone.set_viewport_size({"width": 1400, "height": 900})
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert box.get_attribute("tabindex") is None


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
