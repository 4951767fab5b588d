"""Issue 20: a guardian of two children does the yearly job on a phone (390×844).

(a) answers everything for the first time, (b) confirms an unchanged year, (c) refuses
everything for one child. Each step counts the taps and measures the page; the figures are
written to test-artifacts/parent-phone.json and recorded in docs/parents.md. Targets: (b) at
most 3 taps per child; the page with every card folded at most 2 phone screens per child.
"""

import datetime as dt
import json

import pytest
import time_machine

from consents.demo.names import PURPOSES
from consents.models import ConsentDecision, MediaType

from . import factories as f
from .conftest import ARTIFACTS, log_in_browser
from .helpers import amsterdam, record
from .test_browser_my_consent import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SCREEN = PHONE["height"]


class Taps:
    """Clicks that a person makes, counted; opening the page does not count."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, selector):
        self.count += 1
        self.page.click(selector)


@pytest.fixture
def family(board, school):
    """Eight purposes (the Dutch model form), two children under 16 and their two parents."""
    purposes = [
        f.PurposeFactory(
            board=board,
            code=code,
            name_nl=nl,
            name_en=en,
            description_nl=d_nl,
            description_en=d_en,
            order=order,
        )
        for order, (code, nl, en, d_nl, d_en) in enumerate(PURPOSES)
    ]
    children = [
        f.StudentFactory(school=school, first_name=name, last_name="Visser", date_of_birth=born)
        for name, born in (("Anna", dt.date(2013, 5, 2)), ("Bram", dt.date(2015, 9, 9)))
    ]
    mother = f.GuardianFactory(user__email="ilse@example.org", students=children)
    father = f.GuardianFactory(user__email="joost@example.org", students=children)
    return purposes, children, mother, father


def measure(page) -> dict:
    """The page's height and each card's, in CSS pixels, with every card folded."""
    page.evaluate("document.querySelectorAll('details[open]').forEach(d => d.open = false)")
    return {
        "page": page.evaluate("document.documentElement.scrollHeight"),
        "cards": page.evaluate(
            "[...document.querySelectorAll('.consent-card')]"
            ".map(c => Math.round(c.getBoundingClientRect().height))"
        ),
    }


def figures_write(name, figures):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "parent-phone.json"
    found = json.loads(path.read_text()) if path.exists() else {}
    found[name] = figures
    path.write_text(json.dumps(found, indent=2))


def answers(child):
    return {
        (d.purpose.code, d.media_type.code): d.value
        for d in ConsentDecision.objects.filter(subject=child).order_by("seq")
    }


def test_a_a_guardian_answers_everything_for_two_children_for_the_first_time(
    chain_transactional_db, page, live_server, family
):
    purposes, (anna, bram), mother, _father = family
    page.set_viewport_size(PHONE)
    log_in_browser(page, live_server, mother.user)
    page.goto(live_server.url + "/my/")
    folded = measure(page)
    check(page, "parent-phone-a-1-first-time")
    taps = Taps(page)
    # Anna: yes for the closed parent portal, the yearbook and the newsletter, no elsewhere.
    yes = {"ouderportaal", "jaarboek", "nieuwsbrief"}
    for purpose in purposes:
        taps.tap(f"label[for=p1-{purpose.pk}-{'yes' if purpose.code in yes else 'no'}]")
    taps.tap(f"#card-{anna.key} form.consent-answers button[type=submit]")
    page.wait_for_url(f"**/my/#saved-{anna.key}")
    anna_taps = taps.count
    check(page, "parent-phone-a-2-saved")
    # The confirmation is on screen, and Bram's card follows it.
    top = page.evaluate(f"document.getElementById('saved-{anna.key}').getBoundingClientRect().top")
    assert -1 <= top < SCREEN / 2
    assert page.evaluate("document.activeElement.id") == f"saved-{anna.key}"
    # Bram: the same choices as for Anna, in one tap.
    taps.tap(f"#card-{bram.key} button:has-text('Same choices as for Anna')")
    page.wait_for_url(f"**/my/#saved-{bram.key}")
    media = MediaType.objects.count()
    assert len(answers(anna)) == len(answers(bram)) == len(purposes) * media
    assert answers(bram) == answers(anna)
    assert sum(v == "granted" for v in answers(bram).values()) == len(yes) * media
    figures = {
        "taps": taps.count,
        "taps_first_child": anna_taps,
        "taps_second_child": taps.count - anna_taps,
        "folded_page_px": folded["page"],
        "folded_card_px": folded["cards"],
        "screens_per_child": round(folded["page"] / SCREEN / 2, 2),
    }
    figures_write("a_first_time", figures)
    assert max(folded["cards"]) <= 2 * SCREEN
    assert folded["page"] <= 2 * SCREEN * 2


def test_b_a_guardian_confirms_an_unchanged_year_in_one_tap_per_child(
    chain_transactional_db, page, live_server, family
):
    purposes, children, mother, father = family
    with time_machine.travel(amsterdam(2026, 6, 1), tick=False):
        for child in children:
            for purpose in purposes:
                for media_type in MediaType.objects.all():
                    value = "granted" if purpose.code == "jaarboek" else "refused"
                    record(mother.user, child, purpose, media_type, value)
            # The father answered last year too, and has not renewed yet.
            record(father.user, child, purposes[0], MediaType.objects.first(), "refused")
    page.set_viewport_size(PHONE)
    log_in_browser(page, live_server, mother.user)
    page.goto(live_server.url + "/my/")
    folded = measure(page)
    check(page, "parent-phone-b-1-new-year")
    assert page.locator("text=please confirm again").count() == len(purposes) * 2
    taps = Taps(page)
    for child in children:
        taps.tap(f"#card-{child.key} button:has-text('stay the same')")
        page.wait_for_url(f"**/my/#saved-{child.key}")
    check(page, "parent-phone-b-2-confirmed")
    assert page.locator("text=please confirm again").count() == 0
    assert page.locator("text=Not renewed").count() == 0
    assert page.locator(f"text={father.name} has not yet confirmed").count() == 2
    renewed = ConsentDecision.objects.filter(school_year__start_date=dt.date(2026, 8, 1))
    assert renewed.count() == len(purposes) * MediaType.objects.count() * 2
    figures = {
        "taps": taps.count,
        "taps_per_child": taps.count / len(children),
        "folded_page_px": folded["page"],
        "folded_card_px": folded["cards"],
        "screens_per_child": round(folded["page"] / SCREEN / 2, 2),
    }
    figures_write("b_unchanged_year", figures)
    assert taps.count / len(children) <= 3
    assert max(folded["cards"]) <= 2 * SCREEN


def test_c_a_guardian_refuses_everything_for_one_child_by_keyboard_also_at_200_percent(
    chain_transactional_db, page, live_server, family
):
    purposes, (anna, bram), mother, _father = family
    for purpose in purposes[:2]:
        record(mother.user, bram, purpose, MediaType.objects.first(), "granted")
    # A laptop at 200 % zoom shows the page 640 CSS pixels wide.
    page.set_viewport_size({"width": 640, "height": 450})
    log_in_browser(page, live_server, mother.user)
    page.goto(live_server.url + "/my/")
    check(page, "parent-zoom200-c-1")
    # By keyboard only: Tab to Bram's "No to everything", then Enter.
    target = (
        f"document.activeElement.closest('#card-{bram.key}') !== null"
        " && document.activeElement.textContent.includes('No to everything')"
    )
    for _tab in range(200):
        page.keyboard.press("Tab")
        if page.evaluate(target):
            break
    else:
        pytest.fail("Bram's 'No to everything' cannot be reached by keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/my/#saved-{bram.key}")
    check(page, "parent-zoom200-c-2-refused")
    values = answers(bram)
    assert len(values) == len(purposes) * MediaType.objects.count()
    assert set(values.values()) == {"refused", "withdrawn"}
    assert answers(anna) == {}
    # The same on a phone: one tap.
    page.set_viewport_size(PHONE)
    taps = Taps(page)
    taps.tap(f"#card-{anna.key} button:has-text('No to everything')")
    page.wait_for_url(f"**/my/#saved-{anna.key}")
    check(page, "parent-phone-c-refused")
    assert set(answers(anna).values()) == {"refused"}
    figures_write("c_refuse_everything", {"taps": taps.count})
    assert taps.count == 1
