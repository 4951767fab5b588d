"""Library items kept elsewhere (issue 23): a link instead of a file, nothing fetched from it,
opened for a channel through the same check and records as a download."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from consents.decisions.services import consent_withdraw
from consents.library.services import item_people_set
from consents.models import AccessLogEntry, LibraryDownload, LibraryItem, TakedownTask
from consents.rules import State
from consents.tasks import library_thumbnail_make

from . import factories as f
from .library_helpers import NOW, list_items, make_item

pytest_plugins = ["tests.library_fixtures"]
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("site_in_english", "library_storage"),
]

ALBUM = "https://photos.example.org/albums/sportdag-2026?key=Xy7"


def register(client, school, link=ALBUM, title="Sports day album", media="photo"):
    return client.post(
        reverse("library_link") + f"?school={school.pk}",
        {"school": school.pk, "title": title, "link": link, "media_type": f.media(media).pk},
    )


def link_item(user, school, people=(), media="photo", link=ALBUM, title="Album"):
    item = LibraryItem.objects.create(
        school=school,
        title=title,
        media_type=f.media(media),
        link=link,
        uploaded_by=user,
        uploaded_at=timezone.now(),
    )
    item_people_set(user=user, item=item, add=list(people), others_visible=False, nobody=not people)
    return item


def open_for(client, item, purpose, **data):
    return client.post(
        reverse("library_item_file", args=[item.pk]), {"purpose": purpose.pk, **data}
    )


# --- Registering a link -------------------------------------------------------------------


def test_a_link_is_registered_without_a_file_and_shown_by_its_host_only(
    client, communications, school, library_storage
):
    client.force_login(communications)
    form = client.get(reverse("library_link") + f"?school={school.pk}").content.decode()
    assert f'name="school" value="{school.pk}"' in form  # the POST names the school

    response = register(client, school, media="film")

    item = LibraryItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("library_item", args=[item.pk])
    assert (item.link, item.media_type.code, item.title) == (ALBUM, "film", "Sports day album")
    assert (item.file.name, item.thumbnail.name, item.size, item.width) == ("", "", None, None)
    assert not any(library_storage.rglob("*.*"))  # nothing fetched, nothing stored
    page = client.get(reverse("library_item", args=[item.pk])).content.decode()
    listing = client.get(reverse("library_list") + f"?school={school.pk}").content.decode()
    for html in (page, listing):
        assert "link to photos.example.org" in html
        assert "sportdag-2026" not in html  # the link itself is never on the pages
    assert "Open for a channel" in page


@pytest.mark.parametrize(
    "link, message",
    [
        ("http://photos.example.org/albums/1", "the library takes only https:// addresses"),
        ("javascript:alert(document.cookie)", "This is not a web address"),
        ("sports day album", "This is not a web address"),
        ("https://", "This is not a web address"),
        ("https://admin:secret@photos.example.org/a", "Leave the user name and password out"),
        ("ftp://photos.example.org/a.jpg", "This is not a web address"),
    ],
)
def test_a_link_that_is_not_a_full_https_address_is_refused_and_nothing_stored(
    client, communications, school, link, message
):
    client.force_login(communications)

    response = register(client, school, link=link)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LibraryItem.objects.exists()


def test_a_link_without_a_title_or_kind_is_refused(client, communications, school):
    client.force_login(communications)
    url = reverse("library_link") + f"?school={school.pk}"

    no_title = client.post(url, {"title": "  ", "link": ALBUM, "media_type": f.media("photo").pk})
    no_kind = client.post(url, {"title": "Album", "link": ALBUM})

    assert (no_title.status_code, no_kind.status_code) == (400, 400)
    assert "This field is required." in no_title.content.decode()
    assert "This field is required." in no_kind.content.decode()
    assert not LibraryItem.objects.exists()


@pytest.mark.parametrize("file, link", [("library/x.jpg", ALBUM), ("", "")])
def test_the_database_takes_a_file_or_a_link_never_both_or_neither(
    communications, school, file, link
):
    with pytest.raises(IntegrityError), transaction.atomic():
        LibraryItem.objects.create(
            school=school,
            title="Both or neither",
            media_type=f.media("photo"),
            file=file,
            link=link,
            uploaded_by=communications,
            uploaded_at=timezone.now(),
        )


def test_the_worker_makes_no_thumbnail_for_a_link(communications, school):
    item = link_item(communications, school)

    assert library_thumbnail_make(item.pk) is False
    item.refresh_from_db()
    assert not item.thumbnail


# --- People, verdicts, filters, publishing -----------------------------------------------------


def test_people_tagged_on_a_link_decide_where_it_may_go(
    client, communications, school, group, purposes, pupils
):
    zoe, sem, _lotte = pupils
    website, yearbook = purposes
    client.force_login(communications)
    register(client, school)
    item = LibraryItem.objects.get()

    response = client.post(
        reverse("library_item_people", args=[item.pk]), {"add": [zoe.pk, sem.pk]}
    )

    assert response.status_code == 302
    status = client.get(reverse("library_item", args=[item.pk])).context["status"]
    assert [(c.purpose, c.label) for c in status.channels] == [
        (website, "not allowed"),
        (yearbook, "allowed"),
    ]
    assert [row.person for row in status.channel(website.pk).blocking] == [sem]
    assert list_items(client, school, purpose=yearbook.pk) == ["Sports day album"]
    assert list_items(client, school, purpose=website.pk) == []


def test_the_media_type_of_a_link_counts(client, communications, school, purposes, pupils):
    """Zoë's mother consented to photos, not to film: a film link with her is no answer."""
    zoe, _sem, _lotte = pupils
    item = link_item(communications, school, [zoe], media="film")
    client.force_login(communications)

    status = client.get(reverse("library_item", args=[item.pk])).context["status"]

    assert {c.state for c in status.channels} == {State.NO_ANSWER}


