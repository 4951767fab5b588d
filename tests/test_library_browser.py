"""In Chromium: upload a photo -> tick people of a class -> a child who may not appear is
flagged -> publish -> the parent withdraws -> the item needs attention, a takedown opens."""

import pytest
from playwright.sync_api import expect

from consents.dates import school_today
from consents.decisions.services import consent_withdraw
from consents.models import LibraryItem, SchoolYear, TakedownTask

from . import factories as f
from .conftest import axe_violations, log_in_browser, screenshot
from .helpers import record
from .library_helpers import jpeg_with_gps

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("site_in_english"),
]


def test_upload_tag_a_class_flag_publish_and_withdraw(
    page,
    live_server,
    chain_transactional_db,
    celery_eager,
    private_media,
    communications,
    school,
    purposes,
    photo,
):
    website, _yearbook = purposes
    year = SchoolYear.objects.for_date(school.board, school_today())
    g1a = f.GroupFactory(school=school, school_year=year, name="G1a")
    zoe = f.StudentFactory(school=school, group=g1a, first_name="Zoë", last_name="Vries")
    sem = f.StudentFactory(school=school, group=g1a, first_name="Sem", last_name="Bakker")
    f.StudentFactory(school=school, group=g1a, first_name="Noor", last_name="El Amrani")
    zoe_parent, sem_parent = f.GuardianFactory(students=[zoe]), f.GuardianFactory(students=[sem])
    record(zoe_parent.user, zoe, website, photo)
    record(sem_parent.user, sem, website, photo, value="refused")
    log_in_browser(page, live_server, communications)

    page.goto(live_server.url + "/library/")
    page.get_by_role("link", name="Add a photo").click()
    page.get_by_label("Title").fill("Sports day")
    page.locator("#library-upload input[type=file]").set_input_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Now mark who is on it.")).to_be_visible()
    expect(page.locator("img.img-fluid")).to_be_visible()  # the worker's thumbnail

    # Pick the class: nobody is ticked; tick Zoë and Sem.
    page.get_by_label("Class").select_option(label="G1a")
    page.get_by_role("button", name="Show the class").click()
    boxes = page.locator('#item-people-form input[name="add"]')
    expect(boxes).to_have_count(3)
    for n in range(3):
        expect(boxes.nth(n)).not_to_be_checked()
    page.get_by_label("Zoë Vries").check()
    page.get_by_label("Sem Bakker").check()
    page.get_by_role("button", name="Save who is on it").click()

    channels = page.locator("#item-channels")
    expect(channels).to_contain_text("Website: not allowed")
    expect(channels).to_contain_text("Sem Bakker (not allowed)")
    assert axe_violations(page) == []
    screenshot(page, "library-item")

    # Take Sem off and publish on the website.
    page.get_by_label("Sem Bakker", exact=True).last.check()
    page.get_by_role("button", name="Save who is on it").click()
    expect(channels).to_contain_text("Website: allowed")
    publish = page.locator("#item-publish")
    publish.get_by_label("Channel").select_option(label="Website")
    publish.get_by_role("button", name="Record the publication").click()
    expect(page.get_by_text("The publication has been recorded.")).to_be_visible()

    consent_withdraw(actor=zoe_parent.user, subject=zoe, purposes=[website])

    item = LibraryItem.objects.get()
    page.goto(live_server.url + f"/library/{item.pk}/")
    expect(page.locator("#item-attention")).to_contain_text("withdrew consent")
    page.goto(live_server.url + "/library/?attention=on")
    expect(page.locator(f'[data-item="{item.pk}"]')).to_contain_text("needs attention")
    task = TakedownTask.objects.get()
    assert (task.subject_id, list(task.publication.library_items.all())) == (zoe.pk, [item])
