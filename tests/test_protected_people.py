"""Protected people (rule 12): "must not appear" whatever any consent says (issue 21)."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consents.communications.protection import protection_set
from consents.communications.publications import publication_record
from consents.dates import school_today
from consents.models import MediaType, OutboxMessage, Protection, Subject, TakedownTask
from consents.privacy.subject_access import subject_access_data
from consents.reports.exports import ExportRequest, Kind, export_rows
from consents.rules import State, verdicts

from . import factories as f
from .helpers import record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_in_english")]

NOTE = "Court order of 1 November 2026 (file 123)."


def protect(administrator, person, protected=True, note=NOTE):
    return protection_set(user=administrator, subject=person, protected=protected, note=note)


@pytest.fixture
def granted_everything(child, mother, father, purposes):
    for purpose in purposes:
        for media in MediaType.objects.all():
            record(mother.user, child, purpose, media)
            record(father.user, child, purpose, media)


def test_a_protected_person_is_not_allowed_for_every_purpose_and_media_type_whatever_the_decisions(
    administrator, child, granted_everything, purposes
):
    before = verdicts([child.pk], on=school_today())
    assert {v.state for v in before.values()} == {State.ALLOWED}

    protect(administrator, child)

    after = verdicts([child.pk], on=school_today())
    assert after.keys() == before.keys()
    assert len(after) == len(purposes) * MediaType.objects.count()
    for verdict in after.values():
        assert verdict.state == State.NOT_ALLOWED and not verdict.allowed
        assert verdict.label == "not allowed (protected)"
        assert "protected" in verdict.explanation and "Court order" not in verdict.explanation


def test_a_protected_staff_member_and_a_student_without_answers_are_not_allowed_either(
    administrator, school, website, photo
):
    staff = f.StaffMemberFactory(board=school.board, schools=[school], user=f.UserFactory())
    nobody_answered = f.StudentFactory(school=school)
    record(staff.user, staff, website, photo)
    assert verdicts([staff.pk], on=school_today(), purposes=[website])[
        (staff.pk, website.pk, photo.pk)
    ].allowed
    for person in (staff, nobody_answered):
        protect(administrator, person)
        found = verdicts([person.pk], on=school_today(), purposes=[website])
        assert {v.state for v in found.values()} == {State.NOT_ALLOWED}


def test_lifting_the_protection_gives_back_the_verdict_of_the_decisions(
    administrator, child, granted_everything
):
    protect(administrator, child)
    protect(administrator, child, protected=False, note="Order lifted.")
    assert {v.state for v in verdicts([child.pk], on=school_today()).values()} == {State.ALLOWED}
    assert list(Protection.objects.values_list("protected", "note").order_by("pk")) == [
        (True, NOTE),
        (False, "Order lifted."),
    ]


def test_protection_needs_an_administrator_of_the_school_and_a_note_and_changes_nothing_otherwise(
    administrator, other_school_administrator, communications, child
):
    with pytest.raises(PermissionDenied):
        protect(communications, child)
    with pytest.raises(PermissionDenied):
        protect(other_school_administrator, child)
    with pytest.raises(ValidationError):
        protect(administrator, child, note="   ")
    with pytest.raises(ValidationError):
        protect(administrator, child, protected=False)  # not protected to begin with
    child.refresh_from_db()
    assert not child.protected and not Protection.objects.exists()


def test_protecting_opens_a_takedown_task_per_publication_and_tells_staff_without_the_reason(
    administrator,
    communications,
    school,
    website,
    photo,
    child,
    granted_everything,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    publications = [
        publication_record(
            user=communications,
            school=school,
            title=title,
            purpose=website,
            media_type=photo,
            published_on=dt.date(2026, 9, 1),
            people=[child],
        )
        for title in ("Sportdag", "Open dag")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        protect(administrator, child)

    tasks = TakedownTask.objects.filter(subject=child)
    assert {t.publication for t in tasks} == set(publications)
    assert {t.origin for t in tasks} == {"protected"}
    assert OutboxMessage.objects.filter(template=OutboxMessage.Template.TAKEDOWN).count() == 1
    assert [m.to for m in mail.outbox] == [[communications.email]]
    body = mail.outbox[0].body
    assert "Sportdag" in body and "may no longer appear" in body and "Court order" not in body


def test_communications_staff_see_protected_without_the_reason(
    client, communications, administrator, child, granted_everything, website, photo
):
    protect(administrator, child)
    client.force_login(communications)
    person = client.get(reverse("communications_person", args=[child.pk])).content.decode()
    assert "must not appear" in person and "not allowed (protected)" in person
    assert "Court order" not in person
    lookup = client.get(reverse("communications_lookup"), {"q": "vries"}).content.decode()
    assert "not allowed (protected)" in lookup and "Court order" not in lookup


def test_the_administrator_marks_a_person_on_the_people_page_with_a_required_note(
    client, administrator, child
):
    client.force_login(administrator)
    url = reverse("person_protection", args=[child.key])
    response = client.post(url, {"protected": "True", "note": ""}, follow=True)
    assert "This field is required." in response.content.decode()
    assert not Subject.objects.get(pk=child.pk).protected

    response = client.post(url, {"protected": "True", "note": NOTE}, follow=True)
    html = response.content.decode()
    assert Subject.objects.get(pk=child.pk).protected
    assert "is now protected" in html and NOTE in html


def test_the_flag_is_in_the_register_export_and_subject_access_not_the_note(
    administrator, child, school, granted_everything
):
    protect(administrator, child)
    header, rows = export_rows(
        ExportRequest(kind=Kind.REGISTER_STATUS, school_ids=(school.pk,), on=school_today())
    )
    rows = list(rows)
    column = [str(h) for h in header].index("must not appear")
    assert rows and {row[column] for row in rows} == {"yes"}
    assert all(NOTE not in str(cell) for row in rows for cell in row)

    child.refresh_from_db()
    data = subject_access_data(child)
    assert data["person"]["must_not_appear"] is True
    assert NOTE not in json.dumps(data, default=str)


def test_another_family_learns_nothing_of_the_protection(
    client, administrator, child, other_family_guardian
):
    protect(administrator, child)
    client.force_login(other_family_guardian.user)
    for url in (reverse("my_consent"), reverse("my_data", args=["json"])):
        html = client.get(url).content.decode()
        assert child.first_name not in html and "protected" not in html.lower()
