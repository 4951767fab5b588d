"""Parents see where their child was published and can ask for a takedown (issue 21)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consents.communications.publications import publication_record
from consents.communications.takedowns import takedown_request
from consents.models import Guardianship, OutboxMessage, TakedownTask

from . import factories as f
from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]


@pytest.fixture
def publication(communications, school, website, photo, child, mother):
    record(mother.user, child, website, photo)
    classmate = f.StudentFactory(school=school, first_name="Sem", last_name="Bakker")
    record(f.GuardianFactory(students=[classmate]).user, classmate, website, photo)
    return publication_record(
        user=communications,
        school=school,
        title="Sportdag 2a",
        purpose=website,
        media_type=photo,
        published_on=dt.date(2026, 9, 1),
        url="https://school.example.org/sportdag",
        people=[child, classmate],
    )


def request_url(child, publication):
    return reverse("publication_takedown_request", args=[child.key, publication.pk])


def test_a_parent_sees_the_publications_of_their_child_and_no_one_elses_name(
    client, mother, child, publication
):
    client.force_login(mother.user)
    html = client.get(reverse("my_consent")).content.decode()
    listed = html[html.index(f'id="publications-{child.key}"') :]
    assert "Sportdag 2a" in listed and "https://school.example.org/sportdag" in listed
    assert "Website, Photo, 1 September 2026" in listed
    assert request_url(child, publication) in listed
    assert "Sem Bakker" not in html


def test_a_guardians_takedown_request_opens_exactly_one_task_and_tells_staff_by_the_outbox(
    client,
    mother,
    child,
    publication,
    communications,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    client.force_login(mother.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url(child, publication), {"reason": "Zij wil het niet."})
    assert response.status_code == 302
    task = TakedownTask.objects.get()
    assert (task.publication, task.subject_id, task.origin) == (publication, child.pk, "request")
    assert (task.requested_by, task.request_reason) == (mother.user, "Zij wil het niet.")
    message = OutboxMessage.objects.get(template=OutboxMessage.Template.TAKEDOWN)
    assert message.context["tasks"] == [task.pk]
    assert [m.to for m in mail.outbox] == [[communications.email]]
    assert "Sportdag 2a" in mail.outbox[0].body and "Zij wil het niet." in mail.outbox[0].body

    # Asked again: still one task, and the parent is told why.
    response = client.post(request_url(child, publication), {"reason": "Nogmaals."})
    assert response.status_code == 200
    assert "already taking this publication down" in response.content.decode()
    assert TakedownTask.objects.count() == 1
    html = client.get(reverse("my_consent")).content.decode()
    assert "The school is taking this down." in html


def test_a_takedown_request_needs_a_reason_and_writes_nothing_without_one(
    client, mother, child, publication
):
    client.force_login(mother.user)
    response = client.post(request_url(child, publication), {"reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not TakedownTask.objects.exists() and not OutboxMessage.objects.exists()


def test_another_familys_child_or_a_publication_without_the_child_is_not_found(
    client,
    other_family_guardian,
    mother,
    child,
    publication,
    communications,
    school,
    website,
    photo,
):
    client.force_login(other_family_guardian.user)
    assert client.get(request_url(child, publication)).status_code == 404
    assert client.post(request_url(child, publication), {"reason": "x"}).status_code == 404

    other = publication_record(
        user=communications,
        school=school,
        title="Zonder Zoë",
        purpose=website,
        media_type=photo,
        published_on=dt.date(2026, 9, 2),
        people=[f.StudentFactory(school=school)],
        override_reason="test",
    )
    client.force_login(mother.user)
    assert client.post(request_url(child, other), {"reason": "x"}).status_code == 404
    assert not TakedownTask.objects.exists()


def test_once_the_child_is_16_the_guardian_is_told_the_child_decides(
    client, mother, child, publication
):
    with time_machine.travel(amsterdam(2029, 3, 14, 9), tick=False):
        client.force_login(mother.user)
        response = client.post(request_url(child, publication), {"reason": "Weg ermee."})
    assert response.status_code == 200
    assert "decides alone" in response.content.decode()
    assert not TakedownTask.objects.exists()


def test_each_childs_card_shows_its_own_publications_read_for_all_children_at_once(
    client, mother, child, publication, school, communications
):
    client.force_login(mother.user)
    with CaptureQueriesContext(connection) as one_child:
        client.get(reverse("my_consent"))
    sibling = f.StudentFactory(
        school=school, first_name="Daan", last_name="de Vries", date_of_birth=dt.date(2015, 2, 1)
    )
    Guardianship.objects.create(guardian=mother, student=sibling)
    publication.entries.create(subject=sibling)
    takedown_request(user=mother.user, subject=child, publication=publication, reason="Nee.")
    with CaptureQueriesContext(connection) as two_children:
        html = client.get(reverse("my_consent")).content.decode()

    # The task is the child's: the sibling on the same publication can still ask.
    own = html[html.index(f'id="publications-{child.key}"') :]
    own = own[: own.index("</details>")]
    theirs = html[html.index(f'id="publications-{sibling.key}"') :]
    theirs = theirs[: theirs.index("</details>")]
    assert "The school is taking this down." in own and request_url(child, publication) not in own
    assert request_url(sibling, publication) in theirs and "taking this down" not in theirs
    assert publication_queries(two_children) == publication_queries(one_child) == 1


def publication_queries(captured) -> int:
    return sum('FROM "consents_publicationperson"' in q["sql"] for q in captured.captured_queries)
