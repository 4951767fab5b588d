"""Subject access: everything held on one person, as JSON and PDF, and every download logged."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from consents.models import ExportLog, Guardianship
from consents.privacy.subject_access import subject_access_data, user_access_data

from . import factories as f
from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def in_october_2026():
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        yield


@pytest.fixture
def history(child, mother, father, website, photo):
    record(mother.user, child, website, photo, ip_address="192.0.2.7", user_agent="Firefox")
    record(father.user, child, website, photo, value="refused")


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_data_holds_the_person_guardians_decisions_and_evidence(history, child):
    data = subject_access_data(child)
    assert data["person"]["first_name"] == "Zoë"
    assert data["person"]["date_of_birth"] == dt.date(2013, 3, 14)
    assert {g["email"] for g in data["guardians"]} == {"sanne@example.org", "mark@example.org"}
    assert [d["decision"] for d in data["decisions"]] == ["granted", "refused"]
    assert data["decisions"][0]["ip_address"] == "192.0.2.7"
    assert data["decisions"][0]["user_agent"] == "Firefox"
    assert {row["state"] for row in data["current_status"]} >= {"not allowed"}


def test_an_administrator_downloads_json_and_each_download_is_logged(
    client, administrator, history, child
):
    client.force_login(administrator)
    response = client.get(reverse("subject_access_admin", args=[child.key, "json"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["person"]["last_name"] == "Vries" and len(data["decisions"]) == 2
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.format, log.subject_id, log.rows) == (
        administrator,
        ExportLog.Kind.SUBJECT_ACCESS,
        "json",
        child.pk,
        2,
    )


def test_the_pdf_contains_the_same_decisions(client, administrator, history, child):
    client.force_login(administrator)
    response = client.get(reverse("subject_access_admin", args=[child.key, "pdf"]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Zoë" in text and "Vries" in text
    assert text.count("192.0.2.7") == 1
    assert "sanne@example.org" in text
    assert ExportLog.objects.get().format == "pdf"


def test_an_administrator_of_another_school_gets_404(client, other_school_administrator, child):
    client.force_login(other_school_administrator)
    response = client.get(reverse("subject_access_admin", args=[child.key, "json"]))
    assert response.status_code == 404
    assert not ExportLog.objects.exists()


def test_council_members_may_not_download_personal_data(client, council_member, child):
    client.force_login(council_member)
    assert client.get(reverse("subject_access_admin", args=[child.key, "json"])).status_code == 403


def test_a_guardian_gets_their_own_data_and_their_children_under_16(
    client, history, school, child, mother
):
    # 17 on 1 October 2026: decides alone, so the guardian does not get the record.
    older = f.StudentFactory(school=school, date_of_birth=dt.date(2009, 1, 1))
    Guardianship.objects.create(guardian=mother, student=older)
    data = user_access_data(mother.user)
    assert data["account"]["email"] == "sanne@example.org"
    assert [c["person"]["key"] for c in data["children"]] == [str(child.key)]
    assert [d["decision"] for d in data["as_guardian"]["decisions_given"]] == ["granted"]
    client.force_login(mother.user)
    response = client.get(reverse("my_data", args=["pdf"]))
    assert "Zoë" in pdf_text(response.content)
    assert ExportLog.objects.get().user == mother.user


def test_a_student_gets_their_own_record(client, school, website, photo):
    user = f.UserFactory(email="bronte@example.org")
    student = f.StudentFactory(school=school, date_of_birth=dt.date(2009, 1, 1), user=user)
    record(user, student, website, photo)
    client.force_login(user)
    data = json.loads(client.get(reverse("my_data", args=["json"])).content)
    assert data["own_record"]["person"]["key"] == str(student.key)
    assert len(data["own_record"]["decisions"]) == 1
