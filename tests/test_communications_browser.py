"""In Chromium: group check -> record a publication -> a parent withdraws -> takedown -> close."""

import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from consents.dates import school_today
from consents.decisions.services import consent_withdraw
from consents.models import Publication, SchoolYear, TakedownTask

from . import factories as f
from .conftest import axe_violations, log_in_browser, screenshot
from .helpers import record

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("site_in_english"),
]


def assert_accessible(page):
    violations = axe_violations(page)
    assert violations == [], [
        (v["id"], [node["target"] for node in v["nodes"]], v["nodes"][0]["failureSummary"])
        for v in violations
    ]


def test_group_check_publication_withdrawal_and_takedown(
    page,
    live_server,
    chain_transactional_db,
    celery_eager,
    communications,
    school,
    purposes,
    photo,
):
    website = purposes[0]
    year = SchoolYear.objects.for_date(school.board, school_today())
    class_2a = f.GroupFactory(school=school, school_year=year, name="2a")
    pupils = [
        f.StudentFactory(school=school, group=class_2a, first_name=first, last_name=last)
        for first, last in [
            ("Zoë", "Vries"),
            ("Sem", "Bakker"),
            ("Daan", "Çelik"),
            ("Noor", "El Amrani"),
        ]
        + [(f"Leerling{n}", "Jansen") for n in range(26)]
    ]
    zoe, sem = pupils[0], pupils[1]
    parents = {}
    for pupil in pupils[:-2]:
        parents[pupil.pk] = f.GuardianFactory(students=[pupil])
        record(parents[pupil.pk].user, pupil, website, photo)
    record(parents[sem.pk].user, sem, website, photo, value="withdrawn")
    log_in_browser(page, live_server, communications)

    # Look a person up as you type (htmx).
    page.goto(live_server.url + "/communications/people/")
    page.get_by_label("Name, student number or class").press_sequentially("Zoë", delay=30)
    row = page.locator(f'#lookup-table tr[data-person="{zoe.pk}"]')
    expect(row).to_be_visible()
    expect(row.locator(f'td[data-purpose="{website.pk}"]')).to_contain_text("allowed")
    assert "q=Zo" in page.url
    screenshot(page, "communications-lookup")
    assert_accessible(page)

    # Group check for class 2a.
    page.goto(live_server.url + "/communications/group-check/")
    assert_accessible(page)
    page.get_by_label("2a").check()
    page.get_by_label("Purpose").select_option(label="Website")
    page.get_by_label("Media type").select_option(label="Photo")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("h1")).to_contain_text("Group check: Website, Photo")
    not_allowed = page.locator("#not-allowed-table")
    expect(not_allowed.locator("tbody tr")).to_have_count(3)
    expect(not_allowed).to_contain_text("Sem Bakker")
    expect(not_allowed).to_contain_text(re.compile("withdrawn", re.IGNORECASE))
    expect(page.locator("#allowed-table tbody tr")).to_have_count(27)
    screenshot(page, "communications-group-check")
    assert_accessible(page)

    # The print stylesheet puts the list for the photographer on one page.
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    assert len(pdf.pages) == 1
    assert "Sem Bakker" in pdf.pages[0].extract_text()
    page.emulate_media(media="screen")

    # Nobody is ticked until staff tick; the button ticks exactly the people allowed.
    boxes = page.locator("input[name=people]")
    expect(boxes).to_have_count(30)
    assert boxes.evaluate_all("boxes => boxes.filter(b => b.checked).length") == 0
    page.get_by_role("button", name="Tick everyone who may appear").click()
    expect(page.locator("#allowed-table input[name=people]:checked")).to_have_count(27)
    expect(page.locator("#not-allowed-table input[name=people]:checked")).to_have_count(0)

    # Record the publication with the people allowed.
    page.get_by_label("Title").fill("Sportdag 2a")
    page.get_by_label("Web address").fill("https://waldheim.example.org/sportdag")
    page.get_by_role("button", name="Record publication").click()
    expect(page.locator("h1")).to_have_text("Sportdag 2a")
    publication = Publication.objects.get()
    assert publication.entries.count() == 27 and not publication.flagged
    screenshot(page, "communications-publication")
    assert_accessible(page)

    # Zoë's parent withdraws. The parent-facing pages are built in another issue, so the
    # withdrawal goes through the same service those pages call.
    consent_withdraw(actor=parents[zoe.pk].user, subject=zoe, purposes=[website])

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [communications.email]
    assert "Sportdag 2a" in mail.outbox[0].body and zoe.name in mail.outbox[0].body

    page.goto(live_server.url + "/communications/")
    tasks = page.locator("#takedown-tasks tbody tr")
    expect(tasks).to_have_count(1)
    expect(tasks).to_contain_text("Sportdag 2a")
    expect(tasks).to_contain_text(zoe.name)
    screenshot(page, "communications-takedown-tasks")
    assert_accessible(page)

    # Close it: keeping it online needs a reason, removing it does not.
    tasks.get_by_role("link", name=re.compile("Close task")).click()
    assert_accessible(page)
    page.get_by_label("kept, with a reason").check()
    page.get_by_role("button", name="Close task").click()
    expect(page.locator("#main")).to_contain_text("Give the reason for keeping")
    page.get_by_label("removed").check()
    page.get_by_role("button", name="Close task").click()
    expect(page.locator("#main")).to_contain_text("No open takedown tasks.")
    task = TakedownTask.objects.get()
    assert (task.outcome, task.closed_by_id) == ("removed", communications.pk)
    assert task.closed_at is not None


