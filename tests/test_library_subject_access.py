"""The photo library in subject access (GDPR art. 15) and erasure: a person sees the photos
they are on, where those went, and never who else is on them; erasing someone takes them off
the photos, which then may go nowhere."""

import datetime as dt
import io
import json
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from consents.library.retention import retention_candidates
from consents.library.services import item_download, item_people_set, item_publish
from consents.library.verdicts import item_statuses
from consents.models import LibraryItem, LibraryItemPerson, Student
from consents.privacy.retention import subject_erase
from consents.privacy.subject_access import subject_access_data

from .library_helpers import NOW, make_item

pytest_plugins = ["tests.library_fixtures"]
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("site_in_english", "library_storage"),
]

# Zoë's photos, and one of Sem alone that is none of her business.
ZOES_TITLES = ["Sportdag", "Schoolreis"]
NOT_HERS = "Voetbaltoernooi"


@pytest.fixture
def items(communications, school, purposes, pupils):
    """Zoë with Sem on "Sportdag" (taken out for and published in the yearbook), Zoë with
    unknown others on "Schoolreis", Sem alone on "Voetbaltoernooi"."""
    zoe, sem, _lotte = pupils
    yearbook = purposes[1]
    sports = make_item(communications, school, people=[zoe, sem], title="Sportdag")
    trip = make_item(communications, school, title="Schoolreis", marked=False)
    item_people_set(user=communications, item=trip, add=[zoe], others_visible=True)
    football = make_item(communications, school, people=[sem], title=NOT_HERS)
    item_download(user=communications, item=sports, purpose=yearbook)
    item_download(user=communications, item=football, purpose=yearbook)
    item_publish(
        user=communications,
        item=sports,
        purpose=yearbook,
        published_on=dt.date(2026, 11, 2),
        url="https://example.org/jaarboek-2026",
    )
    return sports, trip, football


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def download(client, subject, fmt):
    response = client.get(reverse("subject_access_admin", args=[subject.key, fmt]))
    assert response.status_code == 200
    return response.content


def test_a_person_on_two_items_finds_both_with_who_marked_them_and_where_they_went(
    items, pupils, communications, school
):
    zoe, _sem, _lotte = pupils

    rows = subject_access_data(zoe)["library_items"]

    assert [row["title"] for row in rows] == ZOES_TITLES
    sports, trip = rows
    assert (sports["school"], sports["media_type"]) == (school.name, "Photo")
    assert sports["uploaded_at"] == NOW
    assert (sports["marked_by"], sports["marked_at"]) == (str(communications), NOW)
    assert (sports["other_people_marked"], sports["others_visible"]) == (1, False)
    assert sports["downloads"] == [{"channel": "Yearbook", "when": NOW, "by": str(communications)}]
    assert sports["publications"] == [
        {
            "channel": "Yearbook",
            "published_on": dt.date(2026, 11, 2),
            "url": "https://example.org/jaarboek-2026",
        }
    ]
    assert (trip["other_people_marked"], trip["others_visible"]) == (0, True)
    assert trip["downloads"] == [] and trip["publications"] == []


def test_other_peoples_names_never_appear_in_the_json_or_the_pdf(
    client, administrator, items, pupils
):
    zoe, sem, lotte = pupils
    client.force_login(administrator)

    as_json = download(client, zoe, "json").decode()
    as_pdf = pdf_text(download(client, zoe, "pdf"))

    for text in (as_json, as_pdf):
        assert all(title in text for title in ZOES_TITLES)
        assert NOT_HERS not in text
        for other in (sem, lotte):
            assert not re.search(rf"\b({other.first_name}|{other.last_name})\b", text)
            assert str(other.key) not in text
    data = json.loads(as_json)
    assert [row["title"] for row in data["library_items"]] == ZOES_TITLES


def test_the_pdf_lists_the_items_with_their_channels(client, administrator, items, pupils):
    zoe, _sem, _lotte = pupils
    client.force_login(administrator)

    text = pdf_text(download(client, zoe, "pdf"))

    assert "photos in the school's library" in text
    assert "Yearbook" in text and "https://example.org/jaarboek-2026" in text
    assert "other recognisable people visible" in text


def test_a_person_on_no_items_gets_an_empty_section(client, administrator, items, pupils):
    _zoe, _sem, lotte = pupils
    client.force_login(administrator)

    data = json.loads(download(client, lotte, "json"))
    text = pdf_text(download(client, lotte, "pdf"))

    assert data["library_items"] == []
    assert "photos in the school's library" in text
    assert not any(title in text for title in [*ZOES_TITLES, NOT_HERS])