def test_a_published_link_is_flagged_and_taken_down_after_a_withdrawal(
    client, communications, school, mother, purposes, pupils
):
    zoe, _sem, _lotte = pupils
    website = purposes[0]
    item = link_item(communications, school, [zoe])
    client.force_login(communications)

    response = client.post(
        reverse("library_item_publish", args=[item.pk]),
        {"purpose": website.pk, "published_on": "2026-11-02"},
    )
    assert response.status_code == 302
    assert list_items(client, school, attention="on") == []
    consent_withdraw(actor=mother.user, subject=zoe, purposes=[website])

    assert list_items(client, school, attention="on") == ["Album"]

    task = TakedownTask.objects.get()
    assert (task.subject_id, list(task.publication.library_items.all())) == (zoe.pk, [item])


# --- Open for a channel --------------------------------------------------------------------


def test_opening_a_link_for_an_allowed_channel_redirects_to_it_and_is_logged(
    client, communications, school, purposes, pupils
):
    zoe, _sem, _lotte = pupils
    website = purposes[0]
    item = link_item(communications, school, [zoe])
    client.force_login(communications)

    page = client.get(reverse("library_item", args=[item.pk]))
    response = open_for(client, item, website)

    # The item page lets its form end at the link's host only (CSP form-action).
    assert "form-action 'self' https://photos.example.org;" in page["Content-Security-Policy"]
    assert (response.status_code, response["Location"]) == (302, ALBUM)
    download = LibraryDownload.objects.get()
    assert (download.item, download.purpose, download.override_reason) == (item, website, "")
    entry = AccessLogEntry.objects.get(detail__contains="link opened for purpose")
    assert list(entry.subjects.values_list("pk", flat=True)) == [zoe.pk]


def test_opening_a_link_someone_may_not_appear_with_needs_a_reason(
    client, communications, school, purposes, pupils
):
    zoe, sem, _lotte = pupils
    website = purposes[0]
    item = link_item(communications, school, [zoe, sem])
    client.force_login(communications)

    refused = open_for(client, item, website)

    assert refused.status_code == 400
    assert "Sem Bakker may not appear on this channel." in refused.content.decode()
    assert "form-action 'self' https://photos.example.org;" in refused["Content-Security-Policy"]
    assert not LibraryDownload.objects.exists()
    assert not AccessLogEntry.objects.filter(detail__contains="link opened").exists()

    allowed = open_for(client, item, website, override_reason="Sem is not recognisable.")

    assert (allowed.status_code, allowed["Location"]) == (302, ALBUM)
    assert LibraryDownload.objects.get().override_reason == "Sem is not recognisable."


