"""In a real browser: an administrator records the phone decision of a guardian who is not
registered, for a child with no guardian in the portal, and sees it in the history."""

import datetime as dt

import pytest

from consents.models import ConsentDecision
from consents.rules import State, verdict_for

from . import factories as f
from .conftest import axe_violations, log_in_browser, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_record_the_phone_decision_of_a_guardian_who_is_not_registered(
    page, live_server, chain_transactional_db, administrator, school, website, photo
):
    orphan = f.StudentFactory(
        school=school, first_name="Emre", last_name="Yılmaz", date_of_birth=dt.date(2013, 6, 2)
    )
    log_in_browser(page, live_server, administrator)
    page.goto(f"{live_server.url}/manage/people/{orphan.key}/record/")
    assert axe_violations(page) == []
    page.locator("#id_method_1").check()  # recorded by an administrator
    page.get_by_role("button", name="Record").click()
    # Nothing filled in: the page says what is missing, and nothing is recorded.
    assert page.get_by_text("Give the name of the guardian whose decision this is.").is_visible()
    assert page.get_by_text("Write a note: how and when was the decision given?").is_visible()
    assert not ConsentDecision.objects.exists()

    page.locator("#id_guardian_name").fill("Fatima Yılmaz")
    page.locator("#id_note").fill("Moeder belde op 1 oktober, genoteerd door J. de Boer.")
    page.locator(f"#id_answer_{website.id}_{photo.id}").select_option("granted")
    page.get_by_role("button", name="Record").click()
    page.wait_for_selector(".alert-success")
    assert "Fatima Yılmaz" in page.content()
    screenshot(page, "paper-unregistered-guardian")
    decision = ConsentDecision.objects.get()
    assert decision.evidence.guardian_name == "Fatima Yılmaz"
    assert verdict_for(orphan, website, photo, on=dt.date.today()).state == State.ALLOWED
