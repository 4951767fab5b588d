"""A child under 16 with no registered guardian: an administrator records the paper or phone
decision of a guardian who is not registered yet; it counts until a registered guardian
decides, and then the registered guardian's decision takes over.

Cast: `orphan` (13) has no guardian in the portal; `administrator` works at their school;
`mother` is registered for another child, `child`, and later for `orphan` as well.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consents import stored
from consents.decisions.chain import chain_verify
from consents.decisions.services import (
    InvalidDecision,
    consent_status_rebuild,
    consent_text_publish,
)
from consents.models import (
    ConsentDecision,
    ConsentStatus,
    DecisionEvidence,
    Guardianship,
    Student,
)
from consents.privacy.retention import subject_erase
from consents.privacy.subject_access import subject_access_data
from consents.rules import DecisionNotAllowed, State, verdict_for, verdicts, voices_to_ask

from . import factories as f
from .helpers import amsterdam, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = dt.date(2026, 10, 1)
NAME = "Fatima Yılmaz"


@pytest.fixture(autouse=True)
def in_october_2026(private_media):
    with time_machine.travel(amsterdam(2026, 10, 1), tick=False):
        yield


@pytest.fixture
def orphan(school):
    return f.StudentFactory(
        school=school, first_name="Emre", last_name="Yılmaz", date_of_birth=dt.date(2013, 6, 2)
    )


def by_phone(administrator, subject, purpose, media_type, value="granted", name=NAME, **kw):
    return record(
        administrator,
        subject,
        purpose,
        media_type,
        value,
        method="recorded",
        guardian_name=name,
        note="Moeder belde op 1 oktober, genoteerd door J. de Boer.",
        **kw,
    )


def verdict(subject, purpose, media_type, on=TODAY):
    return verdict_for(subject, purpose, media_type, on=on)


# --- The rules -------------------------------------------------------------------------


def test_the_decision_of_a_guardian_who_is_not_registered_counts(
    administrator, orphan, website, photo
):
    decision = by_phone(administrator, orphan, website, photo)
    found = verdict(orphan, website, photo)
    assert found.state == State.ALLOWED
    assert f"{NAME} (guardian, not registered)" in found.explanation
    assert decision.capacity == ConsentDecision.Capacity.UNREGISTERED
    assert decision.guardian is None
    assert DecisionEvidence.objects.get(decision=decision).guardian_name == NAME
    assert chain_verify().ok


def test_a_refusal_by_a_guardian_who_is_not_registered_counts(
    administrator, orphan, website, photo
):
    by_phone(administrator, orphan, website, photo, "refused")
    assert verdict(orphan, website, photo).state == State.NOT_ALLOWED


def test_it_still_counts_after_a_guardian_is_registered_until_that_guardian_decides(
    administrator, orphan, mother, website, photo
):
    by_phone(administrator, orphan, website, photo, "refused")
    Guardianship.objects.create(guardian=mother, student=orphan)
    assert verdict(orphan, website, photo).state == State.NOT_ALLOWED


def test_a_registered_guardians_decision_takes_over(administrator, orphan, mother, website, photo):
    by_phone(administrator, orphan, website, photo, "refused")
    Guardianship.objects.create(guardian=mother, student=orphan)
    record(mother.user, orphan, website, photo, "granted")
    found = verdict(orphan, website, photo)
    assert found.state == State.ALLOWED
    assert not found.disputed
    assert [d.guardian_id for d in found.decisions] == [mother.pk]
    # The log keeps both, in one intact chain.
    assert ConsentDecision.objects.filter(subject=orphan).count() == 2
    assert chain_verify().ok


def test_a_registered_guardians_refusal_takes_over_a_grant(
    administrator, orphan, mother, website, photo
):
    by_phone(administrator, orphan, website, photo, "granted")
    Guardianship.objects.create(guardian=mother, student=orphan)
    record(mother.user, orphan, website, photo, "refused")
    assert verdict(orphan, website, photo).state == State.NOT_ALLOWED


def test_it_takes_over_only_the_purpose_the_registered_guardian_decided(
    administrator, orphan, mother, purposes, photo
):
    website, yearbook = purposes
    by_phone(administrator, orphan, website, photo, "granted")
    by_phone(administrator, orphan, yearbook, photo, "granted")
    Guardianship.objects.create(guardian=mother, student=orphan)
    record(mother.user, orphan, website, photo, "refused")
    assert verdict(orphan, website, photo).state == State.NOT_ALLOWED
    assert verdict(orphan, yearbook, photo).state == State.ALLOWED


def test_the_grant_of_a_guardian_who_is_not_registered_can_be_withdrawn(
    administrator, orphan, website, photo
):
    by_phone(administrator, orphan, website, photo, "granted")
    by_phone(administrator, orphan, website, photo, "withdrawn")
    assert verdict(orphan, website, photo).state == State.NOT_ALLOWED


def test_nothing_to_withdraw_without_a_grant_of_that_voice(administrator, orphan, website, photo):
    with pytest.raises(InvalidDecision, match="no consent to withdraw"):
        by_phone(administrator, orphan, website, photo, "withdrawn")
    assert not ConsentDecision.objects.exists()


def test_not_for_a_child_who_has_a_registered_guardian(
    administrator, child, mother, website, photo
):
    with pytest.raises(DecisionNotAllowed, match="has a registered guardian"):
        by_phone(administrator, child, website, photo)
    assert not ConsentDecision.objects.exists()


def test_not_for_a_student_of_16_who_decides_alone(administrator, school, website, photo):
    student = f.StudentFactory(school=school, date_of_birth=dt.date(2009, 5, 1))
    with pytest.raises(DecisionNotAllowed, match="decides alone"):
        by_phone(administrator, student, website, photo)
    assert not ConsentDecision.objects.exists()


def test_only_an_administrator_records_it(orphan, mother, website, photo):
    with pytest.raises(DecisionNotAllowed, match="administrator"):
        by_phone(mother.user, orphan, website, photo)
    with pytest.raises(DecisionNotAllowed, match="Only an administrator"):
        record(mother.user, orphan, website, photo, guardian_name=NAME)
    assert not ConsentDecision.objects.exists()


def test_a_registered_and_an_unregistered_guardian_at_once_is_refused(
    administrator, child, mother, website, photo
):
    with pytest.raises(InvalidDecision, match="Name either"):
        by_phone(administrator, child, website, photo, guardian=mother)
    assert not ConsentDecision.objects.exists()


def test_at_16_it_stands_until_the_student_decides(administrator, orphan, website, photo):
    orphan.user = f.UserFactory()
    orphan.save()
    by_phone(administrator, orphan, website, photo, "granted")
    sixteen = dt.date(2029, 6, 2)
    found = verdict(orphan, website, photo, on=sixteen)
    assert found.state == State.ALLOWED and found.inherited_from_guardians
    with time_machine.travel(amsterdam(2029, 6, 3), tick=False):
        record(orphan.user, orphan, website, photo, "refused")
    found = verdict(orphan, website, photo, on=dt.date(2029, 6, 3))
    assert found.state == State.NOT_ALLOWED and not found.inherited_from_guardians
    # The student's own voice and the guardians' are two rows of the status table.
    assert ConsentStatus.objects.filter(subject=orphan).count() == 2


def test_the_child_is_not_asked_after_a_material_change(administrator, orphan, website, photo):
    by_phone(administrator, orphan, website, photo, "granted")
    consent_text_publish(
        purpose=website, body_nl="Nieuw", body_en="New", change="material", created_by=None
    )
    asked = voices_to_ask([orphan.pk], on=TODAY, changed_text_only=True)
    assert None not in asked.get(orphan.pk, set())


def test_rebuilding_the_status_keeps_the_voices_apart(
    administrator, orphan, mother, website, photo
):
    by_phone(administrator, orphan, website, photo, "granted")
    Guardianship.objects.create(guardian=mother, student=orphan)
    record(mother.user, orphan, website, photo, "refused")
    before = set(ConsentStatus.objects.values_list("decision_id", "unregistered"))
    assert consent_status_rebuild() == 2
    assert set(ConsentStatus.objects.values_list("decision_id", "unregistered")) == before
    assert verdict(orphan, website, photo).state == State.NOT_ALLOWED


# --- The paper form page ----------------------------------------------------------------


def url(subject):
    return reverse("paper_record", args=[subject.key])


def answer(purpose, media_type):
    return f"answer_{purpose.id}_{media_type.id}"


def test_the_paper_page_asks_the_name_of_the_guardian_for_a_child_without_one(
    client, administrator, orphan, website, photo
):
    client.force_login(administrator)
    form = client.get(url(orphan)).context["form"]
    assert "guardian_name" in form.fields and "guardian" not in form.fields


def test_the_paper_page_records_the_decision_of_a_guardian_who_is_not_registered(
    client, administrator, orphan, website, photo
):
    client.force_login(administrator)
    response = client.post(
        url(orphan),
        {
            "method": "recorded",
            "guardian_name": NAME,
            "note": "Belde op 1 oktober",
            answer(website, photo): "granted",
        },
    )
    assert response.status_code == 302
    decision = ConsentDecision.objects.get()
    assert decision.capacity == ConsentDecision.Capacity.UNREGISTERED
    assert decision.evidence.guardian_name == NAME
    assert decision.evidence.note == "Belde op 1 oktober"
    assert verdict(orphan, website, photo).state == State.ALLOWED
    page = client.get(reverse("person_detail", args=[orphan.key])).content.decode()
    assert f"{NAME} (guardian, not registered)" in page


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("guardian_name", "Give the name of the guardian whose decision this is."),
        ("note", "Write a note: how and when was the decision given?"),
    ],
)
def test_without_a_name_or_a_note_nothing_is_recorded(
    client, administrator, orphan, website, photo, missing, message
):
    client.force_login(administrator)
    data = {
        "method": "recorded",
        "guardian_name": NAME,
        "note": "Belde op 1 oktober",
        answer(website, photo): "granted",
    }
    data[missing] = "   "
    response = client.post(url(orphan), data)
    assert response.status_code == 200
    assert response.context["form"].errors[missing] == [message]
    assert message in response.content.decode()
    assert not ConsentDecision.objects.exists()
    assert not DecisionEvidence.objects.exists()


def test_the_paper_page_of_a_child_with_a_guardian_asks_for_that_guardian(
    client, administrator, child, mother, website, photo
):
    client.force_login(administrator)
    form = client.get(url(child)).context["form"]
    assert "guardian" in form.fields and "guardian_name" not in form.fields


def test_erasing_a_child_who_left_erases_the_guardians_name(administrator, orphan, website, photo):
    by_phone(administrator, orphan, website, photo)
    Student.objects.filter(pk=orphan.pk).update(date_left=dt.date(2026, 9, 30))
    subject_erase(Student.objects.get(pk=orphan.pk), today=dt.date(2029, 1, 1))
    evidence = DecisionEvidence.objects.get()
    assert evidence.guardian_name == "" and evidence.note == ""
    assert chain_verify().ok


def test_the_persons_data_download_names_the_guardian_who_is_not_registered(
    administrator, orphan, website, photo
):
    by_phone(administrator, orphan, website, photo)
    (row,) = subject_access_data(orphan)["decisions"]
    assert row["guardian_not_registered"] == NAME


def test_naming_unregistered_guardians_takes_a_constant_number_of_queries(
    administrator, school, website, photo
):
    def queries_for(count):
        children = [f.StudentFactory(school=school) for _ in range(count)]
        for child in children:
            by_phone(administrator, child, website, photo)
        with CaptureQueriesContext(connection) as queries:
            found = verdicts([c.pk for c in children], on=TODAY, purposes=[website])
            texts = [v.explanation for v in found.values() if v.decisions]
        assert len(texts) == count
        assert all(f"{NAME} (guardian, not registered)" in text for text in texts)
        return len(queries)

    assert queries_for(1) == queries_for(3)


def test_counting_with_unregistered_guardians_takes_a_constant_number_of_queries(
    administrator, school, website, photo
):
    """`verdicts(detail=False)` loads only the declared rule inputs; the decision's capacity
    is one of them, so no decision is read again one by one."""

    def queries_for(count):
        children = [f.StudentFactory(school=school) for _ in range(count)]
        for child in children:
            by_phone(administrator, child, website, photo)
        with CaptureQueriesContext(connection) as queries:
            found = verdicts(
                [c.pk for c in children],
                on=TODAY,
                purposes=[website],
                media_types=[photo],
                detail=False,
            )
        assert [v.state for v in found.values()] == [State.ALLOWED] * count
        return len(queries)

    assert queries_for(1) == queries_for(3)


def test_the_stored_verdict_follows_the_guardian_who_is_not_registered(
    administrator, orphan, mother, website, photo
):
    stored.refresh()
    by_phone(administrator, orphan, website, photo)
    stored.refresh()
    scope = {"purposes": [website], "media_types": [photo]}
    assert stored.states([orphan.pk], on=TODAY, **scope) == [
        (orphan.pk, website.pk, photo.pk, State.ALLOWED.value)
    ]
    Guardianship.objects.create(guardian=mother, student=orphan)
    record(mother.user, orphan, website, photo, value="refused")
    stored.refresh()
    assert stored.states([orphan.pk], on=TODAY, **scope) == [
        (orphan.pk, website.pk, photo.pk, State.NOT_ALLOWED.value)
    ]