def test_a_link_nobody_marked_yet_needs_a_reason(client, communications, school, purposes):
    item = LibraryItem.objects.create(
        school=school,
        title="Unmarked",
        media_type=f.media("photo"),
        link=ALBUM,
        uploaded_by=communications,
        uploaded_at=timezone.now(),
    )
    client.force_login(communications)

    response = open_for(client, item, purposes[0])

    assert response.status_code == 400
    assert "Nobody has marked yet who is on it." in response.content.decode()
    assert not LibraryDownload.objects.exists()


def test_an_international_host_and_a_port_are_allowed_in_ascii(client, communications, school):
    client.force_login(communications)
    assert (
        register(client, school, link="https://foto.bücher.example:8443/album").status_code == 302
    )
    item = LibraryItem.objects.get()

    response = client.get(reverse("library_item", args=[item.pk]))

    assert "link to foto.bücher.example" in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "form-action 'self' https://foto.xn--bcher-kva.example:8443;" in policy


def test_a_file_items_page_adds_no_host_to_the_forms_it_may_post_to(client, communications, school):
    item = make_item(communications, school)
    client.force_login(communications)

    response = client.get(reverse("library_item", args=[item.pk]))

    assert "form-action 'self';" in response["Content-Security-Policy"]


# --- Outsiders -----------------------------------------------------------------------------


def test_staff_of_another_school_get_404_and_open_nothing(
    client, communications, other_school_communications, school, purposes, pupils
):
    zoe, _sem, _lotte = pupils
    item = link_item(communications, school, [zoe])
    client.force_login(other_school_communications)

    assert client.get(reverse("library_link") + f"?school={school.pk}").status_code == 404
    assert register(client, school).status_code == 404
    assert open_for(client, item, purposes[0]).status_code == 404
    assert client.get(reverse("library_item", args=[item.pk])).status_code == 404
    assert LibraryItem.objects.get() == item
    assert not LibraryDownload.objects.exists()


def test_parents_the_council_and_staff_without_a_role_get_403(
    client, communications, school, mother, purposes, pupils
):
    zoe, _sem, _lotte = pupils
    item = link_item(communications, school, [zoe])
    council = f.RoleFactory(school=school, kind="council").user
    teacher = f.StaffMemberFactory(board=school.board, schools=[school], user=f.UserFactory())
    for user in (mother.user, council, teacher.user):
        client.force_login(user)
        assert client.get(reverse("library_link")).status_code == 403
        assert register(client, school).status_code == 403
        assert open_for(client, item, purposes[0]).status_code == 403
    assert LibraryItem.objects.get() == item
    assert not LibraryDownload.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, communications, school, purposes):
    item = link_item(communications, school)

    response = open_for(client, item, purposes[0])

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not LibraryDownload.objects.exists()


# --- Retention -----------------------------------------------------------------------------


def test_an_old_link_is_reviewed_and_deleted_without_a_file_and_logged(
    client, administrator, school, pupils, library_storage, django_capture_on_commit_callbacks
):
    zoe, _sem, _lotte = pupils
    with time_machine.travel(NOW - dt.timedelta(days=800), tick=False):
        item = link_item(administrator, school, [zoe], title="Old album")
    client.force_login(administrator)

    review = client.get(reverse("library_retention") + f"?school={school.pk}")
    assert [i.title for i in review.context["page"].object_list] == ["Old album"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("library_item_delete", args=[item.pk]), {"confirm": "on"})

    assert response.status_code == 302
    assert not LibraryItem.objects.exists()
    entry = AccessLogEntry.objects.get(detail=f"library item {item.pk} deleted")
    assert list(entry.subjects.values_list("pk", flat=True)) == [zoe.pk]
    assert not any(library_storage.rglob("*.*"))