def test_a_guardian_gets_the_library_items_of_their_child_under_16(client, items, pupils, mother):
    zoe, sem, _lotte = pupils
    client.force_login(mother.user)

    data = json.loads(client.get(reverse("my_data", args=["json"])).content)
    text = pdf_text(client.get(reverse("my_data", args=["pdf"])).content)

    [child] = data["children"]
    assert [row["title"] for row in child["library_items"]] == ZOES_TITLES
    assert all(title in text for title in ZOES_TITLES) and NOT_HERS not in text
    assert sem.last_name not in text


# --- Erasure ----------------------------------------------------------------------------------

# Zoë left at the end of November 2026; the board keeps data 24 months after leaving.
LEFT = dt.date(2026, 11, 30)
ERASED_ON = dt.date(2028, 12, 1)


def erase(person):
    """`person` leaves at LEFT and is erased on ERASED_ON, past the retention period."""
    Student.objects.filter(pk=person.pk).update(date_left=LEFT)
    person.refresh_from_db()
    with time_machine.travel(dt.datetime(2028, 12, 1, 9, tzinfo=dt.UTC), tick=False):
        subject_erase(person, today=ERASED_ON)


def test_erasing_a_person_takes_them_off_the_photos_which_then_may_go_nowhere(
    items, pupils, purposes, school
):
    zoe, sem, _lotte = pupils
    sports, trip, football = items
    erase(zoe)

    with time_machine.travel(dt.datetime(2028, 12, 1, 9, tzinfo=dt.UTC), tick=False):
        statuses = item_statuses(
            list(LibraryItem.objects.order_by("pk")), purposes=purposes, on=ERASED_ON
        )
        to_review = list(retention_candidates(school, today=ERASED_ON))

    assert not LibraryItemPerson.objects.filter(subject=zoe).exists()
    assert list(sports.entries.values_list("subject", flat=True)) == [sem.pk]
    assert not trip.entries.exists()
    # The photos still show her, now as someone whose consent is unknown.
    flagged = {item.title: item.others_visible for item in LibraryItem.objects.all()}
    assert flagged == {"Sportdag": True, "Schoolreis": True, NOT_HERS: False}
    by_title = {status.item.title: status for status in statuses}
    for title in ZOES_TITLES:
        assert not any(by_title[title].may_go_on(p.pk) for p in purposes)
        assert by_title[title].attention
    assert by_title[NOT_HERS].may_go_on(purposes[1].pk)  # Sem: yearbook granted
    # Older than the retention period by the time she is erased: listed for review.
    assert {item.title for item in to_review} >= set(ZOES_TITLES)
    assert subject_access_data(zoe)["library_items"] == []


def test_the_upload_page_asks_for_a_title_without_names(client, communications, school):
    client.force_login(communications)
    page = client.get(reverse("library_upload") + f"?school={school.pk}")
    assert "What and when, without names" in page.content.decode()


def test_a_photo_someone_was_erased_from_keeps_others_visible_for_good(
    client, items, pupils, purposes, communications
):
    zoe, sem, _lotte = pupils
    sports, trip, _football = items
    erase(zoe)
    sports.refresh_from_db()
    assert sports.others_visible and sports.someone_erased_at is not None
    client.force_login(communications)

    # The page shows the mark fixed, with the reason.
    page = client.get(reverse("library_item", args=[sports.pk])).content.decode()
    checkbox = re.search(r'<input[^>]*name="others_visible"[^>]*>', page)[0]
    assert "disabled" in checkbox and "checked" in checkbox
    assert "taken off this photo when their data was erased" in page
    trip_page = client.get(reverse("library_item", args=[trip.pk])).content.decode()
    assert "Nobody recognisable is on it." not in trip_page  # she still is, unnamed
    assert "other recognisable people are visible." in trip_page
    # Unticked in the form anyway: the disabled field keeps the mark.
    response = client.post(reverse("library_item_people", args=[sports.pk]), {"add": [sem.pk]})
    assert response.status_code == 302
    sports.refresh_from_db()
    assert sports.others_visible
    # Asked of the service directly: refused, nothing changed.
    marked_at = sports.people_marked_at
    with pytest.raises(ValidationError):
        item_people_set(user=communications, item=sports, add=[sem], others_visible=False)
    sports.refresh_from_db()
    assert (sports.others_visible, sports.people_marked_at) == (True, marked_at)
    statuses = item_statuses([sports], purposes=purposes, on=ERASED_ON)
    assert not any(statuses[0].may_go_on(p.pk) for p in purposes)