def fits_390_px(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth") <= 390


def test_a_group_check_at_phone_width_marks_namesakes_and_does_not_scroll_sideways(
    page, live_server, communications, school, purposes, photo
):
    """Class G1a has two students called Brontë van der Linden, one refused, one allowed."""
    website = purposes[0]
    year = SchoolYear.objects.for_date(school.board, school_today())
    g1a = f.GroupFactory(school=school, school_year=year, name="G1a")
    refused, allowed = (
        f.StudentFactory(
            school=school, group=g1a, first_name="Brontë", prefix="van der", last_name="Linden"
        )
        for _ in range(2)
    )
    others = [
        f.StudentFactory(school=school, group=g1a, first_name=f"Leerling{n}", last_name="Jansen")
        for n in range(8)
    ]
    for student, value in [(refused, "refused"), (allowed, "granted")] + [
        (other, "granted") for other in others
    ]:
        record(f.GuardianFactory(students=[student]).user, student, website, photo, value=value)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_browser(page, live_server, communications)

    page.goto(live_server.url + "/communications/")
    assert fits_390_px(page)
    page.goto(live_server.url + "/communications/group-check/")
    page.get_by_label("G1a").check()
    page.get_by_label("Purpose").select_option(label="Website")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("h1")).to_contain_text("Group check")

    for person in (refused, allowed):
        row = page.locator(f'tr[data-person="{person.pk}"]')
        expect(row).to_contain_text("same name: check the number")
        expect(row).to_contain_text(person.student_number)
    expect(page.locator("tr.namesake")).to_have_count(2)
    assert page.locator("input[name=people]:checked").count() == 0
    page.get_by_role("button", name="Tick everyone who may appear").click()
    expect(page.locator("input[name=people]:checked")).to_have_count(9)
    expect(page.locator(f'tr[data-person="{refused.pk}"] input')).not_to_be_checked()
    screenshot(page, "communications-group-check-390")
    assert fits_390_px(page)
    assert_accessible(page)

    page.goto(live_server.url + "/communications/people/?q=bronte+linden")
    expect(page.locator("#lookup-table tbody tr")).to_have_count(2)
    assert fits_390_px(page)
    page.goto(live_server.url + f"/communications/people/{refused.pk}/")
    assert fits_390_px(page)
