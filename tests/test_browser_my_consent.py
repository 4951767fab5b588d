"""A parent on a laptop and on a phone: log in with the emailed code, grant, withdraw, receipt.

Every page of the flow is checked with axe-core and saved as a screenshot in test-artifacts/.
"""

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from django.core import mail
from pypdf import PdfReader

from consents.models import ConsentDecision, Guardianship, Role

from . import factories as f
from .conftest import axe_violations, log_in_browser, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
CODE = re.compile(r"\b(\d{4}-\d{4})\b")
MY_CONSENT = re.compile(r"/my/(#(card|saved)-[0-9a-f-]+)?$")


def check(page, name):
    """Screenshot the page, and assert it is accessible and fits the screen's width."""
    screenshot(page, name)
    violations = axe_violations(page)
    assert violations == [], [
        (name, v["id"], [n["target"] for n in v["nodes"]][:5], v["nodes"][0]["failureSummary"])
        for v in violations
    ]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name


def radio_id(purpose, answer, card=1):
    """The id of a purpose's Yes or No (photo, film and sound together) on the n-th card."""
    return f"p{card}-{purpose.pk}-{answer}"


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_a_parent_logs_in_with_a_code_grants_withdraws_and_downloads_a_receipt(
    chain_transactional_db,
    page,
    live_server,
    screen,
    board,
    child,
    mother,
    purposes,
    photo,
    celery_eager,
):
    website, yearbook = purposes
    page.set_viewport_size(VIEWPORTS[screen])

    # Log in with the code from the email.
    page.goto(live_server.url + "/accounts/login/")
    check(page, f"{screen}-1-login")
    page.fill("#id_code_email", mother.user.email)
    page.click("form[action$='/accounts/login/code/'] button[type=submit]")
    page.wait_for_url("**/accounts/login/code/confirm/")
    check(page, f"{screen}-2-enter-code")
    code = CODE.search(mail.outbox[-1].body).group(1)
    page.fill("#id_code", code)
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_url(MY_CONSENT)
    check(page, f"{screen}-3-my-consent")
    assert page.locator("input[type=radio]:checked").count() == 0

    # Grant two purposes: one by mouse, one by keyboard only.
    page.click(f"label[for={radio_id(website, 'yes')}]")
    page.focus(f"#{radio_id(website, 'yes')}")
    target = f"purpose:{yearbook.code}"
    for _tab in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == target:
            break
    else:
        pytest.fail("the yearbook photo question cannot be reached by keyboard")
    page.keyboard.press("Space")
    assert page.is_checked(f"#{radio_id(yearbook, 'yes')}")
    page.click(".consent-card form.consent-answers button[type=submit]")
    page.wait_for_url(MY_CONSENT)
    check(page, f"{screen}-4-saved")
    granted = ConsentDecision.objects.filter(subject=child, value="granted")
    assert {(d.purpose_id, d.media_type.code) for d in granted} == {
        (purpose.pk, media) for purpose in purposes for media in ("photo", "film", "sound")
    }
    assert page.is_checked(f"#{radio_id(website, 'yes')}")
    # The confirmation and the receipt are in the card, on screen.
    assert page.locator(f"#saved-{child.key}").is_visible()
    assert page.evaluate(
        f"document.getElementById('saved-{child.key}').getBoundingClientRect().top"
        " < window.innerHeight"
    )
    assert mail.outbox[-1].to == [mother.user.email]
    assert child.name in mail.outbox[-1].subject

    # Withdraw one purpose, with one confirmation step, from the purpose's details.
    page.click(f"#card-{child.key} .purpose-row:first-of-type details.about summary")
    page.click(f"a[href$='withdraw/?purpose={website.code}']")
    page.wait_for_url("**/withdraw/?purpose=*")
    check(page, f"{screen}-5-withdraw")
    page.click("form button.btn-danger[type=submit]")
    page.wait_for_url(MY_CONSENT)
    check(page, f"{screen}-6-withdrawn")
    assert page.is_checked(f"#{radio_id(website, 'no')}")
    assert page.is_checked(f"#{radio_id(yearbook, 'yes')}")
    latest = ConsentDecision.objects.filter(subject=child).order_by("-seq").first()
    assert (latest.purpose_id, latest.value) == (website.pk, "withdrawn")

    # Download the receipt of the withdrawal, as PDF, as JSON (Kantara) and as JSON-LD.
    with page.expect_download() as download:
        page.click("a[href$='.pdf']")
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "".join("".join(p.extract_text() for p in pdf.pages).split())
    for expected in (board.name, child.name, mother.name, website.name, "withdrawn"):
        assert "".join(expected.split()) in text
    with page.expect_download() as download:
        page.click("a[href$='.json']")
    record = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert record["piiPrincipalId"] == str(child.key)
    # One entry per decision: the purpose's photo, film and sound, all withdrawn.
    purposes = record["services"][0]["purposes"]
    assert [(p["purposeCategory"], p["decision"]) for p in purposes] == [
        ([website.code], "withdrawn")
    ] * 3
    with page.expect_download() as download:
        page.click("a[href$='.jsonld']")
    graph = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))["@graph"]
    assert graph[1]["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentWithdrawn"}

    # The history lists all three decisions, newest first.
    page.click(f"a[href$='/my/{child.key}/history/']")
    page.wait_for_url("**/history/")
    check(page, f"{screen}-7-history")
    assert page.locator("ol.list-group > li").count() == 9


def test_the_consent_page_fits_a_360_pixel_screen(
    chain_transactional_db, page, live_server, child, mother, father, purposes, photo
):
    from .helpers import record

    record(father.user, child, purposes[0], photo, "refused")
    record(mother.user, child, purposes[0], photo, "granted")
    older = f.StudentFactory(school=child.school, date_of_birth=dt.date(2008, 5, 1))
    Guardianship.objects.create(guardian=mother, student=older)
    page.set_viewport_size({"width": 360, "height": 740})
    log_in_browser(page, live_server, mother.user)
    page.goto(live_server.url + "/my/")
    check(page, "phone360-my-consent-two-guardians")
    assert page.locator(".consent-card").count() == 2
    assert page.locator(f"#card-{older.key} input").count() == 0
    page.click("button.navbar-toggler")
    page.wait_for_selector("#nav.show")
    check(page, "phone360-menu-open")


def test_the_second_factor_page_for_an_administrator_is_accessible(
    chain_transactional_db, page, live_server, school
):
    user = f.RoleFactory(school=school, kind=Role.Kind.ADMINISTRATOR, mfa=False).user
    log_in_browser(page, live_server, user)
    page.goto(live_server.url + "/")
    page.wait_for_url("**/accounts/2fa/")
    check(page, "desktop-mfa-required")
